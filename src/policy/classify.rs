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
//! Reason codes are [`Reason`]s: the provider names one in each signal that
//! is not plainly alive, and the verdict carries the deciding URL's code.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::catalog::Entry;
use crate::catalog::entry::{Access, Exemption, Maintenance, UrlRole};

use crate::observation::{
    Dated, Finding, NewerVersion, Observation, ResourceCheck, Signal, Status, Verdict,
};
use crate::policy::PolicySettings;
use crate::reason::Reason;

/// One URL's status and reason, before the entry's URLs are combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlVerdict {
    pub status: Status,
    pub reason: Reason,
    pub detail: String,
}

/// The status one observation shows on its own. The reason is the one the
/// provider named in its signal; nothing is derived from text.
pub fn judge_url(observation: &Observation, declared: Access) -> UrlVerdict {
    let verdict = |status: Status, reason: Reason, detail: String| UrlVerdict {
        status,
        reason,
        detail,
    };
    match &observation.signal {
        Signal::Alive => verdict(
            Status::Ok,
            Reason::Alive,
            match observation.http_status {
                Some(code) => format!("answered {code}"),
                None => "answered".into(),
            },
        ),
        Signal::NotModified => verdict(
            Status::Ok,
            Reason::NotModified,
            "unchanged since the last run (304)".into(),
        ),
        Signal::Moved { reason, to } => verdict(Status::Moved, *reason, format!("moved to {to}")),
        Signal::Archived { reason, field } => verdict(
            Status::Archived,
            *reason,
            format!("marked read-only by the platform ({field})"),
        ),
        Signal::Gone { reason, why } => verdict(Status::Dead, *reason, why.clone()),
        Signal::Blocked { reason, why } => verdict(Status::Blocked, *reason, why.clone()),
        Signal::Transient { reason, why } => verdict(Status::Failing, *reason, why.clone()),
        Signal::Unsettled { reason, why } => verdict(Status::Unknown, *reason, why.clone()),
        Signal::RateLimited { retry_at } => verdict(
            Status::Unknown,
            Reason::RateLimited,
            match retry_at {
                Some(at) => format!("the platform rate-limited us until {at}; not a verdict"),
                None => "the platform rate-limited us; not a verdict".into(),
            },
        ),
        Signal::NeedsCredentials { variable } => verdict(
            Status::Unknown,
            Reason::NeedsCredentials,
            format!("the platform's API needs credentials: set {variable}"),
        ),
        Signal::Refused { why } => verdict(
            Status::Unknown,
            Reason::RefusedByAddressPolicy,
            format!("not probed: {why}"),
        ),
        // An entry that does not claim open access was right: alive.
        Signal::Restricted { reason, need, why } if declared != Access::Open => verdict(
            Status::Ok,
            *reason,
            format!(
                "{why}; the entry's access is {}, the platform asks for {}",
                declared.as_str(),
                need.as_str()
            ),
        ),
        Signal::Restricted { reason, need, why } => verdict(
            Status::Blocked,
            *reason,
            format!(
                "{why}; the entry says open access, the platform asks for {}",
                need.as_str()
            ),
        ),
    }
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
    let judged: Vec<(&Observation, UrlVerdict)> = deciders
        .iter()
        .map(|o| (*o, judge_url(o, entry.access)))
        .collect();
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
            reason: Reason::NotChecked,
            message: "no URL of this entry was checked (every URL has check: false, or is excluded by [probe] exclude, --exclude or .catwatchignore)".into(),
            decided_by: None,
        };
    };

    let mut verdict = if worst.status == Status::Ok {
        freshness(entry, &deciders, worst_obs, worst, settings, now)
    } else {
        Verdict {
            status: worst.status,
            reason: worst.reason,
            message: format!("{}: {}", worst_obs.url, worst.detail),
            decided_by: Some(worst_obs.url.clone()),
        }
    };

    // Problems of links that do not decide (papers) are named, not judged.
    for other in observations
        .iter()
        .filter(|o| !deciders.iter().any(|d| std::ptr::eq(*d, *o)))
    {
        let seen = judge_url(other, entry.access);
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
    let newer_versions: Vec<&NewerVersion> = deciders
        .iter()
        .filter_map(|o| o.newer_version.as_deref())
        .collect();
    let mut verdict = match newest(deciders) {
        None => Verdict {
            status: Status::Ok,
            reason: alive.reason,
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
                    reason: Reason::LastUpdateTooOld,
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
                    reason: judge_url(observation, entry.access).reason,
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
            .push_str(&format!("; a newer version exists: {}", newer.describe()));
        if let Some(pin) = &entry.pinned_version {
            verdict
                .message
                .push_str(&format!(" (the entry pins its version: {})", pin.reason));
        }
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

/// The first of the deciding URLs' facts that is known.
fn first_of<T>(deciders: &[&Observation], fact: impl Fn(&Observation) -> Option<T>) -> Option<T> {
    deciders.iter().find_map(|o| fact(o))
}

/// Where the platform's declared licence or access differs from the entry's.
/// A licence is compared only where both sides name one: SPDX identifiers
/// without case, else the texts as written.
fn findings(entry: &Entry, deciders: &[&Observation]) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(declared) = first_of(deciders, |o| o.license.clone()) {
        let ours = entry.license.spdx.clone().or_else(|| {
            (!declared.spdx)
                .then(|| entry.license.name.clone())
                .flatten()
        });
        if let Some(ours) = ours
            && !ours.trim().eq_ignore_ascii_case(declared.id.trim())
        {
            out.push(Finding::License {
                entry: ours,
                platform: declared.id,
            });
        }
    }
    if let Some(declared) = first_of(deciders, |o| o.access.clone())
        && declared.access != entry.access
    {
        out.push(Finding::Access {
            entry: entry.access,
            platform: declared.access,
        });
    }
    out
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
    let deciders = deciding(entry, &observations);
    let dated = newest(&deciders).map(|(_, d)| d.clone());
    let moved_to = match decided.map(|o| &o.signal) {
        Some(Signal::Moved { to, .. }) if verdict.status == Status::Moved => Some(to.clone()),
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
        version: decided.and_then(|o| o.version.clone()),
        size: decided.map(|o| o.size.clone()).unwrap_or_default(),
        newer_version: first_of(&deciders, |o| o.newer_version.clone()),
        manifest: decided
            .and_then(|o| o.manifest.clone())
            .or_else(|| first_of(&deciders, |o| o.manifest.clone())),
        license: first_of(&deciders, |o| o.license.clone()),
        access: first_of(&deciders, |o| o.access.clone()),
        findings: findings(entry, &deciders),
        archived_copy: None,
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
            pinned_version: None,
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
            newer_version: None,
            manifest: None,
            license: None,
            access: None,
            version: None,
            size: Vec::new(),
            evidence: Vec::new(),
            checked_at: now(),
            duration_ms: 5,
        }
    }

    fn gone(url: &str, reason: Reason, why: &str, http: u16) -> Observation {
        let mut o = seen(url, Signal::gone(reason, why), None);
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
    fn reason_codes_are_the_ones_the_provider_named() {
        let e = entry(&[(REPO, UrlRole::Repository)]);
        let v = verdict(
            &e,
            &[gone(
                REPO,
                Reason::GithubDisabled,
                "GitHub has disabled it",
                200,
            )],
        );
        assert_eq!((v.status, v.reason), (Status::Dead, Reason::GithubDisabled));
        assert_eq!(v.message, "https://github.com/o/r: GitHub has disabled it");
        let v = verdict(
            &e,
            &[gone(REPO, Reason::Http(410), "the API answered 410", 410)],
        );
        assert_eq!(v.reason.to_string(), "http-410");
        let spent = seen(
            REPO,
            Signal::unsettled(Reason::BudgetSpent, "the run's time budget is spent"),
            None,
        );
        let v = verdict(&e, &[spent]);
        assert_eq!((v.status, v.reason), (Status::Unknown, Reason::BudgetSpent));
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
                gone(PAPER, Reason::Http(404), "the API answered 404", 404),
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
        assert_eq!(
            verdict(&e, &[gone(PAPER, Reason::Http(404), "x", 404)]).status,
            Status::Dead
        );
    }

    #[test]
    fn the_worst_deciding_url_wins() {
        let e = entry(&[(PAGE, UrlRole::Landing), (REPO, UrlRole::Repository)]);
        let moved = seen(
            REPO,
            Signal::moved(Reason::GithubRenamed, "https://github.com/n/r"),
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
        let dead = [gone(REPO, Reason::Http(404), "x", 404)];
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
            Just(Signal::moved(
                Reason::RedirectPermanent,
                "https://example.org/new"
            )),
            Just(Signal::archived(Reason::GithubArchived, "archived")),
            Just(Signal::gone(Reason::Http(404), "gone")),
            Just(Signal::blocked(Reason::BotWall, "challenge")),
            Just(Signal::transient(Reason::Timeout, "slow")),
            Just(Signal::unsettled(Reason::BudgetSpent, "spent")),
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
            prop_assert!(!v.message.is_empty());
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
            let all_ok = deciders.iter().all(|o| judge_url(o, e.access).status == Status::Ok);
            let newest = deciders.iter().filter_map(|o| o.last_updated.as_ref()).map(|d| d.at).max();
            let limit = i64::from(e.stale_after_days.unwrap_or(365));
            let too_old = newest.is_some_and(|at| now().duration_since(at).as_secs() / 86_400 > limit);
            let frozen = e.maintenance == Maintenance::Frozen;
            prop_assert_eq!(v.status == Status::Stale, all_ok && too_old && !frozen);
            prop_assert_eq!(v.status == Status::Ok, all_ok && (frozen || !too_old));
        }
    }
}
