#!/usr/bin/env bash
# Checks everything that runs catwatch outside cargo: the GitHub workflows
# (actionlint, zizmor), the shell scripts (shellcheck), the systemd units
# (systemd-analyze verify), the Kubernetes manifests (kubernetes-validate,
# offline schemas) and the Dockerfile (hadolint). Each check is also shown to
# be able to fail: a known-bad input must be rejected.
#
# Needs the tools from scripts/setup.sh; a missing tool is an error, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAILED: $*" >&2; }
need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "check-deploy: '$1' is missing; run scripts/setup.sh" >&2
    exit 2
  }
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- GitHub workflows -------------------------------------------------------
# actionlint: the upstream binary when installed, else the PyPI build of its
# maintained fork (jactionlint), which installs without network access.
if command -v jactionlint >/dev/null 2>&1; then
  actionlint=jactionlint
else
  need actionlint
  actionlint=actionlint
fi
need zizmor
need shellcheck

workflows=(.github/workflows/*.yml)
if "$actionlint" "${workflows[@]}"; then
  pass "$actionlint: ${workflows[*]}"
else
  fail "$actionlint reported problems in the workflows"
fi

# zizmor audits the composite action (action.yml) as well as the workflows.
if zizmor --offline --no-progress "${workflows[@]}" action.yml >"$tmp/zizmor.txt" 2>&1; then
  pass "zizmor --offline: no findings in the workflows and action.yml"
else
  cat "$tmp/zizmor.txt" >&2
  fail "zizmor reported findings in the workflows"
fi

# The bad fixture (pull_request_target + a checkout of the pull request's
# head) must be rejected, with the dangerous trigger among the findings.
bad=tests/fixtures/workflows/bad.yml
if zizmor --offline --no-progress --format json "$bad" >"$tmp/bad.json" 2>/dev/null; then
  fail "zizmor accepted $bad"
elif grep -q '"ident": *"dangerous-triggers"' "$tmp/bad.json" \
  && grep -q '"ident": *"template-injection"' "$tmp/bad.json"; then
  pass "zizmor rejects $bad (dangerous-triggers, template-injection)"
else
  fail "zizmor failed on $bad without the expected findings"
fi
if "$actionlint" "$bad" >/dev/null 2>&1; then
  fail "$actionlint accepted $bad"
else
  pass "$actionlint rejects $bad"
fi

# The composite action's shell steps, through shellcheck (actionlint reads
# workflows only). ruamel.yaml comes with check-jsonschema.
if python3 - "$tmp" <<'PY'
import sys
from ruamel.yaml import YAML
steps = YAML(typ="safe").load(open("action.yml"))["runs"]["steps"]
for n, step in enumerate(s for s in steps if "run" in s):
    with open(f"{sys.argv[1]}/action-step-{n}.sh", "w") as out:
        out.write("#!/usr/bin/env bash\n" + step["run"])
PY
then
  if shellcheck "$tmp"/action-step-*.sh; then
    pass "shellcheck: action.yml's steps"
  else
    fail "shellcheck reported problems in action.yml's steps"
  fi
else
  fail "could not read action.yml's steps"
fi

# Dependabot's settings against its schema (check-jsonschema's vendored copy).
need check-jsonschema
if check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml >/dev/null; then
  pass "check-jsonschema: .github/dependabot.yml"
else
  fail "check-jsonschema rejected .github/dependabot.yml"
fi

# A catalog-only pull request runs no cargo build: catalog.yml, the only
# workflow such a change starts (ci.yml ignores those paths), never calls
# cargo, and installs catwatch through action.yml instead.
if grep -q 'cargo' .github/workflows/catalog.yml action.yml; then
  fail "catalog.yml or action.yml calls cargo: a catalog-only pull request must not compile"
elif ! grep -q -- '- "catalog/\*\*"' .github/workflows/ci.yml; then
  fail "ci.yml does not ignore catalog-only changes (paths-ignore)"
else
  pass "a catalog-only pull request runs no cargo build (catalog.yml through action.yml)"
fi

scripts=(scripts/check-deploy.sh scripts/setup.sh scripts/test.sh .ci/run .github/scripts/*.sh)
if shellcheck "${scripts[@]}"; then
  pass "shellcheck: ${scripts[*]}"
else
  fail "shellcheck reported problems"
fi

# --- systemd ------------------------------------------------------------------
need systemd-analyze
need unshare
export CARGO_TERM_COLOR=never
cargo build --quiet --bin catwatch
bin="$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/catwatch"
# The unit documents man:catwatch(1), which verify looks up: use the pages
# generated from the CLI.
mkdir -p "$tmp/man/man1"
"$bin" man --out-dir "$tmp/man/man1"

# verify requires ExecStart's binary to exist at /usr/local/bin/catwatch. A
# private mount namespace puts the freshly built one there without touching
# the machine's own /usr/local/bin.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -E "$@"; fi
}
verify_units() {
  # The inner script is expanded by the inner shell, on purpose.
  # shellcheck disable=SC2016
  as_root env MANPATH="$tmp/man" BIN="$bin" unshare --mount sh -c '
    mount -t tmpfs tmpfs /usr/local/bin &&
    ln -s "$BIN" /usr/local/bin/catwatch &&
    systemd-analyze verify "$@"' sh "$@"
}
units=("$PWD/deploy/systemd/catwatch.service" "$PWD/deploy/systemd/catwatch.timer")
if verify_units "${units[@]}" >"$tmp/verify.txt" 2>&1 && [ ! -s "$tmp/verify.txt" ]; then
  pass "systemd-analyze verify: ${units[*]#"$PWD/"}"
else
  cat "$tmp/verify.txt" >&2
  fail "systemd-analyze verify complained about the units"
fi
# The hardening, as systemd scores it (0 = fully confined, 10 = not at all;
# --threshold counts in tenths: 20 = level 2.0).
security_score() {
  # shellcheck disable=SC2016
  as_root env BIN="$bin" unshare --mount sh -c '
    mount -t tmpfs tmpfs /usr/local/bin &&
    ln -s "$BIN" /usr/local/bin/catwatch &&
    systemd-analyze security --offline=true --threshold=20 --no-pager "$1"' sh "$1"
}
if security_score "$PWD/deploy/systemd/catwatch.service" >"$tmp/security.txt" 2>&1; then
  pass "systemd-analyze security: $(grep -o 'exposure level for catwatch.service: [0-9.]*' "$tmp/security.txt")"
else
  cat "$tmp/security.txt" >&2
  fail "catwatch.service is exposed above level 2"
fi
if systemd-sysusers --dry-run "$PWD/deploy/systemd/catwatch.sysusers" >"$tmp/sysusers.txt" 2>&1 \
  && ! grep -qi 'unknown\|ignoring\|failed' "$tmp/sysusers.txt"; then
  pass "systemd-sysusers --dry-run: deploy/systemd/catwatch.sysusers"
else
  cat "$tmp/sysusers.txt" >&2
  fail "systemd-sysusers rejected catwatch.sysusers"
fi
mkdir -p "$tmp/badunit"
sed 's/^ProtectSystem=strict/ProtectSytem=strict/' deploy/systemd/catwatch.service >"$tmp/badunit/catwatch.service"
verify_units "$tmp/badunit/catwatch.service" >"$tmp/verify-bad.txt" 2>&1 || true
if grep -q "ProtectSytem" "$tmp/verify-bad.txt"; then
  pass "systemd-analyze verify rejects a misspelt directive"
else
  cat "$tmp/verify-bad.txt" >&2
  fail "systemd-analyze verify accepted a unit with a misspelt directive"
fi

# --- Kubernetes -----------------------------------------------------------------
need kubernetes-validate
manifests=(deploy/kubernetes/*.yaml)
if kubernetes-validate --strict --quiet "${manifests[@]}"; then
  pass "kubernetes-validate --strict: ${#manifests[@]} files"
else
  fail "kubernetes-validate rejected a manifest"
fi
sed 's/^\(\s*\)concurrencyPolicy: Forbid/&\n\1concurencyPolicy: Forbid/' deploy/kubernetes/cronjob.yaml >"$tmp/bad-cronjob.yaml"
if kubernetes-validate --strict --quiet "$tmp/bad-cronjob.yaml" >/dev/null 2>&1; then
  fail "kubernetes-validate accepted a CronJob with an unknown field"
else
  pass "kubernetes-validate rejects an unknown field"
fi

# --- Docker -------------------------------------------------------------------
# No Docker engine here: the image is not built, only linted.
need hadolint
if hadolint deploy/docker/Dockerfile; then
  pass "hadolint: deploy/docker/Dockerfile"
else
  fail "hadolint reported problems in the Dockerfile"
fi

echo "check-deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
