//! Gathering: probe every URL of the catalog and return [`Observation`]s.
//!
//! Everything that touches the network lives below this module; nothing here
//! judges a status (that is `policy`). The dispatcher reads each URL into a
//! [`Target`] once and hands it to its platform's provider; a URL marked
//! `check: false` is never probed.

pub mod address;
pub mod describe;
pub mod engine;
pub mod fetch;
pub mod providers;
pub mod settings;

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use futures_util::{Stream, StreamExt};
use jiff::Timestamp;
use tokio::sync::mpsc;
use url::Url;

use crate::catalog::Entry;
use crate::catalog::platform::Target;
use crate::config::Secrets;
use crate::observation::{Observation, Validators};
use engine::limits::TURN;
use fetch::Fetch;
use providers::api::{self, Found};
use providers::{
    Endpoints, aws_open_data, datacite, dataverse, figshare, github, gitlab, grand_challenge,
    huggingface, kaggle, osf, physionet, synapse, tcia, website, zenodo,
};
use settings::ProbeSettings;

/// One run's probing: the network seam, where each platform's API lives, the
/// secrets, and what the run learns as it goes (a GitHub rate limit). Cheap
/// to clone (clones share everything), so that each URL's probe can run as
/// its own task on any of the runtime's threads.
pub struct Prober<F> {
    shared: Arc<Shared<F>>,
}

struct Shared<F> {
    fetch: Arc<F>,
    /// Each website origin's robots.txt, read once per run for its
    /// Crawl-delay before the first page of that origin.
    robots:
        std::sync::Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Option<std::time::Duration>>>>>,
    endpoints: Endpoints,
    secrets: Secrets,
    /// Providers probed at once (the engine's own limits apply below this).
    concurrency: usize,
    github_pause: github::Pause,
    /// URLs never to probe (`[probe] exclude`, `--exclude`, `.catwatchignore`).
    exclude: crate::probe::settings::Exclusions,
    /// TCIA's collection list, read once per run by the first TCIA URL.
    tcia: tokio::sync::OnceCell<Result<Arc<tcia::Index>, Found>>,
}

impl<F> Clone for Prober<F> {
    fn clone(&self) -> Prober<F> {
        Prober {
            shared: self.shared.clone(),
        }
    }
}

