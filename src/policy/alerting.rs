//! Alerting: which status transitions across runs alert (hysteresis, flapping,
//! degraded runs, reminders, snoozes). Pure; takes the previous state and `now`.
