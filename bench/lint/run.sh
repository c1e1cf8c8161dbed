#!/usr/bin/env bash
# Benchmarks `catwatch lint` on generated catalogs of 10,000 and 100,000 valid
# entries: wall time and peak memory (GNU time), beside check-jsonschema (the
# reference JSON Schema validator from PyPI, schema only) on the same files.
#
# Usage: bench/lint/run.sh [SIZES...]     default sizes: 10000 100000
# Environment: BENCH_DIR (scratch space, default /tmp/catwatch-lint-bench),
#              SKIP_CHECK_JSONSCHEMA=1 to time catwatch alone.
# Targets (issue 2): 10k < 1 s, 100k < 10 s, peak RSS < 500 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
work=${BENCH_DIR:-/tmp/catwatch-lint-bench}
# Release builds live apart from the shared debug target (override with BENCH_TARGET_DIR).
if [ -z "${BENCH_TARGET_DIR:-}" ] && [ -d /work/target-release ]; then BENCH_TARGET_DIR=/work/target-release; fi
export CARGO_TARGET_DIR=${BENCH_TARGET_DIR:-${CARGO_TARGET_DIR:-target}}

if [ ! -x /usr/bin/time ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends time >/dev/null
fi
if [ "${SKIP_CHECK_JSONSCHEMA:-0}" != 1 ] && ! command -v check-jsonschema >/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check check-jsonschema
fi

cargo build --release --quiet
# The release directory is shared: keep our own copy of the binary, and make
# sure it is this tree's lint (not another branch's build) before timing it.
mkdir -p "$work"
bin="$work/catwatch"
cp "$CARGO_TARGET_DIR/release/catwatch" "$bin"
"$bin" lint tests/fixtures/lint/good | grep -q "no problems" || {
  echo "the release binary is not this tree's catwatch lint; rerun" >&2
  exit 1
}

# measure LABEL EXPECTED_STATUS COMMAND...: prints wall time, CPU time (user +
# system, all threads and children) and peak RSS. On a busy machine the wall
# time grows with the load; the CPU time does not.
measure() {
  local label=$1 expected=$2; shift 2
  local log status
  log=$(mktemp)
  set +e
  /usr/bin/time -v -o "$log" "$@" >/dev/null 2>&1
  status=$?
  set -e
  if [ "$status" != "$expected" ]; then
    echo "$label: exit status $status, expected $expected" >&2
    cat "$log" >&2
    exit 1
  fi
  awk -v label="$label" '
    /Elapsed \(wall clock\)/ { n = split($NF, t, ":"); wall = (n == 3) ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2] }
    /User time \(seconds\)/ { cpu += $NF }
    /System time \(seconds\)/ { cpu += $NF }
    /Maximum resident set size/ { rss = $NF / 1024 }
    END { printf "%-36s %9.2f s %9.2f s %9.1f MB\n", label, wall, cpu, rss }' "$log"
  rm -f "$log"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); $("$bin" --version); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-36s %11s %11s %12s\n" "run" "wall" "CPU" "peak RSS"
for n in "${sizes[@]}"; do
  dir="$work/catalog-$n"
  if [ ! -f "$dir/e$(printf %07d "$n").yaml" ]; then
    rm -rf "$dir"
    python3 bench/lint/gen.py "$n" "$dir"
  fi
  # Warm the page cache once, so both tools read from memory.
  cat "$dir"/e*.yaml >/dev/null 2>&1 || find "$dir" -name '*.yaml' -exec cat {} + >/dev/null
  measure "catwatch lint ($n)" 0 "$bin" lint "$dir"
  measure "catwatch lint --format json ($n)" 0 "$bin" lint --format json "$dir"
  if [ "${SKIP_CHECK_JSONSCHEMA:-0}" != 1 ]; then
    schema=$PWD/schema/entry.schema.json
    # xargs keeps under the kernel's argument limit (100,000 names need 2 calls).
    measure "check-jsonschema ($n)" 0 bash -c 'cd "$1" && printf "%s\0" e*.yaml | xargs -0 check-jsonschema --schemafile "$2"' _ "$dir" "$schema"
  fi
done
