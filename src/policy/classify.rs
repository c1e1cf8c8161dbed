//! Classification: the observations of one entry -> one verdict. Pure; takes
//! `now`, touches no I/O.
//!
//! Each observation is judged on its own first (`judge_url`): its signal gives
//! a status and a stable reason code. The entry's verdict then combines them:
//!
//! - **Which URLs decide.** Repository, landing, download and DOI links are the
//!   resource; a paper link only describes it. When an entry has any checked
//!   non-paper URL, only those decide, and problems with paper links are named
//!   in the message without changing the status. An entry with only paper links
//!   is decided by them.
//! - **The worst deciding URL wins**, in the order dead > moved > archived >
//!   failing > unknown > blocked > ok (ties: the URL listed first). A dead
//!   download link is a broken entry even when the landing page answers.
//! - **Stale** is judged only when every deciding URL is ok: the newest
//!   last-update date among them is compared with the entry's
//!   `stale_after_days`, else the catalog's. A frozen entry is never stale; an
//!   entry without any date stays ok ("no date" is not evidence of neglect).
//! - **Exemptions keep the true status and reason code.** An active exemption
//!   that covers the status and the deciding URL is named in the message, and
//!   [`exemption`] reports it, so `check` can leave it out of its pass/fail gate
//!   and the alerting can stay silent, while every report still shows the truth.
//!
//! Reason codes are stable: `alive`, `not-modified`, `last-update-too-old`,
//! `redirect-permanent`, `<platform>-renamed`, `<platform>-archived`,
//! `http-<status>`, `rate-limited`, `needs-credentials`,
//! `refused-by-address-policy`, `not-checked`, or the code a provider put at
//! the start of its `why` text (`github-disabled: ...`), or the whole `why`
//! when it is a code (`timeout`, `http-404`).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::catalog::Entry;
use crate::catalog::entry::{Exemption, Maintenance, UrlRole};
use crate::catalog::platform::Platform;
use crate::observation::{Dated, Observation, ResourceCheck, Signal, Status, Verdict};
use crate::policy::PolicySettings;

/// One URL's status and reason, before the entry's URLs are combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlVerdict {
    pub status: Status,
    pub reason: String,
    pub detail: String,
}

/// The status one observation shows on its own.
pub fn judge_url(observation: &Observation) -> UrlVerdict {
    let http = observation.http_status;
    let verdict = |status: Status, reason: String, detail: String| UrlVerdict {
        status,
        reason,
        detail,
    };
    match &observation.signal {
        Signal::Alive => verdict(
            Status::Ok,
            "alive".into(),
            match http {
                Some(code) => format!("answered {code}"),
                None => "answered".into(),
            },
        ),
        Signal::NotModified => verdict(
            Status::Ok,
            "not-modified".into(),
            "unchanged since the last run (304)".into(),
        ),
        Signal::Moved { to } => verdict(
            Status::Moved,
            match observation.platform {
                Platform::Website => "redirect-permanent".into(),
                platform => format!("{}-renamed", code_prefix(platform)),
            },
            format!("moved to {to}"),
        ),
        Signal::Archived { field } => verdict(
            Status::Archived,
            format!("{}-archived", code_prefix(observation.platform)),
            format!("marked read-only by the platform ({field})"),
        ),
        Signal::Gone { why } => {
            let (code, text) = split_code(why, http, "gone");
            verdict(Status::Dead, code, text)
        }
        Signal::Blocked { why } => {
            let (code, text) = split_code(why, None, "blocked");
            verdict(Status::Blocked, code, text)
        }
        Signal::Transient { why } => {
            let (code, text) = split_code(why, http, "transient");
            verdict(Status::Failing, code, text)
        }
        Signal::RateLimited { retry_at } => verdict(
            Status::Unknown,
            "rate-limited".into(),
            match retry_at {
                Some(at) => format!("the platform rate-limited us until {at}; not a verdict"),
                None => "the platform rate-limited us; not a verdict".into(),
            },
        ),
        Signal::NeedsCredentials { variable } => verdict(
            Status::Unknown,
            "needs-credentials".into(),
            format!("the platform's API needs credentials: set {variable}"),
        ),
        Signal::Refused { why } => verdict(
            Status::Unknown,
            "refused-by-address-policy".into(),
            format!("not probed: {why}"),
        ),
    }
}

