//! `catwatch check --dump`: the URLs `check` would probe and the requests it
//! would send, without sending anything. The real prober runs, with every
//! provider and the same exclusions and selection, over a fetcher that only
//! writes requests down and answers each with "not sent": so what is listed
//! is exactly what the probing code asks for first. Later requests (a
//! fallback after a 404, a second page) depend on answers and are not shown.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::catalog::Entry;
use crate::catalog::platform::Target;
use crate::config::Config;
use crate::observation::Validators;
use crate::probe::Prober;
use crate::probe::fetch::{Fetch, FetchError, Request, Response};

/// One request the probing would send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    pub method: String,
    pub url: String,
    /// The credential's kind and host ("Bearer for api.github.com"), never
    /// its value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// Sent as a conditional request (validators from the state).
    pub conditional: bool,
}

/// A fetcher that sends nothing: it records each request and answers it
/// with a connection error that names `--dump`.
#[derive(Default)]
struct Recorder {
    planned: Mutex<Vec<Planned>>,
}

impl Fetch for Recorder {
    async fn fetch(&self, request: Request) -> Result<Response, FetchError> {
        let credential = request.credential.as_ref().map(|c| {
            let scheme = c
                .authorization
                .expose()
                .split_whitespace()
                .next()
                .unwrap_or("a credential")
                .to_owned();
            format!("{scheme} for {}", c.host)
        });
        let planned = Planned {
            method: request.method.as_str().to_owned(),
            url: request.url.to_string(),
            credential,
            conditional: !request.validators.is_empty(),
        };
        self.planned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(planned);
        Err(FetchError::Connect("not sent: --dump".to_owned()))
    }
}

/// What `--dump` shows.
#[derive(Debug, Serialize)]
pub struct Dump {
    pub entries: Vec<DumpedEntry>,
    pub requests: Vec<Planned>,
}

#[derive(Debug, Serialize)]
pub struct DumpedEntry {
    pub id: String,
    pub urls: Vec<DumpedUrl>,
}

#[derive(Debug, Serialize)]
pub struct DumpedUrl {
    pub url: String,
    pub platform: String,
    /// Why it is not probed: `check: false` or an exclusion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<&'static str>,
}

/// Runs the prober over `entries` with the recording fetcher.
pub fn plan(
    config: &Config,
    entries: &[Entry],
    known: &HashMap<String, Validators>,
) -> anyhow::Result<Dump> {
    let recorder = Arc::new(Recorder::default());
    let prober = Prober::new(
        recorder.clone(),
        &config.endpoints,
        &config.secrets,
        &config.probe,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let bar = indicatif::ProgressBar::hidden();
    runtime.block_on(prober.probe_stream(
        futures_util::stream::iter(entries.iter()),
        known,
        &bar,
        |_, _, _| {},
    ));
    let requests = std::mem::take(&mut *recorder.planned.lock().unwrap_or_else(|e| e.into_inner()));
    let entries = entries
        .iter()
        .map(|entry| DumpedEntry {
            id: entry.id.clone(),
            urls: entry
                .urls
                .iter()
                .map(|u| DumpedUrl {
                    url: u.url.to_string(),
                    platform: Target::from_url(&u.url).platform().to_string(),
                    skipped: if !u.check {
                        Some("check: false")
                    } else if config.probe.exclude.excludes(u.url.as_str()) {
                        Some("excluded")
                    } else {
                        None
                    },
                })
                .collect(),
        })
        .collect();
    Ok(Dump { entries, requests })
}

/// The dump for a person.
pub fn render_human(dump: &Dump) -> String {
    let urls: usize = dump.entries.iter().map(|e| e.urls.len()).sum();
    let mut out = format!(
        "catwatch check --dump: {} entries, {urls} URLs; nothing was sent\n\n",
        dump.entries.len()
    );
    for entry in &dump.entries {
        out.push_str(&format!("{}\n", crate::lint::escape_for_display(&entry.id)));
        for url in &entry.urls {
            out.push_str(&format!(
                "  {}  ({}{})\n",
                crate::lint::escape_for_display(&url.url),
                url.platform,
                url.skipped
                    .map(|why| format!(", not probed: {why}"))
                    .unwrap_or_default()
            ));
        }
    }
    out.push_str(&format!(
        "\nRequests, in the order the probes would send them ({}; later ones depend on the answers):\n",
        dump.requests.len()
    ));
    for r in &dump.requests {
        out.push_str(&format!(
            "  {} {}{}{}\n",
            r.method,
            crate::lint::escape_for_display(&r.url),
            r.credential
                .as_ref()
                .map(|c| format!("  [{c}]"))
                .unwrap_or_default(),
            if r.conditional { "  [conditional]" } else { "" }
        ));
    }
    out
}
