//! The URL rules: only public web addresses, in their canonical form, over
//! https where the host serves it; plus the normal form duplicates are found by.

use url::{Host, Url};

use super::Code;
use crate::catalog::platform::{Target, canonical_suggestion};

/// Hosts (and their subdomains) known to serve https, beyond the platforms
/// `catalog::platform` recognises. An `http://` URL on one of them is an error.
pub const HTTPS_HOSTS: &[&str] = &[
    "github.com",
    "github.io",
    "githubusercontent.com",
    "gitlab.com",
    "kaggle.com",
    "zenodo.org",
    "figshare.com",
    "huggingface.co",
    "osf.io",
    "dataverse.harvard.edu",
    "data.mendeley.com",
    "doi.org",
    "arxiv.org",
    "biorxiv.org",
    "medrxiv.org",
    "ncbi.nlm.nih.gov",
    "nih.gov",
    "nature.com",
    "sciencedirect.com",
    "springer.com",
    "wiley.com",
    "pubs.rsna.org",
    "rsna.org",
    "radiopaedia.org",
    "eurorad.org",
    "cancerimagingarchive.net",
    "grand-challenge.org",
    "semanticscholar.org",
    "allenai.org",
    "physionet.org",
    "registry.opendata.aws",
    "amazonaws.com",
    "midrc.org",
    "spdx.org",
    "creativecommons.org",
];

/// What lint keeps about one of an entry's URLs, to compare entries.
#[derive(Debug, Clone)]
pub struct UrlFact {
    /// The URL as written, escaped for display.
    pub shown: String,
    pub normalised: String,
    pub doi: Option<String>,
    /// `paper` URLs may be shared: one article can describe several resources.
    pub shareable: bool,
    /// Where it is, resolved to a position only if it is reported.
    pub pointer: String,
}

/// The DOI in `text` when it is a bare DOI (`10.1234/abc`, `doi:10.1234/abc`)
/// rather than a URL: the DOI proper, `10.` then a registrant code of digits
/// and dots, a slash, and a suffix.
fn bare_doi(text: &str) -> Option<&str> {
    let doi = text
        .strip_prefix("doi:")
        .or_else(|| text.strip_prefix("DOI:"))
        .unwrap_or(text)
        .trim_start();
    let (prefix, suffix) = doi.split_once('/')?;
    let registrant = prefix.strip_prefix("10.")?;
    let valid = !registrant.is_empty()
        && registrant.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !suffix.is_empty()
        && !suffix.chars().any(char::is_whitespace);
    valid.then_some(doi)
}

/// What makes `text` no URI by RFC 3986, which the `url` crate would quietly
/// repair (it percent-encodes a space, accepts a backslash as a slash): a
/// character outside the URI's alphabet (space, `<>"{}|^` `` ` ``, a
/// backslash, a control or non-ASCII character), a `%` not followed by two
/// hex digits, an empty host, or port 0.
pub fn not_a_uri(text: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c);
    if let Some(bad) = text.chars().find(|c| !allowed(*c)) {
        return Some(match bad {
            ' ' => "it contains a space".to_owned(),
            c if c.is_ascii_graphic() => format!("it contains `{c}`"),
            c => format!("it contains U+{:04X}", c as u32),
        });
    }
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices('%') {
        let hex = bytes.get(at + 1..at + 3);
        if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
            return Some("a `%` is not followed by two hex digits".to_owned());
        }
    }
    if let Some((_, rest)) = text.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host_port = authority.rsplit('@').next().unwrap_or_default();
        let (host, port) = match host_port.rfind(':') {
            Some(at) if !host_port[at..].contains(']') => {
                (&host_port[..at], Some(&host_port[at + 1..]))
            }
            _ => (host_port, None),
        };
        if host.is_empty() {
            return Some("the host is empty".to_owned());
        }
        if port.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b == b'0')) {
            return Some("port 0 is no port".to_owned());
        }
    }
    None
}

