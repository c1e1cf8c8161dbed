//! The Registry of Open Data on AWS: a dataset's published YAML, then an
//! anonymous listing of the S3 bucket it names.
//!
//! - **The registry** (awslabs/open-data-registry `README.md`, `schema.yaml`):
//!   one YAML file per dataset with `Name`, `Description`, `Documentation`,
//!   `Contact`, `ManagedBy`, `UpdateFrequency`, `Tags`, `License` and
//!   `Resources[]` (each with `Description`, `ARN` (`arn:aws:s3:::bucket`, or
//!   `arn:aws:s3:::bucket/prefix`), `Region`, `Type` ("S3 Bucket"), and
//!   optionally `RequesterPays` (a bool, written `True`/`true`/`False`/`false`),
//!   `ControlledAccess` (a URL where access is requested) and `AccountRequired`
//!   (a bool)); optionally `Deprecated` (a bool) and `DeprecatedNotice`. The
//!   published copy also carries `RegistryEntryAdded` and
//!   `RegistryEntryLastModified` (`YYYY-MM-DD`, added by
//!   `_scripts/add_metadata.sh`). The registry site (awslabs/
//!   open-data-registry-browser `README.md`, `gulpfile.js`) publishes each
//!   file at `/datasets/awslabs-open-data-registry/datasets/{name}.yaml`:
//!   that is what is read, with [`crate::catalog::yaml`] (YAML 1.2 core
//!   schema: `True` is a bool, an unquoted date a string).
//! - **S3** (Amazon S3 API Reference, `ListObjectsV2`,
//!   docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html):
//!   `GET /?list-type=2&max-keys=1000[&prefix=..][&continuation-token=..]`,
//!   anonymously, answered by a `<ListBucketResult>` with `KeyCount`,
//!   `IsTruncated`, `NextContinuationToken` (only when truncated) and one
//!   `<Contents>` (`Key`, `LastModified`, `ETag`, `Size`, `StorageClass`) per
//!   object. Up to [`MAX_PAGES`] pages are read; the sizes are summed
//!   (`Unit::Bytes`) and the keys counted (`Unit::Files`) only when the
//!   listing was read to its end. Errors (API Reference, `ErrorResponses`)
//!   come as `<Error><Code>..</Code><Message>..</Message>..</Error>`:
//!   `NoSuchBucket` (404) is gone, `AccessDenied` (403) restricted,
//!   `SlowDown` (503) a rate limit, `PermanentRedirect` (301, with
//!   `<Endpoint>` and no `Location`) a bucket in another region than the
//!   registry says.
//!
//! Signals, in order: no YAML (404) is `aws-open-data-not-found`;
//! `Deprecated: True` is archived (`aws-open-data-deprecated`, the bucket is
//! not listed); a bucket with `ControlledAccess` (access by request) or
//! `RequesterPays` / `AccountRequired` (an AWS account pays or signs the
//! requests) is restricted (`aws-open-data-restricted`) without being listed;
//! otherwise the listing decides. The date is always the registry's
//! `RegistryEntryLastModified`; the newest object's `LastModified` is a note
//! (and the date only when the registry gives none).
//!
//! A bucket is addressed virtual-hosted style,
//! `https://{bucket}.s3.{region}.amazonaws.com/`, unless its name has a dot
//! or is not DNS-compatible (a wildcard certificate covers one label only; S3
//! User Guide, "Virtual hosting of buckets"): then path-style,
//! `https://s3.{region}.amazonaws.com/{bucket}`. A configured `s3` base (a
//! mirror, a test) is always path-style, `{base}/{bucket}`.

// A `Found` in `Err` is a finding to report (not a failure to propagate far);
// it is built once per URL, so its size does not matter.
#![allow(clippy::result_large_err)]

use jiff::Timestamp;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;
use url::Url;

use super::api::{self, Found};
use crate::catalog::entry::Access;
use crate::catalog::yaml;
use crate::observation::{Dated, Signal, Unit};
use crate::probe::fetch::{Fetch, Request, Response};
use crate::reason::Reason;

/// Keys asked per page: ListObjectsV2 returns at most 1,000.
const MAX_KEYS: usize = 1000;

/// Pages read at most (10,000 objects); a bigger bucket is alive, unsummed.
pub const MAX_PAGES: usize = 10;

const DATE_SOURCE: &str = "aws-open-data:RegistryEntryLastModified";
const NEWEST_SOURCE: &str = "s3:ListObjectsV2 LastModified";
const BYTES_SOURCE: &str = "s3:ListObjectsV2 Size";
const FILES_SOURCE: &str = "s3:ListObjectsV2 KeyCount";

/// What is percent-encoded in a query value: everything but RFC 3986's
/// unreserved characters (S3 reads `+` in a query as a space, so a
/// continuation token's `+`, `/` and `=` are escaped).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The text a registry field or an S3 message is cut to in the evidence.
const NOTE_CHARS: usize = 160;

