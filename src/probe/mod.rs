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

use std::collections::{HashMap, HashSet, VecDeque};
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
use settings::ProbeSettings;

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
        limits: &ProbeSettings,
    ) -> Prober<'a, F> {
        Prober {
            fetch,
            endpoints,
            secrets,
            concurrency: limits.concurrency.max(1),
            github_pause: github::Pause::new(limits.per_host_concurrency),
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
        let mut seen = HashSet::new();
        let targets: Vec<(Url, Target)> = entries
            .iter()
            .flat_map(|entry| entry.urls.iter().filter(|u| u.check))
            .filter(|u| seen.insert(u.url.as_str()))
            .map(|u| (u.url.clone(), Target::from_url(&u.url)))
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
            // One query alias per repository, however many URLs name it.
            let key =
                |owner: &str, name: &str| (owner.to_ascii_lowercase(), name.to_ascii_lowercase());
            let mut index: HashMap<(String, String), usize> = HashMap::new();
            let mut keys: Vec<(String, String)> = Vec::new();
            for (_, target) in &repos {
                if let Target::GitHubRepo { owner, name } = target {
                    index.entry(key(owner, name)).or_insert_with(|| {
                        keys.push((owner.clone(), name.clone()));
                        keys.len() - 1
                    });
                }
            }
            let found = github.probe_graphql(&keys).await;
            repos
                .iter()
                .filter_map(|(url, target)| {
                    let Target::GitHubRepo { owner, name } = target else {
                        return None;
                    };
                    done();
                    let found = found[index[&key(owner, name)]].clone();
                    Some(observe(url, target, found, started))
                })
                .collect::<Vec<_>>()
        };
        // Hosts take turns, so a window of pending probes never fills up with
        // one host's URLs while the engine lets only a few of them through.
        let rest = futures_util::stream::iter(by_turns(singles))
            .map(|(url, target)| async move {
                let observation = self.probe_one(url, target, known.get(url.as_str())).await;
                done();
                observation
            })
            .buffer_unordered(self.concurrency.saturating_mul(4))
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

/// Reorders `items` so that consecutive ones go to different hosts where
/// possible: one from each host in turn, hosts in order of first appearance.
fn by_turns<'t>(items: Vec<&'t (Url, Target)>) -> Vec<&'t (Url, Target)> {
    let mut queues: Vec<(String, VecDeque<&'t (Url, Target)>)> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for item in items {
        let (url, target) = item;
        let host = match target {
            Target::Website { .. } | Target::KaggleCompetition { .. } => {
                url.host_str().unwrap_or_default().to_ascii_lowercase()
            }
            other => other.platform().to_string(),
        };
        let at = *position.entry(host.clone()).or_insert_with(|| {
            queues.push((host, VecDeque::new()));
            queues.len() - 1
        });
        queues[at].1.push_back(item);
    }
    let mut ordered = Vec::new();
    while queues.iter().any(|(_, queue)| !queue.is_empty()) {
        for (_, queue) in &mut queues {
            ordered.extend(queue.pop_front());
        }
    }
    ordered
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::entry::UrlRole;
    use crate::observation::Signal;
    use crate::probe::providers::api::testing::Canned;

    fn entry(id: &str, urls: &[(&str, bool)]) -> Entry {
        let yaml = format!(
            r#"{{"id":"{id}","name":"n","description":"d","kind":"imaging","urls":[{}],
            "modalities":{{"ct":"U","xray":"U","mrt":"U","ultrasound":"U","metadata":"U","case_review":"U"}},
            "access":"open","license":{{"status":"unknown"}},"maintenance":"active",
            "provenance":{{"last_verified":"2026-11-26","verified_against":"t","live_checked":false,"claims":[]}}}}"#,
            urls.iter()
                .map(|(url, check)| format!(
                    r#"{{"url":"{url}","role":"landing","check":{check}}}"#
                ))
                .collect::<Vec<_>>()
                .join(",")
        );
        let entry: Entry = serde_json::from_str(&yaml).unwrap();
        assert_eq!(entry.urls[0].role, UrlRole::Landing);
        entry
    }

    #[test]
    fn hosts_take_turns() {
        let items: Vec<(Url, Target)> = [
            "https://a.example/1",
            "https://a.example/2",
            "https://a.example/3",
            "https://b.example/1",
            "https://github.com/o/r",
            "https://b.example/2",
        ]
        .iter()
        .map(|u| {
            let url = Url::parse(u).unwrap();
            let target = Target::from_url(&url);
            (url, target)
        })
        .collect();
        let order: Vec<&str> = by_turns(items.iter().collect())
            .iter()
            .map(|(url, _)| url.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "https://a.example/1",
                "https://b.example/1",
                "https://github.com/o/r",
                "https://a.example/2",
                "https://b.example/2",
                "https://a.example/3",
            ]
        );
    }

    #[tokio::test]
    async fn each_url_is_probed_once_and_unchecked_urls_never() {
        let fetch = Canned::default();
        let endpoints = Endpoints::default();
        let secrets = Secrets::default();
        let prober = Prober::new(&fetch, &endpoints, &secrets, &ProbeSettings::default());
        let entries = [
            entry(
                "a",
                &[
                    ("https://site.example/x", true),
                    ("https://site.example/skip", false),
                ],
            ),
            entry("b", &[("https://site.example/x", true)]),
        ];
        let count = std::sync::atomic::AtomicUsize::new(0);
        let seen = prober
            .probe_entries(&entries, &HashMap::new(), &|| {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })
            .await;
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].len(), 1);
        assert_eq!(seen[1].len(), 1);
        assert_eq!(seen[0][0].url, "https://site.example/x");
        assert!(matches!(seen[0][0].signal, Signal::Transient { .. }));
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
        let asked = fetch.urls();
        assert!(
            asked.iter().all(|u| u == "https://site.example/x"),
            "{asked:?}"
        );
    }
}
