#!/usr/bin/env bash
# The whole test suite, from a fresh machine: install what the tests need, then
# run every test. README.md and .ci/run both call this script.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --all-targets --no-fail-fast
