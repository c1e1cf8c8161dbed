//! What a platform's API says about a resource, for `catwatch add`: its
//! title, description, licence, DOI and dates, each with the API answer and
//! the field it came from.
//!
//! Gathering only. Each platform is asked at the endpoint its provider asks
//! for `check` (the same `[endpoints]`, engine, address policy and
//! credentials), and the answer is read for what a new entry needs. Nothing
//! here judges whether a resource is alive (that is the providers' and
//! `policy`'s), and nothing here writes YAML (that is `commands::add`).
//!
//! Text from a platform is cleaned once, in [`clean`]: HTML tags dropped,
//! entities decoded, whitespace collapsed and the characters `crate::text`
//! hides removed, so that what reaches an entry passes the schema's text
//! rules. A failure is an `Err` that names the URL asked and what answered.

use std::cmp::Ordering;
use std::fmt;

use jiff::Timestamp;
use serde_json::Value;
use url::Url;

use crate::catalog::entry::{Access, UrlRole};
use crate::catalog::platform::{Platform, Target};
use crate::config::Secrets;
use crate::observation::DeclaredLicense;
use crate::probe::fetch::{Fetch, Request, Response};
use crate::probe::providers::{
    Endpoints, api, datacite as datacite_api, dataverse as dataverse_api, figshare as figshare_api,
    github as github_api, huggingface as huggingface_api, kaggle as kaggle_api, website,
    zenodo as zenodo_api,
};

/// Where one fact was read: the API answer's URL and the field in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub url: Url,
    /// `metadata.title`, `titles[0].title`, `<title>`, `Last-Modified`.
    pub field: String,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.url, self.field)
    }
}

/// A value and where it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// The licence a platform declares: as SPDX where it maps
/// ([`crate::license::declared`]), else its text; and the licence's URL
/// when the platform gives one.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribedLicense {
    pub declared: DeclaredLicense,
    pub url: Option<Url>,
}

/// How the data is obtained: what the platform says, or the closest value
/// with what a person should check.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessFact {
    pub access: Access,
    /// The field that says so; `None` when the API does not settle it.
    pub source: Option<Source>,
    /// What to check on the resource's own pages, when the API does not say.
    pub note: Option<String>,
}

impl AccessFact {
    fn said(access: Access, source: Source) -> AccessFact {
        AccessFact {
            access,
            source: Some(source),
            note: None,
        }
    }

    fn guessed(access: Access, note: impl Into<String>) -> AccessFact {
        AccessFact {
            access,
            source: None,
            note: Some(note.into()),
        }
    }
}

/// What the platform says about one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    pub platform: Platform,
    /// Who answered, as `verified_against` names it: "Zenodo API", "web page".
    pub answered_by: &'static str,
    /// The answer most of the facts were read from.
    pub api_url: Url,
    /// The catalog's form of the resource's URL.
    pub canonical_url: Url,
    /// The role the platform suggests for `canonical_url`.
    pub role: UrlRole,
    /// A landing page the platform names besides `canonical_url` (TCIA's
    /// collection page for a DOI, DataCite's `url`), in its canonical form.
    pub landing: Option<Sourced<Url>>,
    pub title: Sourced<String>,
    pub description: Option<Sourced<String>>,
    pub license: Option<Sourced<DescribedLicense>>,
    /// The DOI proper (`10.5281/zenodo.1`), without `https://doi.org/`.
    pub doi: Option<Sourced<String>>,
    /// `YYYY-MM-DD` (or a bare year, where that is all the platform says).
    pub published: Option<Sourced<String>>,
    pub updated: Option<Sourced<String>>,
    pub access: AccessFact,
    /// What else the answer says that a person should look at (archived,
    /// deprecated, not the latest version, renamed).
    pub notes: Vec<String>,
}

impl Described {
    fn new(
        answered_by: &'static str,
        target: &Target,
        role: UrlRole,
        response: &Response,
        title: Sourced<String>,
        access: AccessFact,
    ) -> Described {
        Described {
            platform: target.platform(),
            answered_by,
            api_url: response.final_url.clone(),
            canonical_url: target.canonical_url(),
            role,
            landing: None,
            title,
            description: None,
            license: None,
            doi: None,
            published: None,
            updated: None,
            access,
            notes: Vec::new(),
        }
    }
}

/// Asks the platform of `target` what it says about the resource.
pub async fn describe<F: Fetch>(
    fetch: &F,
    endpoints: &Endpoints,
    secrets: &Secrets,
    target: &Target,
) -> Result<Described, String> {
    let e = endpoints;
    match target {
        Target::GitHubRepo { owner, name } => {
            github(fetch, &e.github_api, secrets, owner, name).await
        }
        Target::GitLabProject { path } => gitlab(fetch, &e.gitlab_api, path).await,
        Target::KaggleDataset { owner, slug } | Target::KaggleShortLink { owner, slug } => {
            kaggle(fetch, &e.kaggle_api, secrets, owner, slug).await
        }
        Target::ZenodoRecord { id } => zenodo(fetch, &e.zenodo_api, *id).await,
        Target::FigshareArticle { id, .. } => figshare(fetch, &e.figshare_api, target, *id).await,
        Target::HuggingFaceDataset { repo_id } => {
            huggingface(fetch, &e.huggingface_api, repo_id).await
        }
        Target::OsfNode { id } => osf(fetch, &e.osf_api, target, id).await,
        Target::DataverseDataset { persistent_id } => {
            dataverse(fetch, &e.dataverse_api, target, persistent_id).await
        }
        Target::MendeleyDataset { id, version: None } => Err(format!(
            "a Mendeley Data link without a version names no DOI to ask DataCite about; give the version's link (https://data.mendeley.com/datasets/{id}/<version>)"
        )),
        Target::MendeleyDataset { .. } | Target::Doi { .. } => {
            let doi = target
                .doi()
                .expect("a versioned Mendeley link or a DOI has a DOI");
            datacite(fetch, &e.datacite_api, target, &doi).await
        }
        Target::TciaCollection { slug } => {
            match tcia(fetch, &e.tcia_api, TciaKey::Slug(slug), target).await? {
                Some(described) => Ok(described),
                None => Err(format!(
                    "TCIA's Collection Manager ({}) lists no collection `{slug}`; check the collection page's address",
                    e.tcia_api
                )),
            }
        }
        Target::TciaDoi { doi } => {
            match tcia(fetch, &e.tcia_api, TciaKey::Doi(doi), target).await? {
                Some(described) => Ok(described),
                // An analysis result, or a DOI TCIA minted for something else.
                None => datacite(fetch, &e.datacite_api, target, doi).await,
            }
        }
        Target::GrandChallenge { slug } => {
            grand_challenge(fetch, &e.grand_challenge_api, target, slug).await
        }
        Target::GrandChallengeArchive { slug } => {
            grand_challenge_archive(fetch, &e.grand_challenge_api, target, slug).await
        }
        Target::PhysioNetProject { slug, version } => {
            physionet(fetch, &e.physionet_api, target, slug, version.as_deref()).await
        }
        Target::SynapseEntity { id, version } => {
            synapse(fetch, &e.synapse_api, secrets, target, id, *version).await
        }
        Target::AwsOpenDataset { name } => {
            aws_open_data(fetch, &e.aws_open_data, target, name).await
        }
        // No API covers these: the page itself.
        Target::KaggleCompetition { .. } | Target::TciaWikiPage { .. } | Target::Website { .. } => {
            page(fetch, target).await
        }
    }
}

// ------------------------------------------------------------ asking

