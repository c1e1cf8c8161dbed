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
use crate::observation::{Observation, Signal, Validators};
use fetch::{Fetch, Request};
use providers::api::{self, Found};
use providers::{
    Endpoints, datacite, dataverse, figshare, github, gitlab, huggingface, kaggle, osf, zenodo,
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
                let started = (Timestamp::now(), Instant::now());
                let found = self.probe_one(url, target, known.get(url.as_str())).await;
                done();
                observe(url, target, found, started)
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

    /// One URL through its platform's provider.
    async fn probe_one(&self, url: &Url, target: &Target, known: Option<&Validators>) -> Found {
        let e = self.endpoints;
        match target {
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
            Target::MendeleyDataset { .. } | Target::Doi { .. } => match target.doi() {
                Some(doi) => match datacite::probe(self.fetch, &e.datacite_api, &doi).await {
                    datacite::Lookup::Found(found) => found,
                    // Not a DataCite DOI (Crossref, say): ask the resolver.
                    datacite::Lookup::NotDataCite(_) if matches!(target, Target::Doi { .. }) => {
                        probe_page(self.fetch, url, known)
                            .await
                            .note("not a DataCite DOI; checked through its resolver")
                    }
                    datacite::Lookup::NotDataCite(found) => found,
                },
                None => probe_page(self.fetch, url, known).await,
            },
            Target::KaggleCompetition { .. } | Target::Website { .. } => {
                probe_page(self.fetch, url, known).await
            }
        }
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

/// A plain page: status and where it ended up. Interim, until the engine's
/// website provider (status, validators, fingerprint) is merged.
async fn probe_page<F: Fetch>(fetch: &F, url: &Url, known: Option<&Validators>) -> Found {
    let mut request = Request::get(url.clone());
    request.read_body = false;
    if let Some(known) = known {
        request.validators = known.clone();
    }
    let response = match fetch.fetch(request).await {
        Ok(response) => response,
        Err(fetch::FetchError::NoSuchHost(host)) => {
            return Found::new(Signal::Gone {
                why: api::why("no-such-host", format!("{host} does not resolve")),
            });
        }
        Err(err) => return api::fetch_failed(&err),
    };
    let permanent = !response.hops.is_empty()
        && response
            .hops
            .iter()
            .all(|hop| matches!(hop.status, 301 | 308));
    let signal = match response.status {
        304 => Signal::NotModified,
        200..=299 if permanent => Signal::Moved {
            to: response.final_url.to_string(),
        },
        200..=299 => Signal::Alive,
        _ => return api::unsuccessful(&response),
    };
    Found::answered(signal, &response)
}