impl<F: Fetch + 'static> Prober<F> {
    pub fn new(
        fetch: Arc<F>,
        endpoints: &Endpoints,
        secrets: &Secrets,
        limits: &ProbeSettings,
    ) -> Prober<F> {
        Prober {
            shared: Arc::new(Shared {
                fetch,
                robots: std::sync::Mutex::new(HashMap::new()),
                endpoints: endpoints.clone(),
                secrets: secrets.clone(),
                concurrency: limits.concurrency.max(1),
                github_pause: github::Pause::new(limits.per_host_concurrency),
                exclude: limits.exclude.clone(),
                tcia: tokio::sync::OnceCell::new(),
            }),
        }
    }

    fn fetch(&self) -> &F {
        &self.shared.fetch
    }

    /// Probes the checked URLs of each entry as the entries arrive (each
    /// distinct URL once), and hands each entry to `complete` with the
    /// observations of its checked URLs (in entry order) as soon as the last
    /// of them is in, with the entry's index in arrival order. Three stages
    /// run side by side: intake (new URLs, hosts taking turns), the single
    /// probes, and GitHub's GraphQL batches (with a token), each batch sent as
    /// soon as it is full, and the last one when the entries end.
    pub async fn probe_stream<E: Borrow<Entry>>(
        &self,
        entries: impl Stream<Item = E>,
        known: &HashMap<String, Validators>,
        progress: &dyn Progress,
        complete: impl FnMut(usize, E, Vec<Observation>),
    ) {
        let github = self.github();
        let batched = github.credential.is_some();
        let (to_batch, for_batch) = mpsc::unbounded_channel::<Turned>();
        // Bounded: when the probes fall behind, the intake waits, and so
        // does whoever feeds it (the lint gate): a large catalog is not held
        // whole while it is probed.
        let (to_single, for_single) = mpsc::channel::<Turned>(PROBE_QUEUE);
        let collector = RefCell::new(Collector::new(complete, &self.shared.exclude));

        let intake = async {
            let mut turns = 0u64;
            let mut chunks = std::pin::pin!(entries.ready_chunks(INTAKE_CHUNK));
            while let Some(chunk) = chunks.next().await {
                // Entries wait for their URLs before the URLs go out.
                let fresh: Vec<(Url, Target)> = chunk
                    .into_iter()
                    .flat_map(|entry| collector.borrow_mut().arrive(entry))
                    .map(|url| {
                        let target = Target::from_url(&url);
                        (url, target)
                    })
                    .collect();
                progress.queued(fresh.len());
                for (url, target) in by_turns(fresh) {
                    // The order the URLs go out in is the order a host
                    // serves them in (see `engine::limits::TURN`).
                    let item = (url, target, turns);
                    turns += 1;
                    // The receivers live until this stage ends.
                    if batched && matches!(item.1, Target::GitHubRepo { .. }) {
                        let _ = to_batch.send(item);
                    } else {
                        let _ = to_single.send(item).await;
                    }
                }
            }
            // Dropping the senders here ends the other two stages.
            drop((to_batch, to_single));
        };
        let deliver = |observation: Observation| {
            progress.probed();
            collector.borrow_mut().observed(observation);
        };
        // Each probe is a task of its own, so that on a runtime with several
        // threads (`[probe] threads`) reading bodies, decompressing, hashing
        // and parsing spread over them instead of being polled one after
        // another on the thread that waits for them.
        let singles = receiving_bounded(for_single)
            .map(|(url, target, turn)| {
                let prober = self.clone();
                let validators = known.get(url.as_str()).cloned();
                let (for_task, target_for_task) = (url.clone(), target.clone());
                let task = tokio::spawn(TURN.scope(turn, async move {
                    prober
                        .probe_one(&for_task, &target_for_task, validators.as_ref())
                        .await
                }));
                async move {
                    match task.await {
                        Ok(observation) => observation,
                        Err(err) => lost(&url, &target, &err),
                    }
                }
            })
            .buffer_unordered(self.shared.concurrency.saturating_mul(4))
            .for_each(|observation| {
                deliver(observation);
                std::future::ready(())
            });
        let batches = github_batches(&github, receiving(for_batch), &deliver);
        futures_util::join!(intake, singles, batches);
        collector.into_inner().hand_on_the_rest();
    }

    fn github(&self) -> github::GitHub<'_, F> {
        let api = &self.shared.endpoints.github_api;
        let credential = self.shared.secrets.github_token.as_ref().and_then(|token| {
            let credential = api::credential_for(api, format!("Bearer {}", token.expose()));
            if credential.is_none() {
                tracing::warn!(
                    "the GitHub token is only sent over https; {api} is not, so GitHub is checked anonymously"
                );
            }
            credential
        });
        github::GitHub {
            fetch: self.fetch(),
            api,
            credential,
            pause: &self.shared.github_pause,
        }
    }

    /// One URL through its platform's provider; plain pages (and what no API
    /// covers, or what a provider hands back) through the website probe.
    async fn probe_one(
        &self,
        url: &Url,
        target: &Target,
        known: Option<&Validators>,
    ) -> Observation {
        let started = (Timestamp::now(), Instant::now());
        match self.ask_provider(target).await {
            Asked::Found(found) => observe(url, target, found, started),
            Asked::AsPage(why) => self.page(url, known, why).await,
        }
    }

    /// What the target's provider says, or why its page is the one to ask.
    async fn ask_provider(&self, target: &Target) -> Asked {
        let e = &self.shared.endpoints;
        let fetch = self.fetch();
        let found = match target {
            Target::GitHubRepo { owner, name } => self.github().probe_rest(owner, name).await,
            Target::GitLabProject { path } => gitlab::probe(fetch, &e.gitlab_api, path).await,
            Target::KaggleDataset { owner, slug } | Target::KaggleShortLink { owner, slug } => {
                let credentials = self.shared.secrets.kaggle.as_ref();
                let short = matches!(target, Target::KaggleShortLink { .. });
                match kaggle::probe(fetch, &e.kaggle_api, credentials, owner, slug, short).await {
                    kaggle::Lookup::Found(found) => found,
                    kaggle::Lookup::NotADataset(_) => {
                        return Asked::AsPage(
                            "the Kaggle API knows no dataset by this short link (it may be a notebook); checked as a page",
                        );
                    }
                }
            }
            Target::ZenodoRecord { id } => zenodo::probe(fetch, &e.zenodo_api, *id).await,
            Target::FigshareArticle { id, version } => {
                figshare::probe(fetch, &e.figshare_api, *id, *version).await
            }
            Target::HuggingFaceDataset { repo_id } => {
                huggingface::probe(fetch, &e.huggingface_api, repo_id).await
            }
            Target::OsfNode { id } => osf::probe(fetch, &e.osf_api, id).await,
            Target::DataverseDataset { persistent_id } => {
                dataverse::probe(fetch, &e.dataverse_api, persistent_id).await
            }
            Target::MendeleyDataset { .. } | Target::Doi { .. } => {
                let Some(doi) = target.doi() else {
                    return Asked::AsPage("a Mendeley Data link without a version has no DOI");
                };
                return self.datacite(&doi).await;
            }
            Target::TciaCollection { slug } => match self.tcia_index().await {
                Ok(index) => match tcia::judge(&index, Some(slug), None) {
                    tcia::Lookup::Found(found) => found,
                    tcia::Lookup::UnknownDoi => unreachable!("a slug is looked up by slug"),
                },
                Err(found) => found,
            },
            Target::TciaDoi { doi } => match self.tcia_index().await {
                Ok(index) => match tcia::judge(&index, None, Some(doi)) {
                    tcia::Lookup::Found(found) => found,
                    // An analysis result, or a DOI TCIA minted elsewhere.
                    tcia::Lookup::UnknownDoi => return self.datacite(doi).await,
                },
                Err(found) => found,
            },
            Target::TciaWikiPage { .. } => {
                return Asked::AsPage("TCIA's wiki is retired and has no API; checked as a page");
            }
            Target::GrandChallenge { slug } => {
                match grand_challenge::challenge(fetch, &e.grand_challenge_api, slug).await {
                    grand_challenge::Lookup::Found(found) => found,
                    grand_challenge::Lookup::NotFound => {
                        return Asked::AsPage(
                            "the Grand Challenge API knows no challenge by this exact short name; its site decides",
                        );
                    }
                }
            }
            Target::GrandChallengeArchive { slug } => {
                match grand_challenge::archive(fetch, &e.grand_challenge_api, slug).await {
                    grand_challenge::Lookup::Found(found) => found,
                    grand_challenge::Lookup::NotFound => {
                        return Asked::AsPage(
                            "the Grand Challenge API lists no public archive by this slug (deleted, or private); its page decides",
                        );
                    }
                }
            }
            Target::PhysioNetProject { slug, version } => {
                physionet::probe(fetch, &e.physionet_api, slug, version.as_deref()).await
            }
            Target::SynapseEntity { id, version } => {
                let credential = self
                    .shared
                    .secrets
                    .synapse_token
                    .as_ref()
                    .and_then(|token| {
                        api::credential_for(&e.synapse_api, format!("Bearer {}", token.expose()))
                    });
                synapse::probe(fetch, &e.synapse_api, credential, id, *version).await
            }
            Target::AwsOpenDataset { name } => {
                aws_open_data::probe(fetch, &e.aws_open_data, e.s3_api.as_ref(), name).await
            }
            Target::KaggleCompetition { .. } => {
                return Asked::AsPage("Kaggle competitions are checked as web pages");
            }
            Target::Website { .. } => return Asked::AsPage(""),
        };
        Asked::Found(found)
    }

    /// A DOI through DataCite, or its page when DataCite's public API does
    /// not show it.
    async fn datacite(&self, doi: &str) -> Asked {
        match datacite::probe(self.fetch(), &self.shared.endpoints.datacite_api, doi).await {
            datacite::Lookup::Found(found) => Asked::Found(found),
            // DataCite's public API answers the same 404 for a DOI of
            // another agency, a hidden DOI and a draft: no verdict.
            datacite::Lookup::NotDataCite(_) => Asked::AsPage(
                "DataCite's public API does not show this DOI (another agency's, hidden, or a draft); checked as a page",
            ),
        }
    }

    /// TCIA's collection index, read by the first TCIA URL of the run; the
    /// others wait for that reading and share it (or its failure).
    async fn tcia_index(&self) -> Result<Arc<tcia::Index>, Found> {
        let e = &self.shared.endpoints;
        self.shared
            .tcia
            .get_or_init(|| async {
                tcia::read_index(self.fetch(), &e.tcia_api, &e.nbia_api)
                    .await
                    .map(Arc::new)
            })
            .await
            .clone()
    }

    /// The most recent web-archive copy of `url`, if the archive holds a
    /// good one (asked through the same engine, budget and politeness).
    pub async fn archived_copy(&self, url: &str) -> Option<crate::observation::ArchivedCopy> {
        providers::wayback::lookup(self.fetch(), &self.shared.endpoints.wayback_api, url).await
    }

    /// The website probe, with a note on why a platform URL went there.
    async fn page(&self, url: &Url, known: Option<&Validators>, why: &str) -> Observation {
        let known = known.cloned().unwrap_or_default();
        let delay = self.crawl_delay(url).await;
        let mut observation =
            website::probe_website(self.fetch(), url, &known, Timestamp::now()).await;
        if !why.is_empty() {
            observation.evidence.insert(0, why.to_owned());
        }
        if let Some(delay) = delay {
            observation.evidence.push(format!(
                "robots.txt asks for Crawl-delay {} s: this host's requests are spaced so",
                delay.as_secs_f64()
            ));
        }
        observation
    }

    /// The origin's Crawl-delay, reading its robots.txt the first time the
    /// run meets the origin (the others wait for that one reading).
    async fn crawl_delay(&self, url: &Url) -> Option<std::time::Duration> {
        let origin = url.origin().ascii_serialization();
        let cell = {
            let mut robots = self.shared.robots.lock().unwrap_or_else(|e| e.into_inner());
            robots.entry(origin).or_default().clone()
        };
        *cell
            .get_or_init(|| website::honour_crawl_delay(self.fetch(), url))
            .await
    }
}