/// One platform API: sends the requests and turns every answer that is not
/// the one expected into an error naming the URL and what answered.
struct Ask<'a, F> {
    fetch: &'a F,
    /// "the Zenodo API".
    who: &'static str,
    /// The configured base; an answer from anywhere else is refused.
    base: &'a Url,
}

impl<F: Fetch> Ask<'_, F> {
    async fn send(&self, request: Request) -> Result<Response, String> {
        let url = request.url.clone();
        let response = self
            .fetch
            .fetch(request)
            .await
            .map_err(|err| format!("could not ask {} at {url}: {err}", self.who))?;
        if !api::same_origin(&response.final_url, self.base) {
            return Err(format!(
                "{} at {url} redirected to {}, away from the API",
                self.who, response.final_url
            ));
        }
        Ok(response)
    }

    /// The JSON of a 200 answer to `request`.
    async fn json(&self, request: Request) -> Result<(Response, Value), String> {
        let response = self.send(request).await?;
        let body = self.expect_json(&response)?;
        Ok((response, body))
    }

    /// The JSON of `response` when it is a 200.
    fn expect_json(&self, response: &Response) -> Result<Value, String> {
        if response.status != 200 {
            return Err(self.refused(response));
        }
        if response.truncated {
            return Err(format!(
                "{} at {} answered more than the body size cap",
                self.who, response.final_url
            ));
        }
        serde_json::from_slice(&response.body).map_err(|err| {
            format!(
                "{} at {} answered what is not the JSON expected ({err})",
                self.who, response.final_url
            )
        })
    }

    /// "the Zenodo API answered 404 at https://…: no such record".
    fn refused(&self, response: &Response) -> String {
        format!(
            "{} answered {} at {}{}",
            self.who,
            response.status,
            response.final_url,
            said(response)
        )
    }

    fn lacks(&self, response: &Response, what: &str) -> String {
        format!(
            "{} at {} answered without {what}",
            self.who, response.final_url
        )
    }
}

/// The message an error answer carries, as `: message`, when it has one.
fn said(response: &Response) -> String {
    let Ok(body) = serde_json::from_slice::<Value>(&response.body) else {
        return String::new();
    };
    [
        "/message",
        "/detail",
        "/reason",
        "/errors/0/detail",
        "/errors/0/title",
    ]
    .iter()
    .find_map(|pointer| api::text_at(&body, pointer))
    .map(|text| format!(": {}", shorten(&clean(&text), 200)))
    .unwrap_or_default()
}

/// One answer, read field by field, each value with its [`Source`].
struct Answer<'a> {
    url: &'a Url,
    body: &'a Value,
}

impl<'a> Answer<'a> {
    fn of(response: &'a Response, body: &'a Value) -> Answer<'a> {
        Answer {
            url: &response.final_url,
            body,
        }
    }

    fn source(&self, pointer: &str) -> Source {
        Source {
            url: self.url.clone(),
            field: field_name(pointer),
        }
    }

    fn sourced<T>(&self, pointer: &str, value: T) -> Sourced<T> {
        Sourced {
            value,
            source: self.source(pointer),
        }
    }

    /// Text, cleaned; `None` when absent or empty.
    fn text(&self, pointer: &str) -> Option<Sourced<String>> {
        let text = clean(&api::text_at(self.body, pointer)?);
        (!text.is_empty()).then(|| self.sourced(pointer, text))
    }

    /// The first of `pointers` that holds text.
    fn first_text(&self, pointers: &[&str]) -> Option<Sourced<String>> {
        pointers.iter().find_map(|p| self.text(p))
    }

    /// Text that may be HTML (Zenodo's and figshare's descriptions, TCIA's
    /// summaries, PhysioNet's abstracts), as plain text.
    fn html(&self, pointer: &str) -> Option<Sourced<String>> {
        let text = html_to_text(&api::text_at(self.body, pointer)?);
        (!text.is_empty()).then(|| self.sourced(pointer, text))
    }

    fn date(&self, pointer: &str) -> Option<Sourced<String>> {
        day(&api::text_at(self.body, pointer)?).map(|d| self.sourced(pointer, d))
    }

    fn first_date(&self, pointers: &[&str]) -> Option<Sourced<String>> {
        pointers.iter().find_map(|p| self.date(p))
    }

    fn url(&self, pointer: &str) -> Option<Url> {
        let url = Url::parse(&api::text_at(self.body, pointer)?).ok()?;
        matches!(url.scheme(), "http" | "https").then_some(url)
    }

    /// The licence at the first of `pointers` that names one, preferring one
    /// that reads as SPDX; `url` is the licence's own link, if any.
    fn license(&self, pointers: &[&str], url: Option<&str>) -> Option<Sourced<DescribedLicense>> {
        let read: Vec<(&str, DeclaredLicense)> = pointers
            .iter()
            .filter_map(|p| {
                let text = clean(&api::text_at(self.body, p)?);
                Some((*p, crate::license::declared(&text, &field_name(p))?))
            })
            .collect();
        let best = read.iter().position(|(_, l)| l.spdx).unwrap_or(0);
        let (pointer, declared) = read.into_iter().nth(best)?;
        Some(self.sourced(
            pointer,
            DescribedLicense {
                declared,
                url: url.and_then(|p| self.url(p)),
            },
        ))
    }

    /// The licence a provider's own reader found in this answer (`check`
    /// reads it the same way), sourced by the field the provider names
    /// (`zenodo:metadata.license` is `metadata.license`); `url` is the
    /// licence's own link, if any.
    fn declared(
        &self,
        declared: Option<DeclaredLicense>,
        url: Option<Url>,
    ) -> Option<Sourced<DescribedLicense>> {
        let declared = declared?;
        let field = declared
            .source
            .split_once(':')
            .map_or(declared.source.as_str(), |(_, field)| field)
            .to_owned();
        Some(Sourced {
            value: DescribedLicense { declared, url },
            source: Source {
                url: self.url.clone(),
                field,
            },
        })
    }

    fn is_true(&self, pointer: &str) -> bool {
        match self.body.pointer(pointer) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
            _ => false,
        }
    }
}

/// `/metadata/title` as `metadata.title`, `/titles/0/title` as `titles[0].title`.
fn field_name(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').filter(|p| !p.is_empty()) {
        if part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

// ------------------------------------------------------------ platforms

async fn github<F: Fetch>(
    fetch: &F,
    base: &Url,
    secrets: &Secrets,
    owner: &str,
    name: &str,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the GitHub API",
        base,
    };
    let mut request = Request::get(api::endpoint(base, &["repos", owner, name]))
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28");
    // A renamed repository redirects; the engine follows only without a
    // credential, and a credential goes only to an https API.
    request.credential = secrets
        .github_token
        .as_ref()
        .and_then(|token| api::credential_for(base, format!("Bearer {}", token.expose())));
    let (response, repo) = ask.json(request).await?;
    let answer = Answer::of(&response, &repo);
    let full_name = api::text_at(&repo, "/full_name")
        .filter(|n| n.contains('/'))
        .ok_or_else(|| ask.lacks(&response, "the repository's `full_name`"))?;
    let (now_owner, now_name) = full_name.split_once('/').expect("checked above");
    let target = Target::GitHubRepo {
        owner: now_owner.to_owned(),
        name: now_name.to_owned(),
    };
    let title = answer
        .text("/name")
        .ok_or_else(|| ask.lacks(&response, "the repository's `name`"))?;
    let access = match repo.get("private") {
        Some(Value::Bool(false)) => AccessFact::said(Access::Open, answer.source("/private")),
        _ => AccessFact::guessed(
            Access::Open,
            "GitHub does not say the repository is public; check",
        ),
    };
    let mut d = Described::new(
        "GitHub API",
        &target,
        UrlRole::Repository,
        &response,
        title,
        access,
    );
    d.description = answer.text("/description");
    d.license = answer.declared(
        github_api::spdx_license(answer.body, "/license/spdx_id", "github:license.spdx_id"),
        None,
    );
    d.published = answer.date("/created_at");
    d.updated = answer.date("/pushed_at");
    if !full_name.eq_ignore_ascii_case(&format!("{owner}/{name}")) {
        d.notes.push(format!(
            "GitHub answers for {full_name}: the repository was renamed or transferred, and the entry lists its new address"
        ));
    }
    if answer.is_true("/archived") {
        d.notes.push(
            "GitHub marks the repository archived (read-only): `maintenance` is likely frozen"
                .into(),
        );
    }
    Ok(d)
}

