#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian or Ubuntu
# machine with the Rust toolchain: system packages (apt-get), then the Python
# test tools into a virtual environment of their own, target/test-venv. The
# system Python is never installed into (Debian and Ubuntu refuse that since
# PEP 668, and rightly). Safe to run again: every step skips what is there.
#
# It says what is missing before it changes anything: a Rust toolchain older
# than Cargo.toml's rust-version, no apt-get for missing packages, neither
# root nor sudo. scripts/test.sh and .ci/run put target/test-venv/bin first on
# PATH; the tests find that Python themselves (tests/support/python.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }
die() {
  say "$*"
  exit 2
}

# --- what is needed, checked first -------------------------------------------
wanted_rust="$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml | head -1)"
if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
  die "no Rust toolchain (cargo, rustc) on PATH; install it from https://rustup.rs (catwatch needs Rust $wanted_rust or newer), then run this again"
fi
have_rust="$(rustc --version | awk '{print $2}')"
older() { # older A B: A is an older version than B
  [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]
}
if older "${have_rust%%-*}" "$wanted_rust"; then
  die "Rust $have_rust is older than the $wanted_rust catwatch needs; run \`rustup update\` (or install a newer toolchain), then run this again"
fi
command -v python3 >/dev/null 2>&1 ||
  die "python3 is missing; install it (Debian/Ubuntu: apt-get install python3 python3-venv)"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
command -v git >/dev/null 2>&1 || need_apt+=(git)
# Debian's python3 makes virtual environments only with python3-venv.
venv_probe="$(mktemp -d)"
if ! python3 -m venv --without-pip "$venv_probe/v" >/dev/null 2>&1 ||
  ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  need_apt+=("python3-venv")
fi
rm -rf "$venv_probe"

if [ ${#need_apt[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 ||
    die "missing: ${need_apt[*]}; this script installs them with apt-get (Debian, Ubuntu), which this machine does not have; install them with its package manager, then run this again"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    # A GitHub runner's user has password-less sudo.
    if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
      die "missing: ${need_apt[*]}; installing them needs root: run \`sudo apt-get install ${need_apt[*]}\`, or this script as root"
    fi
    sudo=(sudo -n)
  fi
  say "installing with apt-get: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# --- the Python test tools, in their own environment -------------------------
# A real SMTP server for the email tests, the workflow linters, the
# Kubernetes manifest validator, the reference JSON Schema validator, the
# packaging tools the wheel and pre-commit tests use, and the SHACL validator
# the DCAT-AP export is checked with (with the RDF library it runs on).
venv=target/test-venv
if [ ! -x "$venv/bin/python3" ]; then
  say "creating the virtual environment $venv"
  python3 -m venv "$venv"
fi
stamp="$venv/.requirements"
if ! cmp -s scripts/requirements-test.txt "$stamp" 2>/dev/null; then
  "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check \
    -r scripts/requirements-test.txt
  cp scripts/requirements-test.txt "$stamp"
fi