/// The observation for a probe task that died (a panic in a provider, or the
/// runtime shutting down): transient, so nothing is judged on it.
fn lost(url: &Url, target: &Target, err: &tokio::task::JoinError) -> Observation {
    let found = Found::new(crate::observation::Signal::transient(
        crate::reason::Reason::ProtocolError,
        format!("the probe did not finish: {err}"),
    ));
    observe(url, target, found, (Timestamp::now(), Instant::now()))
}

/// What a provider made of a URL: its finding, or the reason its page is
/// the one to probe (empty for a plain website).
// Built once per URL and taken apart at once: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Asked {
    Found(Found),
    AsPage(&'static str),
}

/// Entries taken in at once: hosts take turns within such a chunk.
const INTAKE_CHUNK: usize = 256;

/// A URL to probe, its platform, and its turn in the run's probing order.
type Turned = (Url, Target, u64);

/// Entries waiting for the observations of their URLs, each handed on as
/// soon as its last one is in. A URL is probed once for all the entries
/// waiting for it; an observation is not kept once handed on, so an entry
/// that names a URL after its answer came (the lint gate forbids that in a
/// catalog) has it probed again.
struct Collector<'x, E, C> {
    /// URLs never probed: as if they had `check: false`.
    exclude: &'x crate::probe::settings::Exclusions,
    arrived: usize,
    /// By arrival index: the entry, its checked URLs' observations so far (in
    /// entry order), and how many are still out.
    waiting: HashMap<usize, Waiting<E>>,
    /// By URL being probed: the entries waiting for it.
    waiters: HashMap<String, Vec<usize>>,
    complete: C,
}

