#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine with the
# Rust toolchain: system packages, Python tools, then builds the tests.
# Safe to run again: every step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
if [ ${#need_apt[@]} -gt 0 ]; then
  # root here; a GitHub runner's user has password-less sudo instead.
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Python tools: a real SMTP server for the email tests, the workflow linters,
# the Kubernetes manifest validator and the reference JSON Schema validator.
python3 -m pip install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