async fn gitlab<F: Fetch>(fetch: &F, base: &Url, path: &str) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the GitLab API",
        base,
    };
    let mut request = api::api_get(api::endpoint(base, &["projects", path]));
    request.follow_redirects = true;
    let (response, project) = ask.json(request).await?;
    let answer = Answer::of(&response, &project);
    let now_at = api::text_at(&project, "/path_with_namespace")
        .filter(|p| p.contains('/'))
        .ok_or_else(|| ask.lacks(&response, "the project's `path_with_namespace`"))?;
    let target = Target::GitLabProject { path: now_at };
    let title = answer
        .first_text(&["/name", "/path_with_namespace"])
        .ok_or_else(|| ask.lacks(&response, "the project's `name`"))?;
    let access = match api::text_at(&project, "/visibility").as_deref() {
        Some("public") => AccessFact::said(Access::Open, answer.source("/visibility")),
        _ => AccessFact::guessed(
            Access::Open,
            "GitLab does not say the project is public; check",
        ),
    };
    let mut d = Described::new(
        "GitLab API",
        &target,
        UrlRole::Repository,
        &response,
        title,
        access,
    );
    d.description = answer.text("/description");
    d.published = answer.date("/created_at");
    d.updated = answer.date("/last_activity_at");
    if answer.is_true("/archived") {
        d.notes.push(
            "GitLab marks the project archived (read-only): `maintenance` is likely frozen".into(),
        );
    }
    Ok(d)
}

async fn kaggle<F: Fetch>(
    fetch: &F,
    base: &Url,
    secrets: &Secrets,
    owner: &str,
    slug: &str,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the Kaggle API",
        base,
    };
    let credentials = secrets.kaggle.as_ref().ok_or_else(|| {
        "the Kaggle API needs credentials: set KAGGLE_API_TOKEN (or KAGGLE_USERNAME and KAGGLE_KEY)"
            .to_owned()
    })?;
    let credential = api::credential_for(base, credentials.authorization()).ok_or_else(|| {
        format!("Kaggle credentials are only sent over https, and the Kaggle API {base} is not")
    })?;
    let mut request = api::api_get(api::endpoint(base, &["datasets", "view", owner, slug]));
    request.credential = Some(credential);
    let response = ask.send(request).await?;
    if response.status == 404 {
        return Err(format!(
            "{}; Kaggle has no dataset {owner}/{slug} (deleted or renamed; a notebook is no dataset)",
            ask.refused(&response)
        ));
    }
    let dataset = ask.expect_json(&response)?;
    if let Some(code) = dataset.get("code").and_then(Value::as_u64)
        && code >= 400
    {
        return Err(format!("{} with error code {code}", ask.refused(&response)));
    }
    let answer = Answer::of(&response, &dataset);
    let title = answer
        .text("/title")
        .ok_or_else(|| ask.lacks(&response, "the dataset's `title`"))?;
    let target = Target::KaggleDataset {
        owner: owner.to_owned(),
        slug: slug.to_owned(),
    };
    let access = AccessFact::guessed(
        Access::Registration,
        "Kaggle lets signed-in accounts download; check whether the dataset asks more",
    );
    let mut d = Described::new(
        "Kaggle API",
        &target,
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    d.description = answer.first_text(&["/subtitle", "/description"]);
    d.license = answer.declared(kaggle_api::declared_license(answer.body), None);
    d.updated = answer.date("/lastUpdated");
    Ok(d)
}

async fn zenodo<F: Fetch>(fetch: &F, base: &Url, id: u64) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the Zenodo API",
        base,
    };
    let asked = id.to_string();
    let response = ask
        .send(api::api_get(api::endpoint(base, &["records", &asked])))
        .await?;
    // A concept record (the id every version shares) answers 404 here;
    // its latest version answers at .../versions/latest, by a redirect.
    let (response, record) = if response.status == 404 {
        let mut latest = api::api_get(api::endpoint(
            base,
            &["records", &asked, "versions", "latest"],
        ));
        latest.follow_redirects = true;
        ask.json(latest).await.map_err(|err| {
            format!(
                "{err}; /records/{id} answered 404 as well: Zenodo has no record or concept {id}"
            )
        })?
    } else {
        let record = ask.expect_json(&response)?;
        (response, record)
    };
    let answer = Answer::of(&response, &record);
    let title = answer
        .first_text(&["/metadata/title", "/title"])
        .ok_or_else(|| ask.lacks(&response, "the record's `metadata.title`"))?;
    let access = match api::text_at(&record, "/metadata/access_right").as_deref() {
        Some("open") => AccessFact::said(Access::Open, answer.source("/metadata/access_right")),
        Some("restricted") => AccessFact {
            note: Some("Zenodo says the files are restricted: access is granted on request".into()),
            ..AccessFact::said(Access::Request, answer.source("/metadata/access_right"))
        },
        Some(other @ ("embargoed" | "closed")) => AccessFact {
            note: Some(format!(
                "Zenodo says the files are {other}{}",
                api::text_at(&record, "/metadata/embargo_date")
                    .map(|d| format!(" (until {d})"))
                    .unwrap_or_default()
            )),
            ..AccessFact::said(Access::Closed, answer.source("/metadata/access_right"))
        },
        _ => AccessFact::guessed(
            Access::Open,
            "Zenodo does not say how the files are shared; check",
        ),
    };
    let target = Target::ZenodoRecord { id };
    let mut d = Described::new(
        "Zenodo API",
        &target,
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    d.description = answer.html("/metadata/description");
    d.license = answer.declared(zenodo_api::license(answer.body), None);
    let resolved = record.get("id").map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    d.doi = if resolved.as_deref().is_some_and(|r| r != asked) {
        d.notes.push(format!(
            "{id} is a concept record: the entry follows its latest version, and its DOI is the concept DOI every version shares"
        ));
        answer.text("/conceptdoi")
    } else {
        answer.first_text(&["/doi", "/metadata/doi"])
    };
    d.published = answer.date("/metadata/publication_date");
    d.updated = answer.first_date(&["/modified", "/updated"]);
    if record.pointer("/metadata/relations/version/0/is_last") == Some(&Value::Bool(false)) {
        d.notes.push(
            "this is not the record's latest version (`metadata.relations.version[0].is_last` is false)"
                .into(),
        );
    }
    Ok(d)
}