struct Waiting<E> {
    entry: E,
    seen: Vec<Option<Observation>>,
    missing: usize,
}

impl<'x, E: Borrow<Entry>, C: FnMut(usize, E, Vec<Observation>)> Collector<'x, E, C> {
    fn new(complete: C, exclude: &'x crate::probe::settings::Exclusions) -> Self {
        Collector {
            exclude,
            arrived: 0,
            waiting: HashMap::new(),
            waiters: HashMap::new(),
            complete,
        }
    }

    /// Takes in the next entry and returns its URLs that must be probed (those
    /// no earlier entry is already waiting for).
    fn arrive(&mut self, entry: E) -> Vec<Url> {
        let index = self.arrived;
        self.arrived += 1;
        let mut probe = Vec::new();
        let mut missing = 0;
        let urls: Vec<&Url> = checked_urls(entry.borrow(), self.exclude).collect();
        for url in &urls {
            let waiters = match self.waiters.get_mut(url.as_str()) {
                Some(waiters) => waiters,
                None => {
                    probe.push((*url).clone());
                    self.waiters.entry(url.as_str().to_owned()).or_default()
                }
            };
            // An entry that lists a URL twice waits for it once.
            if waiters.last() != Some(&index) {
                waiters.push(index);
                missing += 1;
            }
        }
        if missing == 0 {
            (self.complete)(index, entry, Vec::new());
        } else {
            let seen = vec![None; urls.len()];
            self.waiting.insert(
                index,
                Waiting {
                    entry,
                    seen,
                    missing,
                },
            );
        }
        probe
    }

