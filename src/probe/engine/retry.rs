//! When to try again, and how long to wait first. Pure; takes `now`.

use std::time::Duration;

use jiff::Timestamp;
use jiff::fmt::rfc2822::DateTimeParser;

/// The wait before attempt `attempt` (1 for the first retry): `base * 2^(attempt-1)`,
/// plus or minus up to a quarter of it as jitter. `unit` is a random number in [0, 1).
pub fn backoff(base: Duration, attempt: u32, unit: f64) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let jitter = exp.as_secs_f64() * 0.25 * (unit * 2.0 - 1.0);
    Duration::from_secs_f64((exp.as_secs_f64() + jitter).max(0.0))
}

/// What a Retry-After header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Wait this long (zero when the date is already past).
    Wait(Duration),
    /// Unparseable: fall back to our own backoff.
    Garbage,
}

/// Parses Retry-After as delta-seconds or an HTTP date, relative to `now`.
pub fn parse_retry_after(value: &str, now: Timestamp) -> RetryAfter {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long numbers saturate instead of failing.
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return RetryAfter::Wait(Duration::from_secs(secs));
    }
    match DateTimeParser::new()
        .relaxed_weekday(true)
        .parse_timestamp(value)
    {
        Ok(at) => {
            let secs = at.as_second().saturating_sub(now.as_second()).max(0);
            RetryAfter::Wait(Duration::from_secs(secs.unsigned_abs()))
        }
        Err(_) => RetryAfter::Garbage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        let base = Duration::from_millis(100);
        assert_eq!(backoff(base, 1, 0.5), Duration::from_millis(100));
        assert_eq!(backoff(base, 2, 0.5), Duration::from_millis(200));
        assert_eq!(backoff(base, 3, 0.5), Duration::from_millis(400));
        assert_eq!(backoff(base, 3, 0.0), Duration::from_millis(300));
        assert!(backoff(base, 3, 0.999) < Duration::from_millis(500));
        assert!(
            backoff(base, 200, 0.5) > Duration::ZERO,
            "huge attempts do not overflow"
        );
    }

    #[test]
    fn retry_after_in_seconds_dates_and_garbage() {
        let now: Timestamp = "2026-11-26T20:00:00Z".parse().unwrap();
        assert_eq!(
            parse_retry_after("7", now),
            RetryAfter::Wait(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("1000000000", now),
            RetryAfter::Wait(Duration::from_secs(1_000_000_000))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            RetryAfter::Wait(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Thu, 26 Nov 2026 20:00:30 GMT", now),
            RetryAfter::Wait(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT", now),
            RetryAfter::Wait(Duration::from_secs(2_306_721_600))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 20:00:00 GMT", now),
            RetryAfter::Wait(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), RetryAfter::Garbage);
        assert_eq!(parse_retry_after("-5", now), RetryAfter::Garbage);
        assert_eq!(parse_retry_after("", now), RetryAfter::Garbage);
    }
}