async fn figshare<F: Fetch>(
    fetch: &F,
    base: &Url,
    target: &Target,
    id: u64,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the figshare API",
        base,
    };
    let (response, article) = ask
        .json(api::api_get(api::endpoint(
            base,
            &["articles", &id.to_string()],
        )))
        .await?;
    let answer = Answer::of(&response, &article);
    let title = answer
        .text("/title")
        .ok_or_else(|| ask.lacks(&response, "the article's `title`"))?;
    let access = if answer.is_true("/is_embargoed") {
        AccessFact {
            note: Some(format!(
                "figshare says the files are under embargo{}",
                api::text_at(&article, "/embargo_date")
                    .map(|d| format!(" until {d}"))
                    .unwrap_or_default()
            )),
            ..AccessFact::said(Access::Closed, answer.source("/is_embargoed"))
        }
    } else if answer.is_true("/is_public") {
        AccessFact::said(Access::Open, answer.source("/is_public"))
    } else {
        AccessFact::guessed(
            Access::Open,
            "figshare does not say the article is public; check",
        )
    };
    let mut d = Described::new(
        "figshare API",
        &Target::FigshareArticle { id, version: None },
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    // The name first; a deed URL decides when the name is no SPDX licence.
    d.license = answer.declared(
        figshare_api::license(answer.body),
        answer.url("/license/url"),
    );
    d.description = answer.html("/description");
    d.doi = answer.text("/doi");
    d.published = answer.date("/published_date");
    d.updated = answer.date("/modified_date");
    if let Target::FigshareArticle {
        version: Some(v), ..
    } = target
    {
        d.notes.push(format!(
            "the link given pins version {v}; the entry lists the article, which answers with its current version"
        ));
    }
    Ok(d)
}

/// The dataset-info fields read (huggingface_hub `ExpandDatasetProperty_T`).
const HUB_FIELDS: &[&str] = &[
    "cardData",
    "description",
    "createdAt",
    "lastModified",
    "gated",
    "private",
    "disabled",
];

async fn huggingface<F: Fetch>(fetch: &F, base: &Url, repo_id: &str) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the Hugging Face Hub API",
        base,
    };
    let mut segments = vec!["datasets"];
    segments.extend(repo_id.split('/'));
    let mut url = api::endpoint(base, &segments);
    for field in HUB_FIELDS {
        url.query_pairs_mut().append_pair("expand", field);
    }
    let mut request = api::api_get(url);
    // A renamed dataset redirects to its new name.
    request.follow_redirects = true;
    let response = ask.send(request).await?;
    if matches!(response.status, 401 | 404) {
        return Err(format!(
            "{}: no such dataset, or it is private",
            ask.refused(&response)
        ));
    }
    let info = ask.expect_json(&response)?;
    let answer = Answer::of(&response, &info);
    let id = api::text_at(&info, "/id")
        .filter(|id| id.contains('/'))
        .ok_or_else(|| ask.lacks(&response, "the dataset's `id`"))?;
    if answer.is_true("/disabled") {
        return Err(format!(
            "the Hugging Face Hub has disabled the dataset {id} ({})",
            response.final_url
        ));
    }
    let title = answer
        .first_text(&["/cardData/pretty_name", "/id"])
        .expect("the id is text");
    let source = answer.source("/gated");
    let access = match info.get("gated") {
        Some(Value::Bool(false)) => AccessFact::said(Access::Open, source),
        Some(Value::String(mode)) if mode == "auto" => AccessFact::said(Access::Agreement, source),
        Some(Value::String(mode)) if mode == "manual" => AccessFact::said(Access::Request, source),
        _ => AccessFact::guessed(
            Access::Open,
            "the Hub does not say whether the dataset is gated; check",
        ),
    };
    let target = Target::HuggingFaceDataset {
        repo_id: id.clone(),
    };
    let mut d = Described::new(
        "Hugging Face Hub API",
        &target,
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    d.description = answer.first_text(&["/description", "/cardData/description"]);
    d.license = answer.declared(huggingface_api::card_license(answer.body), None);
    d.published = answer.date("/createdAt");
    d.updated = answer.date("/lastModified");
    if !id.eq_ignore_ascii_case(repo_id) {
        d.notes.push(format!(
            "the Hub answers for {id}: the dataset was renamed, and the entry lists its new name"
        ));
    }
    Ok(d)
}

async fn osf<F: Fetch>(
    fetch: &F,
    base: &Url,
    target: &Target,
    id: &str,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the OSF API",
        base,
    };
    let response = ask
        .send(api::api_get(api::endpoint(base, &["nodes", id, ""])))
        .await?;
    // Not a project: the GUID names its type, whose own endpoint answers.
    let (response, body) = if response.status == 404 {
        let mut guid = api::endpoint(base, &["guids", id, ""]);
        guid.query_pairs_mut().append_pair("resolve", "false");
        let (response, body) = ask.json(api::api_get(guid)).await?;
        let kind = api::text_at(&body, "/data/relationships/referent/data/type")
            .ok_or_else(|| ask.lacks(&response, "the GUID's referent type"))?;
        if kind == "nodes" {
            return Err(format!(
                "OSF knows {id} as a project, but {} does not show it: private, or a draft",
                api::endpoint(base, &["nodes", id, ""])
            ));
        }
        ask.json(api::api_get(api::endpoint(base, &[kind.as_str(), id, ""])))
            .await?
    } else {
        let body = ask.expect_json(&response)?;
        (response, body)
    };
    let answer = Answer::of(&response, &body);
    let title = answer
        .text("/data/attributes/title")
        .ok_or_else(|| ask.lacks(&response, "`data.attributes.title`"))?;
    let access = if answer.is_true("/data/attributes/public") {
        AccessFact::said(Access::Open, answer.source("/data/attributes/public"))
    } else {
        AccessFact::guessed(
            Access::Open,
            "OSF does not say the project is public; check",
        )
    };
    let mut d = Described::new(
        "OSF API",
        target,
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    d.description = answer.text("/data/attributes/description");
    d.published = answer.first_date(&[
        "/data/attributes/date_published",
        "/data/attributes/date_created",
    ]);
    d.updated = answer.date("/data/attributes/date_modified");
    if answer.is_true("/data/attributes/withdrawn")
        || body
            .pointer("/data/attributes/date_withdrawn")
            .is_some_and(Value::is_string)
    {
        d.notes
            .push("OSF says this was withdrawn: only a tombstone remains".into());
    }
    Ok(d)
}

async fn dataverse<F: Fetch>(
    fetch: &F,
    base: &Url,
    target: &Target,
    persistent_id: &str,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the Dataverse API",
        base,
    };
    // The provider's request, with the metadata blocks (the title is in
    // `citation`) and still without the files.
    let mut url = api::endpoint(
        base,
        &["datasets", ":persistentId", "versions", ":latest-published"],
    );
    url.query_pairs_mut()
        .append_pair("persistentId", persistent_id)
        .append_pair("excludeFiles", "true");
    let (response, body) = ask.json(api::api_get(url)).await?;
    let answer = Answer::of(&response, &body);
    let fields = body
        .pointer("/data/metadataBlocks/citation/fields")
        .and_then(Value::as_array)
        .ok_or_else(|| ask.lacks(&response, "`data.metadataBlocks.citation`"))?;
    let citation = |name: &str| {
        fields
            .iter()
            .position(|f| f.get("typeName").and_then(Value::as_str) == Some(name))
            .map(|i| format!("/data/metadataBlocks/citation/fields/{i}"))
    };
    let title = citation("title")
        .and_then(|at| answer.text(&format!("{at}/value")))
        .ok_or_else(|| ask.lacks(&response, "the citation block's `title`"))?;
    let access = if api::text_at(&body, "/data/termsOfAccess").is_some()
        || answer.is_true("/data/fileAccessRequest")
    {
        AccessFact {
            note: Some("Dataverse names terms of access: some files may need a request".into()),
            ..AccessFact::said(Access::Request, answer.source("/data/termsOfAccess"))
        }
    } else {
        AccessFact::guessed(
            Access::Open,
            "Dataverse names no terms of access, but whether any file is restricted is not read (excludeFiles); check",
        )
    };
    let mut d = Described::new(
        "Dataverse API",
        target,
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    d.description = citation("dsDescription")
        .and_then(|at| answer.html(&format!("{at}/value/0/dsDescriptionValue/value")));
    // A `license` object from Dataverse 5.10 on; before, the string `CC0` or
    // `NONE` beside custom `termsOfUse`, read by the provider.
    let version = body.get("data").unwrap_or(&Value::Null);
    d.license = answer.declared(
        dataverse_api::declared_license(version),
        answer.url("/data/license/uri"),
    );
    let licensed = match version.get("license") {
        Some(Value::Object(_)) => true,
        Some(Value::String(text)) => text.trim().eq_ignore_ascii_case("CC0"),
        _ => false,
    };
    if !licensed && api::text_at(&body, "/data/termsOfUse").is_some() {
        d.notes.push(
            "Dataverse gives custom terms of use (`data.termsOfUse`, kept as the licence's name, as `check` reads it) instead of a licence: read them"
                .into(),
        );
    }
    d.doi = target
        .doi()
        .map(|doi| answer.sourced("/data/datasetPersistentId", doi));
    d.published = answer.date("/data/releaseTime");
    d.updated = answer.date("/data/lastUpdateTime");
    Ok(d)
}

