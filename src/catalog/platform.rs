//! Where a URL lives: the hosting platform and the resource it names there.
//!
//! A URL is parsed into a [`Target`] once; everything after (lint's canonical-form
//! rule, the providers, sharding by host) matches on the enum and never re-parses
//! strings. The platform is always derived from the URL, never typed by hand.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

/// The hosting platforms catwatch knows. A closed set: adding one makes the
/// compiler list every place that must handle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    #[serde(rename = "github")]
    GitHub,
    #[serde(rename = "gitlab")]
    GitLab,
    Kaggle,
    Zenodo,
    Figshare,
    HuggingFace,
    Osf,
    Dataverse,
    MendeleyData,
    Tcia,
    GrandChallenge,
    #[serde(rename = "physionet")]
    PhysioNet,
    Synapse,
    AwsOpenData,
    Doi,
    Website,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::GitHub => "github",
            Platform::GitLab => "gitlab",
            Platform::Kaggle => "kaggle",
            Platform::Zenodo => "zenodo",
            Platform::Figshare => "figshare",
            Platform::HuggingFace => "hugging-face",
            Platform::Osf => "osf",
            Platform::Dataverse => "dataverse",
            Platform::MendeleyData => "mendeley-data",
            Platform::Tcia => "tcia",
            Platform::GrandChallenge => "grand-challenge",
            Platform::PhysioNet => "physionet",
            Platform::Synapse => "synapse",
            Platform::AwsOpenData => "aws-open-data",
            Platform::Doi => "doi",
            Platform::Website => "website",
        })
    }
}

/// The resource a URL names on its platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    GitHubRepo {
        owner: String,
        name: String,
    },
    GitLabProject {
        path: String,
    },
    KaggleDataset {
        owner: String,
        slug: String,
    },
    /// The old short form `kaggle.com/{owner}/{slug}`, used for datasets and
    /// for notebooks alike: asked as a dataset, and an API 404 falls back to
    /// the page, never "dead" by itself.
    KaggleShortLink {
        owner: String,
        slug: String,
    },
    KaggleCompetition {
        slug: String,
    },
    ZenodoRecord {
        id: u64,
    },
    /// `version` when the URL pins one (`/articles/{type}/{slug}/{id}/{version}`).
    FigshareArticle {
        id: u64,
        version: Option<u32>,
    },
    HuggingFaceDataset {
        repo_id: String,
    },
    OsfNode {
        id: String,
    },
    DataverseDataset {
        persistent_id: String,
    },
    MendeleyDataset {
        id: String,
        version: Option<u32>,
    },
    /// A collection page of The Cancer Imaging Archive,
    /// `www.cancerimagingarchive.net/collection/{slug}/`.
    TciaCollection {
        slug: String,
    },
    /// A TCIA DOI (`10.7937/...`): the TCIA API knows which collection it
    /// names; DataCite answers for the others (analysis results).
    TciaDoi {
        doi: String,
    },
    /// A link into TCIA's retired Confluence wiki: no API behind it, checked
    /// as a page; lint asks for the collection page or the DOI.
    TciaWikiPage {
        url: Url,
    },
    /// A challenge site, `{slug}.grand-challenge.org`.
    GrandChallenge {
        slug: String,
    },
    /// An archive, `grand-challenge.org/archives/{slug}/`.
    GrandChallengeArchive {
        slug: String,
    },
    /// A published PhysioNet project, `physionet.org/content/{slug}/{version}/`.
    PhysioNetProject {
        slug: String,
        version: Option<String>,
    },
    /// A Synapse entity, `www.synapse.org/Synapse:syn123` (and the older
    /// `#!Synapse:syn123` form), `.N` pinning a version.
    SynapseEntity {
        id: String,
        version: Option<u32>,
    },
    /// A data set of the Registry of Open Data on AWS, `registry.opendata.aws/{name}/`.
    AwsOpenDataset {
        name: String,
    },
    Doi {
        doi: String,
    },
    Website {
        url: Url,
    },
}

