#!/usr/bin/env bash
# The whole test suite, from a fresh machine: install what the tests need, then
# run every test. README.md and .ci/run both call this script.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The Python tools scripts/setup.sh installed, never the system's.
export PATH="$PWD/target/test-venv/bin:$PATH"
cargo test --all-targets --no-fail-fast