    /// Hands `observation` to every entry waiting for its URL (the last one
    /// gets it, the others a copy), and on those that now have all of theirs.
    fn observed(&mut self, observation: Observation) {
        let mut waiters = self.waiters.remove(&observation.url).unwrap_or_default();
        let last = waiters.pop();
        for index in waiters {
            self.fill(index, &observation.url, || observation.clone());
        }
        if let Some(index) = last {
            let url = observation.url.clone();
            let mut once = Some(observation);
            self.fill(index, &url, || {
                once.take().expect("given to one entry once")
            });
        }
    }

    fn fill(&mut self, index: usize, url: &str, mut observation: impl FnMut() -> Observation) {
        let Some(waiting) = self.waiting.get_mut(&index) else {
            return;
        };
        let slots = checked_urls(waiting.entry.borrow(), self.exclude).map(|u| u.as_str() == url);
        let slots: Vec<usize> = slots
            .enumerate()
            .filter_map(|(slot, matches)| matches.then_some(slot))
            .collect();
        if let Some((&last, rest)) = slots.split_last() {
            let first = observation();
            for &slot in rest {
                waiting.seen[slot] = Some(first.clone());
            }
            waiting.seen[last] = Some(first);
        }
        waiting.missing -= 1;
        if waiting.missing == 0
            && let Some(done) = self.waiting.remove(&index)
        {
            let seen = present(done.seen);
            (self.complete)(index, done.entry, seen);
        }
    }

    /// Every URL is observed once the stages end, so nothing should be left;
    /// should anything be, it goes on with what there is rather than vanish.
    fn hand_on_the_rest(mut self) {
        let mut rest: Vec<(usize, Waiting<E>)> = self.waiting.drain().collect();
        rest.sort_by_key(|(index, _)| *index);
        for (index, waiting) in rest {
            let seen = present(waiting.seen);
            (self.complete)(index, waiting.entry, seen);
        }
    }
}

