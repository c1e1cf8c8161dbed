//! The stable reason codes of `check` and `monitor`: why a resource has the
//! status it has. One table, from the providers to the reports: a provider
//! names the code in its [`Signal`](crate::observation::Signal), the
//! classifier carries it into the verdict, the state and the reports store it.
//! A code is a type everywhere and becomes text only where it is written out.
//!
//! A code names one finding forever: rename nothing, only add (an old name
//! may be kept as an alias, so a state written by an older version still reads).
//! `docs/check.md` carries [`Reason::markdown_table`] between markers, and a
//! test holds the two equal; the check-report schema lists [`Reason::ALL`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! reasons {
    ($( $variant:ident = $text:literal, $status:literal, $meaning:literal; )*) => {
        /// Why a resource has its status. Written as its kebab-case name;
        /// [`Reason::Http`] as `http-<status>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Reason {
            $( $variant, )*
            /// Decided by this HTTP status alone (a website's 404, an API's 503).
            Http(u16),
        }

        impl Reason {
            /// Every code but the HTTP ones, in table order.
            pub const ALL: &'static [Reason] = &[ $( Reason::$variant, )* ];

            fn fixed(self) -> Option<(&'static str, &'static str, &'static str)> {
                match self {
                    $( Reason::$variant => Some(($text, $status, $meaning)), )*
                    Reason::Http(_) => None,
                }
            }
        }
    };
}

