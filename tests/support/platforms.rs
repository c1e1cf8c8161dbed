//! Writers for the integration tests of `catwatch check`: a small catalog of
//! schema-valid entries and the catwatch.toml tables that point every platform
//! API at servers on loopback. TLS with real host names comes from
//! `support/tls.rs` (a test CA and a TLS front for wiremock).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// One catalog entry as YAML, valid against the entry schema.
pub fn entry_yaml(id: &str, urls: &[(&str, &str)], extra: &str) -> String {
    let mut text =
        format!("id: {id}\nname: Test {id}\ndescription: A test entry.\nkind: imaging\nurls:\n");
    for (url, role) in urls {
        text.push_str(&format!("  - url: {url}\n    role: {role}\n"));
    }
    text.push_str(
        "modalities:\n  ct: U\n  xray: U\n  mrt: U\n  ultrasound: U\n  metadata: U\n  case_review: U\n\
         access: open\nlicense:\n  status: unknown\nmaintenance: active\n\
         provenance:\n  last_verified: 2026-11-26\n  verified_against: a test fixture\n  live_checked: false\n  \
         claims:\n    - about: existence\n      source: a test fixture\n      confidence: low\n",
    );
    text.push_str(extra);
    text
}

/// Writes `entries` (id, YAML) into `dir/catalog/<id>.yaml`.
pub fn write_catalog(dir: &Path, entries: &[(&str, String)]) -> PathBuf {
    let catalog = dir.join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    for (id, yaml) in entries {
        std::fs::write(catalog.join(format!("{id}.yaml")), yaml).unwrap();
    }
    catalog
}

/// `[endpoints]` with every platform API pointed at `base` (plain http mocks).
pub fn endpoints_at(base: &str) -> String {
    let base = base.trim_end_matches('/');
    format!(
        "[endpoints]\n\
         github_api = \"{base}/github\"\n\
         gitlab_api = \"{base}/gitlab/api/v4\"\n\
         kaggle_api = \"{base}/kaggle/api/v1\"\n\
         zenodo_api = \"{base}/zenodo/api\"\n\
         figshare_api = \"{base}/figshare/v2\"\n\
         huggingface_api = \"{base}/hf/api\"\n\
         osf_api = \"{base}/osf/v2\"\n\
         dataverse_api = \"{base}/dataverse/api\"\n\
         datacite_api = \"{base}/datacite\"\n"
    )
}

/// The `[probe]` table tests use: loopback allowed, short timeouts, no
/// politeness delay, one quick retry, and no web-archive lookups (which
/// would leave loopback) unless `extra` sets `archive_lookup`.
pub fn probe_settings(extra: &str) -> String {
    let archive = if extra.contains("archive_lookup") {
        ""
    } else {
        "archive_lookup = false\n"
    };
    format!(
        "[probe]\n{archive}allow = [\"127.0.0.0/8\"]\ntimeout_secs = 5\nconnect_timeout_secs = 2\n\
         per_host_interval_ms = 0\nretries = 0\nbackoff_base_ms = 10\nrun_budget_secs = 60\n{extra}"
    )
}

/// `yaml` (from [`entry_yaml`]) with `survey_reference: n` under `provenance`,
/// which lint requires for the survey's own resources.
pub fn with_survey_reference(yaml: String, n: u8) -> String {
    yaml.replacen(
        "provenance:\n",
        &format!("provenance:\n  survey_reference: {n}\n"),
        1,
    )
}

/// What the binary must not take from the test machine's environment:
/// secrets, settings, the clock and proxies.
pub const FOREIGN_ENVIRONMENT: &[&str] = &[
    "GITHUB_TOKEN",
    "CATWATCH_GITHUB_TOKEN",
    "KAGGLE_USERNAME",
    "KAGGLE_KEY",
    "KAGGLE_API_TOKEN",
    "SYNAPSE_AUTH_TOKEN",
    "CATWATCH_SMTP_USERNAME",
    "CATWATCH_SMTP_PASSWORD",
    "CATWATCH_CONFIG",
    "CATWATCH_NOW",
    "RUST_LOG",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "https_proxy",
    "http_proxy",
    "all_proxy",
];

/// The binary under test (CATWATCH_TEST_BIN for checkouts that share one
/// target directory), run in `dir`, with none of [`FOREIGN_ENVIRONMENT`].
pub fn catwatch_command(dir: &Path) -> std::process::Command {
    let binary = std::env::var_os("CATWATCH_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_catwatch").into());
    let mut cmd = std::process::Command::new(binary);
    cmd.current_dir(dir);
    for name in FOREIGN_ENVIRONMENT {
        cmd.env_remove(name);
    }
    cmd
}