/// The platform's name as reason codes spell it (the providers' own codes use
/// the same words: `huggingface-not-found`, `huggingface-renamed`).
fn code_prefix(platform: Platform) -> &'static str {
    match platform {
        Platform::GitHub => "github",
        Platform::GitLab => "gitlab",
        Platform::Kaggle => "kaggle",
        Platform::Zenodo => "zenodo",
        Platform::Figshare => "figshare",
        Platform::HuggingFace => "huggingface",
        Platform::Osf => "osf",
        Platform::Dataverse => "dataverse",
        Platform::MendeleyData => "mendeley",
        Platform::Doi => "doi",
        Platform::Website => "website",
    }
}

/// A reason code: the whole `why` when it is one (`timeout`), else its start
/// ("code: text"), else the HTTP status, else `fallback`.
fn split_code(why: &str, http: Option<u16>, fallback: &str) -> (String, String) {
    let is_code = |text: &str| {
        !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if is_code(why) {
        return (why.to_owned(), why.to_owned());
    }
    if let Some((code, text)) = why.split_once(": ")
        && is_code(code)
    {
        return (code.to_owned(), text.to_owned());
    }
    let code = http.map_or_else(|| fallback.to_owned(), |s| format!("http-{s}"));
    (code, why.to_owned())
}

/// Severity for combining URLs: the highest wins.
fn rank(status: Status) -> u8 {
    match status {
        Status::Ok => 0,
        Status::Stale => 1,
        Status::Blocked => 2,
        Status::Unknown => 3,
        Status::Failing => 4,
        Status::Archived => 5,
        Status::Moved => 6,
        Status::Dead => 7,
    }
}

fn role_of(entry: &Entry, url: &str) -> Option<UrlRole> {
    entry
        .urls
        .iter()
        .find(|u| u.url.as_str() == url)
        .map(|u| u.role)
}

/// The observations that decide the entry's status (see the module docs).
fn deciding<'o>(entry: &Entry, observations: &'o [Observation]) -> Vec<&'o Observation> {
    let primary: Vec<&Observation> = observations
        .iter()
        .filter(|o| role_of(entry, &o.url) != Some(UrlRole::Paper))
        .collect();
    if primary.is_empty() {
        observations.iter().collect()
    } else {
        primary
    }
}

/// The newest last-update date among `observations`, with its observation.
fn newest<'o>(observations: &[&'o Observation]) -> Option<(&'o Observation, &'o Dated)> {
    observations
        .iter()
        .filter_map(|o| o.last_updated.as_ref().map(|d| (*o, d)))
        .fold(
            None,
            |best: Option<(&Observation, &Dated)>, (o, d)| match best {
                Some((_, b)) if b.at >= d.at => best,
                _ => Some((o, d)),
            },
        )
}

fn day(at: Timestamp) -> jiff::civil::Date {
    at.to_zoned_datetime(TimeZone::UTC).date()
}

/// The entry's verdict from the observations of its checked URLs.
pub fn classify(
    entry: &Entry,
    observations: &[Observation],
    settings: &PolicySettings,
    now: Timestamp,
) -> Verdict {
    let deciders = deciding(entry, observations);
    let judged: Vec<(&Observation, UrlVerdict)> =
        deciders.iter().map(|o| (*o, judge_url(o))).collect();
    let worst = judged.iter().fold(
        None::<&(&Observation, UrlVerdict)>,
        |best, item| match best {
            Some((_, b)) if rank(b.status) >= rank(item.1.status) => best,
            _ => Some(item),
        },
    );
    let Some((worst_obs, worst)) = worst else {
        return Verdict {
            status: Status::Unknown,
            reason: "not-checked".into(),
            message: "no URL of this entry was checked (every URL has check: false)".into(),
            decided_by: None,
        };
    };

    let mut verdict = if worst.status == Status::Ok {
        freshness(entry, &deciders, worst_obs, worst, settings, now)
    } else {
        Verdict {
            status: worst.status,
            reason: worst.reason.clone(),
            message: format!("{}: {}", worst_obs.url, worst.detail),
            decided_by: Some(worst_obs.url.clone()),
        }
    };

    // Problems of links that do not decide (papers) are named, not judged.
    for other in observations
        .iter()
        .filter(|o| !deciders.iter().any(|d| std::ptr::eq(*d, *o)))
    {
        let seen = judge_url(other);
        if seen.status != Status::Ok {
            verdict.message.push_str(&format!(
                "; also {} is {} ({})",
                other.url, seen.status, seen.reason
            ));
        }
    }
    if let Some(exempt) = exemption(entry, &verdict, now) {
        verdict.message.push_str(&format!(
            " [exempted as {} until {}: {}]",
            match exempt.kind {
                crate::catalog::entry::ExemptionKind::FalseAlarm => "a false alarm",
                crate::catalog::entry::ExemptionKind::Snooze => "snoozed",
            },
            exempt.expires,
            exempt.reason
        ));
    }
    verdict
}

