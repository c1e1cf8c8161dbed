//! Whether this run's own network can be believed. Pure: takes the run's
//! observations, touches no I/O.
//!
//! A probe that got no HTTP answer because a name did not resolve, or a
//! connection was refused, reset or timed out, says something about the
//! resource only if the network it ran on worked. So, over the whole run:
//!
//! - **answered**: probes that got any HTTP answer (names resolved and
//!   connections worked, for websites and platform APIs alike);
//! - **network failures**: probes that got none for one of those reasons.
//!
//! The network is **unavailable** when there were network failures and
//! nothing answered, or when at least `degraded_min_probes` probes ran and
//! `degraded_percent` of them failed on the network (the same rule
//! `monitor` uses for a degraded run). Then every network failure becomes
//! `unknown` (`network-unavailable`), moving no counter, and `check` exits 2.
//! Otherwise a name that does not resolve stays dead (`no-such-host`): other
//! names resolved in the same run.

use serde::{Deserialize, Serialize};

use crate::observation::{Observation, Signal};
use crate::policy::PolicySettings;
use crate::reason::Reason;

/// What the run showed of its own network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkHealth {
    /// Probes that got an HTTP answer.
    pub answered: usize,
    /// Probes that failed to resolve or connect.
    pub failed: usize,
    /// Too many failed for any of those failures to be believed.
    pub unavailable: bool,
}

/// Whether `observation` failed on the network (no name, no connection).
pub fn is_network_failure(observation: &Observation) -> bool {
    matches!(
        &observation.signal,
        Signal::Gone {
            reason: Reason::NoSuchHost,
            ..
        } | Signal::Transient {
            reason: Reason::NetworkError | Reason::Timeout | Reason::ApiUnreachable,
            ..
        }
    ) && observation.http_status.is_none()
}

/// Judges the run's network from all its observations.
pub fn assess<'o>(
    observations: impl IntoIterator<Item = &'o Observation>,
    settings: &PolicySettings,
) -> NetworkHealth {
    let mut tally = Tally::default();
    for observation in observations {
        tally.add(observation);
    }
    tally.health(settings)
}

/// The run's observations counted as they come, for a run that lets each
/// check go once it is judged: [`assess`] one observation at a time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    answered: usize,
    failed: usize,
}

impl Tally {
    pub fn add(&mut self, observation: &Observation) {
        if observation.http_status.is_some() {
            self.answered += 1;
        } else if is_network_failure(observation) {
            self.failed += 1;
        }
    }

    /// Unavailable when probes failed on the network and none answered, or
    /// when at least `degraded_min_probes` were made and `degraded_percent`
    /// of them failed so.
    pub fn health(&self, settings: &PolicySettings) -> NetworkHealth {
        let Tally { answered, failed } = *self;
        let total = answered + failed;
        let mostly_failed = total >= settings.degraded_min_probes.max(1)
            && failed * 100 >= usize::from(settings.degraded_percent) * total;
        NetworkHealth {
            answered,
            failed,
            unavailable: failed > 0 && (answered == 0 || mostly_failed),
        }
    }
}

/// On an unavailable network, turns `observation`'s network failure into
/// `unknown` (`network-unavailable`). Returns whether it changed anything.
pub fn settle(observation: &mut Observation, health: &NetworkHealth) -> bool {
    if !health.unavailable || !is_network_failure(observation) {
        return false;
    }
    let why = match &observation.signal {
        Signal::Gone { why, .. } | Signal::Transient { why, .. } => why.clone(),
        _ => String::new(),
    };
    observation.evidence.push(format!("network failure: {why}"));
    observation.signal = Signal::unsettled(
        Reason::NetworkUnavailable,
        format!(
            "not judged: {} of {} probes in this run could not resolve or connect, so our network or resolver is down ({why})",
            health.failed,
            health.failed + health.answered
        ),
    );
    true
}

impl NetworkHealth {
    /// One line for the top of a report.
    pub fn banner(&self) -> String {
        format!(
            "the network or resolver is unavailable: {} of {} probes could not resolve a name or connect, so none of those failures is a verdict; they are reported as unknown (network-unavailable)",
            self.failed,
            self.failed + self.answered
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::platform::Platform;

    fn seen(signal: Signal, http: Option<u16>) -> Observation {
        Observation {
            url: "https://example.org/".into(),
            platform: Platform::Website,
            signal,
            http_status: http,
            final_url: None,
            redirects: Vec::new(),
            last_updated: None,
            validators: Default::default(),
            fingerprint: None,
            newer_version: None,
            manifest: None,
            license: None,
            access: None,
            version: None,
            size: Vec::new(),
            evidence: Vec::new(),
            checked_at: jiff::Timestamp::UNIX_EPOCH,
            duration_ms: 1,
        }
    }

    fn no_host() -> Observation {
        seen(
            Signal::gone(Reason::NoSuchHost, "example.org does not resolve"),
            None,
        )
    }

    #[test]
    fn nothing_answered_means_our_network_not_the_resource() {
        let settings = PolicySettings::default();
        let run = vec![no_host(), no_host()];
        let health = assess(&run, &settings);
        assert!(health.unavailable);
        let mut first = run[0].clone();
        assert!(settle(&mut first, &health));
        assert!(matches!(
            first.signal,
            Signal::Unsettled {
                reason: Reason::NetworkUnavailable,
                ..
            }
        ));
    }

    #[test]
    fn an_unresolvable_name_is_dead_when_other_names_resolved() {
        let settings = PolicySettings::default();
        let mut run: Vec<Observation> = (0..9).map(|_| seen(Signal::Alive, Some(200))).collect();
        run.push(no_host());
        let health = assess(&run, &settings);
        assert!(!health.unavailable);
        let mut last = run[9].clone();
        assert!(!settle(&mut last, &health));
        assert!(matches!(last.signal, Signal::Gone { .. }));
    }

    #[test]
    fn most_probes_failing_on_the_network_is_unavailable_too() {
        let settings = PolicySettings::default();
        let mut run: Vec<Observation> = (0..6)
            .map(|_| {
                seen(
                    Signal::transient(Reason::NetworkError, "connection refused"),
                    None,
                )
            })
            .collect();
        run.push(seen(Signal::Alive, Some(200)));
        assert!(assess(&run, &settings).unavailable);
        // A 404 is an answer: a dead page says the network works.
        let dead_pages: Vec<Observation> = (0..6)
            .map(|_| seen(Signal::gone(Reason::Http(404), "404"), Some(404)))
            .collect();
        assert!(!assess(&dead_pages, &settings).unavailable);
    }
}