/// Checks one URL. Returns the problems found and the parsed URL when it
/// parses at all.
pub fn check(text: &str) -> (Vec<(Code, String)>, Option<Url>) {
    let shown = super::escape_for_display(text);
    let lower = text.trim_start().to_ascii_lowercase();
    for scheme in ["javascript:", "data:", "file:", "vbscript:"] {
        if lower.starts_with(scheme) {
            return (
                vec![(
                    Code::ForbiddenUrl,
                    format!(
                        "a `{scheme}` URL is never allowed in the catalog; give the resource's https:// address"
                    ),
                )],
                None,
            );
        }
    }
    if let Some(doi) = bare_doi(text) {
        return (
            vec![(
                Code::InvalidUrl,
                format!(
                    "`{shown}` is a DOI, not a URL; write it as https://doi.org/{}",
                    super::escape_for_display(doi)
                ),
            )],
            None,
        );
    }
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(e) => {
            return (
                vec![(
                    Code::InvalidUrl,
                    format!(
                        "`{shown}` is not a valid absolute URL ({e}); write the full https://... address"
                    ),
                )],
                None,
            );
        }
    };
    if let Some(why) = not_a_uri(text) {
        return (
            vec![(
                Code::InvalidUrl,
                format!(
                    "`{shown}` is not a valid URI: {why} (RFC 3986); percent-encode it (a space is %20) or fix the address"
                ),
            )],
            None,
        );
    }
    let mut problems = Vec::new();
    if !matches!(url.scheme(), "http" | "https") {
        problems.push((
            Code::ForbiddenUrl,
            format!(
                "a `{}:` URL is not allowed; catalog URLs are http(s) web addresses",
                super::escape_for_display(url.scheme())
            ),
        ));
        return (problems, Some(url));
    }
    if !url.username().is_empty() || url.password().is_some() {
        problems.push((
            Code::UrlCredentials,
            "the URL carries a user name or password; remove the `user:password@` part (and change that password if it was real)".to_owned(),
        ));
    }
    if let Some(reason) = non_public_host(&url) {
        problems.push((
            Code::PrivateAddress,
            format!("the URL points at {reason}, which is never a public resource; use the resource's public address"),
        ));
    }
    if let Target::TciaWikiPage { .. } = Target::from_url(&url) {
        problems.push((Code::TciaWikiLink, tcia_wiki_advice(&url)));
    }
    let suggestion = canonical_suggestion(&url);
    if let Some(canonical) = &suggestion {
        problems.push(match Target::from_url(&url) {
            // The short form named notebooks too: which one it is, only the
            // contributor knows; `check` asks the dataset API, then the page.
            Target::KaggleShortLink { owner, slug } => (
                Code::KaggleShortLink,
                format!(
                    "the old Kaggle short form names a dataset or a notebook: write {canonical} for a dataset, or https://www.kaggle.com/code/{owner}/{slug} for a notebook"
                ),
            ),
            _ => (
                Code::NonCanonicalUrl,
                format!("write this URL in its canonical form: {canonical}"),
            ),
        });
    }
    if url.scheme() == "http" && suggestion.is_none() {
        let mut https = url.clone();
        let _ = https.set_scheme("https");
        if serves_https(&url) {
            problems.push((
                Code::InsecureUrl,
                format!("this host serves https; use {https}"),
            ));
        } else {
            problems.push((
                Code::PreferHttps,
                format!("prefer https: use {https} if the site offers it"),
            ));
        }
    }
    (problems, Some(url))
}

/// What to write instead of a retired TCIA wiki link: the collection page
/// when the link names the collection (`/display/Public/{Name}`), else where
/// to find it.
fn tcia_wiki_advice(url: &Url) -> String {
    let named = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect::<Vec<_>>())
        .and_then(|parts| match parts.as_slice() {
            ["display", "Public", name] => Some(
                percent_encoding::percent_decode_str(name)
                    .decode_utf8_lossy()
                    .to_ascii_lowercase()
                    .replace(['+', ' '], "-"),
            ),
            _ => None,
        });
    match named {
        Some(slug) => format!(
            "TCIA's wiki is retired; write the collection's page: https://www.cancerimagingarchive.net/collection/{slug}/"
        ),
        None => "TCIA's wiki is retired; write the collection's page (https://www.cancerimagingarchive.net/collection/<slug>/, found by its name at https://www.cancerimagingarchive.net/browse-collections/) or its DOI".into(),
    }
}