async fn datacite<F: Fetch>(
    fetch: &F,
    base: &Url,
    target: &Target,
    doi: &str,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the DataCite API",
        base,
    };
    let mut segments = vec!["dois"];
    segments.extend(doi.split('/'));
    let request =
        api::api_get(api::endpoint(base, &segments)).header("Accept", "application/vnd.api+json");
    let response = ask.send(request).await?;
    if response.status == 404 {
        return Err(format!(
            "{}; DataCite's public API does not show the DOI {doi} (another agency's, such as Crossref's, hidden, or a draft): add the resource's own landing page instead",
            ask.refused(&response)
        ));
    }
    let body = ask.expect_json(&response)?;
    let attributes = body
        .pointer("/data/attributes")
        .filter(|a| a.is_object())
        .ok_or_else(|| ask.lacks(&response, "`data.attributes`"))?;
    let full = |pointer: &str| format!("/data/attributes{pointer}");
    let answer = Answer::of(&response, &body);
    let title = answer
        .text(&full("/titles/0/title"))
        .ok_or_else(|| ask.lacks(&response, "`data.attributes.titles[0].title`"))?;
    let descriptions = attributes
        .get("descriptions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let abstract_at = descriptions
        .iter()
        .position(|d| d.get("descriptionType").and_then(Value::as_str) == Some("Abstract"))
        .or((!descriptions.is_empty()).then_some(0));
    // OpenAIRE's access rights (Zenodo and InvenioRDM add them beside the
    // licence) say how to get the data, never under which licence.
    let rights = attributes
        .get("rightsList")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let access_right = |entry: &Value| {
        api::text_at(entry, "/rightsUri")
            .map(|uri| uri.to_ascii_lowercase())
            .filter(|uri| uri.starts_with("info:eu-repo/semantics/"))
    };
    let access = rights
        .iter()
        .enumerate()
        .find_map(|(i, entry)| {
            let uri = access_right(entry)?;
            let access = match uri.trim_start_matches("info:eu-repo/semantics/") {
                "openaccess" => Access::Open,
                "restrictedaccess" => Access::Request,
                "embargoedaccess" | "closedaccess" => Access::Closed,
                _ => return None,
            };
            Some(AccessFact::said(
                access,
                answer.source(&full(&format!("/rightsList/{i}/rightsUri"))),
            ))
        })
        .unwrap_or_else(|| {
            AccessFact::guessed(
                Access::Open,
                "DataCite's record does not say how the data is shared; check",
            )
        });
    let licence = datacite_api::rights(attributes);
    // The licence's link: the `rightsUri` of the entry it was read from.
    let licence_url = licence.as_ref().and_then(|l| {
        rights.iter().enumerate().find_map(|(i, entry)| {
            let names = ["/rightsIdentifier", "/rightsUri", "/rights"]
                .iter()
                .filter_map(|p| api::text_at(entry, p))
                .filter_map(|text| crate::license::declared(&text, ""))
                .any(|d| d.id == l.id);
            names
                .then(|| answer.url(&full(&format!("/rightsList/{i}/rightsUri"))))
                .flatten()
        })
    });
    let role = match target {
        Target::Doi { .. } | Target::TciaDoi { .. } => UrlRole::Doi,
        _ => UrlRole::Landing,
    };
    let mut d = Described::new("DataCite API", target, role, &response, title, access);
    d.description =
        abstract_at.and_then(|i| answer.html(&full(&format!("/descriptions/{i}/description"))));
    d.license = answer.declared(licence, licence_url);
    d.doi = answer
        .text(&full("/doi"))
        .or_else(|| Some(answer.sourced(&full("/doi"), doi.to_owned())));
    d.published = answer.date(&full("/publicationYear"));
    d.updated = answer.date(&full("/updated"));
    if role == UrlRole::Doi {
        d.landing = answer
            .url(&full("/url"))
            .map(|url| Target::from_url(&url).canonical_url())
            .filter(|url| url.host_str() != Some("doi.org"))
            .map(|url| answer.sourced(&full("/url"), url));
    }
    Ok(d)
}

