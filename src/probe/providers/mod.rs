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
    /// TCIA's Collection Manager (the WordPress REST API of its site).
    pub tcia_api: Url,
    /// TCIA's NBIA V4 API.
    pub nbia_api: Url,
    pub grand_challenge_api: Url,
    pub physionet_api: Url,
    pub synapse_api: Url,
    /// The Registry of Open Data on AWS (its published dataset YAML).
    pub aws_open_data: Url,
    /// Where S3 buckets are listed: unset, each bucket's own virtual-hosted
    /// address (`https://{bucket}.s3.{region}.amazonaws.com/`); set, path-style
    /// under this base (`{base}/{bucket}`), for a mirror or a test.
    pub s3_api: Option<Url>,
    /// The Internet Archive's Wayback availability API, asked for a copy of
    /// a dead resource.
    pub wayback_api: Url,
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
            tcia_api: url("https://cancerimagingarchive.net/api/v1"),
            nbia_api: url("https://services.cancerimagingarchive.net/nbia-api/services/v4"),
            grand_challenge_api: url("https://grand-challenge.org/api/v1"),
            physionet_api: url("https://physionet.org/api/v1"),
            synapse_api: url("https://repo-prod.prod.sagebase.org/repo/v1"),
            aws_open_data: url("https://registry.opendata.aws"),
            s3_api: None,
            wayback_api: url("https://archive.org"),
        }
    }
}

pub mod api;
pub mod aws_open_data;
pub mod datacite;
pub mod dataverse;
pub mod figshare;
pub mod github;
pub mod gitlab;
pub mod grand_challenge;
pub mod huggingface;
pub mod kaggle;
pub mod osf;
pub mod physionet;
pub mod synapse;
pub mod tcia;
pub mod wayback;
pub mod zenodo;