/// Judges the registry's dataset `name`: its published YAML, then (for an
/// open S3 bucket) an anonymous listing of that bucket.
pub async fn probe<F: Fetch>(fetch: &F, registry: &Url, s3: Option<&Url>, name: &str) -> Found {
    let (response, dataset) = match read_dataset(fetch, registry, name).await {
        Ok(read) => read,
        Err(found) => return found,
    };
    let facts = Facts::of(&dataset);
    if flag(dataset.get("Deprecated")) {
        let field = match text(&dataset, "DeprecatedNotice") {
            Some(notice) => format!("Deprecated: True ({})", short(&notice)),
            None => "Deprecated: True".to_owned(),
        };
        return facts.onto(Found::answered(
            Signal::archived(Reason::AwsOpenDataDeprecated, field),
            &response,
        ));
    }
    let Some(bucket) = first_bucket(&dataset) else {
        return facts.onto(
            Found::answered(Signal::Alive, &response)
                .note("the registry names no S3 bucket (`Type: S3 Bucket`, `arn:aws:s3:::`) among the dataset's Resources"),
        );
    };
    let restricted = |need: Access, why: String| {
        facts.onto(
            Found::answered(
                Signal::Restricted {
                    reason: Reason::AwsOpenDataRestricted,
                    need,
                    why,
                },
                &response,
            )
            .note(format!("registry resource: {}", bucket.arn)),
        )
    };
    if let Some(url) = &bucket.controlled_access {
        return restricted(
            Access::Request,
            format!(
                "the registry marks the bucket `{}` ControlledAccess: access is requested at {}",
                bucket.name,
                short(url)
            ),
        );
    }
    if bucket.requester_pays {
        return restricted(
            Access::Registration,
            format!(
                "the registry marks the bucket `{}` RequesterPays: an AWS account pays for the requests",
                bucket.name
            ),
        );
    }
    if bucket.account_required {
        return restricted(
            Access::Registration,
            format!(
                "the registry marks the bucket `{}` AccountRequired: requests must be signed by an AWS account",
                bucket.name
            ),
        );
    }
    facts.onto(list(fetch, s3, &bucket, &response).await)
}

/// The dataset's YAML as a JSON value, with the answer that carried it.
async fn read_dataset<F: Fetch>(
    fetch: &F,
    registry: &Url,
    name: &str,
) -> Result<(Response, Value), Found> {
    let file = format!("{name}.yaml");
    let url = api::endpoint(
        registry,
        &["datasets", "awslabs-open-data-registry", "datasets", &file],
    );
    let mut request = Request::get(url).header(
        "Accept",
        "application/yaml, text/yaml, application/x-yaml, text/plain;q=0.9, */*;q=0.5",
    );
    request.follow_redirects = false;
    let response = api::send(fetch, request).await?;
    match response.status {
        200 => {}
        404 => {
            return Err(Found::answered(
                Signal::gone(
                    Reason::AwsOpenDataNotFound,
                    format!(
                        "the Registry of Open Data on AWS publishes no dataset `{name}` (its YAML answered 404)"
                    ),
                ),
                &response,
            ));
        }
        _ => return Err(api::unsuccessful(&response, Reason::AwsOpenDataNotFound)),
    }
    let bad =
        |why: String| Found::answered(Signal::transient(Reason::BadApiAnswer, why), &response);
    if response.truncated {
        return Err(bad(
            "the registry's dataset YAML exceeded the body size cap".into(),
        ));
    }
    let Ok(body) = std::str::from_utf8(&response.body) else {
        return Err(bad("the registry's dataset YAML is not UTF-8".into()));
    };
    let dataset = yaml::parse_value(body).map_err(|err| {
        bad(format!(
            "the registry's dataset YAML does not parse: {} (line {})",
            err.message, err.position.line
        ))
    })?;
    if text(&dataset, "Name").is_none() || !dataset.get("Resources").is_some_and(Value::is_array) {
        return Err(bad(
            "the registry's dataset YAML has no `Name` or no `Resources` list".into(),
        ));
    }
    Ok((response, dataset))
}

/// What the registry says about the dataset whatever the bucket says: the
/// date and the notes every finding carries.
struct Facts {
    date: Option<Dated>,
    notes: Vec<String>,
}

impl Facts {
    fn of(dataset: &Value) -> Facts {
        let date = text(dataset, "RegistryEntryLastModified")
            .and_then(|t| api::parse_time(&t))
            .map(|at| Dated {
                at,
                source: DATE_SOURCE.to_owned(),
            });
        let mut note = format!(
            "registry.opendata.aws: Name \"{}\"",
            short(&text(dataset, "Name").unwrap_or_default())
        );
        if let Some(license) = text(dataset, "License") {
            note.push_str(&format!(", License \"{}\"", short(&license)));
        }
        if let Some(frequency) = text(dataset, "UpdateFrequency") {
            note.push_str(&format!(", UpdateFrequency \"{}\"", short(&frequency)));
        }
        Facts {
            date,
            notes: vec![note],
        }
    }

    /// `found` with the registry's date (which wins over any other) and its
    /// notes before the finding's own.
    fn onto(&self, mut found: Found) -> Found {
        found.last_updated = self.date.clone().or(found.last_updated);
        let mut evidence = self.notes.clone();
        evidence.append(&mut found.evidence);
        found.evidence = evidence;
        found
    }
}

/// The S3 bucket of the first resource that names one.
#[derive(Debug, Clone, PartialEq)]
struct Bucket {
    arn: String,
    name: String,
    prefix: String,
    region: Option<String>,
    controlled_access: Option<String>,
    requester_pays: bool,
    account_required: bool,
}

