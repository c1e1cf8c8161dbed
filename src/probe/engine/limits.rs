//! How many requests may be in flight, and how often one host is asked.
//!
//! A slot is taken for one attempt (connect, headers, body) and given back
//! before any backoff sleep, so waiting never holds capacity. Per host there
//! is a concurrency limit and a minimum interval between the starts of two
//! requests (politeness); across hosts a global limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Held for the duration of one attempt.
pub struct Slot {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

pub struct Limits {
    global: Arc<Semaphore>,
    per_host: usize,
    interval: Duration,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
    /// Longer intervals some hosts ask for (robots.txt `Crawl-delay`, a
    /// platform's documented pace), by authority.
    slower: Mutex<HashMap<String, Duration>>,
}

struct HostGate {
    slots: Arc<Semaphore>,
    /// When the last request to this host started (or is due to start).
    last_start: Mutex<Option<Instant>>,
}

impl Limits {
    pub fn new(global: usize, per_host: usize, interval: Duration) -> Limits {
        Limits {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            interval,
            hosts: Mutex::new(HashMap::new()),
            slower: Mutex::new(HashMap::new()),
        }
    }

    /// Spaces the requests to `host` (`host:port`) by at least `interval`,
    /// when that is longer than the configured one.
    pub fn slow_down(&self, host: &str, interval: Duration) {
        let mut slower = self.slower.lock().unwrap_or_else(|e| e.into_inner());
        let entry = slower.entry(host.to_owned()).or_insert(interval);
        *entry = (*entry).max(interval);
    }

    /// The interval between two requests to `host`.
    pub fn interval_for(&self, host: &str) -> Duration {
        let slower = self.slower.lock().unwrap_or_else(|e| e.into_inner());
        slower
            .get(host)
            .map_or(self.interval, |asked| (*asked).max(self.interval))
    }

    /// Waits for a per-host slot, the host's politeness interval, then a
    /// global slot. `host` is the authority (`host:port`).
    pub async fn acquire(&self, host: &str) -> Slot {
        let gate = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts
                .entry(host.to_owned())
                .or_insert_with(|| {
                    Arc::new(HostGate {
                        slots: Arc::new(Semaphore::new(self.per_host)),
                        last_start: Mutex::new(None),
                    })
                })
                .clone()
        };
        let host_permit = gate
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the host semaphore is never closed");
        let start = {
            // The interval is asked now, so one a host set meanwhile (its
            // robots.txt Crawl-delay) spaces the very next request.
            let interval = self.interval_for(host);
            let mut last = gate.last_start.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let start = last.map_or(now, |at| (at + interval).max(now));
            *last = Some(start);
            start
        };
        tokio::time::sleep_until(start).await;
        let global_permit = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("the global semaphore is never closed");
        Slot {
            _host: host_permit,
            _global: global_permit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced_by_the_interval() {
        let limits = Arc::new(Limits::new(8, 8, Duration::from_millis(250)));
        let t0 = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..4 {
            let _slot = limits.acquire("a.test:443").await;
            starts.push(t0.elapsed().as_millis());
        }
        assert_eq!(starts, vec![0, 250, 500, 750]);
        let _other = limits.acquire("b.test:443").await;
        assert_eq!(t0.elapsed().as_millis(), 750, "another host does not wait");
    }

    #[tokio::test(start_paused = true)]
    async fn per_host_slots_are_limited() {
        let limits = Arc::new(Limits::new(8, 2, Duration::ZERO));
        let a = limits.acquire("h:80").await;
        let _b = limits.acquire("h:80").await;
        let third = tokio::time::timeout(Duration::from_secs(1), limits.acquire("h:80")).await;
        assert!(third.is_err(), "a third slot must wait");
        drop(a);
        let third = tokio::time::timeout(Duration::from_secs(1), limits.acquire("h:80")).await;
        assert!(third.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_host_that_asks_for_more_time_gets_it() {
        let limits = Arc::new(Limits::new(8, 8, Duration::from_millis(100)));
        limits.slow_down("slow.test:443", Duration::from_secs(2));
        let t0 = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..3 {
            let _slot = limits.acquire("slow.test:443").await;
            starts.push(t0.elapsed().as_millis());
        }
        assert_eq!(starts, vec![0, 2000, 4000]);
        limits.slow_down("slow.test:443", Duration::from_millis(10));
        assert_eq!(
            limits.interval_for("slow.test:443"),
            Duration::from_secs(2),
            "never faster"
        );
        assert_eq!(
            limits.interval_for("other.test:443"),
            Duration::from_millis(100)
        );
    }
}