enum TciaKey<'a> {
    Slug(&'a str),
    Doi(&'a str),
}

/// The Collection Manager's fields read (tcia_utils `wordpress.py`
/// `getCollections` lists the possible ones).
const TCIA_FIELDS: &str = "id,slug,link,collection_doi,collection_title,collection_short_title,\
collection_summary,collection_page_accessibility,date_updated";

/// TCIA's collection list (the Collection Manager, as the provider reads it,
/// page by page until the collection is found); `None` when no collection
/// has that slug or DOI.
async fn tcia<F: Fetch>(
    fetch: &F,
    base: &Url,
    key: TciaKey<'_>,
    target: &Target,
) -> Result<Option<Described>, String> {
    const PER_PAGE: usize = 100;
    const MAX_PAGES: usize = 20;
    let ask = Ask {
        fetch,
        who: "TCIA's Collection Manager API",
        base,
    };
    for page in 1..=MAX_PAGES {
        let mut url = api::endpoint(base, &["collections", ""]);
        url.query_pairs_mut()
            .append_pair("per_page", &PER_PAGE.to_string())
            .append_pair("page", &page.to_string())
            .append_pair("_fields", TCIA_FIELDS);
        let (response, body) = ask.json(api::api_get(url)).await?;
        let records = body
            .as_array()
            .ok_or_else(|| ask.lacks(&response, "a list of collections"))?;
        let matches = |record: &Value| match key {
            TciaKey::Slug(slug) => {
                api::text_at(record, "/slug").is_some_and(|s| s.eq_ignore_ascii_case(slug))
            }
            TciaKey::Doi(doi) => api::text_at(record, "/collection_doi")
                .is_some_and(|d| bare_doi(&d).eq_ignore_ascii_case(doi)),
        };
        if let Some(i) = records.iter().position(matches) {
            return tcia_collection(&ask, &response, &body, i, target).map(Some);
        }
        let total = response
            .header("x-wp-totalpages")
            .and_then(|v| v.trim().parse::<usize>().ok());
        let more = match total {
            Some(total) => page < total,
            None => records.len() == PER_PAGE,
        };
        if !more {
            break;
        }
    }
    Ok(None)
}

fn tcia_collection<F: Fetch>(
    ask: &Ask<'_, F>,
    response: &Response,
    body: &Value,
    i: usize,
    target: &Target,
) -> Result<Described, String> {
    // The page as a reader would open it: `_fields` only trims the answer.
    let mut readable = response.final_url.clone();
    let query: Vec<(String, String)> = readable
        .query_pairs()
        .filter(|(key, _)| key != "_fields")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    readable.query_pairs_mut().clear().extend_pairs(query);
    let answer = Answer {
        url: &readable,
        body,
    };
    let at = |field: &str| format!("/{i}/{field}");
    let slug = api::text_at(body, &at("slug")).expect("matched by slug or found with one");
    let title = answer
        .first_text(&[&at("collection_title"), &at("collection_short_title")])
        .ok_or_else(|| {
            ask.lacks(
                response,
                &format!("collection `{slug}`'s `collection_title`"),
            )
        })?;
    let accessibility = at("collection_page_accessibility");
    let access = match api::text_at(body, &accessibility).as_deref() {
        Some("Public") => AccessFact::said(Access::Open, answer.source(&accessibility)),
        Some("Limited") => AccessFact {
            note: Some(
                "TCIA limits this collection: access needs a request or agreement; check its page"
                    .into(),
            ),
            ..AccessFact::said(Access::Request, answer.source(&accessibility))
        },
        _ => AccessFact::guessed(
            Access::Open,
            "TCIA does not say how the collection is shared; check",
        ),
    };
    let page = Target::TciaCollection {
        slug: slug.to_ascii_lowercase(),
    };
    let (shown, role) = match target {
        Target::TciaDoi { .. } => (target, UrlRole::Doi),
        _ => (&page, UrlRole::Landing),
    };
    let mut d = Described::new(
        "TCIA Collection Manager API",
        shown,
        role,
        response,
        title,
        access,
    );
    d.api_url = readable.clone();
    d.description = answer.html(&at("collection_summary"));
    d.doi = api::text_at(body, &at("collection_doi"))
        .map(|doi| answer.sourced(&at("collection_doi"), bare_doi(&doi)));
    // `date_updated` is an ISO date or as TCIA's pages show it, `2021/01/06`.
    d.updated = api::text_at(body, &at("date_updated"))
        .and_then(|text| day(&text.replace('/', "-")))
        .map(|date| answer.sourced(&at("date_updated"), date));
    if role == UrlRole::Doi {
        d.landing = Some(answer.sourced(&at("slug"), page.canonical_url()));
    }
    Ok(d)
}

/// `10.7937/...` out of a bare DOI or a doi.org link.
fn bare_doi(text: &str) -> String {
    let text = text.trim();
    [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find_map(|prefix| text.strip_prefix(prefix))
    .unwrap_or(text)
    .to_owned()
}

async fn physionet<F: Fetch>(
    fetch: &F,
    base: &Url,
    target: &Target,
    slug: &str,
    pinned: Option<&str>,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the PhysioNet API",
        base,
    };
    let (response, list) = ask
        .json(api::api_get(api::endpoint(
            base,
            &["project", "published", slug, ""],
        )))
        .await?;
    let versions: Vec<String> = list
        .as_array()
        .ok_or_else(|| ask.lacks(&response, "a list of versions"))?
        .iter()
        .filter_map(|row| api::text_at(row, "/version"))
        .collect();
    let latest = versions
        .iter()
        .max_by(|a, b| compare_versions(a, b))
        .ok_or_else(|| {
            format!(
                "PhysioNet lists no published version of `{slug}` ({})",
                response.final_url
            )
        })?;
    let asked = pinned.unwrap_or(latest.as_str());
    if !versions.iter().any(|v| v == asked) {
        return Err(format!(
            "PhysioNet has no version {asked} of `{slug}` (published: {})",
            versions.join(", ")
        ));
    }
    let (response, project) = ask
        .json(api::api_get(api::endpoint(
            base,
            &["project", "published", slug, asked, ""],
        )))
        .await?;
    let answer = Answer::of(&response, &project);
    let title = answer
        .text("/title")
        .ok_or_else(|| ask.lacks(&response, "the project's `title`"))?;
    let access = physionet_access(&answer);
    let mut d = Described::new(
        "PhysioNet API",
        target,
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    d.description = answer.html("/abstract");
    d.license = answer.license(&["/license/name"], None);
    d.doi = answer.text("/doi");
    d.published = answer.date("/publish_datetime");
    if compare_versions(asked, latest) == Ordering::Less {
        d.notes.push(format!(
            "the link pins version {asked}; PhysioNet's latest is {latest}"
        ));
    }
    Ok(d)
}

/// PhysioNet's access policy (`access_policy`, a label or its number) where
/// the answer carries it, else what its health-data licences ask: a signed
/// agreement (Restricted), an approved application (Credentialed,
/// Contributor Review).
fn physionet_access(answer: &Answer<'_>) -> AccessFact {
    let policy = match answer.body.get("access_policy") {
        Some(Value::String(label)) => Some(label.trim().to_ascii_lowercase()),
        Some(Value::Number(n)) => Some(
            match n.as_u64() {
                Some(1) => "restricted",
                Some(2) => "credentialed",
                Some(3) => "contributor review",
                _ => "open",
            }
            .to_owned(),
        ),
        _ => None,
    };
    let (text, pointer) = match policy {
        Some(label) => (label, "/access_policy"),
        None => match api::text_at(answer.body, "/license/name") {
            Some(name) => (name.to_ascii_lowercase(), "/license/name"),
            None => {
                return AccessFact::guessed(
                    Access::Open,
                    "PhysioNet gives no access policy or licence; check",
                );
            }
        },
    };
    let access = if text.contains("credentialed") || text.contains("contributor review") {
        Access::Request
    } else if text.contains("restricted") {
        Access::Agreement
    } else {
        Access::Open
    };
    AccessFact::said(access, answer.source(pointer))
}

/// Versions compared part by part, numbers as numbers (`1.10.0` > `1.9.1`).
fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<(u64, String)> {
        v.split(['.', '-'])
            .map(|p| (p.parse().unwrap_or(0), p.to_owned()))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

async fn synapse<F: Fetch>(
    fetch: &F,
    base: &Url,
    secrets: &Secrets,
    target: &Target,
    id: &str,
    version: Option<u32>,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the Synapse API",
        base,
    };
    let url = match version {
        Some(n) => api::endpoint(base, &["entity", id, "version", &n.to_string()]),
        None => api::endpoint(base, &["entity", id]),
    };
    let mut request = api::api_get(url);
    request.credential = secrets
        .synapse_token
        .as_ref()
        .and_then(|token| api::credential_for(base, format!("Bearer {}", token.expose())));
    let response = ask.send(request).await?;
    if matches!(response.status, 401 | 403) {
        return Err(format!(
            "{}; the entity is private to this caller (SYNAPSE_AUTH_TOKEN names an account that may see it)",
            ask.refused(&response)
        ));
    }
    let entity = ask.expect_json(&response)?;
    let answer = Answer::of(&response, &entity);
    let title = answer
        .text("/name")
        .ok_or_else(|| ask.lacks(&response, "the entity's `name`"))?;
    let access = AccessFact::guessed(
        Access::Registration,
        "Synapse lets signed-in accounts download; the entity's conditions for use may ask more (its page names them)",
    );
    let mut d = Described::new(
        "Synapse API",
        target,
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    d.description = answer.text("/description");
    d.published = answer.date("/createdOn");
    d.updated = answer.date("/modifiedOn");
    Ok(d)
}

async fn grand_challenge<F: Fetch>(
    fetch: &F,
    base: &Url,
    target: &Target,
    slug: &str,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the Grand Challenge API",
        base,
    };
    let url = api::endpoint(base, &["challenges", &slug.to_ascii_lowercase(), ""]);
    let response = ask.send(api::api_get(url)).await?;
    if matches!(response.status, 404 | 410) {
        return Err(format!(
            "{}; the API shows no public challenge by this short name (hidden, or written in capitals)",
            ask.refused(&response)
        ));
    }
    let body = ask.expect_json(&response)?;
    let answer = Answer::of(&response, &body);
    let title = answer
        .first_text(&["/title", "/slug"])
        .ok_or_else(|| ask.lacks(&response, "the challenge's `title`"))?;
    let access = AccessFact::guessed(
        Access::Registration,
        "Grand Challenge gives a challenge's data to signed-in participants as a rule; check the challenge's data page",
    );
    let mut d = Described::new(
        "Grand Challenge API",
        target,
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    d.description = answer.html("/description");
    d.published = answer.date("/created");
    d.updated = answer.date("/modified");
    if body.get("public") == Some(&Value::Bool(false)) {
        d.notes
            .push("Grand Challenge marks the challenge not public".into());
    }
    Ok(d)
}

async fn grand_challenge_archive<F: Fetch>(
    fetch: &F,
    base: &Url,
    target: &Target,
    slug: &str,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the Grand Challenge API",
        base,
    };
    let mut url = api::endpoint(base, &["archives", ""]);
    url.query_pairs_mut().append_pair("slug", slug);
    let (response, body) = ask.json(api::api_get(url)).await?;
    if body
        .get("results")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        return Err(format!(
            "the Grand Challenge API at {} lists no public archive `{slug}` (deleted, or private)",
            response.final_url
        ));
    }
    let answer = Answer::of(&response, &body);
    let title = answer
        .first_text(&["/results/0/title", "/results/0/slug"])
        .ok_or_else(|| ask.lacks(&response, "the archive's `title`"))?;
    let access = AccessFact::guessed(
        Access::Registration,
        "an archive on Grand Challenge may be open to anyone signed in, or need its editors' approval; check its page",
    );
    let mut d = Described::new(
        "Grand Challenge API",
        target,
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    d.description = answer.html("/results/0/description");
    Ok(d)
}

async fn aws_open_data<F: Fetch>(
    fetch: &F,
    base: &Url,
    target: &Target,
    name: &str,
) -> Result<Described, String> {
    let ask = Ask {
        fetch,
        who: "the Registry of Open Data on AWS",
        base,
    };
    let file = format!("{name}.yaml");
    let url = api::endpoint(
        base,
        &["datasets", "awslabs-open-data-registry", "datasets", &file],
    );
    let mut request = Request::get(url).header(
        "Accept",
        "application/yaml, text/yaml, application/x-yaml, text/plain;q=0.9, */*;q=0.5",
    );
    request.follow_redirects = false;
    let response = ask.send(request).await?;
    if response.status != 200 {
        return Err(ask.refused(&response));
    }
    let text = std::str::from_utf8(&response.body)
        .map_err(|_| format!("the registry's YAML at {} is not UTF-8", response.final_url))?;
    let dataset = crate::catalog::yaml::parse_value(text).map_err(|err| {
        format!(
            "the registry's YAML at {} does not parse: {} (line {})",
            response.final_url, err.message, err.position.line
        )
    })?;
    let answer = Answer::of(&response, &dataset);
    let title = answer
        .text("/Name")
        .ok_or_else(|| ask.lacks(&response, "the data set's `Name`"))?;
    let mut d = Described::new(
        "Registry of Open Data on AWS",
        target,
        UrlRole::Landing,
        &response,
        title,
        aws_access(&answer),
    );
    d.description = answer.text("/Description");
    d.license = answer.license(&["/License"], None);
    d.published = answer.date("/RegistryEntryAdded");
    d.updated = answer.date("/RegistryEntryLastModified");
    if answer.is_true("/Deprecated") {
        d.notes.push(format!(
            "the registry marks the data set Deprecated{}",
            answer
                .text("/DeprecatedNotice")
                .map(|n| format!(": {}", shorten(&n.value, 160)))
                .unwrap_or_default()
        ));
    }
    Ok(d)
}

/// The access of the first S3 bucket the registry lists: by request
/// (`ControlledAccess`), through an AWS account (`RequesterPays`,
/// `AccountRequired`), else anonymous.
fn aws_access(answer: &Answer<'_>) -> AccessFact {
    let resources = answer
        .body
        .get("Resources")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let bucket = resources.iter().position(|r| {
        api::text_at(r, "/ARN").is_some_and(|arn| arn.starts_with("arn:aws:s3:::"))
            || api::text_at(r, "/Type").as_deref() == Some("S3 Bucket")
    });
    let Some(i) = bucket else {
        return AccessFact::guessed(
            Access::Open,
            "the registry names no S3 bucket; check how the data is obtained",
        );
    };
    let at = |field: &str| format!("/Resources/{i}/{field}");
    if api::text_at(answer.body, &at("ControlledAccess")).is_some() {
        return AccessFact::said(Access::Request, answer.source(&at("ControlledAccess")));
    }
    for flag in ["RequesterPays", "AccountRequired"] {
        if answer.is_true(&at(flag)) {
            return AccessFact::said(Access::Registration, answer.source(&at(flag)));
        }
    }
    AccessFact::said(Access::Open, answer.source(&at("ARN")))
}

/// A page no API covers: its `<title>` and its `Last-Modified`, and nothing
/// more (a page's prose is no description to trust).
async fn page<F: Fetch>(fetch: &F, target: &Target) -> Result<Described, String> {
    let url = target.canonical_url();
    let mut request =
        Request::get(url.clone()).header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    request.max_body_bytes = Some(website::FINGERPRINT_BYTES);
    let response = fetch
        .fetch(request)
        .await
        .map_err(|err| format!("could not read {url}: {err}"))?;
    if !(200..300).contains(&response.status) {
        return Err(format!("{url} answered {}", response.status));
    }
    let text = String::from_utf8_lossy(&response.body);
    let title = page_title(&text).ok_or_else(|| {
        format!(
            "the page {} has no <title> to name the entry by; write the entry by hand (CONTRIBUTING.md)",
            response.final_url
        )
    })?;
    let source = |field: &str| Source {
        url: response.final_url.clone(),
        field: field.to_owned(),
    };
    let title = Sourced {
        value: title,
        source: source("<title>"),
    };
    let access = AccessFact::guessed(
        Access::Open,
        "no API says how the data is obtained: check whether it needs an account, a request or an agreement",
    );
    let mut d = Described::new(
        "web page",
        target,
        UrlRole::Landing,
        &response,
        title,
        access,
    );
    d.updated = response
        .header("last-modified")
        .and_then(|text| {
            jiff::fmt::rfc2822::DateTimeParser::new()
                .relaxed_weekday(true)
                .parse_timestamp(text.trim())
                .ok()
        })
        .map(|at| Sourced {
            value: utc_day(at),
            source: source("Last-Modified"),
        });
    if response.final_url != url {
        d.notes.push(format!(
            "{url} redirects to {}: list that address if it is the page's own",
            response.final_url
        ));
    }
    Ok(d)
}

// ------------------------------------------------------------ text

/// Outside text as one line: whitespace runs become one space, the
/// characters [`crate::text::is_hidden`] names are dropped, and the ends
/// trimmed.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_whitespace() {
            gap = !out.is_empty();
        } else if !crate::text::is_hidden(c) {
            if gap {
                out.push(' ');
                gap = false;
            }
            out.push(c);
        }
    }
    out
}