fn serves_https(url: &Url) -> bool {
    if !matches!(Target::from_url(url), Target::Website { .. }) {
        return true;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    HTTPS_HOSTS.iter().any(|known| {
        host.strip_suffix(known)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    })
}

/// Why the URL's host is never a public resource: a name under `localhost`,
/// or an address the probe's own address policy refuses. One classifier,
/// `probe::address::classify`, decides for both, so an address lint lets
/// through is never one `check` refuses. Decided on the parsed host, so every
/// encoding `url` understands (`0x7f.1`, `2130706433`) is caught as the
/// address it is.
pub fn non_public_host(url: &Url) -> Option<String> {
    let ip = match url.host()? {
        Host::Ipv4(ip) => std::net::IpAddr::V4(ip),
        Host::Ipv6(ip) => std::net::IpAddr::V6(ip),
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            return (name == "localhost" || name.ends_with(".localhost"))
                .then(|| "localhost".to_owned());
        }
    };
    crate::probe::address::classify(ip).map(|blocked| format!("a {blocked}"))
}

/// The form two URLs are compared in: a known platform's canonical URL
/// (case-folded), else https, lowercase host without `www.`, no fragment, no
/// trailing slash.
pub fn normalise(url: &Url) -> String {
    match Target::from_url(url) {
        Target::Website { .. } => {
            let host = url.host_str().unwrap_or_default().trim_end_matches('.');
            let host = host
                .strip_prefix("www.")
                .unwrap_or(host)
                .to_ascii_lowercase();
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            let path = url.path().trim_end_matches('/');
            let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("https://{host}{port}{path}{query}")
        }
        target => target
            .canonical_url()
            .as_str()
            .trim_end_matches('/')
            .to_ascii_lowercase(),
    }
}

