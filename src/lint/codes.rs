//! The stable finding codes. A code names one kind of problem forever: rename
//! nothing, only add. CONTRIBUTING.md lists each with what to do.

use serde::Serialize;

use super::Severity;

macro_rules! codes {
    ($( $variant:ident = $text:literal, $severity:ident, $help:literal; )*) => {
        /// One kind of finding. Printed and serialised as its kebab-case name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )* }
            }

            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// One line on what the code means and what to do.
            pub fn help(self) -> &'static str {
                match self { $( Code::$variant => $help, )* }
            }
        }
    };
}

codes! {
    Unreadable = "unreadable", Error, "The file could not be read (permissions?). Make it readable.";
    NotRegularFile = "not-regular-file", Error, "A symlink, FIFO, device or directory named like an entry. Replace it with a plain file.";
    FileTooLarge = "file-too-large", Error, "Over 1 MiB. An entry is a few KiB: shorten it.";
    NotUtf8 = "not-utf8", Error, "Bytes that are not UTF-8. Save the file as UTF-8.";
    Bom = "bom", Error, "A byte-order mark at the start. Save as UTF-8 without BOM.";
    NulByte = "nul-byte", Error, "A NUL byte. Remove it; entries are text.";
    StrayFile = "stray-file", Error, "A file in catalog/ that is not `<id>.yaml` (e.g. `.yml`). Rename or move it.";
    YamlSyntax = "yaml-syntax", Error, "The YAML does not parse. Fix the syntax at the position shown.";
    DuplicateKey = "duplicate-key", Error, "The same key twice in one mapping. Keep one.";
    YamlAlias = "yaml-alias", Error, "Anchors (&a) and aliases (*a) are not allowed. Write values out.";
    TooDeep = "too-deep", Error, "Nesting deeper than 128 levels. Flatten it.";
    MultipleDocuments = "multiple-documents", Error, "More than one YAML document (`---`). One entry per file.";
    EmptyFile = "empty-file", Error, "No entry in the file. Fill it in or delete it.";
    ComplexKey = "complex-key", Error, "A list or mapping used as a key. Keys are plain words.";
    YamlTag = "yaml-tag", Error, "A YAML tag such as `!foo`. Remove it.";
    UnknownKey = "unknown-key", Error, "A key the schema does not know (a typo?). Fix or remove it.";
    MissingKey = "missing-key", Error, "A required key is missing. Add it.";
    InvalidValue = "invalid-value", Error, "A value outside its closed set (e.g. a flag `maybe`). Use one of the listed values.";
    WrongType = "wrong-type", Error, "A value of the wrong type (a list where text is expected...). Fix the type.";
    InvalidFormat = "invalid-format", Error, "A malformed date (YYYY-MM-DD) or URL. Fix it.";
    InvalidText = "invalid-text", Error, "Text with control or bidirectional-override characters, or not matching its pattern. Remove them.";
    OutOfRange = "out-of-range", Error, "Too long, too short, too many or too large. Stay within the limit given.";
    Schema = "schema", Error, "Another schema rule is broken; the message says which.";
    IdMismatch = "id-mismatch", Error, "The id differs from the file name. Rename the file to `<id>.yaml` or fix the id.";
    UnsafeId = "unsafe-id", Error, "The id is not 1-64 lowercase letters, digits and single hyphens. Choose such an id.";
    DuplicateId = "duplicate-id", Error, "Two entries share an id. Merge them or choose another id.";
    DuplicateUrl = "duplicate-url", Error, "Two entries (or one entry twice) list the same resource URL. Merge the entries or remove one URL.";
    DuplicateDoi = "duplicate-doi", Error, "Two entries name the same DOI. Merge the entries.";
    InvalidUrl = "invalid-url", Error, "Not an absolute URL. Write the full https://... address.";
    ForbiddenUrl = "forbidden-url", Error, "A `javascript:`, `data:`, `file:` or other non-web URL. Use an https:// URL.";
    UrlCredentials = "url-credentials", Error, "A user name or password inside the URL. Remove it; never commit credentials.";
    PrivateAddress = "private-address", Error, "A loopback, private or link-local address. Use the public address of the resource.";
    InsecureUrl = "insecure-url", Error, "`http://` on a host known to serve https. Use `https://`.";
    PreferHttps = "prefer-https", Warning, "`http://` on a host not known to catwatch. Use `https://` if the site offers it.";
    NonCanonicalUrl = "non-canonical-url", Error, "A known platform URL not in its canonical form. Use the suggested URL.";
    UnsourcedClaim = "unsourced-claim", Error, "A `confirmed` licence or a `high`-confidence claim whose source names no document a reader can open. Give the document's URL (https://...) or its repository and path (owner/repo:path), or lower the confidence (believed, medium).";
    StaleVerification = "stale-verification", Warning, "The entry was last verified longer ago than `[lint] verified_max_age_days` (a year by default). Read its sources again (flags, licence, URLs), then set `last_verified`.";
    SnoozedKnownMove = "snoozed-known-move", Warning, "A snooze holds back a move whose new address is known. Make the new address the entry's URL, keep the old one with `check: false` and a note, and remove the snooze.";
    TciaWikiLink = "tcia-wiki-link", Error, "A link into TCIA's retired wiki (`wiki.cancerimagingarchive.net`). Write the collection's page, `https://www.cancerimagingarchive.net/collection/{slug}/`, or its DOI.";
    KaggleShortLink = "kaggle-short-link", Warning, "The old short form `kaggle.com/{owner}/{slug}`, used for datasets and notebooks alike. Write `/datasets/{owner}/{slug}` for a dataset or `/code/{owner}/{slug}` for a notebook.";
    FutureDate = "future-date", Error, "A verification date after today. Use the date you actually checked.";
    ExpiredExemption = "expired-exemption", Warning, "An exemption whose `expires` has passed. Remove it, or renew it with a reason.";
    AllFlagsNo = "all-flags-no", Error, "All six modality flags are N: such a resource does not belong here. Use U where unknown.";
    SurveyReferenceMissing = "survey-reference-missing", Error, "The entry is one of the survey's references but has no `survey_reference`. Add it.";
    SurveyReferenceMismatch = "survey-reference-mismatch", Error, "`survey_reference` differs from the survey reference of the entry's URL. Fix the number.";
    SurveyReferenceInvalid = "survey-reference-invalid", Error, "`survey_reference` names a survey reference that is not a data resource (1, 12, 18, 19, 20). Fix or remove it.";
    UnknownSpdx = "unknown-spdx", Warning, "A licence id catwatch does not know. Check it at https://spdx.org/licenses/ (ids are case-sensitive).";
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{text}"
            );
        }
    }
}
