//! How many requests may be in flight, and how often one host is asked.
//!
//! A slot is taken for one attempt (connect, headers, body) and given back
//! before any backoff sleep, so waiting never holds capacity. Per host there
//! is a concurrency limit and a minimum interval between the starts of two
//! requests (politeness); across hosts a global limit.
//!
//! The requests waiting for one host go in the order of their turn (the
//! position of their URL in the run's probing order, see [`TURN`]), not in
//! the order their tasks happened to reach the gate: tasks on several
//! threads race, and a run cut short by its budget must reach the resources
//! the last run did not, whatever the threads did.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

tokio::task_local! {
    /// The turn of the probe this task runs: lower goes first at a host.
    /// Requests made outside a probe's scope queue behind every turn.
    pub static TURN: u64;
}

/// Held for the duration of one attempt.
pub struct Slot {
    _host: HostSlot,
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

#[derive(Default)]
struct HostGate {
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    in_flight: usize,
    /// When the last request to this host started.
    last_start: Option<Instant>,
    /// The requests waiting, by (turn, arrival), each with its own wake-up.
    waiting: BTreeMap<(u64, u64), Arc<Notify>>,
    arrivals: u64,
}

impl Queue {
    /// Wakes the first in line: it may be able to go now.
    fn wake_first(&self) {
        if let Some(first) = self.waiting.values().next() {
            first.notify_one();
        }
    }
}

/// One request's place at a host: counted in flight until dropped.
struct HostSlot {
    gate: Arc<HostGate>,
}

impl Drop for HostSlot {
    fn drop(&mut self) {
        let mut queue = self.gate.lock();
        queue.in_flight -= 1;
        queue.wake_first();
    }
}

/// A place in a host's line, given up if the waiting is abandoned (the
/// run's budget ran out while it waited).
struct InLine<'g> {
    gate: &'g HostGate,
    key: (u64, u64),
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        let mut queue = self.gate.lock();
        if queue.waiting.remove(&self.key).is_some() {
            queue.wake_first();
        }
    }
}

impl HostGate {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
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

    /// Waits for a per-host slot (first in line by turn, see [`TURN`]), the
    /// host's politeness interval, then a global slot. `host` is the
    /// authority (`host:port`).
    pub async fn acquire(&self, host: &str) -> Slot {
        let gate = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts.entry(host.to_owned()).or_default().clone()
        };
        let host_slot = self.wait_in_line(&gate, host).await;
        let global_permit = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("the global semaphore is never closed");
        Slot {
            _host: host_slot,
            _global: global_permit,
        }
    }

    async fn wait_in_line(&self, gate: &Arc<HostGate>, host: &str) -> HostSlot {
        let turn = TURN.try_with(|turn| *turn).unwrap_or(u64::MAX);
        let wake = Arc::new(Notify::new());
        let line = {
            let mut queue = gate.lock();
            let key = (turn, queue.arrivals);
            queue.arrivals += 1;
            queue.waiting.insert(key, wake.clone());
            InLine { gate, key }
        };
        loop {
            let due = {
                let mut queue = gate.lock();
                let first = queue.waiting.keys().next() == Some(&line.key);
                if first && queue.in_flight < self.per_host {
                    // The interval is asked now, so one a host set meanwhile
                    // (its robots.txt Crawl-delay) spaces the very next
                    // request.
                    let now = Instant::now();
                    let start = queue
                        .last_start
                        .map_or(now, |at| (at + self.interval_for(host)).max(now));
                    if start <= now {
                        queue.waiting.remove(&line.key);
                        queue.in_flight += 1;
                        queue.last_start = Some(now);
                        // The next in line may go too (more than one slot).
                        queue.wake_first();
                        drop(queue);
                        // `line` is dropped out of the line already.
                        return HostSlot { gate: gate.clone() };
                    }
                    Some(start)
                } else {
                    None
                }
            };
            match due {
                Some(start) => {
                    tokio::select! {
                        () = wake.notified() => {}
                        () = tokio::time::sleep_until(start) => {}
                    }
                }
                None => wake.notified().await,
            }
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

    /// Tasks that reach a busy host in any order go in the order of their
    /// turns; requests outside a probe go last, in the order they came.
    #[tokio::test(start_paused = true)]
    async fn a_busy_host_serves_its_line_by_turn_not_by_arrival() {
        let limits = Arc::new(Limits::new(8, 1, Duration::from_millis(100)));
        let busy = limits.acquire("h:80").await;
        let served = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for turn in [Some(3), None, Some(1), Some(2), None, Some(0)] {
            let (limits, served) = (limits.clone(), served.clone());
            let label = turn.map_or("-".to_owned(), |t: u64| t.to_string());
            let wait = async move {
                let _slot = limits.acquire("h:80").await;
                served.lock().unwrap().push(label);
            };
            tasks.push(tokio::spawn(async move {
                match turn {
                    Some(turn) => TURN.scope(turn, wait).await,
                    None => wait.await,
                }
            }));
            // Each reaches the gate before the next is spawned.
            tokio::task::yield_now().await;
        }
        drop(busy);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*served.lock().unwrap(), ["0", "1", "2", "3", "-", "-"]);
    }

    /// A request that stops waiting (its budget ran out) gives up its place
    /// and the next in line goes.
    #[tokio::test(start_paused = true)]
    async fn an_abandoned_place_in_line_passes_to_the_next() {
        let limits = Arc::new(Limits::new(8, 1, Duration::ZERO));
        let busy = limits.acquire("h:80").await;
        let first = TURN.scope(
            0,
            tokio::time::timeout(Duration::from_secs(1), limits.acquire("h:80")),
        );
        assert!(first.await.is_err(), "the host is busy");
        let later = {
            let limits = limits.clone();
            tokio::spawn(TURN.scope(1, async move {
                limits.acquire("h:80").await;
            }))
        };
        tokio::task::yield_now().await;
        drop(busy);
        tokio::time::timeout(Duration::from_secs(1), later)
            .await
            .expect("the abandoned place does not block the line")
            .unwrap();
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
