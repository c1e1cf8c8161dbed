//! Gathering: probe every URL of the catalog and return [`Observation`]s.
//!
//! Everything that touches the network lives below this module; nothing here
//! judges a status (that is `policy`). The dispatcher reads each URL into a
//! [`Target`] once and hands it to its platform's provider; a URL marked
//! `check: false` is never probed.

pub mod address;
pub mod engine;
pub mod fetch;
pub mod providers;
pub mod settings;

use std::collections::HashMap;
use std::time::Instant;

use futures_util::StreamExt;
use jiff::Timestamp;
use url::Url;

use crate::catalog::Entry;
use crate::catalog::platform::Target;
use crate::config::Secrets;
use crate::observation::{Observation, Validators};
use fetch::Fetch;
use providers::api::{self, Found};
use providers::{
    Endpoints, datacite, dataverse, figshare, github, gitlab, huggingface, kaggle, osf, website,
    zenodo,
};

/// One run's probing: the network seam, where each platform's API lives, the
/// secrets, and what the run learns as it goes (a GitHub rate limit).
pub struct Prober<'a, F> {
    pub fetch: &'a F,
    pub endpoints: &'a Endpoints,
    pub secrets: &'a Secrets,
    /// Providers probed at once (the engine's own limits apply below this).
    pub concurrency: usize,
    github_pause: github::Pause,
}