impl Target {
    /// Reads the platform and resource out of a URL. Total: anything not
    /// recognised is a plain website.
    pub fn from_url(url: &Url) -> Target {
        recognise(url).unwrap_or_else(|| Target::Website { url: url.clone() })
    }

    pub fn platform(&self) -> Platform {
        match self {
            Target::GitHubRepo { .. } => Platform::GitHub,
            Target::GitLabProject { .. } => Platform::GitLab,
            Target::KaggleDataset { .. }
            | Target::KaggleShortLink { .. }
            | Target::KaggleCompetition { .. } => Platform::Kaggle,
            Target::ZenodoRecord { .. } => Platform::Zenodo,
            Target::FigshareArticle { .. } => Platform::Figshare,
            Target::HuggingFaceDataset { .. } => Platform::HuggingFace,
            Target::OsfNode { .. } => Platform::Osf,
            Target::DataverseDataset { .. } => Platform::Dataverse,
            Target::MendeleyDataset { .. } => Platform::MendeleyData,
            Target::TciaCollection { .. }
            | Target::TciaDoi { .. }
            | Target::TciaWikiPage { .. } => Platform::Tcia,
            Target::GrandChallenge { .. } | Target::GrandChallengeArchive { .. } => {
                Platform::GrandChallenge
            }
            Target::PhysioNetProject { .. } => Platform::PhysioNet,
            Target::SynapseEntity { .. } => Platform::Synapse,
            Target::AwsOpenDataset { .. } => Platform::AwsOpenData,
            Target::Doi { .. } => Platform::Doi,
            Target::Website { .. } => Platform::Website,
        }
    }

    /// The one URL form the catalog uses for this resource.
    pub fn canonical_url(&self) -> Url {
        let text = match self {
            Target::GitHubRepo { owner, name } => format!("https://github.com/{owner}/{name}"),
            Target::GitLabProject { path } => format!("https://gitlab.com/{path}"),
            Target::KaggleDataset { owner, slug } | Target::KaggleShortLink { owner, slug } => {
                format!("https://www.kaggle.com/datasets/{owner}/{slug}")
            }
            Target::KaggleCompetition { slug } => {
                format!("https://www.kaggle.com/competitions/{slug}")
            }
            Target::ZenodoRecord { id } => format!("https://zenodo.org/records/{id}"),
            Target::FigshareArticle { id, .. } => {
                format!("https://figshare.com/articles/dataset/{id}")
            }
            Target::HuggingFaceDataset { repo_id } => {
                format!("https://huggingface.co/datasets/{repo_id}")
            }
            Target::OsfNode { id } => format!("https://osf.io/{id}/"),
            Target::DataverseDataset { persistent_id } => {
                format!("https://dataverse.harvard.edu/dataset.xhtml?persistentId={persistent_id}")
            }
            Target::MendeleyDataset { id, version } => match version {
                Some(v) => format!("https://data.mendeley.com/datasets/{id}/{v}"),
                None => format!("https://data.mendeley.com/datasets/{id}"),
            },
            Target::TciaCollection { slug } => {
                format!("https://www.cancerimagingarchive.net/collection/{slug}/")
            }
            Target::TciaDoi { doi } | Target::Doi { doi } => format!("https://doi.org/{doi}"),
            Target::GrandChallenge { slug } => format!("https://{slug}.grand-challenge.org/"),
            Target::GrandChallengeArchive { slug } => {
                format!("https://grand-challenge.org/archives/{slug}/")
            }
            Target::PhysioNetProject { slug, version } => match version {
                Some(v) => format!("https://physionet.org/content/{slug}/{v}/"),
                None => format!("https://physionet.org/content/{slug}/"),
            },
            Target::SynapseEntity { id, version } => match version {
                Some(v) => format!("https://www.synapse.org/Synapse:{id}.{v}"),
                None => format!("https://www.synapse.org/Synapse:{id}"),
            },
            Target::AwsOpenDataset { name } => format!("https://registry.opendata.aws/{name}/"),
            Target::Website { url } | Target::TciaWikiPage { url } => return url.clone(),
        };
        Url::parse(&text).expect("canonical URLs are built from validated parts")
    }