/// The observations an entry has, in a vector of exactly their number: a
/// collected `flatten` would keep room for four (an `Observation` is some
/// 300 bytes), which at 100,000 entries is 90 MB of nothing.
fn present(seen: Vec<Option<Observation>>) -> Vec<Observation> {
    let mut present = Vec::with_capacity(seen.iter().flatten().count());
    present.extend(seen.into_iter().flatten());
    present
}

/// The URLs of `entry` that are probed: those with `check: true` that no
/// exclusion names. The one place that decides it.
fn checked_urls<'e>(
    entry: &'e Entry,
    exclude: &'e crate::probe::settings::Exclusions,
) -> impl Iterator<Item = &'e Url> {
    entry
        .urls
        .iter()
        .filter(move |u| u.check && !exclude.excludes(u.url.as_str()))
        .map(|u| &u.url)
}

/// What probing tells a progress display as it goes.
pub trait Progress: Sync {
    /// `urls` more URLs are queued.
    fn queued(&self, urls: usize);
    /// One more URL has been probed.
    fn probed(&self);
}

/// No display.
impl Progress for () {
    fn queued(&self, _: usize) {}
    fn probed(&self) {}
}

impl Progress for indicatif::ProgressBar {
    fn queued(&self, urls: usize) {
        self.inc_length(urls as u64);
    }
    fn probed(&self) {
        self.inc(1);
    }
}

/// A channel's receiving end as a stream.
pub fn receiving<T>(receiver: mpsc::UnboundedReceiver<T>) -> impl Stream<Item = T> {
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        let item = receiver.recv().await?;
        Some((item, receiver))
    })
}

/// A bounded channel's receiving end as a stream.
pub fn receiving_bounded<T>(receiver: mpsc::Receiver<T>) -> impl Stream<Item = T> {
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        let item = receiver.recv().await?;
        Some((item, receiver))
    })
}

/// URLs queued for probing at most (and entries a feeder may send ahead):
/// enough to keep every slot busy, few enough that a 100,000-entry catalog
/// waits on disk rather than in memory.
pub const PROBE_QUEUE: usize = 2048;

/// GitHub repositories through GraphQL: a request as soon as
/// [`github::GRAPHQL_BATCH`] distinct repositories wait, and one for the rest
/// when the repositories end, so N repositories cost ceil(N/50) requests.
async fn github_batches<F: Fetch>(
    github: &github::GitHub<'_, F>,
    repos: impl Stream<Item = Turned>,
    deliver: &dyn Fn(Observation),
) {
    let mut repos = std::pin::pin!(repos);
    // One query alias per repository, however many URLs name it.
    let mut answered: HashMap<(String, String), Found> = HashMap::new();
    let mut pending: Vec<(String, String)> = Vec::new();
    let mut waiting: Vec<(Url, Target, (String, String))> = Vec::new();
    // A batch queues at the API host with the turn of its first repository.
    let mut batch_turn = None;
    loop {
        let next = repos.next().await;
        let ended = next.is_none();
        if let Some((url, target, turn)) = next
            && let Target::GitHubRepo { owner, name } = &target
        {
            batch_turn.get_or_insert(turn);
            let key = (owner.to_ascii_lowercase(), name.to_ascii_lowercase());
            if let Some(found) = answered.get(&key) {
                let now = (Timestamp::now(), Instant::now());
                deliver(observe(&url, &target, found.clone(), now));
            } else {
                if !waiting.iter().any(|(_, _, k)| *k == key) {
                    pending.push((owner.clone(), name.clone()));
                }
                waiting.push((url, target, key));
            }
        }
        if pending.len() == github::GRAPHQL_BATCH || (ended && !pending.is_empty()) {
            let started = (Timestamp::now(), Instant::now());
            let turn = batch_turn.take().unwrap_or(u64::MAX);
            let found = TURN.scope(turn, github.probe_graphql(&pending)).await;
            for ((owner, name), found) in pending.drain(..).zip(found) {
                answered.insert(
                    (owner.to_ascii_lowercase(), name.to_ascii_lowercase()),
                    found,
                );
            }
            for (url, target, key) in waiting.drain(..) {
                deliver(observe(&url, &target, answered[&key].clone(), started));
            }
        }
        if ended {
            return;
        }
    }
}