/// Tags that sit inside words (`<i>COVID</i>-19`): dropped without a space.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "code", "em", "i", "small", "span", "strong", "sub", "sup", "u",
];

/// HTML as [`clean`] text: tags dropped (a block tag leaves a space),
/// entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        let Some(close) = after.find('>').filter(|_| starts_tag) else {
            out.push('<');
            rest = after;
            continue;
        };
        let name: String = after[..close]
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if !INLINE_TAGS.contains(&name.as_str()) {
            out.push(' ');
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    clean(&decode_entities(&out))
}

/// The text of the page's first `<title>` element, decoded and [`clean`].
pub fn page_title(page: &str) -> Option<String> {
    // ASCII lower-casing keeps every byte offset.
    let lower = page.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let at = lower[from..].find("<title")? + from;
        let after = at + "<title".len();
        if matches!(
            lower.as_bytes().get(after),
            Some(b'>' | b' ' | b'\t' | b'\n' | b'\r')
        ) {
            let start = lower[after..].find('>')? + after + 1;
            let end = lower[start..].find("</title")? + start;
            let title = clean(&decode_entities(&page[start..end]));
            return (!title.is_empty()).then_some(title);
        }
        from = after;
    }
}

/// The named entities platforms write; numeric ones are decoded in full.
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("ndash", '\u{2013}'),
    ("mdash", '\u{2014}'),
    ("hellip", '\u{2026}'),
    ("lsquo", '\u{2018}'),
    ("rsquo", '\u{2019}'),
    ("ldquo", '\u{201c}'),
    ("rdquo", '\u{201d}'),
    ("copy", '\u{a9}'),
    ("reg", '\u{ae}'),
    ("trade", '\u{2122}'),
    ("deg", '\u{b0}'),
    ("middot", '\u{b7}'),
    ("times", '\u{d7}'),
    ("auml", '\u{e4}'),
    ("ouml", '\u{f6}'),
    ("uuml", '\u{fc}'),
    ("eacute", '\u{e9}'),
];

