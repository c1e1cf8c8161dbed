//! One module per hosting platform: read availability and the last-update date
//! from the platform's API rather than its HTML.

pub mod website;

use serde::Deserialize;
use url::Url;

/// Base URLs of every platform API, from `[endpoints]` in catwatch.toml, so a
/// test (or a mirror) can point each one elsewhere.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Endpoints {
    pub github_api: Url,
    pub gitlab_api: Url,
    pub kaggle_api: Url,
    pub zenodo_api: Url,
    pub figshare_api: Url,
    pub huggingface_api: Url,
    pub osf_api: Url,
    pub dataverse_api: Url,
    pub datacite_api: Url,
}

impl Default for Endpoints {
    fn default() -> Endpoints {
        let url = |text: &str| Url::parse(text).expect("default endpoints are valid URLs");
        Endpoints {
            github_api: url("https://api.github.com"),
            gitlab_api: url("https://gitlab.com/api/v4"),
            kaggle_api: url("https://www.kaggle.com/api/v1"),
            zenodo_api: url("https://zenodo.org/api"),
            figshare_api: url("https://api.figshare.com/v2"),
            huggingface_api: url("https://huggingface.co/api"),
            osf_api: url("https://api.osf.io/v2"),
            dataverse_api: url("https://dataverse.harvard.edu/api"),
            datacite_api: url("https://api.datacite.org"),
        }
    }
}

pub mod api;
pub mod datacite;
pub mod dataverse;
pub mod figshare;
pub mod github;
pub mod gitlab;
pub mod huggingface;
pub mod kaggle;
pub mod osf;
pub mod zenodo;