impl<'a, F: Fetch> Prober<'a, F> {
    pub fn new(
        fetch: &'a F,
        endpoints: &'a Endpoints,
        secrets: &'a Secrets,
        concurrency: usize,
    ) -> Prober<'a, F> {
        Prober {
            fetch,
            endpoints,
            secrets,
            concurrency: concurrency.max(1),
            github_pause: github::Pause::default(),
        }
    }

    /// Probes every checked URL of `entries` (each distinct URL once) and
    /// returns, per entry, the observations of its checked URLs in entry order.
    /// `done` is called once per URL probed, for a progress bar.
    pub async fn probe_entries(
        &self,
        entries: &[Entry],
        known: &HashMap<String, Validators>,
        done: &(dyn Fn() + Sync),
    ) -> Vec<Vec<Observation>> {
        let mut urls: Vec<Url> = Vec::new();
        for entry in entries {
            for resource in entry.urls.iter().filter(|u| u.check) {
                if !urls.contains(&resource.url) {
                    urls.push(resource.url.clone());
                }
            }
        }
        let targets: Vec<(Url, Target)> = urls
            .into_iter()
            .map(|url| {
                let target = Target::from_url(&url);
                (url, target)
            })
            .collect();

        let github = self.github();
        let batched = github.credential.is_some();
        let (repos, singles): (Vec<_>, Vec<_>) = targets
            .iter()
            .partition(|(_, target)| batched && matches!(target, Target::GitHubRepo { .. }));

        let batch = async {
            if repos.is_empty() {
                return Vec::new();
            }
            let started = (Timestamp::now(), Instant::now());
            let mut keys: Vec<(String, String)> = Vec::new();
            for (_, target) in &repos {
                if let Target::GitHubRepo { owner, name } = target
                    && !keys
                        .iter()
                        .any(|(o, n)| o.eq_ignore_ascii_case(owner) && n.eq_ignore_ascii_case(name))
                {
                    keys.push((owner.clone(), name.clone()));
                }
            }
            let found = github.probe_graphql(&keys).await;
            repos
                .iter()
                .map(|(url, target)| {
                    let Target::GitHubRepo { owner, name } = target else {
                        unreachable!("only repositories are batched")
                    };
                    let index = keys
                        .iter()
                        .position(|(o, n)| {
                            o.eq_ignore_ascii_case(owner) && n.eq_ignore_ascii_case(name)
                        })
                        .expect("every repository has a key");
                    done();
                    observe(url, target, found[index].clone(), started)
                })
                .collect::<Vec<_>>()
        };
        let rest = futures_util::stream::iter(singles)
            .map(|(url, target)| async move {
                let observation = self.probe_one(url, target, known.get(url.as_str())).await;
                done();
                observation
            })
            .buffer_unordered(self.concurrency)
            .collect::<Vec<_>>();
        let (mut observations, more) = futures_util::join!(batch, rest);
        observations.extend(more);

        let by_url: HashMap<&str, &Observation> =
            observations.iter().map(|o| (o.url.as_str(), o)).collect();
        entries
            .iter()
            .map(|entry| {
                entry
                    .urls
                    .iter()
                    .filter(|u| u.check)
                    .filter_map(|u| by_url.get(u.url.as_str()).map(|o| (*o).clone()))
                    .collect()
            })
            .collect()
    }

    fn github(&self) -> github::GitHub<'_, F> {
        let api = &self.endpoints.github_api;
        let credential = self.secrets.github_token.as_ref().and_then(|token| {
            let credential = api::credential_for(api, format!("Bearer {}", token.expose()));
            if credential.is_none() {
                tracing::warn!(
                    "the GitHub token is only sent over https; {api} is not, so GitHub is checked anonymously"
                );
            }
            credential
        });
        github::GitHub {
            fetch: self.fetch,
            api,
            credential,
            pause: &self.github_pause,
        }
    }

    /// One URL through its platform's provider; plain pages (and what no API
    /// covers) through the website probe.
    async fn probe_one(
        &self,
        url: &Url,
        target: &Target,
        known: Option<&Validators>,
    ) -> Observation {
        let started = (Timestamp::now(), Instant::now());
        let e = self.endpoints;
        let found = match target {
            Target::GitHubRepo { owner, name } => self.github().probe_rest(owner, name).await,
            Target::GitLabProject { path } => gitlab::probe(self.fetch, &e.gitlab_api, path).await,
            Target::KaggleDataset { owner, slug } => {
                let credentials = self.secrets.kaggle.as_ref();
                kaggle::probe(self.fetch, &e.kaggle_api, credentials, owner, slug).await
            }
            Target::ZenodoRecord { id } => zenodo::probe(self.fetch, &e.zenodo_api, *id).await,
            Target::FigshareArticle { id } => {
                figshare::probe(self.fetch, &e.figshare_api, *id).await
            }
            Target::HuggingFaceDataset { repo_id } => {
                huggingface::probe(self.fetch, &e.huggingface_api, repo_id).await
            }
            Target::OsfNode { id } => osf::probe(self.fetch, &e.osf_api, id).await,
            Target::DataverseDataset { persistent_id } => {
                dataverse::probe(self.fetch, &e.dataverse_api, persistent_id).await
            }
            Target::MendeleyDataset { .. } | Target::Doi { .. } => {
                let Some(doi) = target.doi() else {
                    return self
                        .page(
                            url,
                            known,
                            "a Mendeley Data link without a version has no DOI",
                        )
                        .await;
                };
                match datacite::probe(self.fetch, &e.datacite_api, &doi).await {
                    datacite::Lookup::Found(found) => found,
                    datacite::Lookup::NotDataCite(_) if matches!(target, Target::Doi { .. }) => {
                        return self
                            .page(
                                url,
                                known,
                                "not a DataCite DOI; checked through its resolver",
                            )
                            .await;
                    }
                    datacite::Lookup::NotDataCite(found) => found,
                }
            }
            Target::KaggleCompetition { .. } => {
                return self
                    .page(url, known, "Kaggle competitions are checked as web pages")
                    .await;
            }
            Target::Website { .. } => return self.page(url, known, "").await,
        };
        observe(url, target, found, started)
    }

    /// The website probe, with a note on why a platform URL went there.
    async fn page(&self, url: &Url, known: Option<&Validators>, why: &str) -> Observation {
        let known = known.cloned().unwrap_or_default();
        let mut observation =
            website::probe_website(self.fetch, url, &known, Timestamp::now()).await;
        if !why.is_empty() {
            observation.evidence.insert(0, why.to_owned());
        }
        observation
    }
}

fn observe(
    url: &Url,
    target: &Target,
    found: Found,
    (checked_at, started): (Timestamp, Instant),
) -> Observation {
    Observation {
        url: url.to_string(),
        platform: target.platform(),
        signal: found.signal,
        http_status: found.http_status,
        final_url: found.final_url,
        redirects: found.redirects,
        last_updated: found.last_updated,
        validators: Validators::default(),
        fingerprint: None,
        evidence: found.evidence,
        checked_at,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}