    /// The DOI of the resource, where the URL carries one (DataCite can date it).
    pub fn doi(&self) -> Option<String> {
        match self {
            Target::Doi { doi } | Target::TciaDoi { doi } => Some(doi.clone()),
            Target::MendeleyDataset {
                id,
                version: Some(v),
            } => Some(format!("10.17632/{id}.{v}")),
            Target::DataverseDataset { persistent_id } => {
                persistent_id.strip_prefix("doi:").map(str::to_owned)
            }
            _ => None,
        }
    }
}

/// The canonical form of `url` when it differs from `url` itself, for lint to
/// suggest. Websites have no canonical form beyond their own.
pub fn canonical_suggestion(url: &Url) -> Option<Url> {
    let target = Target::from_url(url);
    // figshare's public URLs carry an item type and a slug that vary, and
    // every form with the right id works: no rewrite is worth suggesting.
    // A retired TCIA wiki link has no mechanical rewrite (lint says what to
    // write instead).
    if matches!(
        target,
        Target::Website { .. } | Target::FigshareArticle { .. } | Target::TciaWikiPage { .. }
    ) {
        return None;
    }
    let canonical = target.canonical_url();
    (canonical.as_str().trim_end_matches('/') != url.as_str().trim_end_matches('/'))
        .then_some(canonical)
}

