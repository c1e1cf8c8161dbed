//! The outbox: alerts decided but not yet delivered, and the bookkeeping that
//! makes delivery at-most-once per alert and channel. Pure: the monitor does
//! the sending and hands the outcome back here.
//!
//! An alert enters the outbox (and the state is saved) before any send. A
//! success or a permanent refusal is recorded in `deliveries` and the channel
//! leaves the item's `pending` list; a transient failure leaves it pending
//! for the next run. An alert already recorded for a channel is never handed
//! to that channel again.

use jiff::Timestamp;

use super::model::{Channel, DeliveryOutcome, DeliveryRecord, OutboxItem, State};
use crate::notify::DeliveryError;
use crate::policy::Alert;

/// Puts new alerts into the outbox for every channel. Alerts whose key is
/// already queued are ignored (a rerun after a crash decides the same keys).
pub fn enqueue(state: &mut State, alerts: &[Alert], channels: &[Channel]) {
    if channels.is_empty() {
        return;
    }
    for alert in alerts {
        if state.outbox.iter().any(|item| item.alert.key == alert.key) {
            continue;
        }
        let pending: Vec<Channel> = channels
            .iter()
            .copied()
            .filter(|c| !state.was_handled(&alert.key, *c))
            .collect();
        if !pending.is_empty() {
            state.outbox.push(OutboxItem {
                alert: alert.clone(),
                pending,
                attempts: 0,
                last_error: None,
            });
        }
    }
}

/// The alerts waiting for `channel`, oldest first. Alerts already handled on
/// that channel are dropped from its pending list instead.
pub fn due(state: &mut State, channel: Channel) -> Vec<Alert> {
    let handled: Vec<String> = state
        .outbox
        .iter()
        .filter(|i| i.pending.contains(&channel) && state.was_handled(&i.alert.key, channel))
        .map(|i| i.alert.key.clone())
        .collect();
    for item in &mut state.outbox {
        if handled.contains(&item.alert.key) {
            item.pending.retain(|c| *c != channel);
        }
    }
    state.outbox.retain(|i| !i.pending.is_empty());
    state
        .outbox
        .iter()
        .filter(|i| i.pending.contains(&channel))
        .map(|i| i.alert.clone())
        .collect()
}

/// Records the outcome of handing `keys` to `channel`.
pub fn record(
    state: &mut State,
    channel: Channel,
    keys: &[String],
    outcome: &Result<(), DeliveryError>,
    now: Timestamp,
) {
    for item in state
        .outbox
        .iter_mut()
        .filter(|i| keys.contains(&i.alert.key))
    {
        item.attempts += 1;
        match outcome {
            Err(DeliveryError::Transient(why)) => item.last_error = Some(why.clone()),
            Ok(()) | Err(DeliveryError::Permanent(_)) => {
                item.pending.retain(|c| *c != channel);
            }
        }
    }
    let (result, error) = match outcome {
        Ok(()) => (DeliveryOutcome::Delivered, None),
        Err(DeliveryError::Permanent(why)) => (DeliveryOutcome::Failed, Some(why.clone())),
        Err(DeliveryError::Transient(_)) => return,
    };
    for key in keys {
        state.push_delivery(DeliveryRecord {
            key: key.clone(),
            channel,
            outcome: result,
            at: now,
            error: error.clone(),
        });
    }
    state.outbox.retain(|i| !i.pending.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(key: &str) -> Alert {
        Alert::sample(key, now())
    }

    fn now() -> Timestamp {
        "2026-11-26T03:00:00Z".parse().unwrap()
    }

    fn keys(alerts: &[Alert]) -> Vec<String> {
        alerts.iter().map(|a| a.key.clone()).collect()
    }

    #[test]
    fn transient_failure_keeps_the_alert_for_the_next_run() {
        let mut state = State::default();
        enqueue(&mut state, &[alert("k1")], &[Channel::Email]);
        let due1 = due(&mut state, Channel::Email);
        record(
            &mut state,
            Channel::Email,
            &keys(&due1),
            &Err(DeliveryError::Transient("451".into())),
            now(),
        );
        assert_eq!(state.outbox.len(), 1);
        assert_eq!(state.outbox[0].attempts, 1);
        assert_eq!(state.outbox[0].last_error.as_deref(), Some("451"));
        enqueue(&mut state, &[alert("k2")], &[Channel::Email]);
        let due2 = due(&mut state, Channel::Email);
        assert_eq!(keys(&due2), ["k1", "k2"], "the old one first, once");
        record(&mut state, Channel::Email, &keys(&due2), &Ok(()), now());
        assert!(state.outbox.is_empty());
        assert_eq!(state.deliveries.len(), 2);
    }

    #[test]
    fn permanent_failure_is_recorded_and_not_retried() {
        let mut state = State::default();
        enqueue(&mut state, &[alert("k1")], &[Channel::Email]);
        let due1 = due(&mut state, Channel::Email);
        record(
            &mut state,
            Channel::Email,
            &keys(&due1),
            &Err(DeliveryError::Permanent("550".into())),
            now(),
        );
        assert!(state.outbox.is_empty());
        assert_eq!(state.deliveries[0].outcome, DeliveryOutcome::Failed);
        assert_eq!(state.deliveries[0].error.as_deref(), Some("550"));
        assert!(due(&mut state, Channel::Email).is_empty());
    }

    #[test]
    fn an_alert_is_never_handed_to_a_channel_twice() {
        let mut state = State::default();
        enqueue(
            &mut state,
            &[alert("k1")],
            &[Channel::Email, Channel::GithubIssues],
        );
        enqueue(&mut state, &[alert("k1")], &[Channel::Email]);
        assert_eq!(state.outbox.len(), 1, "the same key is queued once");
        let due1 = due(&mut state, Channel::Email);
        record(&mut state, Channel::Email, &keys(&due1), &Ok(()), now());
        assert_eq!(state.outbox[0].pending, [Channel::GithubIssues]);
        assert!(due(&mut state, Channel::Email).is_empty());
        // Decided again by a rerun (say, after a crash): not queued for email again.
        state.outbox.clear();
        enqueue(&mut state, &[alert("k1")], &[Channel::Email]);
        assert!(state.outbox.is_empty());
    }
}