reasons! {
    Alive = "alive", "ok", "The resource answered and is there.";
    NotModified = "not-modified", "ok", "A conditional request answered 304: unchanged since the last run.";
    LastUpdateTooOld = "last-update-too-old", "stale", "The newest last-update date is older than the threshold.";
    RedirectPermanent = "redirect-permanent", "moved", "A website answered with permanent redirects (301/308) only, to another page.";
    GithubRenamed = "github-renamed", "moved", "GitHub answered under another owner or name (a rename or transfer).";
    GitlabRenamed = "gitlab-renamed", "moved", "GitLab answered under another path.";
    HuggingfaceRenamed = "huggingface-renamed", "moved", "The Hub answered under another repository id.";
    GithubArchived = "github-archived", "archived", "`archived: true` (REST) or `isArchived` (GraphQL): read-only.";
    GitlabArchived = "gitlab-archived", "archived", "`archived: true`: read-only.";
    DataverseArchived = "dataverse-archived", "archived", "`versionState: ARCHIVED` (a legacy state Dataverse's version endpoints no longer return; kept so old states read).";
    NoSuchHost = "no-such-host", "dead", "The host name does not resolve, while other names resolved in the same run.";
    GithubNotFound = "github-not-found", "dead", "REST 404 or GraphQL `NOT_FOUND`: deleted, or private.";
    GithubDisabled = "github-disabled", "dead", "`disabled: true`, or 403 \"Repository access blocked\".";
    GithubLegalBlock = "github-legal-block", "dead", "451 Unavailable For Legal Reasons (a DMCA takedown): nobody can reach it.";
    ZenodoDeleted = "zenodo-deleted", "dead", "Zenodo answers 410: the record was deleted; the message carries Zenodo's text.";
    ZenodoNotFound = "zenodo-not-found", "dead", "Zenodo answers 404 for the record and for its latest version: no such record or concept.";
    FigshareNotFound = "figshare-not-found", "dead", "figshare answers 404 for the article.";
    HuggingfaceNotFound = "huggingface-not-found", "dead", "The Hub answers 401 or 404 (with `X-Error-Code: RepoNotFound`) to an anonymous caller: missing or private.";
    HuggingfaceDisabled = "huggingface-disabled", "dead", "`disabled: true`, or the Hub's \"disabled\" error.";
    GitlabNotFound = "gitlab-not-found", "dead", "GitLab answers 404 `Project Not Found` for the path, and its Groups API knows no group there either: deleted, or private.";
    GitlabMarkedForDeletion = "gitlab-marked-for-deletion", "dead", "`marked_for_deletion_on` (or `_at`) is set, or GitLab renamed the project `...-deletion_scheduled-{id}`: the owners asked for deletion.";
    OsfNotFound = "osf-not-found", "dead", "OSF answers 404 for the GUID.";
    OsfDeleted = "osf-deleted", "dead", "OSF answers 410 for the GUID's own endpoint: the project, registration, preprint, file or user was deleted.";
    OsfWithdrawn = "osf-withdrawn", "dead", "A withdrawn registration or preprint: only a tombstone remains.";
    DataverseNotFound = "dataverse-not-found", "dead", "Dataverse answers 404 for the persistent id, deaccessioned versions included.";
    DataverseDeaccessioned = "dataverse-deaccessioned", "dead", "The latest published version is `DEACCESSIONED`; the deaccession note is in the message.";
    DataciteNotFound = "datacite-not-found", "dead", "DataCite answers 404 for the DOI. Its public API does so alike for other agencies' DOIs, hidden DOIs and drafts, so such a link is checked as a page instead and this code is not a verdict by itself.";
    DataciteDraft = "datacite-draft", "dead", "A DOI still in `draft` state: it was never published.";
    DataciteInactive = "datacite-inactive", "dead", "`isActive: false`: the DOI was withdrawn.";
    KaggleNotFound = "kaggle-not-found", "dead", "Kaggle answers 404 for a dataset URL (`/datasets/...`) with valid credentials.";
    TciaNotFound = "tcia-not-found", "dead", "The TCIA Collection Manager (its WordPress API) lists no collection with this slug.";
    TciaWithdrawn = "tcia-withdrawn", "dead", "TCIA lists the collection with `hide_from_browse_table` set: retired (or not yet released).";
    PhysionetNotFound = "physionet-not-found", "dead", "PhysioNet answers 404 for the project version, or lists no published version of the project.";
    PhysionetFilesRemoved = "physionet-files-removed", "dead", "PhysioNet reports `main_storage_size` 0: the project's files were deprecated and removed.";
    SynapseNotFound = "synapse-not-found", "dead", "Synapse answers 404: the entity does not exist, or is in the trash can.";
    AwsOpenDataNotFound = "aws-open-data-not-found", "dead", "The Registry of Open Data on AWS has no dataset YAML by this name.";
    S3NoSuchBucket = "s3-no-such-bucket", "dead", "S3 answers `NoSuchBucket` for the bucket the registry names.";
    AwsOpenDataDeprecated = "aws-open-data-deprecated", "archived", "The registry's YAML says `Deprecated: True` (its `DeprecatedNotice` in the message).";
    BotWall = "bot-wall", "blocked", "A bot wall answered instead of the resource (a `cf-mitigated: challenge` header, or a challenge page of a known vendor).";
    AccessDenied = "access-denied", "blocked", "A platform API answered 401/403 without a more specific meaning.";
    LoginWall = "login-wall", "blocked", "A website answered 401 or 403: a login wall or bot protection.";
    LegalBlock = "legal-block", "blocked", "A website answered 451 Unavailable For Legal Reasons.";
    TciaLimitedAccess = "tcia-limited-access", "blocked", "TCIA marks the collection's access Limited: download needs an approved request. Ok for an entry whose `access` is not open.";
    PhysionetRestricted = "physionet-restricted", "blocked", "The project's licence is one of PhysioNet's restricted or credentialed health data licences. Ok for an entry whose `access` is not open.";
    SynapseRestricted = "synapse-restricted", "blocked", "Synapse's `restrictionLevel` is `RESTRICTED_BY_TERMS_OF_USE` or `CONTROLLED_BY_ACT`. Ok for an entry whose `access` is not open.";
    AwsOpenDataRestricted = "aws-open-data-restricted", "blocked", "The registry marks the bucket `ControlledAccess`, `RequesterPays` or `AccountRequired`, or S3 answers `AccessDenied` to an anonymous listing. Ok for an entry whose `access` is not open.";
    Timeout = "timeout", "failing", "No answer within the timeout, after the retries.";
    TlsError = "tls-error", "failing", "The TLS handshake failed (certificate, protocol).";
    NetworkError = "network-error", "failing", "The connection was refused or reset.";
    ProtocolError = "protocol-error", "failing", "The server broke HTTP.";
    RedirectError = "redirect-error", "failing", "A redirect loop, too many hops, or a bad `Location`.";
    ServerError = "server-error", "failing", "The server answered 5xx (or 408) after the retries.";
    ApiUnreachable = "api-unreachable", "failing", "A platform API's own host did not resolve: says nothing about the resource.";
    BadApiAnswer = "bad-api-answer", "failing", "The API answered 200 with a body that is not the shape its documentation gives.";
    GithubBadRedirect = "github-bad-redirect", "failing", "GitHub's REST API redirected somewhere we do not follow.";
    GithubGraphqlError = "github-graphql-error", "failing", "GraphQL answered an error other than `NOT_FOUND` or a rate limit.";
    RateLimited = "rate-limited", "unknown", "The platform rate-limited us (429; a 403 whose headers or message say so; a GraphQL `RATE_LIMITED` or `RATE_LIMIT` error): not a verdict, moves no counter.";
    NeedsCredentials = "needs-credentials", "unknown", "The platform's API needs credentials that are not set (or were rejected).";
    RefusedByAddressPolicy = "refused-by-address-policy", "unknown", "Our own address policy refused the target or a redirect hop: nothing was sent there.";
    BudgetSpent = "budget-spent", "unknown", "The run's time budget was spent before this URL was probed: moves no counter.";
    NetworkUnavailable = "network-unavailable", "unknown", "Most names failed to resolve or connect in this run: our network or resolver, not the resource.";
    NotChecked = "not-checked", "unknown", "No URL of the entry is checked (every URL has `check: false`, or is excluded by `[probe] exclude`, `--exclude` or `.catwatchignore`).";
    Unrecognised = "unrecognised", "unknown", "A code this version does not know, read from a state written by another version.";
}