fn segments(url: &Url) -> Vec<&str> {
    url.path_segments()
        .map(|parts| parts.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

fn recognise(url: &Url) -> Option<Target> {
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let parts = segments(url);
    match host {
        "github.com" => github(&parts),
        "gitlab.com" => gitlab(&parts),
        "kaggle.com" => kaggle(&parts),
        "zenodo.org" => zenodo(&parts),
        "figshare.com" => figshare(&parts),
        "huggingface.co" => match parts.as_slice() {
            ["datasets", ns, name, ..] => Some(Target::HuggingFaceDataset {
                repo_id: format!("{ns}/{name}"),
            }),
            _ => None,
        },
        "osf.io" => match parts.as_slice() {
            [id] | [id, ..] if is_osf_id(id) => Some(Target::OsfNode {
                id: id.to_ascii_lowercase(),
            }),
            _ => None,
        },
        "dataverse.harvard.edu" => url
            .query_pairs()
            .find(|(key, _)| key == "persistentId")
            .map(|(_, id)| Target::DataverseDataset {
                persistent_id: id.into_owned(),
            }),
        "data.mendeley.com" => match parts.as_slice() {
            ["datasets", id, rest @ ..] => Some(Target::MendeleyDataset {
                id: id.to_ascii_lowercase(),
                version: rest.first().and_then(|v| v.parse().ok()),
            }),
            _ => None,
        },
        "doi.org" | "dx.doi.org" => {
            let doi = percent_encoding::percent_decode_str(url.path().trim_start_matches('/'))
                .decode_utf8()
                .ok()?
                .into_owned();
            if !doi.starts_with("10.") {
                return None;
            }
            // DOI names are case-insensitive (the DOI Handbook, 3.4).
            Some(if doi.to_ascii_lowercase().starts_with("10.7937/") {
                Target::TciaDoi { doi }
            } else {
                Target::Doi { doi }
            })
        }
        "cancerimagingarchive.net" => match parts.as_slice() {
            ["collection", slug, ..] => Some(Target::TciaCollection {
                slug: slug.to_ascii_lowercase(),
            }),
            _ => None,
        },
        "wiki.cancerimagingarchive.net" => Some(Target::TciaWikiPage { url: url.clone() }),
        "grand-challenge.org" => match parts.as_slice() {
            ["archives", slug, ..] => Some(Target::GrandChallengeArchive {
                slug: slug.to_ascii_lowercase(),
            }),
            _ => None,
        },
        "physionet.org" => match parts.as_slice() {
            ["content", slug, rest @ ..] => Some(Target::PhysioNetProject {
                slug: slug.to_ascii_lowercase(),
                version: rest
                    .first()
                    .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
                    .map(|v| (*v).to_owned()),
            }),
            _ => None,
        },
        "synapse.org" => synapse(url),
        // The registry's own pages that are no data set (the browser's
        // `gulpfile.js` writes /tag/, /collab/ and /usage-examples/).
        "registry.opendata.aws" => match parts.as_slice() {
            [name] | [name, ..]
                if !name.contains('.')
                    && !["tag", "collab", "usage-examples", "datasets"].contains(name) =>
            {
                Some(Target::AwsOpenDataset {
                    name: (*name).to_owned(),
                })
            }
            _ => None,
        },
        _ => host
            .strip_suffix(".grand-challenge.org")
            .filter(|slug| !slug.is_empty() && !slug.contains('.'))
            .map(|slug| Target::GrandChallenge {
                slug: slug.to_owned(),
            }),
    }
}

/// Synapse ids in the path (`/Synapse:syn123/wiki/...`) or, in the older
/// single-page links, in the fragment (`/#!Synapse:syn123`); `.N` is a version.
fn synapse(url: &Url) -> Option<Target> {
    let place = [url.path(), url.fragment().unwrap_or_default()]
        .into_iter()
        .find_map(|text| {
            let at = text.find("Synapse:")?;
            Some(&text[at + "Synapse:".len()..])
        })?;
    let mut parts = place.split(['/', '?', '#']);
    let token: &str = parts.next()?;
    let (id, version) = match token.split_once('.') {
        Some((id, v)) => (id, Some(v.parse().ok()?)),
        // `Synapse:syn123/version/3`, which the portal reads too.
        None => match (parts.next(), parts.next()) {
            (Some(kw), Some(v)) if kw.eq_ignore_ascii_case("version") => (token, v.parse().ok()),
            _ => (token, None),
        },
    };
    let digits = id.strip_prefix("syn").or_else(|| id.strip_prefix("SYN"))?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then(|| {
        Target::SynapseEntity {
            id: format!("syn{digits}"),
            version,
        }
    })
}

fn github(parts: &[&str]) -> Option<Target> {
    const NOT_OWNERS: &[&str] = &[
        "orgs",
        "settings",
        "marketplace",
        "topics",
        "sponsors",
        "about",
    ];
    match parts {
        [owner, name, ..] if !NOT_OWNERS.contains(owner) => Some(Target::GitHubRepo {
            owner: (*owner).to_owned(),
            name: name.trim_end_matches(".git").to_owned(),
        }),
        _ => None,
    }
}

fn gitlab(parts: &[&str]) -> Option<Target> {
    // Everything after "/-/" is a view inside the project (tree, blob,
    // issues); GitLab still redirects the older links without the "-"
    // (`/blob/...`, `/tree/...`, `/raw/...`, `/blame/...`).
    const VIEWS: &[&str] = &["blob", "tree", "raw", "blame", "commits", "commit"];
    let mut project: Vec<&str> = Vec::new();
    for part in parts {
        if *part == "-" || (project.len() >= 2 && VIEWS.contains(part)) {
            break;
        }
        project.push(part);
    }
    (project.len() >= 2).then(|| Target::GitLabProject {
        path: project.join("/").trim_end_matches(".git").to_owned(),
    })
}

fn kaggle(parts: &[&str]) -> Option<Target> {
    const NOT_OWNERS: &[&str] = &[
        "code",
        "models",
        "discussions",
        "learn",
        "competitions",
        "c",
        "docs",
        // Forum and notebook routes that are no owner (kernels/fork/{id},
        // learn-forum/{id}, general/{id}).
        "kernels",
        "learn-forum",
        "general",
    ];
    match parts {
        ["datasets", owner, slug, ..] => Some(Target::KaggleDataset {
            owner: (*owner).to_owned(),
            slug: (*slug).to_owned(),
        }),
        ["c" | "competitions", slug, ..] => Some(Target::KaggleCompetition {
            slug: (*slug).to_owned(),
        }),
        // The old short form kaggle.com/{owner}/{slug}: a dataset or a notebook.
        [owner, slug, ..]
            if !NOT_OWNERS.contains(owner) && *owner != "datasets" && *slug != "account" =>
        {
            Some(Target::KaggleShortLink {
                owner: (*owner).to_owned(),
                slug: (*slug).to_owned(),
            })
        }
        _ => None,
    }
}

fn zenodo(parts: &[&str]) -> Option<Target> {
    match parts {
        ["record" | "records", id, ..] => id.parse().ok().map(|id| Target::ZenodoRecord { id }),
        _ => None,
    }
}

/// figshare article URLs: `/articles/{id}`, `/articles/{slug}/{id}`,
/// `/articles/{type}/{slug}/{id}` and, pinned to a version,
/// `/articles/{type}/{slug}/{id}/{version}` (figshare's own "cite" links).
/// When the last two segments are both numbers, the first is the article id
/// and the second its version, unless the second is the larger (a numeric
/// slug before the id, as in `/articles/dataset/2020/12345`).
fn figshare(parts: &[&str]) -> Option<Target> {
    let ["articles", rest @ ..] = parts else {
        return None;
    };
    let numbers: Vec<Option<u64>> = rest.iter().map(|p| p.parse().ok()).collect();
    match numbers.as_slice() {
        [.., Some(id), Some(version)] if version < id => Some(Target::FigshareArticle {
            id: *id,
            version: u32::try_from(*version).ok(),
        }),
        _ => numbers
            .iter()
            .rev()
            .flatten()
            .next()
            .map(|id| Target::FigshareArticle {
                id: *id,
                version: None,
            }),
    }
}

fn is_osf_id(part: &str) -> bool {
    part.len() == 5 && part.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(text: &str) -> Target {
        Target::from_url(&Url::parse(text).unwrap())
    }

    #[test]
    fn github_subpages_name_the_repository() {
        assert_eq!(
            target("https://github.com/lindawangg/COVID-Net/tree/master/docs"),
            Target::GitHubRepo {
                owner: "lindawangg".into(),
                name: "COVID-Net".into()
            }
        );
        let suggestion =
            canonical_suggestion(&Url::parse("https://github.com/lindawangg/COVID-Net/").unwrap());
        assert_eq!(suggestion, None, "a trailing slash is not worth a finding");
    }

    #[test]
    fn old_kaggle_form_gets_the_datasets_prefix() {
        let url = Url::parse("https://www.kaggle.com/bachrr/covid-chest-xray").unwrap();
        assert_eq!(
            canonical_suggestion(&url).unwrap().as_str(),
            "https://www.kaggle.com/datasets/bachrr/covid-chest-xray"
        );
        assert!(matches!(
            Target::from_url(&url),
            Target::KaggleShortLink { .. }
        ));
    }

    /// figshare's cite links end in `/{id}/{version}` (figshare's "How to cite"
    /// help and api docs: `/articles/{type}/{slug}/{id}/{version}`).
    #[test]
    fn figshare_versioned_urls_keep_their_article_id() {
        let versioned = "https://figshare.com/articles/journal_contribution/BCN20000_Dermoscopic_Lesions_in_the_Wild/24140028/1";
        assert_eq!(
            target(versioned),
            Target::FigshareArticle {
                id: 24140028,
                version: Some(1)
            }
        );
        assert_eq!(canonical_suggestion(&Url::parse(versioned).unwrap()), None);
        assert_eq!(
            target("https://figshare.com/articles/dataset/COVID-19_CT/12345678"),
            Target::FigshareArticle {
                id: 12345678,
                version: None
            }
        );
        assert_eq!(
            target("https://figshare.com/articles/dataset/2020/12345678"),
            Target::FigshareArticle {
                id: 12345678,
                version: None
            },
            "a numeric slug before the id is no version"
        );
    }

    #[test]
    fn dois_take_the_doi_org_form() {
        let url = Url::parse("http://dx.doi.org/10.7937/tcia.2020.gqry-nc81").unwrap();
        assert_eq!(
            canonical_suggestion(&url).unwrap().as_str(),
            "https://doi.org/10.7937/tcia.2020.gqry-nc81"
        );
    }

    #[test]
    fn mendeley_versions_map_to_datacite_dois() {
        let t = target("https://data.mendeley.com/datasets/2fxz4px6d8/4");
        assert_eq!(t.platform(), Platform::MendeleyData);
        assert_eq!(t.doi().as_deref(), Some("10.17632/2fxz4px6d8.4"));
    }

    #[test]
    fn imaging_platforms_are_recognised_in_their_url_forms() {
        assert_eq!(
            target("https://www.cancerimagingarchive.net/collection/COVID-19-NY-SBU/"),
            Target::TciaCollection {
                slug: "covid-19-ny-sbu".into()
            }
        );
        assert_eq!(
            target("https://doi.org/10.7937/TCIA.BBAG-2923").platform(),
            Platform::Tcia,
            "TCIA DOIs go to TCIA, case-insensitively"
        );
        assert_eq!(
            target("https://doi.org/10.1148/radiol.2021203957").platform(),
            Platform::Doi
        );
        assert!(matches!(
            target("https://wiki.cancerimagingarchive.net/pages/viewpage.action?pageId=80970911"),
            Target::TciaWikiPage { .. }
        ));
        assert_eq!(
            target("https://stoic2021.grand-challenge.org/challenge-overview/"),
            Target::GrandChallenge {
                slug: "stoic2021".into()
            }
        );
        assert_eq!(
            target("https://grand-challenge.org/challenges/").platform(),
            Platform::Website,
            "the challenge list is a page"
        );
        assert_eq!(
            target("https://grand-challenge.org/archives/stoic2021/"),
            Target::GrandChallengeArchive {
                slug: "stoic2021".into()
            }
        );
        assert_eq!(
            target("https://physionet.org/content/mimic-cxr/2.1.0/files/"),
            Target::PhysioNetProject {
                slug: "mimic-cxr".into(),
                version: Some("2.1.0".into())
            }
        );
        assert_eq!(
            target("https://physionet.org/content/mimic-cxr/"),
            Target::PhysioNetProject {
                slug: "mimic-cxr".into(),
                version: None
            }
        );
        // The portal's token grammar (SynapseWebClient `place/Synapse.java`):
        // `syn123.3` pins version 3; `#!` is the legacy single-page form.
        for (url, version) in [
            ("https://www.synapse.org/Synapse:syn21491294", None),
            (
                "https://www.synapse.org/#!Synapse:syn21491294/wiki/600888",
                None,
            ),
            ("https://www.synapse.org/Synapse:syn21491294.3", Some(3)),
            (
                "https://www.synapse.org/Synapse:syn21491294/version/3",
                Some(3),
            ),
        ] {
            assert_eq!(
                target(url),
                Target::SynapseEntity {
                    id: "syn21491294".into(),
                    version
                },
                "{url}"
            );
        }
        assert_eq!(
            canonical_suggestion(
                &Url::parse("https://www.synapse.org/#!Synapse:syn21491294").unwrap()
            )
            .unwrap()
            .as_str(),
            "https://www.synapse.org/Synapse:syn21491294"
        );
        assert_eq!(
            target("https://registry.opendata.aws/stoic2021-training/"),
            Target::AwsOpenDataset {
                name: "stoic2021-training".into()
            }
        );
        for page in [
            "https://registry.opendata.aws/index.yaml",
            "https://registry.opendata.aws/tag/covid-19/",
            "https://registry.opendata.aws/collab/asdi/",
            "https://registry.opendata.aws/usage-examples/",
        ] {
            assert_eq!(target(page).platform(), Platform::Website, "{page}");
        }
    }

    #[test]
    fn unknown_hosts_are_websites() {
        assert_eq!(
            target("https://coronacases.org/").platform(),
            Platform::Website
        );
        assert_eq!(
            target("https://brixia.github.io/").platform(),
            Platform::Website
        );
    }
}