/// The DOI a URL names, case-folded, if any.
pub fn doi(url: &Url) -> Option<String> {
    Target::from_url(url).doi().map(|d| d.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {

    #[test]
    fn retired_tcia_wiki_links_name_what_to_write() {
        let (problems, _) =
            check("https://wiki.cancerimagingarchive.net/display/Public/COVID-19-AR");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, Code::TciaWikiLink);
        assert!(
            problems[0]
                .1
                .ends_with("https://www.cancerimagingarchive.net/collection/covid-19-ar/"),
            "{}",
            problems[0].1
        );
        let (problems, _) =
            check("https://wiki.cancerimagingarchive.net/pages/viewpage.action?pageId=80970911");
        assert_eq!(problems[0].0, Code::TciaWikiLink);
        assert!(problems[0].1.contains("browse-collections"));
    }

    use super::*;

    fn codes(text: &str) -> Vec<Code> {
        check(text).0.into_iter().map(|(c, _)| c).collect()
    }

    #[test]
    fn good_urls_pass() {
        assert_eq!(
            codes("https://github.com/ieee8023/covid-chestxray-dataset"),
            vec![]
        );
        assert_eq!(codes("https://coronacases.org/"), vec![]);
    }

    #[test]
    fn dangerous_schemes_are_refused() {
        for text in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "ftp://x.org/a",
        ] {
            assert_eq!(codes(text), vec![Code::ForbiddenUrl], "{text}");
        }
    }

    #[test]
    fn credentials_are_refused() {
        assert_eq!(
            codes("https://user:pw@example.org/"),
            vec![Code::UrlCredentials]
        );
        assert_eq!(
            codes("https://token@example.org/"),
            vec![Code::UrlCredentials]
        );
    }

    #[test]
    fn private_addresses_in_any_encoding_are_refused() {
        for text in [
            "https://127.0.0.1/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://017700000001/",
            "https://127.1/",
            "https://10.1.2.3/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[64:ff9b::a00:1]/",
            "https://[2002:7f00:1::]/",
            "https://localhost/",
            "https://api.localhost./",
        ] {
            assert!(
                codes(text).contains(&Code::PrivateAddress),
                "{text}: {:?}",
                codes(text)
            );
        }
        assert_eq!(codes("https://93.184.215.14/"), vec![]);
        // Full-width digits are no URI at all: refused before any host rule.
        assert_eq!(codes("https://①②⑦.0.0.1/"), vec![Code::InvalidUrl]);
    }

    #[test]
    fn http_is_an_error_on_known_https_hosts_and_a_warning_elsewhere() {
        assert_eq!(
            codes("http://arxiv.org/abs/2003.11597"),
            vec![Code::InsecureUrl]
        );
        assert_eq!(
            codes("http://www.radiopaedia.org/"),
            vec![Code::InsecureUrl]
        );
        assert_eq!(
            codes("http://www.medicalsegmentation.com/covid19/"),
            vec![Code::PreferHttps]
        );
    }

    #[test]
    fn non_canonical_platform_urls_get_a_suggestion() {
        let (problems, _) = check("https://github.com/lindawangg/COVID-Net/tree/master/docs");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, Code::NonCanonicalUrl);
        assert!(
            problems[0]
                .1
                .ends_with("https://github.com/lindawangg/COVID-Net"),
            "{}",
            problems[0].1
        );
        // The canonical suggestion fixes http too: one finding, not two.
        assert_eq!(
            codes("http://dx.doi.org/10.7937/tcia.2020.gqry-nc81"),
            vec![Code::NonCanonicalUrl]
        );
    }

    #[test]
    fn normal_forms_match_across_spellings() {
        let n = |t: &str| normalise(&Url::parse(t).unwrap());
        assert_eq!(
            n("https://github.com/A/B/tree/x"),
            n("https://github.com/a/b")
        );
        assert_eq!(
            n("http://www.Example.org/x/"),
            n("https://example.org/x#top")
        );
        assert_ne!(n("https://example.org/x"), n("https://example.org/y"));
        assert_eq!(
            doi(&Url::parse("https://doi.org/10.7937/TCIA.2020.GQRY-NC81").unwrap()).as_deref(),
            Some("10.7937/tcia.2020.gqry-nc81")
        );
    }

    /// One rule: lint flags exactly the addresses the probe refuses.
    #[test]
    fn lint_and_the_probe_refuse_the_same_addresses() {
        let policy = crate::probe::address::AddressPolicy::new(&[], &[]).unwrap();
        let parity = |host: &str| {
            let url = Url::parse(&format!("https://{host}/x")).unwrap();
            let lint = non_public_host(&url).is_some();
            let probe = policy.check_url(&url).is_err();
            assert_eq!(lint, probe, "{host}: lint {lint}, probe {probe}");
            lint
        };
        for host in [
            "168.63.129.16",
            "[::127.0.0.99]",
            "[fec0::1]",
            "[64:ff9b:1::a00:1]",
            "[::ffff:0:7f00:1]",
            "[100::1]",
            "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
            "127.0.0.1",
            "0x7f.1",
            "2130706433",
            "169.254.169.254",
            "[fe80::1]",
        ] {
            assert!(parity(host), "{host} is not public");
        }
        for host in ["93.184.216.34", "[2606:4700::1111]", "140.82.112.3"] {
            assert!(!parity(host), "{host} is public");
        }
    }

    proptest::proptest! {
        #[test]
        fn lint_and_the_probe_agree_on_every_address(bits in proptest::prelude::any::<u128>(), v4 in proptest::prelude::any::<u32>()) {
            let policy = crate::probe::address::AddressPolicy::new(&[], &[]).unwrap();
            for host in [
                format!("[{}]", std::net::Ipv6Addr::from(bits)),
                std::net::Ipv4Addr::from(v4).to_string(),
            ] {
                let url = Url::parse(&format!("https://{host}/")).unwrap();
                proptest::prop_assert_eq!(non_public_host(&url).is_some(), policy.check_url(&url).is_err(), "{}", host);
            }
        }
    }

    /// reliability.md row 39: what is no URI is refused, though `url` would
    /// repair it.
    #[test]
    fn what_is_not_a_uri_is_refused() {
        for bad in [
            "https://example.org/a b",
            "https://example.org/<x>",
            "https://example.org/\"q\"",
            "https://example.org/{x}",
            "https://example.org/a|b",
            "https://example.org/a^b",
            "https://example.org\\x",
            "https://example.org/%zz",
            "https://example.org/%4",
            "https:///path",
            "https://example.org:0/",
            "https://exämple.org/",
        ] {
            let (problems, _) = check(bad);
            assert!(
                problems
                    .iter()
                    .any(|(code, message)| *code == Code::InvalidUrl
                        && message.contains("is not a valid URI")),
                "{bad}: {problems:?}"
            );
        }
        for good in [
            "https://example.org/a%20b?x=1&y=%C3%A9#top",
            "https://[2606:4700::1111]:8443/x",
            "https://figshare.com/articles/dataset/X_(2020)/123",
        ] {
            assert_eq!(not_a_uri(good), None, "{good}");
        }
    }
}