fn freshness(
    entry: &Entry,
    deciders: &[&Observation],
    first: &Observation,
    alive: &UrlVerdict,
    settings: &PolicySettings,
    now: Timestamp,
) -> Verdict {
    let newer_versions: Vec<&str> = deciders
        .iter()
        .flat_map(|o| &o.evidence)
        .filter_map(|fact| fact.strip_prefix("newer version: "))
        .collect();
    let mut verdict = match newest(deciders) {
        None => Verdict {
            status: Status::Ok,
            reason: alive.reason.clone(),
            message: format!("{}: {}; no last-update date known", first.url, alive.detail),
            decided_by: Some(first.url.clone()),
        },
        Some((observation, dated)) => {
            let days = entry.stale_after_days.unwrap_or(settings.stale_after_days);
            let age_days = now.duration_since(dated.at).as_secs() / 86_400;
            let frozen = entry.maintenance == Maintenance::Frozen;
            if !frozen && age_days > i64::from(days) {
                Verdict {
                    status: Status::Stale,
                    reason: "last-update-too-old".into(),
                    message: format!(
                        "{}: last updated {} ({}), {age_days} days ago; the threshold is {days} days",
                        observation.url,
                        day(dated.at),
                        dated.source
                    ),
                    decided_by: Some(observation.url.clone()),
                }
            } else {
                Verdict {
                    status: Status::Ok,
                    reason: judge_url(observation).reason,
                    message: format!(
                        "{}: alive, last updated {} ({}){}",
                        observation.url,
                        day(dated.at),
                        dated.source,
                        if frozen { "; frozen, never stale" } else { "" }
                    ),
                    decided_by: Some(observation.url.clone()),
                }
            }
        }
    };
    for newer in newer_versions {
        verdict
            .message
            .push_str(&format!("; a newer version exists: {newer}"));
    }
    verdict
}

/// The active exemption that covers `verdict` today, if any. Ok needs none.
pub fn exemption<'e>(entry: &'e Entry, verdict: &Verdict, now: Timestamp) -> Option<&'e Exemption> {
    if verdict.status == Status::Ok {
        return None;
    }
    let url = url::Url::parse(verdict.decided_by.as_deref()?).ok()?;
    let today = day(now);
    entry
        .exemptions
        .iter()
        .find(|e| e.covers(verdict.status, &url, today))
}