/// Old names still read from states and reports written by earlier versions.
const ALIASES: &[(&str, Reason)] = &[
    ("connection-failed", Reason::NetworkError),
    ("run-budget-spent", Reason::BudgetSpent),
    ("budget-exhausted", Reason::BudgetSpent),
    ("dns", Reason::NoSuchHost),
    ("cf-mitigated", Reason::BotWall),
    ("github-access-blocked", Reason::GithubDisabled),
];

impl Reason {
    pub fn as_str(self) -> &'static str {
        match (self, self.fixed()) {
            (_, Some((text, _, _))) => text,
            (Reason::Http(status), None) => http_text(status),
            (_, None) => unreachable!("every other code is in the table"),
        }
    }

    /// The status a code usually goes with, as the docs table shows it.
    pub fn status_hint(self) -> &'static str {
        self.fixed()
            .map_or("dead / failing / blocked", |(_, s, _)| s)
    }

    /// One line on what the code means.
    pub fn meaning(self) -> &'static str {
        self.fixed().map_or(
            "Decided by that HTTP status alone (404, 410: dead; 5xx: failing).",
            |(_, _, m)| m,
        )
    }

    /// The reason-code table of docs/check.md.
    pub fn markdown_table() -> String {
        let mut out = String::from("| code | status | meaning |\n|---|---|---|\n");
        for reason in Reason::ALL {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                reason.as_str(),
                reason.status_hint(),
                reason.meaning()
            ));
        }
        out.push_str(&format!(
            "| `http-<status>` | {} | {} |\n",
            Reason::Http(0).status_hint(),
            Reason::Http(0).meaning()
        ));
        out
    }
}

/// `http-<status>` for every status HTTP can carry (100-999), made once.
fn http_text(status: u16) -> &'static str {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let texts = TEXTS.get_or_init(|| (100..1000).map(|s| format!("http-{s}")).collect());
    match status {
        100..=999 => &texts[usize::from(status - 100)],
        _ => "http-invalid",
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that is no reason code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown reason code {0:?}")]
pub struct UnknownReason(pub String);

impl FromStr for Reason {
    type Err = UnknownReason;

    fn from_str(text: &str) -> Result<Reason, UnknownReason> {
        if let Some(found) = Reason::ALL.iter().find(|r| r.as_str() == text) {
            return Ok(*found);
        }
        if let Some((_, found)) = ALIASES.iter().find(|(alias, _)| *alias == text) {
            return Ok(*found);
        }
        text.strip_prefix("http-")
            .filter(|digits| digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse().ok())
            .filter(|status| (100..1000).contains(status))
            .map(Reason::Http)
            .ok_or_else(|| UnknownReason(text.to_owned()))
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Reads leniently: a code from another version becomes [`Reason::Unrecognised`]
/// rather than making a whole state file unreadable.
impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Reason, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(text.parse().unwrap_or(Reason::Unrecognised))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for reason in Reason::ALL {
            let text = reason.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{text}"
            );
            assert_eq!(text.parse::<Reason>(), Ok(*reason));
        }
        for (alias, _) in ALIASES {
            assert!(!seen.contains(alias), "alias {alias} shadows a code");
        }
        assert_eq!("http-404".parse::<Reason>(), Ok(Reason::Http(404)));
        assert_eq!(Reason::Http(503).to_string(), "http-503");
        assert!("http-4040".parse::<Reason>().is_err());
        assert!("nonsense".parse::<Reason>().is_err());
    }

    #[test]
    fn unknown_codes_read_as_unrecognised_and_aliases_as_today_s_codes() {
        let read = |text: &str| serde_json::from_str::<Reason>(&format!("\"{text}\"")).unwrap();
        assert_eq!(read("from-the-future"), Reason::Unrecognised);
        assert_eq!(read("connection-failed"), Reason::NetworkError);
        assert_eq!(read("http-410"), Reason::Http(410));
        assert_eq!(
            serde_json::to_string(&Reason::GithubNotFound).unwrap(),
            "\"github-not-found\""
        );
    }

    /// docs/check.md carries the table between its markers, exactly.
    #[test]
    fn the_docs_table_is_the_code_table() {
        let docs = include_str!("../docs/check.md");
        let start =
            "<!-- reason-codes:start (generated from src/reason.rs; a test keeps it equal) -->\n";
        let end = "<!-- reason-codes:end -->";
        let from = docs
            .find(start)
            .expect("docs/check.md has the start marker")
            + start.len();
        let to = docs[from..]
            .find(end)
            .expect("docs/check.md has the end marker")
            + from;
        assert_eq!(
            &docs[from..to],
            Reason::markdown_table(),
            "docs/check.md's reason codes differ from src/reason.rs; paste Reason::markdown_table() between the markers"
        );
    }

    /// The check-report schema lists exactly the codes of the table.
    #[test]
    fn the_report_schema_lists_every_code() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../schema/check-report.schema.json")).unwrap();
        let listed: Vec<&str> = schema["$defs"]["reason"]["anyOf"][0]["enum"]
            .as_array()
            .expect("$defs.reason.anyOf[0].enum")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(listed, codes);
    }
}
