//! Sharding: `check --shard K/N` takes a stable share of the catalog, split by
//! the host each entry is probed through, so one host's requests all stay in
//! one shard and per-host politeness holds across shards.
//!
//! The unit is the entry, not the URL: an entry's verdict is judged from all
//! of its observations, so all of them must be made by one shard. An entry is
//! keyed by its *probe host*: the first URL that is checked (the catalog lists
//! the landing page or repository first), reduced to its platform for known
//! platforms (every GitHub entry goes through api.github.com, so all of them
//! share one shard, one token and one rate limit) and to the host name for
//! plain websites. The entry's other URLs (a paper on arxiv.org, a DOI) are
//! probed by the same shard, so a secondary host may be contacted by several
//! shards at once: at most N times `[probe] per_host_concurrency` requests in
//! flight to it. The split depends on nothing but the host and N, so every
//! shard (and `catwatch merge`) computes the same assignment independently.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::catalog::Entry;
use crate::catalog::platform::{Platform, Target};

/// Shard `index` of `count`, both 1-based as written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let usage =
            || format!("--shard takes K/N with 1 <= K <= N (got {text:?}), for example 2/4");
        let (k, n) = text.split_once('/').ok_or_else(usage)?;
        let index: u32 = k.trim().parse().map_err(|_| usage())?;
        let count: u32 = n.trim().parse().map_err(|_| usage())?;
        if index == 0 || count == 0 || index > count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The host an entry's probes go to: the platform's API for known platforms,
/// the URL's own host for plain websites.
pub fn probe_host(entry: &Entry) -> String {
    let Some(first) = entry.urls.iter().find(|u| u.check).or(entry.urls.first()) else {
        return String::new();
    };
    let target = Target::from_url(&first.url);
    match target.platform() {
        Platform::Website => first
            .url
            .host_str()
            .unwrap_or_default()
            .to_ascii_lowercase(),
        platform => platform.to_string(),
    }
}

/// The entries of `shard`, in their original order. Every entry lands in
/// exactly one shard, and the split depends only on the probe host.
pub fn select(entries: Vec<Entry>, shard: Shard) -> Vec<Entry> {
    entries
        .into_iter()
        .filter(|entry| assigned(entry, shard.count) == shard)
        .collect()
}

/// The shard of `count` that checks `entry`.
pub fn assigned(entry: &Entry, count: u32) -> Shard {
    Shard {
        index: shard_of(&probe_host(entry), count),
        count,
    }
}

fn shard_of(host: &str, count: u32) -> u32 {
    let digest = Sha256::digest(host.as_bytes());
    let head = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    head % count.max(1) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_syntax_is_checked() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "4", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    fn entry(id: &str, urls: &[(&str, bool)]) -> Entry {
        let urls: Vec<String> = urls
            .iter()
            .map(|(url, check)| format!(r#"{{"url":"{url}","role":"landing","check":{check}}}"#))
            .collect();
        let json = format!(
            r#"{{"id":"{id}","name":"n","description":"d","kind":"imaging","urls":[{}],
            "modalities":{{"ct":"Y","xray":"N","mrt":"N","ultrasound":"N","metadata":"U","case_review":"N"}},
            "access":"open","license":{{"status":"unknown"}},"maintenance":"unknown",
            "provenance":{{"last_verified":"2026-11-26","verified_against":"t","live_checked":false,"claims":[]}}}}"#,
            urls.join(",")
        );
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn the_probe_host_is_the_platform_or_the_first_checked_host() {
        let github = entry(
            "a",
            &[
                ("https://github.com/ieee8023/covid-chestxray-dataset", true),
                ("https://arxiv.org/abs/2003.11597", true),
            ],
        );
        let other_repo = entry("b", &[("https://github.com/UCSD-AI4H/COVID-CT", true)]);
        assert_eq!(probe_host(&github), probe_host(&other_repo));
        let skipped = entry(
            "c",
            &[
                ("https://Example.ORG/unchecked", false),
                ("https://www.eurorad.org/x", true),
            ],
        );
        assert_eq!(probe_host(&skipped), "www.eurorad.org");
        assert_eq!(probe_host(&entry("d", &[])), "");
    }

    #[test]
    fn the_shards_partition_the_catalog_in_order() {
        let catalog: Vec<Entry> = (0..60)
            .map(|i| {
                entry(
                    &format!("e{i:02}"),
                    &[(&format!("https://h{i}.example/"), true)],
                )
            })
            .collect();
        for count in [1, 2, 3, 4, 7] {
            let mut seen: Vec<String> = Vec::new();
            for index in 1..=count {
                let part = select(catalog.clone(), Shard { index, count });
                let ids: Vec<String> = part.iter().map(|e| e.id.clone()).collect();
                let mut sorted = ids.clone();
                sorted.sort();
                assert_eq!(ids, sorted, "catalog order kept");
                for e in &part {
                    assert_eq!(assigned(e, count), Shard { index, count });
                }
                seen.extend(ids);
            }
            seen.sort();
            let all: Vec<String> = catalog.iter().map(|e| e.id.clone()).collect();
            assert_eq!(seen, all, "every entry in exactly one of {count} shards");
        }
        // 60 hosts over 4 shards: none is empty.
        for index in 1..=4 {
            assert!(!select(catalog.clone(), Shard { index, count: 4 }).is_empty());
        }
    }

    #[test]
    fn every_host_lands_in_exactly_one_shard() {
        for host in ["github", "zenodo", "coronacases.org", "www.eurorad.org", ""] {
            let shard = shard_of(host, 4);
            assert!((1..=4).contains(&shard));
            assert_eq!(shard, shard_of(host, 4), "stable");
        }
    }
}
