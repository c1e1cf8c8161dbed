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
}

struct HostGate {
    slots: Arc<Semaphore>,
    /// The earliest start of the next request to this host.
    next_start: Mutex<Option<Instant>>,
}

impl Limits {
    pub fn new(global: usize, per_host: usize, interval: Duration) -> Limits {
        Limits {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            interval,
            hosts: Mutex::new(HashMap::new()),
        }
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
                        next_start: Mutex::new(None),
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
            let mut next = gate.next_start.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let start = next.map_or(now, |at| at.max(now));
            *next = Some(start + self.interval);
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
}