impl Bucket {
    fn s3_uri(&self) -> String {
        format!("s3://{}/{}", self.name, self.prefix)
    }
}

fn first_bucket(dataset: &Value) -> Option<Bucket> {
    dataset
        .get("Resources")?
        .as_array()?
        .iter()
        .find_map(bucket_of)
}

fn bucket_of(resource: &Value) -> Option<Bucket> {
    // `Type` is sometimes written with trailing spaces or in quotes.
    let kind = text(resource, "Type")?;
    let kind = kind.trim().trim_matches(['"', '\'']).trim();
    if !kind.eq_ignore_ascii_case("S3 Bucket") {
        return None;
    }
    let arn = text(resource, "ARN")?;
    let path = arn.strip_prefix("arn:aws:s3:::")?;
    let (name, prefix) = path.split_once('/').unwrap_or((path, ""));
    if name.is_empty() {
        return None;
    }
    Some(Bucket {
        arn: arn.clone(),
        name: name.to_owned(),
        prefix: prefix.to_owned(),
        region: text(resource, "Region"),
        controlled_access: text(resource, "ControlledAccess"),
        requester_pays: flag(resource.get("RequesterPays")),
        account_required: flag(resource.get("AccountRequired")),
    })
}

/// A YAML field as text, trimmed, when present and not empty.
fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A YAML bool as the registry writes it (`True`, `true`; a quoted `"True"`
/// too). Anything else is false.
fn flag(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// `text` on one line, cut to [`NOTE_CHARS`] characters.
fn short(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(NOTE_CHARS) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line,
    }
}

/// Whether `name` can be a host label of its own under `s3.{region}`: lower
/// case letters, digits and hyphens (a dot would leave the wildcard
/// certificate's one label).
fn host_label(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Whether `name` is a bucket name S3 could have (legacy names included:
/// upper case and underscores were once allowed in us-east-1).
fn bucket_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// The URL of one ListObjectsV2 page.
fn listing_url(s3: Option<&Url>, bucket: &Bucket, token: Option<&str>) -> Result<Url, String> {
    if !bucket_name(&bucket.name) {
        return Err(format!(
            "the registry's ARN `{}` does not name a valid S3 bucket",
            short(&bucket.arn)
        ));
    }
    let mut url = match s3 {
        Some(base) => api::endpoint(base, &[&bucket.name]),
        None => {
            let region = bucket.region.as_deref().filter(|r| {
                !r.is_empty()
                    && r.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
            let service = match region {
                Some(region) => format!("s3.{region}.amazonaws.com"),
                None => "s3.amazonaws.com".to_owned(),
            };
            let text = if host_label(&bucket.name) {
                format!("https://{}.{service}/", bucket.name)
            } else {
                format!("https://{service}/")
            };
            let url = Url::parse(&text).map_err(|err| format!("no S3 address: {err}"))?;
            if host_label(&bucket.name) {
                url
            } else {
                api::endpoint(&url, &[&bucket.name])
            }
        }
    };
    let mut query = format!("list-type=2&max-keys={MAX_KEYS}");
    if !bucket.prefix.is_empty() {
        query.push_str("&prefix=");
        query.push_str(&utf8_percent_encode(&bucket.prefix, QUERY_VALUE).to_string());
    }
    if let Some(token) = token {
        query.push_str("&continuation-token=");
        query.push_str(&utf8_percent_encode(token, QUERY_VALUE).to_string());
    }
    url.set_query(Some(&query));
    Ok(url)
}

/// One page of a ListObjectsV2 answer.
#[derive(Debug, Default)]
struct Page {
    keys: u64,
    bytes: u64,
    newest: Option<(Timestamp, String)>,
    truncated: bool,
    next: Option<String>,
}

fn parse_page(body: &str) -> Result<Page, String> {
    if !body.contains("<ListBucketResult") {
        return Err("S3 answered 200 without a ListBucketResult".into());
    }
    let mut page = Page::default();
    let contents = elements(body, "Contents");
    for object in &contents {
        let key = first(object, "Key").unwrap_or_default();
        let size = first(object, "Size")
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| format!("the object `{}` has no Size", short(&key)))?;
        page.bytes = page.bytes.saturating_add(size);
        if let Some(at) = first(object, "LastModified").and_then(|t| api::parse_time(&t))
            && page.newest.as_ref().is_none_or(|(newest, _)| at > *newest)
        {
            page.newest = Some((at, key));
        }
    }
    page.keys = match first(body, "KeyCount") {
        Some(count) => count
            .parse()
            .map_err(|_| format!("KeyCount `{}` is not a number", short(&count)))?,
        None => contents.len() as u64,
    };
    page.truncated = first(body, "IsTruncated").is_some_and(|t| t.eq_ignore_ascii_case("true"));
    page.next = first(body, "NextContinuationToken").filter(|t| !t.is_empty());
    Ok(page)
}

/// Lists the bucket page by page; the finding is the listing's, with the
/// registry's answer as the one that decided an alive bucket.
async fn list<F: Fetch>(
    fetch: &F,
    s3: Option<&Url>,
    bucket: &Bucket,
    registry: &Response,
) -> Found {
    let uri = bucket.s3_uri();
    let mut keys: u64 = 0;
    let mut bytes: u64 = 0;
    let mut newest: Option<(Timestamp, String)> = None;
    let mut evidence: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    // Why the totals are not exact, when they are not.
    let stopped: Option<String> = loop {
        let url = match listing_url(s3, bucket, token.as_deref()) {
            Ok(url) => url,
            Err(why) => {
                return Found::answered(Signal::transient(Reason::BadApiAnswer, why), registry);
            }
        };
        let mut request = Request::get(url).header("Accept", "application/xml");
        request.follow_redirects = false;
        let response = match api::send(fetch, request).await {
            Ok(response) => response,
            Err(found) if pages == 0 => return found.note(format!("listing {uri}")),
            Err(found) => break Some(format!("page {} failed: {}", pages + 1, why_of(&found))),
        };
        evidence.extend(response.notes.iter().cloned());
        if response.status != 200 {
            let failed = s3_error(&response, bucket);
            if pages == 0 {
                return failed;
            }
            break Some(format!("page {} failed: {}", pages + 1, why_of(&failed)));
        }
        if response.truncated {
            break Some(format!("page {} exceeded the body size cap", pages + 1));
        }
        let body = String::from_utf8_lossy(&response.body);
        let page = match parse_page(&body) {
            Ok(page) => page,
            Err(why) if pages == 0 => {
                return Found::answered(
                    Signal::transient(
                        Reason::BadApiAnswer,
                        format!(
                            "the listing of {uri} is not the ListObjectsV2 answer expected: {why}"
                        ),
                    ),
                    &response,
                );
            }
            Err(why) => break Some(format!("page {} is not a listing: {why}", pages + 1)),
        };
        pages += 1;
        keys = keys.saturating_add(page.keys);
        bytes = bytes.saturating_add(page.bytes);
        if let Some((at, key)) = page.newest
            && newest.as_ref().is_none_or(|(n, _)| at > *n)
        {
            newest = Some((at, key));
        }
        match (page.truncated, page.next) {
            (false, _) => break None,
            (true, Some(next)) if pages < MAX_PAGES => token = Some(next),
            (true, Some(_)) => break Some(format!("more than {keys} objects")),
            (true, None) => {
                break Some(format!(
                    "page {pages} says IsTruncated without a NextContinuationToken"
                ));
            }
        }
    };
    let mut found = Found::answered(Signal::Alive, registry);
    found.evidence.extend(evidence);
    found = match &stopped {
        None => found
            .measured(Some(bytes), Unit::Bytes, BYTES_SOURCE)
            .measured(Some(keys), Unit::Files, FILES_SOURCE)
            .note(format!(
                "{uri}: {keys} objects, {bytes} bytes (ListObjectsV2, {pages} page{})",
                if pages == 1 { "" } else { "s" }
            )),
        Some(why) => found.note(format!(
            "{uri}: {why}; sizes not summed ({keys} objects in {pages} page{} read)",
            if pages == 1 { "" } else { "s" }
        )),
    };
    if let Some((at, key)) = newest {
        found = found.note(format!(
            "newest object: `{}`, LastModified {at}",
            short(&key)
        ));
        // The registry's date wins (`Facts::onto`); this stands in only when
        // the registry gives none and the whole listing was read.
        if stopped.is_none() {
            found.last_updated = Some(Dated {
                at,
                source: NEWEST_SOURCE.to_owned(),
            });
        }
    } else if stopped.is_none() {
        found = found.note(format!("{uri} lists no objects"));
    }
    found
}

/// The `why` of a finding's signal, for a note.
fn why_of(found: &Found) -> String {
    match &found.signal {
        Signal::Gone { why, .. }
        | Signal::Blocked { why, .. }
        | Signal::Transient { why, .. }
        | Signal::Restricted { why, .. }
        | Signal::Unsettled { why, .. }
        | Signal::Refused { why } => why.clone(),
        Signal::RateLimited { .. } => "rate limited".into(),
        other => format!("{other:?}"),
    }
}

/// An S3 answer that is not a listing, read from its `<Error>` body.
fn s3_error(response: &Response, bucket: &Bucket) -> Found {
    let body = String::from_utf8_lossy(&response.body);
    let code = first(&body, "Code");
    let message = first(&body, "Message");
    let status = response.status;
    let said = match (&code, &message) {
        (Some(code), Some(message)) => format!("S3 answered {status} {code}: {}", short(message)),
        (Some(code), None) => format!("S3 answered {status} {code}"),
        _ => format!("S3 answered {status}"),
    };
    let name = &bucket.name;
    if code.as_deref() == Some("SlowDown")
        || (status == 503 && body.contains("reduce your request rate"))
    {
        // api::unsuccessful would call a 503 a transient server error.
        return Found::answered(Signal::RateLimited { retry_at: None }, response).note(said);
    }
    let signal = match status {
        404 => Signal::gone(
            Reason::S3NoSuchBucket,
            match code.as_deref() {
                Some("NoSuchBucket") | None => {
                    format!("S3 answers NoSuchBucket for `{name}`, the bucket the registry names")
                }
                Some(other) => format!(
                    "S3 answers 404 ({other}) to the listing of `{name}`, the bucket the registry names"
                ),
            },
        ),
        403 => Signal::Restricted {
            reason: Reason::AwsOpenDataRestricted,
            need: Access::Registration,
            why: format!(
                "S3 refused an anonymous listing ({})",
                code.as_deref().unwrap_or("403")
            ),
        },
        300..=399 => {
            let region = bucket.region.as_deref().unwrap_or("none given");
            let mut found = Found::answered(
                Signal::transient(
                    Reason::Http(status),
                    format!(
                        "{said}: the bucket `{name}` is not served where the registry's Region ({region}) says"
                    ),
                ),
                response,
            );
            if let Some(endpoint) = first(&body, "Endpoint") {
                found = found.note(format!("S3 names the endpoint {}", short(&endpoint)));
            }
            if let Some(actual) = response.header("x-amz-bucket-region") {
                found = found.note(format!("S3 says the bucket is in {}", short(actual)));
            }
            return found;
        }
        _ => return api::unsuccessful(response, Reason::S3NoSuchBucket).note(said),
    };
    Found::answered(signal, response).note(said)
}

/// The inner text of every `<tag>...</tag>` in `xml`, in order, raw (S3's
/// elements carry no attributes and never nest one in a namesake). `<Key>`
/// does not match `<KeyCount>`; an empty `<tag/>` is an empty text.
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        let Some(end) = after.find('>') else {
            break;
        };
        let head = &after[..end];
        if !(head.is_empty() || head.starts_with([' ', '\t', '\r', '\n', '/'])) {
            // Another element whose name starts with `tag`.
            rest = after;
            continue;
        }
        if head.ends_with('/') {
            out.push("");
            rest = &after[end + 1..];
            continue;
        }
        let inner = &after[end + 1..];
        let Some(stop) = inner.find(&close) else {
            break;
        };
        out.push(&inner[..stop]);
        rest = &inner[stop + close.len()..];
    }
    out
}

/// The first `<tag>` in `xml`, unescaped and trimmed.
fn first(xml: &str, tag: &str) -> Option<String> {
    elements(xml, tag)
        .first()
        .map(|raw| unescape(raw).trim().to_owned())
}

/// XML's five predefined entities and numeric character references (S3
/// writes control characters in keys as `&#x..;`). Anything else is kept.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let entity = tail
            .find(';')
            .filter(|&end| end <= 12)
            .map(|end| (&tail[1..end], end));
        let decoded = entity.and_then(|(name, end)| {
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let number =
                        if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                            u32::from_str_radix(hex, 16).ok()
                        } else {
                            name.strip_prefix('#').and_then(|dec| dec.parse().ok())
                        };
                    char::from_u32(number?)?
                }
            };
            Some((c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::fetch::Method;
    use crate::probe::providers::api::testing::Canned;

    const REGISTRY: &str = "https://registry.opendata.aws";
    const DATASETS: &str =
        "https://registry.opendata.aws/datasets/awslabs-open-data-registry/datasets";
    const STOIC: &str = "https://stoic2021-training.s3.us-west-2.amazonaws.com/";

    fn registry() -> Url {
        Url::parse(REGISTRY).unwrap()
    }

    /// An S3 answer: S3 sends `application/xml`.
    fn xml(url: &str, status: u16, body: &str) -> Response {
        let mut response = api::testing::response(url, status, body);
        response.headers = vec![("content-type".into(), "application/xml".into())];
        response
    }

    fn yaml_answer(url: &str, body: &str) -> Response {
        let mut response = api::testing::response(url, 200, body);
        response.headers = vec![("content-type".into(), "application/x-yaml".into())];
        response
    }

    /// awslabs/open-data-registry `datasets/stoic2021-training.yaml` as the
    /// registry site publishes it (open-data-registry-browser `gulpfile.js`),
    /// with the `RegistryEntryLastModified` that `_scripts/add_metadata.sh`
    /// adds. Description and DataAtWork shortened.
    const STOIC_YAML: &str = "\
Name: STOIC2021 Training
Description: The STOIC project collected Computed Tomography (CT) images of 10,735 individuals suspected of being infected with SARS-COV-2 during the first wave of the pandemic in France, from March to April 2020.
Documentation: https://pubs.rsna.org/doi/full/10.1148/radiol.2021210384
Contact: luuk.boulogne@radboudumc.nl
ManagedBy: Radboud University Medical Center
UpdateFrequency: The full training set was published at the release.
Tags:
  - aws-pds
  - life sciences
  - computed tomography
  - coronavirus
  - COVID-19
License: CC-BY-NC 4.0
Resources:
  - Description: The data set contains 2000 CT scans stored as compressed .mha files.  
    ARN: arn:aws:s3:::stoic2021-training
    Region: us-west-2
    Type: S3 Bucket
DataAtWork:
  Tools & Applications:
    - Title: STOIC2021 Challenge
      URL: https://stoic2021.grand-challenge.org/
      AuthorName: Diagnostic Image Analysis Group, Radboudumc, Nijmegen
      AuthorURL: https://www.diagnijmegen.nl/
RegistryEntryLastModified: '2022-12-30'
";

    /// A ListObjectsV2 page in the shape of the API Reference's examples
    /// (`API_ListObjectsV2.html`): XML declaration, namespace,
    /// `KeyCount`, `MaxKeys`, `IsTruncated`, `NextContinuationToken` (the
    /// reference's own token), ETags quoted with `&quot;`. The keys and sizes
    /// are illustrative, the page cut to two objects for the test.
    const PAGE_1: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>stoic2021-training</Name><Prefix></Prefix><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><Contents><Key>data/mha/1.mha</Key><LastModified>2022-01-13T10:21:04.000Z</LastModified><ETag>&quot;5d8ef22b1a3e4c0d8e3b0b9b1f3a2c11&quot;</ETag><Size>27456123</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>data/mha/10.mha</Key><LastModified>2022-01-13T10:21:09.000Z</LastModified><ETag>&quot;a41c0f3f3d7e4f1c9c1c8d2d8a9b7e22&quot;</ETag><Size>31009876</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>"#;

    /// The last page: `ContinuationToken` echoed, not truncated, no
    /// `NextContinuationToken` (the API Reference: present only when truncated).
    const PAGE_2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>stoic2021-training</Name><Prefix></Prefix><ContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</ContinuationToken><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>metadata/reference.csv</Key><LastModified>2022-03-02T08:00:00.000Z</LastModified><ETag>&quot;0f343b0931126a20f133d67c2b018a3b&quot;</ETag><Size>40012</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>"#;

    /// The token above, percent-encoded as a query value.
    const PAGE_2_URL: &str = "https://stoic2021-training.s3.us-west-2.amazonaws.com/?list-type=2&max-keys=1000&continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D";

    fn first_page_url() -> String {
        format!("{STOIC}?list-type=2&max-keys=1000")
    }

    fn stoic_registry(canned: Canned) -> Canned {
        canned.answer(
            Method::Get,
            &format!("{DATASETS}/stoic2021-training.yaml"),
            Ok(yaml_answer(
                &format!("{DATASETS}/stoic2021-training.yaml"),
                STOIC_YAML,
            )),
        )
    }

    /// An S3 error body as the API Reference's `ErrorResponses` shows it.
    fn error_body(code: &str, message: &str, extra: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>{code}</Code><Message>{message}</Message>{extra}<RequestId>4442587FB7D0A2F9</RequestId><HostId>iB3ZzKq3hOxoSxg4Fc6gR6XrJ0ggyQAU</HostId></Error>"#
        )
    }

    async fn stoic_with_first_page(status: u16, body: &str) -> (Found, Canned) {
        let canned = stoic_registry(Canned::default()).answer(
            Method::Get,
            &first_page_url(),
            Ok(xml(&first_page_url(), status, body)),
        );
        let found = probe(&canned, &registry(), None, "stoic2021-training").await;
        (found, canned)
    }

    #[tokio::test]
    async fn a_live_bucket_is_listed_to_its_end_and_summed() {
        let canned = stoic_registry(Canned::default())
            .answer(
                Method::Get,
                &first_page_url(),
                Ok(xml(&first_page_url(), 200, PAGE_1)),
            )
            .answer(Method::Get, PAGE_2_URL, Ok(xml(PAGE_2_URL, 200, PAGE_2)));
        let found = probe(&canned, &registry(), None, "stoic2021-training").await;
        assert_eq!(found.signal, Signal::Alive, "{found:?}");
        assert_eq!(canned.urls().len(), 3, "the YAML and two pages");
        assert_eq!(canned.urls()[2], PAGE_2_URL);
        let bytes = found.size.iter().find(|m| m.unit == Unit::Bytes).unwrap();
        assert_eq!(bytes.count, 27_456_123 + 31_009_876 + 40_012);
        assert_eq!(bytes.source, BYTES_SOURCE);
        let files = found.size.iter().find(|m| m.unit == Unit::Files).unwrap();
        assert_eq!(files.count, 3);
        let date = found.last_updated.as_ref().unwrap();
        assert_eq!(date.source, DATE_SOURCE);
        assert_eq!(date.at.to_string(), "2022-12-30T00:00:00Z");
        let evidence = found.evidence.join("\n");
        assert!(evidence.contains("STOIC2021 Training"), "{evidence}");
        assert!(evidence.contains("CC-BY-NC 4.0"), "{evidence}");
        assert!(
            evidence.contains("metadata/reference.csv")
                && evidence.contains("2022-03-02T08:00:00Z"),
            "the newest object is noted: {evidence}"
        );
        let seen = canned.seen.lock().unwrap();
        assert!(seen.iter().all(|r| !r.follow_redirects));
    }

    #[tokio::test]
    async fn a_listing_past_the_page_cap_is_not_summed() {
        // Every page truncated, with the same token: the cap stops it.
        let mut canned = stoic_registry(Canned::default()).answer(
            Method::Get,
            &first_page_url(),
            Ok(xml(&first_page_url(), 200, PAGE_1)),
        );
        canned = canned.answer(Method::Get, PAGE_2_URL, Ok(xml(PAGE_2_URL, 200, PAGE_1)));
        let found = probe(&canned, &registry(), None, "stoic2021-training").await;
        assert_eq!(found.signal, Signal::Alive);
        assert_eq!(canned.urls().len(), 1 + MAX_PAGES);
        assert!(found.size.is_empty(), "{:?}", found.size);
        assert!(
            found
                .evidence
                .iter()
                .any(|n| n.contains("more than 20 objects; sizes not summed")),
            "{:?}",
            found.evidence
        );
    }

    #[tokio::test]
    async fn a_deprecated_dataset_is_archived_and_not_listed() {
        // Fields as awslabs/open-data-registry `schema.yaml` gives them
        // (`Deprecated: bool`, `DeprecatedNotice: str`); the dataset is made up.
        let body = "\
Deprecated: True
DeprecatedNotice: This dataset has moved to s3://new-covid-bucket.
Name: Old COVID CT
Description: CT scans.
Documentation: https://example.org/docs
Contact: data@example.org
UpdateFrequency: Not updated
Tags:
  - coronavirus
License: CC0
Resources:
  - Description: Scans
    ARN: arn:aws:s3:::old-covid-ct
    Region: us-east-1
    Type: S3 Bucket
RegistryEntryLastModified: '2023-05-04'
";
        let url = format!("{DATASETS}/old-covid-ct.yaml");
        let canned = Canned::default().answer(Method::Get, &url, Ok(yaml_answer(&url, body)));
        let found = probe(&canned, &registry(), None, "old-covid-ct").await;
        assert_eq!(
            found.signal,
            Signal::archived(
                Reason::AwsOpenDataDeprecated,
                "Deprecated: True (This dataset has moved to s3://new-covid-bucket.)"
            )
        );
        assert_eq!(canned.urls().len(), 1, "no listing");
        assert_eq!(found.last_updated.unwrap().source, DATE_SOURCE);
    }

    #[tokio::test]
    async fn a_dataset_the_registry_does_not_publish_is_gone() {
        // The registry site's answer for a file it does not have.
        let url = format!("{DATASETS}/no-such-dataset.yaml");
        let canned = Canned::default().get(&url, 404, "<html><body>Not Found</body></html>");
        let found = probe(&canned, &registry(), None, "no-such-dataset").await;
        assert!(
            matches!(
                found.signal,
                Signal::Gone {
                    reason: Reason::AwsOpenDataNotFound,
                    ..
                }
            ),
            "{found:?}"
        );
        assert_eq!(found.http_status, Some(404));
    }

    #[tokio::test]
    async fn yaml_without_resources_is_a_bad_answer() {
        let url = format!("{DATASETS}/broken.yaml");
        let canned = Canned::default().answer(
            Method::Get,
            &url,
            Ok(yaml_answer(&url, "Name: Broken\nDescription: [unclosed\n")),
        );
        let found = probe(&canned, &registry(), None, "broken").await;
        assert!(matches!(
            found.signal,
            Signal::Transient {
                reason: Reason::BadApiAnswer,
                ..
            }
        ));
        let canned = Canned::default().answer(
            Method::Get,
            &url,
            Ok(yaml_answer(&url, "Name: Broken\nLicense: CC0\n")),
        );
        let found = probe(&canned, &registry(), None, "broken").await;
        assert!(matches!(
            found.signal,
            Signal::Transient {
                reason: Reason::BadApiAnswer,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn no_such_bucket_is_gone() {
        // API Reference, ErrorResponses: NoSuchBucket, 404.
        let body = error_body(
            "NoSuchBucket",
            "The specified bucket does not exist",
            "<BucketName>stoic2021-training</BucketName>",
        );
        let (found, _) = stoic_with_first_page(404, &body).await;
        let Signal::Gone { reason, why } = &found.signal else {
            panic!("{found:?}")
        };
        assert_eq!(*reason, Reason::S3NoSuchBucket);
        assert!(why.contains("stoic2021-training"), "{why}");
        assert_eq!(found.last_updated.as_ref().unwrap().source, DATE_SOURCE);
    }

    #[tokio::test]
    async fn access_denied_is_restricted_to_an_account() {
        // API Reference, ErrorResponses: AccessDenied, 403.
        let (found, _) =
            stoic_with_first_page(403, &error_body("AccessDenied", "Access Denied", "")).await;
        assert_eq!(
            found.signal,
            Signal::Restricted {
                reason: Reason::AwsOpenDataRestricted,
                need: Access::Registration,
                why: "S3 refused an anonymous listing (AccessDenied)".into(),
            }
        );
    }

    #[tokio::test]
    async fn slow_down_is_a_rate_limit() {
        // API Reference, ErrorResponses: SlowDown, 503, "Please reduce your request rate."
        let body = error_body("SlowDown", "Please reduce your request rate.", "");
        let (found, _) = stoic_with_first_page(503, &body).await;
        assert_eq!(found.signal, Signal::RateLimited { retry_at: None });
    }

    #[tokio::test]
    async fn a_permanent_redirect_names_the_endpoint() {
        // API Reference, ErrorResponses: PermanentRedirect, 301, with
        // <Endpoint> (and no Location header).
        let body = error_body(
            "PermanentRedirect",
            "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
            "<Endpoint>stoic2021-training.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>stoic2021-training</Bucket>",
        );
        let (found, _) = stoic_with_first_page(301, &body).await;
        assert!(
            matches!(found.signal, Signal::Transient { .. }),
            "{found:?}"
        );
        assert!(
            found
                .evidence
                .iter()
                .any(|n| n.contains("stoic2021-training.s3.eu-west-1.amazonaws.com")),
            "{:?}",
            found.evidence
        );
    }

    #[tokio::test]
    async fn a_network_failure_of_the_listing_is_reported() {
        // No canned S3 answer: the Canned fetch fails to connect.
        let canned = stoic_registry(Canned::default());
        let found = probe(&canned, &registry(), None, "stoic2021-training").await;
        assert!(matches!(
            found.signal,
            Signal::Transient {
                reason: Reason::NetworkError,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn controlled_access_is_restricted_without_listing() {
        // `ControlledAccess: <url>` on a resource (open-data-registry
        // `schema.yaml`); the dataset is made up.
        let body = "\
Name: Controlled CT
Description: CT scans.
Documentation: https://example.org/docs
Contact: data@example.org
UpdateFrequency: Yearly
Tags:
  - coronavirus
License: Data use agreement
Resources:
  - Description: Scans
    ARN: arn:aws:s3:::controlled-ct/scans/
    Region: us-east-1
    Type: \"S3 Bucket \"
    ControlledAccess: https://example.org/request-access
RegistryEntryLastModified: '2024-01-02'
";
        let url = format!("{DATASETS}/controlled-ct.yaml");
        let canned = Canned::default().answer(Method::Get, &url, Ok(yaml_answer(&url, body)));
        let found = probe(&canned, &registry(), None, "controlled-ct").await;
        let Signal::Restricted { reason, need, why } = &found.signal else {
            panic!("{found:?}")
        };
        assert_eq!(
            (*reason, *need),
            (Reason::AwsOpenDataRestricted, Access::Request)
        );
        assert!(why.contains("https://example.org/request-access"), "{why}");
        assert_eq!(canned.urls().len(), 1, "no S3 request");
    }

    #[tokio::test]
    async fn requester_pays_is_restricted_without_listing() {
        let body = STOIC_YAML.replace(
            "    Type: S3 Bucket\n",
            "    Type: S3 Bucket\n    RequesterPays: True\n",
        );
        let url = format!("{DATASETS}/stoic2021-training.yaml");
        let canned = Canned::default().answer(Method::Get, &url, Ok(yaml_answer(&url, &body)));
        let found = probe(&canned, &registry(), None, "stoic2021-training").await;
        assert!(matches!(
            found.signal,
            Signal::Restricted {
                need: Access::Registration,
                ..
            }
        ));
        assert_eq!(canned.urls().len(), 1);
    }

    #[tokio::test]
    async fn a_configured_s3_base_is_addressed_path_style_with_the_prefix() {
        let body = STOIC_YAML.replace(
            "arn:aws:s3:::stoic2021-training",
            "arn:aws:s3:::stoic2021-training/metadata/",
        );
        let url = format!("{DATASETS}/stoic2021-training.yaml");
        let list = "http://127.0.0.1:9000/s3/stoic2021-training?list-type=2&max-keys=1000&prefix=metadata%2F";
        let canned = Canned::default()
            .answer(Method::Get, &url, Ok(yaml_answer(&url, &body)))
            .answer(Method::Get, list, Ok(xml(list, 200, PAGE_2)));
        let base = Url::parse("http://127.0.0.1:9000/s3/").unwrap();
        let found = probe(&canned, &registry(), Some(&base), "stoic2021-training").await;
        assert_eq!(found.signal, Signal::Alive, "{found:?}");
        assert_eq!(canned.urls(), vec![url, list.to_owned()]);
        assert_eq!(found.size.len(), 2);
    }

    #[test]
    fn dotted_buckets_are_addressed_path_style() {
        let bucket = Bucket {
            arn: "arn:aws:s3:::my.dotted.bucket".into(),
            name: "my.dotted.bucket".into(),
            prefix: String::new(),
            region: Some("eu-central-1".into()),
            controlled_access: None,
            requester_pays: false,
            account_required: false,
        };
        assert_eq!(
            listing_url(None, &bucket, None).unwrap().as_str(),
            "https://s3.eu-central-1.amazonaws.com/my.dotted.bucket?list-type=2&max-keys=1000"
        );
        let hostile = Bucket {
            name: "evil.com@x".into(),
            ..bucket
        };
        assert!(listing_url(None, &hostile, None).is_err());
    }

    #[test]
    fn the_tag_reader_tells_key_from_key_count_and_unescapes() {
        let xml = "<R><KeyCount>1</KeyCount><Contents><Key>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#x41;&#66;</Key><Size>3</Size></Contents><Prefix/></R>";
        assert_eq!(first(xml, "Key").unwrap(), "a & b <c> \"d\" 'e' AB");
        assert_eq!(first(xml, "KeyCount").unwrap(), "1");
        assert_eq!(first(xml, "Prefix").unwrap(), "");
        assert_eq!(unescape("AT&T &bogus; &"), "AT&T &bogus; &");
        let page = parse_page(PAGE_1).unwrap();
        assert_eq!((page.keys, page.truncated), (2, true));
        assert_eq!(
            page.next.as_deref(),
            Some("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        );
    }
}
