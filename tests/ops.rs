//! Where catwatch runs: completions and man pages generated from the CLI, and
//! the deployment files under deploy/ and .github/ kept true to the program
//! (their command lines parse, their settings load, their shell scripts work).
//! The linters for those files run in scripts/check-deploy.sh.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use clap::{CommandFactory, Parser};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::Value;

/// The binary under test. CATWATCH_TEST_BIN overrides it, for machines where
/// several checkouts share one target directory and overwrite each other's
/// `target/debug/catwatch`.
fn bin() -> std::path::PathBuf {
    std::env::var_os("CATWATCH_TEST_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_BIN_EXE_catwatch")))
}

fn catwatch() -> Command {
    Command::new(bin())
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn stdout_of(args: &[&str]) -> String {
    let output = catwatch().args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// Every subcommand name, from the CLI definition itself.
fn subcommands() -> Vec<String> {
    catwatch::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect()
}

fn require_tool(name: &str) {
    let found = StdCommand::new("sh")
        .args(["-c", &format!("command -v {name} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success());
    assert!(found, "{name} is missing: run scripts/setup.sh");
}

// --- completions and man pages ---------------------------------------------

#[test]
fn bash_completion_registers_with_bash() {
    require_tool("bash");
    let script = stdout_of(&["completions", "bash"]);
    let mut bash = StdCommand::new("bash")
        .args(["--norc", "-c", "source /dev/stdin && complete -p catwatch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        bash.stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
    }
    let output = bash.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "complete -o bashdefault -o default -o nosort -F _catwatch catwatch"
    );
}

#[test]
fn completions_of_every_shell_know_every_subcommand() {
    let heads = [
        ("bash", "_catwatch() {"),
        ("zsh", "#compdef catwatch"),
        ("fish", "# Print an optspec"),
        ("elvish", ""),
        ("powershell", ""),
    ];
    for (shell, head) in heads {
        let script = stdout_of(&["completions", shell]);
        assert!(script.starts_with(head), "{shell}: {}", &script[..60]);
        for sub in subcommands() {
            assert!(script.contains(&sub), "{shell} completion lacks {sub}");
        }
        assert!(script.contains("--shard"), "{shell} lacks check --shard");
    }
}

#[test]
fn completions_survive_a_reader_that_went_away() {
    // Regression: `catwatch completions fish | head -3` panicked on EPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = StdCommand::new(bin())
        .args(["completions", "fish"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn an_unknown_shell_is_refused_with_the_choices() {
    let output = catwatch().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bash, elvish, fish, powershell, zsh"),
        "{stderr}"
    );
}

#[test]
fn man_pages_cover_every_subcommand_and_render() {
    require_tool("man");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    catwatch()
        .args(["man", "--out-dir"])
        .arg(&out)
        .assert()
        .success();
    let written: BTreeSet<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let expected: BTreeSet<String> = std::iter::once("catwatch.1".to_owned())
        .chain(subcommands().iter().map(|s| format!("catwatch-{s}.1")))
        .collect();
    assert_eq!(written, expected);

    // man -l renders the page as a reader would see it.
    let rendered = StdCommand::new("man")
        .arg("-l")
        .arg(out.join("catwatch-check.1"))
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .unwrap();
    assert!(rendered.status.success(), "{rendered:?}");
    let text = without_overstrike(&String::from_utf8_lossy(&rendered.stdout));
    for needle in [
        "NAME",
        "SYNOPSIS",
        "catwatch-check",
        "--shard",
        "--changed-since",
        "EXIT STATUS",
        "A resource has a status listed in [policy] fail_on",
        "ENVIRONMENT",
        "CATWATCH_GITHUB_TOKEN",
        "KAGGLE_API_TOKEN",
        "SYNAPSE_AUTH_TOKEN",
    ] {
        assert!(text.contains(needle), "page lacks {needle}:\n{text}");
    }
}

/// nroff's bold and underline (`c\bc`, `_\bc`) reduced to plain text.
fn without_overstrike(text: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{8}' {
            out.pop();
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect()
}

// --- deployment files agree with the program -------------------------------

/// Parses a YAML file (one or more documents) into JSON values.
fn yaml_documents(path: &str) -> Vec<Value> {
    fn to_json(node: &MarkedYaml<'_>) -> Value {
        match &node.data {
            YamlData::Value(Scalar::Null) => Value::Null,
            YamlData::Value(Scalar::Boolean(b)) => Value::Bool(*b),
            YamlData::Value(Scalar::Integer(i)) => Value::from(*i),
            YamlData::Value(Scalar::FloatingPoint(f)) => Value::from(f.into_inner()),
            YamlData::Value(Scalar::String(s)) => Value::String(s.to_string()),
            YamlData::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
            YamlData::Mapping(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| match &k.data {
                        YamlData::Value(Scalar::String(s)) => (s.to_string(), to_json(v)),
                        other => panic!("non-string key {other:?}"),
                    })
                    .collect(),
            ),
            other => panic!("unexpected YAML node {other:?}"),
        }
    }
    MarkedYaml::load_from_str(&read(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .iter()
        .map(to_json)
        .collect()
}

fn one_document(path: &str) -> Value {
    let mut docs = yaml_documents(path);
    assert_eq!(docs.len(), 1, "{path}");
    docs.remove(0)
}

fn parses_as_cli(origin: &str, args: &[String]) -> catwatch::cli::Cli {
    let argv = std::iter::once("catwatch".to_owned()).chain(args.iter().cloned());
    catwatch::cli::Cli::try_parse_from(argv)
        .unwrap_or_else(|e| panic!("{origin}: {args:?} is not a valid command line:\n{e}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_deployed_command_line_is_one_catwatch_accepts() {
    use catwatch::cli::Command as Sub;

    // systemd
    let unit = read("deploy/systemd/catwatch.service");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let mut words: Vec<String> = exec.split_whitespace().map(str::to_owned).collect();
    assert_eq!(words.remove(0), "/usr/local/bin/catwatch");
    let cli = parses_as_cli("catwatch.service", &words);
    assert!(matches!(cli.command, Sub::Monitor(ref m) if m.reports.is_some()));

    // Kubernetes CronJob
    let cron = one_document("deploy/kubernetes/cronjob.yaml");
    let container = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    let cli = parses_as_cli("cronjob.yaml", &strings(&container["args"]));
    assert!(matches!(cli.command, Sub::Monitor(_)));

    // crontab: the words after the binary, up to the redirection
    let crontab = read("deploy/cron/crontab");
    let line = crontab
        .lines()
        .find(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap();
    let after = line.split("/usr/local/bin/catwatch ").nth(1).unwrap();
    let words: Vec<String> = after
        .split_whitespace()
        .take_while(|w| !w.starts_with(">>"))
        .map(str::to_owned)
        .collect();
    assert!(matches!(
        parses_as_cli("crontab", &words).command,
        Sub::Monitor(_)
    ));

    // Dockerfile CMD
    let dockerfile = read("deploy/docker/Dockerfile");
    let cmd = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("CMD "))
        .unwrap();
    let words = strings(&serde_json::from_str(cmd).unwrap());
    assert!(matches!(
        parses_as_cli("Dockerfile", &words).command,
        Sub::Monitor(_)
    ));
}

#[test]
fn shipped_settings_files_load() {
    let configmap = one_document("deploy/kubernetes/configmap.yaml");
    let toml = configmap["data"]["catwatch.toml"].as_str().unwrap();
    let settings =
        catwatch::config::parse_file_settings(Path::new("configmap.yaml"), toml).unwrap();
    assert_eq!(
        settings.state.path,
        Path::new("/var/lib/catwatch/catwatch-state.json")
    );
    // The CronJob runs daily, so a gap over 48 h means runs were missed.
    assert_eq!(settings.policy.schedule_interval_hours, 24);
    assert!(settings.email.is_some());

    let docker = read("deploy/docker/catwatch.toml");
    let settings =
        catwatch::config::parse_file_settings(Path::new("catwatch.toml"), &docker).unwrap();
    assert_eq!(
        settings.catalog.as_deref(),
        Some(Path::new("/usr/share/catwatch/catalog"))
    );
}

#[test]
fn kubernetes_manifests_keep_their_promises() {
    let cron = one_document("deploy/kubernetes/cronjob.yaml");
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    assert_eq!(cron["spec"]["schedule"], "17 3 * * *");

    let secret = one_document("deploy/kubernetes/secret.example.yaml");
    let keys: BTreeSet<&str> = secret["stringData"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: BTreeSet<&str> = [
        "GITHUB_TOKEN",
        "CATWATCH_SMTP_USERNAME",
        "CATWATCH_SMTP_PASSWORD",
        "KAGGLE_API_TOKEN",
        "KAGGLE_USERNAME",
        "KAGGLE_KEY",
        "SYNAPSE_AUTH_TOKEN",
    ]
    .into();
    assert_eq!(keys, expected);
    assert!(
        secret["stringData"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| v == "replace-me"),
        "the example Secret holds placeholders only"
    );

    let jobs = yaml_documents("deploy/kubernetes/sharded-job.yaml");
    assert_eq!(jobs.len(), 2);
    let shards = &jobs[0]["spec"];
    assert_eq!(shards["completionMode"], "Indexed");
    let count = shards["completions"].as_i64().unwrap();
    assert_eq!(shards["parallelism"].as_i64(), Some(count));
    for job in &jobs {
        let spec = &job["spec"]["template"]["spec"];
        let containers = spec["initContainers"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(spec["containers"].as_array().unwrap());
        for c in containers {
            for var in c["env"].as_array().into_iter().flatten() {
                if var["name"] == "SHARDS" {
                    assert_eq!(var["value"], count.to_string(), "SHARDS in {}", c["name"]);
                }
            }
        }
    }
}

/// The shell script of one container in the sharded Job, with its absolute
/// paths moved under `root`.
fn container_script(doc: usize, section: &str, root: &Path) -> String {
    let jobs = yaml_documents("deploy/kubernetes/sharded-job.yaml");
    let container = &jobs[doc]["spec"]["template"]["spec"][section][0];
    let script = strings(&container["args"]).remove(0);
    script
        .replace("/shards", &root.join("shards").display().to_string())
        .replace("/var/lib/catwatch", &root.join("var").display().to_string())
}

#[test]
fn the_sharded_jobs_check_merge_and_render_with_the_real_binary() {
    require_tool("sh");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("shards")).unwrap();
    std::fs::create_dir_all(root.join("catalog")).unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::os::unix::fs::symlink(bin(), root.join("bin/catwatch")).unwrap();
    // An empty catalog: the real binary runs the real command line, with
    // nothing to probe.
    std::fs::write(
        root.join("catwatch.toml"),
        "catalog = \"catalog\"\n[state]\npath = \"var/state/catwatch-state.json\"\n",
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        root.join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let script = container_script(0, "containers", root);
    for index in 0..4 {
        let status = StdCommand::new("sh")
            .args(["-c", &script])
            .env("PATH", &path)
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("SHARDS", "4")
            .env("CATWATCH_CONFIG", root.join("catwatch.toml"))
            .current_dir(root)
            .status()
            .unwrap();
        assert!(status.success(), "index {index}");
    }
    let mut found = Vec::new();
    for k in 1..=4 {
        let file = root.join(format!("shards/shard-{k}.json"));
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        found.push(report["shard"].as_str().unwrap().to_owned());
        assert_eq!(report["summary"]["total"], 0);
    }
    assert_eq!(found, ["1/4", "2/4", "3/4", "4/4"]);
    let leftovers: Vec<_> = std::fs::read_dir(root.join("shards"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The merge Job's init container now finds every shard and returns.
    let wait = container_script(1, "initContainers", root);
    let status = StdCommand::new("timeout")
        .args(["10", "sh", "-c", &wait])
        .env("SHARDS", "4")
        .status()
        .unwrap();
    assert!(status.success(), "wait-for-shards did not finish");

    // Then the merge container: merge into the state, render the site, and
    // clear the shard reports for the next run.
    let merge = container_script(1, "containers", root);
    let status = StdCommand::new("sh")
        .args(["-c", &merge])
        .env("PATH", &path)
        .env("CATWATCH_CONFIG", root.join("catwatch.toml"))
        .current_dir(root)
        .status()
        .unwrap();
    assert!(status.success(), "merge container failed");
    let site = root.join("var/site");
    let merged: Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("check.json")).unwrap()).unwrap();
    assert_eq!(merged["summary"]["total"], 0);
    assert!(merged.get("shard").is_none());
    for file in ["status.md", "index.html", "status.json"] {
        assert!(site.join(file).is_file(), "{file} missing");
    }
    assert!(site.join("badges").is_dir());
    assert!(root.join("var/state/catwatch-state.json").is_file());
    let left: Vec<_> = std::fs::read_dir(root.join("shards")).unwrap().collect();
    assert!(left.is_empty(), "shard reports not cleared: {left:?}");
}

// --- the nightly workflow's state branch -----------------------------------

fn git(dir: &Path, args: &[&str]) -> String {
    let output = StdCommand::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const CANARY_TOKEN: &str = "ghs_canary0123456789";

fn state_branch(remote: &Path, action: &str, dir: &Path) -> std::process::Output {
    StdCommand::new("bash")
        .arg(repo(".github/scripts/state-branch.sh"))
        .arg(action)
        .arg(dir)
        .env("STATE_REMOTE", remote)
        // Sent as a header for https remotes; a file remote ignores it, but it
        // must not be written anywhere either way.
        .env("GITHUB_TOKEN", CANARY_TOKEN)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap()
}

#[test]
fn the_state_branch_round_trips_between_runs() {
    require_tool("git");
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("remote.git");
    git(
        dir.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );

    // First run: no branch yet, so no state.
    let first = dir.path().join("run1");
    let out = state_branch(&remote, "fetch", &first);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("does not exist yet"));
    std::fs::write(first.join("catwatch-state.json"), "{\"runs\":1}\n").unwrap();
    std::fs::write(first.join("catwatch-state.json.lock"), "").unwrap();
    // What an interrupted atomic save leaves behind (tempfile's naming).
    std::fs::write(first.join(".tmpAbC123"), "partial").unwrap();
    assert!(state_branch(&remote, "push", &first).status.success());
    // Nothing changed: nothing pushed.
    let again = state_branch(&remote, "push", &first);
    assert!(String::from_utf8_lossy(&again.stdout).contains("unchanged"));

    // Second run, in a fresh directory: the state is back, the lock is not.
    let second = dir.path().join("run2");
    assert!(state_branch(&remote, "fetch", &second).status.success());
    assert_eq!(
        std::fs::read_to_string(second.join("catwatch-state.json")).unwrap(),
        "{\"runs\":1}\n"
    );
    assert!(!second.join("catwatch-state.json.lock").exists());
    assert!(!second.join(".tmpAbC123").exists());
    std::fs::write(second.join("catwatch-state.json"), "{\"runs\":2}\n").unwrap();
    assert!(state_branch(&remote, "push", &second).status.success());
    let log = git(&remote, &["log", "--format=%s", "catwatch-state"]);
    assert_eq!(log.lines().count(), 2, "{log}");
    assert_eq!(
        git(&remote, &["show", "catwatch-state:catwatch-state.json"]),
        "{\"runs\":2}\n"
    );
    // The token never lands in the clone's configuration.
    let config = std::fs::read_to_string(second.join(".git/config")).unwrap();
    assert!(
        !config.contains("extraheader") && !config.contains(CANARY_TOKEN),
        "{config}"
    );

    // An unreachable remote stops the run instead of starting from scratch.
    let lost = state_branch(
        &dir.path().join("missing.git"),
        "fetch",
        &dir.path().join("run3"),
    );
    assert!(!lost.status.success());
    assert!(String::from_utf8_lossy(&lost.stderr).contains("cannot reach"));
}

// --- cron --------------------------------------------------------------------

#[test]
fn the_crontab_line_runs_once_and_flock_skips_an_overlapping_run() {
    require_tool("flock");
    let crontab = read("deploy/cron/crontab");
    let line = crontab
        .lines()
        .find(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap();
    let fields: Vec<&str> = line.splitn(6, ' ').collect();
    assert_eq!(&fields[..5], ["17", "3", "*", "*", "*"]);
    assert!(crontab.contains("\nCATWATCH_CONFIG=/etc/catwatch/catwatch.toml\n"));

    let dir = tempfile::tempdir().unwrap();
    let var = dir.path().join("var");
    let etc = dir.path().join("etc");
    std::fs::create_dir_all(etc.join("catalog")).unwrap();
    std::fs::create_dir_all(&var).unwrap();
    std::fs::write(
        etc.join("catwatch.toml"),
        format!(
            "catalog = \"catalog\"\n[state]\npath = \"{}\"\n",
            var.join("catwatch-state.json").display()
        ),
    )
    .unwrap();
    std::fs::write(etc.join("env"), "KAGGLE_USERNAME=someone\n").unwrap();
    // The line as cron runs it, moved into the temporary directory. The
    // reports are left out: rendering is tested with the report command.
    let command = fields[5]
        .replace("/var/lib/catwatch", &var.display().to_string())
        .replace("/etc/catwatch", &etc.display().to_string())
        .replace("/usr/local/bin/catwatch", &bin().display().to_string())
        .replace(" --reports site", "");
    let run = || {
        StdCommand::new("sh")
            .args(["-c", &command])
            .env("CATWATCH_CONFIG", etc.join("catwatch.toml"))
            .status()
            .unwrap()
    };
    assert!(run().success());
    let log = std::fs::read_to_string(var.join("catwatch.log")).unwrap();
    assert!(log.contains("checked 0 resource(s)"), "{log}");
    let state = var.join("catwatch-state.json");
    let saved = std::fs::read_to_string(&state).unwrap();

    // While another run holds the cron lock, the line does nothing.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(var.join(".cron.lock"))
        .unwrap();
    let mut lock = fd_lock::RwLock::new(lock);
    let held = lock.try_write().unwrap();
    let skipped = run();
    assert_eq!(skipped.code(), Some(1), "flock -n gives up");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), saved);
    assert_eq!(
        std::fs::read_to_string(var.join("catwatch.log")).unwrap(),
        log
    );
    drop(held);
    assert!(run().success());
}

/// The dynamic completions (`source <(COMPLETE=bash catwatch)`) complete
/// `--only` with the ids of the catalog found from where the user is, in
/// real bash: from inside `catalog/` of a scratch repository, the ids of its
/// files that start with what was typed.
#[test]
fn bash_completes_entry_ids_for_only() {
    require_tool("bash");
    let repo = tempfile::tempdir().unwrap();
    let catalog = repo.path().join("catalog");
    std::fs::create_dir_all(&catalog).unwrap();
    for id in ["covid-ct", "covid-chestxray", "mosmed"] {
        std::fs::write(catalog.join(format!("{id}.yaml")), "id: x\n").unwrap();
    }
    let script = format!(
        "source <(COMPLETE=bash '{bin}'); COMP_WORDS=(catwatch check --only covid-c); COMP_CWORD=3; COMP_TYPE=9; \
         _clap_complete_catwatch catwatch covid-c check; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        bin = bin().display()
    );
    let out = StdCommand::new("bash")
        .args(["-c", &script])
        .current_dir(&catalog)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut offered: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    offered.sort();
    assert_eq!(offered, ["covid-chestxray", "covid-ct"]);
}