/// `&amp;`, `&#233;` and `&#xe9;` decoded; anything else is left as written.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let decoded = after
            .find(';')
            .filter(|&end| end > 0 && end <= 32)
            .and_then(|end| Some((entity(&after[..end])?, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    ENTITIES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// At most `max` characters, cut at a space where there is one, with `…`.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > cut.len() / 2 => &cut[..space],
        _ => &cut,
    };
    format!("{}\u{2026}", cut.trim_end())
}

/// A platform's date as `YYYY-MM-DD` (in UTC), or a bare year as written.
fn day(text: &str) -> Option<String> {
    let text = text.trim();
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(text.to_owned());
    }
    api::parse_time(text).map(utc_day)
}

fn utc_day(at: Timestamp) -> String {
    at.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::providers::api::testing::Canned;

    #[test]
    fn html_becomes_one_line_of_text() {
        assert_eq!(
            html_to_text(
                "<p>CT scans of <i>COVID</i>-19 &amp; other\n pneumonia.</p><p>Second&nbsp;part &#x2014; done</p>"
            ),
            "CT scans of COVID-19 & other pneumonia. Second part \u{2014} done"
        );
        assert_eq!(html_to_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(html_to_text("x &unknown; y &#0; z"), "x &unknown; y &#0; z");
        // Hidden characters never reach an entry, however they are written.
        assert_eq!(html_to_text("a\u{202e}b&#8203;c\u{0007}"), "abc");
    }

    #[test]
    fn titles_are_read_decoded_and_trimmed() {
        let page = "<html><head><meta name=x><TITLE lang=en>\n  COVID-19 &amp; the\tLungs &#8211; Data </TITLE></head><title>second</title>";
        assert_eq!(
            page_title(page).as_deref(),
            Some("COVID-19 & the Lungs \u{2013} Data")
        );
        assert_eq!(
            page_title("<titlebar>no</titlebar><title>yes</title>").as_deref(),
            Some("yes")
        );
        assert_eq!(page_title("<title>  </title>"), None);
        assert_eq!(page_title("<html>none</html>"), None);
    }

    #[test]
    fn fields_are_named_as_people_write_them() {
        assert_eq!(field_name("/metadata/title"), "metadata.title");
        assert_eq!(
            field_name("/data/attributes/titles/0/title"),
            "data.attributes.titles[0].title"
        );
        assert_eq!(field_name("/0/slug"), "[0].slug");
    }

    #[test]
    fn dates_are_days_in_utc_or_bare_years() {
        assert_eq!(
            day("2026-09-22T23:34:36.678000-04:00").as_deref(),
            Some("2026-09-23")
        );
        assert_eq!(day("2020-04-01").as_deref(), Some("2020-04-01"));
        assert_eq!(day("2020").as_deref(), Some("2020"));
        assert_eq!(day("last spring"), None);
    }

    #[test]
    fn long_text_is_cut_at_a_space() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("one two three four", 12), "one two\u{2026}");
    }

    /// A concept record answers 404; its latest version carries the facts,
    /// and the DOI is the concept DOI (the legacy serialiser's `conceptdoi`).
    #[tokio::test]
    async fn a_zenodo_concept_is_described_by_its_latest_version() {
        let latest = serde_json::json!({
            "id": 12, "conceptrecid": "10", "doi": "10.5281/zenodo.12", "conceptdoi": "10.5281/zenodo.10",
            "modified": "2024-05-02T10:00:00+00:00",
            "metadata": {"title": "CT scans", "description": "<p>Chest CT.</p>",
                "license": {"id": "cc-by-4.0"}, "publication_date": "2024-05-01", "access_right": "open"}
        });
        let canned = Canned::default()
            .get(
                "https://zenodo.org/api/records/10",
                404,
                r#"{"status":404}"#,
            )
            .get(
                "https://zenodo.org/api/records/10/versions/latest",
                200,
                &latest.to_string(),
            );
        let d = describe(
            &canned,
            &Endpoints::default(),
            &Secrets::default(),
            &Target::ZenodoRecord { id: 10 },
        )
        .await
        .unwrap();
        assert_eq!(d.canonical_url.as_str(), "https://zenodo.org/records/10");
        assert_eq!(d.title.value, "CT scans");
        assert_eq!(d.title.source.field, "metadata.title");
        assert_eq!(d.description.unwrap().value, "Chest CT.");
        assert_eq!(d.doi.unwrap().value, "10.5281/zenodo.10");
        let license = d.license.unwrap();
        assert_eq!(
            (
                license.value.declared.id.as_str(),
                license.value.declared.spdx
            ),
            ("CC-BY-4.0", true)
        );
        assert_eq!(d.published.unwrap().value, "2024-05-01");
        assert_eq!(d.updated.unwrap().value, "2024-05-02");
        assert_eq!(d.access.access, Access::Open);
        assert!(d.access.source.is_some());
    }

    #[tokio::test]
    async fn failures_name_the_url_and_what_answered() {
        let canned = Canned::default().get(
            "https://api.figshare.com/v2/articles/999",
            404,
            r#"{"message": "Article with specified ID does not exist"}"#,
        );
        let err = describe(
            &canned,
            &Endpoints::default(),
            &Secrets::default(),
            &Target::FigshareArticle {
                id: 999,
                version: None,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(
            err,
            "the figshare API answered 404 at https://api.figshare.com/v2/articles/999: Article with specified ID does not exist"
        );
        let err = describe(
            &Canned::default(),
            &Endpoints::default(),
            &Secrets::default(),
            &Target::KaggleDataset {
                owner: "o".into(),
                slug: "s".into(),
            },
        )
        .await
        .unwrap_err();
        assert!(err.contains("KAGGLE_API_TOKEN"), "{err}");
    }
}