/// The verdict and the decisive facts of one entry, flattened for reports.
pub fn judge(
    entry: &Entry,
    observations: Vec<Observation>,
    settings: &PolicySettings,
    now: Timestamp,
) -> ResourceCheck {
    let verdict = classify(entry, &observations, settings, now);
    let decided = verdict
        .decided_by
        .as_deref()
        .and_then(|url| observations.iter().find(|o| o.url == url));
    let dated = newest(&deciding(entry, &observations)).map(|(_, d)| d.clone());
    let moved_to = match decided.map(|o| &o.signal) {
        Some(Signal::Moved { to }) if verdict.status == Status::Moved => Some(to.clone()),
        _ => None,
    };
    ResourceCheck {
        id: entry.id.clone(),
        status: verdict.status,
        reason: verdict.reason,
        message: verdict.message,
        http_status: decided.and_then(|o| o.http_status),
        final_url: decided.and_then(|o| o.final_url.clone()),
        moved_to,
        last_updated: dated.as_ref().map(|d| d.at),
        last_updated_source: dated.map(|d| d.source),
        checked_at: observations
            .iter()
            .map(|o| o.checked_at)
            .min()
            .unwrap_or(now),
        duration_ms: observations.iter().map(|o| o.duration_ms).sum(),
        observations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::entry::{
        Access, ExemptionKind, Flag, License, LicenseStatus, Modalities, Provenance, ResourceKind,
        ResourceUrl,
    };
    use proptest::prelude::*;

    const NOW: &str = "2026-11-26T20:00:00Z";
    const REPO: &str = "https://github.com/o/r";
    const PAGE: &str = "https://example.org/data";
    const PAPER: &str = "https://arxiv.org/abs/2003.11597";

    fn now() -> Timestamp {
        NOW.parse().unwrap()
    }

    fn entry(urls: &[(&str, UrlRole)]) -> Entry {
        let flag = Flag::U;
        Entry {
            id: "x".into(),
            name: "X".into(),
            description: "d".into(),
            kind: ResourceKind::Imaging,
            urls: urls
                .iter()
                .map(|(url, role)| ResourceUrl {
                    url: url::Url::parse(url).unwrap(),
                    role: *role,
                    check: true,
                    note: None,
                })
                .collect(),
            modalities: Modalities {
                ct: flag,
                xray: flag,
                mrt: flag,
                ultrasound: flag,
                metadata: flag,
                case_review: flag,
            },
            access: Access::Open,
            license: License {
                spdx: None,
                name: None,
                url: None,
                status: LicenseStatus::Unknown,
            },
            maintenance: Maintenance::Active,
            stale_after_days: None,
            provenance: Provenance {
                survey_reference: None,
                last_verified: "2026-11-26".parse().unwrap(),
                verified_against: "test".into(),
                live_checked: false,
                claims: Vec::new(),
            },
            exemptions: Vec::new(),
        }
    }

    fn seen(url: &str, signal: Signal, updated_days_ago: Option<i64>) -> Observation {
        Observation {
            url: url.into(),
            platform: crate::catalog::platform::Target::from_url(&url::Url::parse(url).unwrap())
                .platform(),
            signal,
            http_status: Some(200),
            final_url: Some(url.into()),
            redirects: Vec::new(),
            last_updated: updated_days_ago.map(|days| Dated {
                at: now() - jiff::SignedDuration::from_hours(24 * days),
                source: "test:date".into(),
            }),
            validators: Default::default(),
            fingerprint: None,
            evidence: Vec::new(),
            checked_at: now(),
            duration_ms: 5,
        }
    }

    fn gone(url: &str, why: &str, http: u16) -> Observation {
        let mut o = seen(url, Signal::Gone { why: why.into() }, None);
        o.http_status = Some(http);
        o
    }

    fn verdict(entry: &Entry, observations: &[Observation]) -> Verdict {
        classify(entry, observations, &PolicySettings::default(), now())
    }

    #[test]
    fn a_fresh_repository_is_ok_and_names_its_date() {
        let e = entry(&[(REPO, UrlRole::Repository)]);
        let v = verdict(&e, &[seen(REPO, Signal::Alive, Some(10))]);
        assert_eq!((v.status, v.reason.as_str()), (Status::Ok, "alive"));
        assert_eq!(
            v.message,
            "https://github.com/o/r: alive, last updated 2026-11-16 (test:date)"
        );
        assert_eq!(v.decided_by.as_deref(), Some(REPO));
    }

    #[test]
    fn an_old_update_is_stale_unless_frozen_and_entries_override_the_threshold() {
        let mut e = entry(&[(REPO, UrlRole::Repository)]);
        let old = [seen(REPO, Signal::Alive, Some(400))];
        let v = verdict(&e, &old);
        assert_eq!(
            (v.status, v.reason.as_str()),
            (Status::Stale, "last-update-too-old")
        );
        assert!(
            v.message
                .contains("400 days ago; the threshold is 365 days"),
            "{}",
            v.message
        );
        e.stale_after_days = Some(500);
        assert_eq!(verdict(&e, &old).status, Status::Ok);
        e.stale_after_days = Some(30);
        e.maintenance = Maintenance::Frozen;
        let v = verdict(&e, &old);
        assert_eq!(v.status, Status::Ok);
        assert!(v.message.ends_with("frozen, never stale"), "{}", v.message);
    }

    #[test]
    fn reason_codes_come_from_the_provider_or_the_http_status() {
        let e = entry(&[(REPO, UrlRole::Repository)]);
        let v = verdict(
            &e,
            &[gone(REPO, "github-disabled: GitHub has disabled it", 200)],
        );
        assert_eq!(
            (v.status, v.reason.as_str()),
            (Status::Dead, "github-disabled")
        );
        assert_eq!(v.message, "https://github.com/o/r: GitHub has disabled it");
        let v = verdict(&e, &[gone(REPO, "the API answered 410", 410)]);
        assert_eq!(v.reason, "http-410");
        let mut limited = seen(REPO, Signal::RateLimited { retry_at: None }, None);
        limited.http_status = Some(403);
        let v = verdict(&e, &[limited]);
        assert_eq!(
            (v.status, v.reason.as_str()),
            (Status::Unknown, "rate-limited")
        );
    }

    #[test]
    fn a_dead_paper_link_alone_does_not_kill_the_entry() {
        let e = entry(&[(REPO, UrlRole::Repository), (PAPER, UrlRole::Paper)]);
        let v = verdict(
            &e,
            &[
                seen(REPO, Signal::Alive, Some(3)),
                gone(PAPER, "the API answered 404", 404),
            ],
        );
        assert_eq!(v.status, Status::Ok);
        assert!(
            v.message
                .ends_with("; also https://arxiv.org/abs/2003.11597 is dead (http-404)"),
            "{}",
            v.message
        );
        // An entry that is only a paper is decided by it.
        let e = entry(&[(PAPER, UrlRole::Paper)]);
        assert_eq!(verdict(&e, &[gone(PAPER, "x", 404)]).status, Status::Dead);
    }

    #[test]
    fn the_worst_deciding_url_wins() {
        let e = entry(&[(PAGE, UrlRole::Landing), (REPO, UrlRole::Repository)]);
        let moved = seen(
            REPO,
            Signal::Moved {
                to: "https://github.com/n/r".into(),
            },
            Some(1),
        );
        let v = verdict(&e, &[seen(PAGE, Signal::Alive, None), moved.clone()]);
        assert_eq!(
            (v.status, v.reason.as_str()),
            (Status::Moved, "github-renamed")
        );
        let check = judge(
            &e,
            vec![seen(PAGE, Signal::Alive, None), moved],
            &PolicySettings::default(),
            now(),
        );
        assert_eq!(check.moved_to.as_deref(), Some("https://github.com/n/r"));
        assert_eq!(check.duration_ms, 10);
    }

    #[test]
    fn exemptions_keep_the_status_and_say_so() {
        let mut e = entry(&[(REPO, UrlRole::Repository)]);
        e.exemptions.push(Exemption {
            kind: ExemptionKind::FalseAlarm,
            statuses: vec![Status::Dead],
            url: None,
            reason: "GitHub outage".into(),
            expires: "2026-12-01".parse().unwrap(),
        });
        let dead = [gone(REPO, "x", 404)];
        let v = verdict(&e, &dead);
        assert_eq!(v.status, Status::Dead);
        assert!(
            v.message
                .ends_with("[exempted as a false alarm until 2026-12-01: GitHub outage]")
        );
        assert!(exemption(&e, &v, now()).is_some());
        let later: Timestamp = "2026-12-02T00:00:00Z".parse().unwrap();
        let v = classify(&e, &dead, &PolicySettings::default(), later);
        assert!(exemption(&e, &v, later).is_none(), "expired");
    }

    #[test]
    fn no_checked_url_is_unknown() {
        let e = entry(&[(REPO, UrlRole::Repository)]);
        let v = verdict(&e, &[]);
        assert_eq!(
            (v.status, v.reason.as_str()),
            (Status::Unknown, "not-checked")
        );
    }

    fn any_signal() -> impl Strategy<Value = Signal> {
        prop_oneof![
            Just(Signal::Alive),
            Just(Signal::NotModified),
            Just(Signal::Moved {
                to: "https://example.org/new".into()
            }),
            Just(Signal::Archived {
                field: "archived".into()
            }),
            Just(Signal::Gone { why: "gone".into() }),
            Just(Signal::Blocked {
                why: "bot-wall: challenge".into()
            }),
            Just(Signal::Transient {
                why: "timeout: slow".into()
            }),
            Just(Signal::RateLimited { retry_at: None }),
            Just(Signal::NeedsCredentials {
                variable: "KAGGLE_KEY".into()
            }),
            Just(Signal::Refused {
                why: "loopback".into()
            }),
        ]
    }

    const URLS: [(&str, UrlRole); 4] = [
        (REPO, UrlRole::Repository),
        (PAGE, UrlRole::Landing),
        ("https://zenodo.org/records/1", UrlRole::Doi),
        (PAPER, UrlRole::Paper),
    ];

    /// Signals with their dates' ages in days, the entry's threshold, frozen.
    type Case = (Vec<(Signal, Option<i64>)>, Option<u32>, bool);

    fn any_case() -> impl Strategy<Value = Case> {
        (
            proptest::collection::vec((any_signal(), proptest::option::of(0i64..2000)), 4),
            proptest::option::of(1u32..1000),
            any::<bool>(),
        )
    }

    fn build(case: &Case) -> (Entry, Vec<Observation>) {
        let (signals, days, frozen) = case;
        let mut e = entry(&URLS);
        e.stale_after_days = *days;
        if *frozen {
            e.maintenance = Maintenance::Frozen;
        }
        let observations = URLS
            .iter()
            .zip(signals)
            .map(|((url, _), (signal, age))| seen(url, signal.clone(), *age))
            .collect();
        (e, observations)
    }

    proptest! {
        #[test]
        fn verdicts_are_decided_by_a_checked_url_and_ignore_order(case in any_case(), rotate in 0usize..4) {
            let (e, observations) = build(&case);
            let v = verdict(&e, &observations);
            let decided = v.decided_by.clone().unwrap();
            prop_assert!(observations.iter().any(|o| o.url == decided));
            prop_assert!(!v.reason.is_empty() && !v.message.is_empty());
            let mut rotated = observations.clone();
            rotated.rotate_left(rotate);
            prop_assert_eq!(verdict(&e, &rotated).status, v.status);
        }

        #[test]
        fn dead_needs_a_gone_deciding_url_and_one_always_suffices(case in any_case()) {
            let (e, observations) = build(&case);
            let v = verdict(&e, &observations);
            let deciding_gone = observations[..3].iter().any(|o| matches!(o.signal, Signal::Gone { .. }));
            prop_assert_eq!(v.status == Status::Dead, deciding_gone);
        }

        #[test]
        fn rate_limits_and_missing_credentials_never_make_dead_or_stale(case in any_case()) {
            let (e, mut observations) = build(&case);
            for o in &mut observations {
                if matches!(o.signal, Signal::Gone { .. }) {
                    o.signal = Signal::RateLimited { retry_at: None };
                }
            }
            prop_assert_ne!(verdict(&e, &observations).status, Status::Dead);
        }

        #[test]
        fn stale_exactly_when_all_deciders_ok_and_newest_date_too_old(case in any_case()) {
            let (e, observations) = build(&case);
            let v = verdict(&e, &observations);
            let deciders = &observations[..3];
            let all_ok = deciders.iter().all(|o| judge_url(o).status == Status::Ok);
            let newest = deciders.iter().filter_map(|o| o.last_updated.as_ref()).map(|d| d.at).max();
            let limit = i64::from(e.stale_after_days.unwrap_or(365));
            let too_old = newest.is_some_and(|at| now().duration_since(at).as_secs() / 86_400 > limit);
            let frozen = e.maintenance == Maintenance::Frozen;
            prop_assert_eq!(v.status == Status::Stale, all_ok && too_old && !frozen);
            prop_assert_eq!(v.status == Status::Ok, all_ok && (frozen || !too_old));
        }
    }
}