/// Reorders `items` so that consecutive ones go to different hosts where
/// possible: one from each host in turn, hosts in order of first appearance.
fn by_turns(items: Vec<(Url, Target)>) -> Vec<(Url, Target)> {
    let mut queues: Vec<(String, VecDeque<(Url, Target)>)> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for item in items {
        let (url, target) = &item;
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
        newer_version: found.newer_version.map(Box::new),
        manifest: found.manifest.map(Box::new),
        license: found.license.map(Box::new),
        access: found.access.map(Box::new),
        version: found.version.map(Box::new),
        size: found.size,
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::probe::fetch::Method;
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
        let ordered = by_turns(items);
        let order: Vec<&str> = ordered.iter().map(|(url, _)| url.as_str()).collect();
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
        let fetch = Arc::new(fetch);
        let prober = Prober::new(
            fetch.clone(),
            &endpoints,
            &secrets,
            &ProbeSettings::default(),
        );
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
        let progress = Counting::default();
        let mut seen = vec![Vec::new(); entries.len()];
        let known = HashMap::new();
        let collect = |index: usize, _: &Entry, observations| seen[index] = observations;
        prober
            .probe_stream(
                futures_util::stream::iter(&entries),
                &known,
                &progress,
                collect,
            )
            .await;
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].len(), 1);
        assert_eq!(seen[1].len(), 1);
        assert_eq!(seen[0][0].url, "https://site.example/x");
        assert!(matches!(seen[0][0].signal, Signal::Transient { .. }));
        assert_eq!(progress.counts(), (1, 1));
        // The page once, after its origin's robots.txt (read once per run).
        assert_eq!(
            fetch.urls(),
            ["https://site.example/robots.txt", "https://site.example/x"]
        );
    }

    #[derive(Default)]
    struct Counting {
        queued: AtomicUsize,
        probed: AtomicUsize,
    }

    impl Counting {
        fn counts(&self) -> (usize, usize) {
            (
                self.queued.load(Ordering::SeqCst),
                self.probed.load(Ordering::SeqCst),
            )
        }
    }

    impl Progress for Counting {
        fn queued(&self, urls: usize) {
            self.queued.fetch_add(urls, Ordering::SeqCst);
        }
        fn probed(&self) {
            self.probed.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Entries trickling in (as from a catalog still being loaded) still cost
    /// one GraphQL request per 50 distinct repositories, and every entry comes
    /// back, in arrival order, with its observations.
    #[tokio::test(start_paused = true)]
    async fn repositories_arriving_a_few_at_a_time_are_batched_by_fifty() {
        let fetch = Canned::default().answer(
            Method::Post,
            "https://api.github.com/graphql",
            Ok(api::testing::response(
                "https://api.github.com/graphql",
                200,
                r#"{"data":{}}"#,
            )),
        );
        let endpoints = Endpoints::default();
        let secrets = Secrets {
            github_token: Some(crate::secret::Secret::new("t0ken")),
            ..Secrets::default()
        };
        let fetch = Arc::new(fetch);
        let prober = Prober::new(
            fetch.clone(),
            &endpoints,
            &secrets,
            &ProbeSettings::default(),
        );
        // 120 repositories, one of them twice under another spelling, and a
        // plain page among them.
        let mut entries: Vec<Entry> = (0..120)
            .map(|i| {
                entry(
                    &format!("r{i}"),
                    &[(&format!("https://github.com/o/r{i}"), true)],
                )
            })
            .collect();
        entries.push(entry("again", &[("https://github.com/O/R7", true)]));
        entries.push(entry("page", &[("https://site.example/x", true)]));
        let (sender, receiver) = mpsc::unbounded_channel();
        let feed = async {
            for entry in entries {
                sender.send(entry).unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            }
            drop(sender);
        };
        let progress = Counting::default();
        let known = HashMap::new();
        let mut seen = Vec::new();
        let collect = |index, entry: Entry, observations| seen.push((index, entry, observations));
        futures_util::join!(
            feed,
            prober.probe_stream(receiving(receiver), &known, &progress, collect)
        );
        seen.sort_by_key(|(index, _, _)| *index);
        let seen: Vec<(Entry, Vec<Observation>)> =
            seen.into_iter().map(|(_, e, o)| (e, o)).collect();
        let graphql = fetch
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == Method::Post)
            .count();
        assert_eq!(graphql, 3, "ceil(120 / 50) requests");
        let ids: Vec<&str> = seen.iter().map(|(e, _)| e.id.as_str()).collect();
        assert_eq!(ids.len(), 122);
        assert_eq!(
            (ids[0], ids[119], ids[120], ids[121]),
            ("r0", "r119", "again", "page")
        );
        assert!(seen.iter().all(|(_, observations)| observations.len() == 1));
        assert_eq!(seen[120].1[0].url, "https://github.com/O/R7");
        assert_eq!(progress.counts(), (122, 122));
    }

    /// The collector hands each entry on once, when its last URL is in: an
    /// entry without checked URLs at once, a URL shared by two entries to
    /// both (probed once), a URL listed twice in one entry twice; a URL named
    /// again after its answer was handed on is probed again.
    #[test]
    fn entries_are_handed_on_when_their_last_url_is_in() {
        let observation = |url: &str| Observation {
            url: url.to_owned(),
            platform: crate::catalog::platform::Platform::Website,
            signal: Signal::Alive,
            http_status: Some(200),
            final_url: None,
            redirects: Vec::new(),
            last_updated: None,
            validators: Validators::default(),
            fingerprint: None,
            newer_version: None,
            manifest: None,
            license: None,
            access: None,
            version: None,
            size: Vec::new(),
            evidence: Vec::new(),
            checked_at: Timestamp::UNIX_EPOCH,
            duration_ms: 1,
        };
        let mut handed: Vec<(usize, String, Vec<String>)> = Vec::new();
        let none = crate::probe::settings::Exclusions::default();
        let mut collector = Collector::new(
            |index, entry: Entry, seen: Vec<Observation>| {
                handed.push((index, entry.id, seen.into_iter().map(|o| o.url).collect()));
            },
            &none,
        );
        let (a, b, shared) = (
            "https://a.example/",
            "https://b.example/",
            "https://s.example/",
        );
        let mut probed: Vec<String> = Vec::new();
        let mut arrive = |collector: &mut Collector<'_, _, _>, e: Entry| {
            let urls: Vec<Url> = collector.arrive(e);
            probed.extend(urls.into_iter().map(String::from));
        };
        arrive(&mut collector, entry("none", &[(a, false)]));
        arrive(&mut collector, entry("two", &[(a, true), (shared, true)]));
        arrive(&mut collector, entry("twice", &[(b, true), (b, true)]));
        arrive(&mut collector, entry("sharer", &[(shared, true)]));
        collector.observed(observation(shared));
        collector.observed(observation(b));
        collector.observed(observation(a));
        arrive(&mut collector, entry("late", &[(a, true)]));
        collector.observed(observation(a));
        collector.hand_on_the_rest();
        assert_eq!(probed, [a, shared, b, a]);
        let strings = |urls: &[&str]| urls.iter().map(|u| u.to_string()).collect::<Vec<_>>();
        assert_eq!(
            handed,
            [
                (0, "none".to_owned(), vec![]),
                (3, "sharer".to_owned(), strings(&[shared])),
                (2, "twice".to_owned(), strings(&[b, b])),
                (1, "two".to_owned(), strings(&[a, shared])),
                (4, "late".to_owned(), strings(&[a])),
            ]
        );
    }
}
