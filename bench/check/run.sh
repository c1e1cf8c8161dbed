#!/usr/bin/env bash
# The `catwatch check` benchmark: 1,000 and 10,000 website URLs on a local
# fixture server imitating 20 hosts (20 ms latency; 90% ok, 5% 404, 3%
# permanent redirects, 2% slow), then lychee on the same URLs at the same
# concurrency when it is installed.
#
# usage: bench/check/run.sh            (from anywhere)
# environment:
#   SIZES="1000 10000"     catalog sizes
#   CONCURRENCY=64         requests in flight at once (both tools)
#   PER_HOST=8             requests in flight at once per host (both tools)
#   SLOW_MS=1500           extra delay of the slow 2%
#   LYCHEE_INSTALL_SECS=0  if lychee is missing, try `cargo install lychee` for
#                          at most this long (0: do not try)
#   CARGO_TARGET_DIR       default /work/target-release when it exists
#
# Output: a table on stdout and in bench/check/results/summary.md; the raw
# reports and /usr/bin/time outputs next to it. Exit 1 when a catwatch
# verdict disagrees with the fixture's truth or a per-host limit was exceeded.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

SIZES="${SIZES:-1000 10000}"
CONCURRENCY="${CONCURRENCY:-64}"
PER_HOST="${PER_HOST:-8}"
SLOW_MS="${SLOW_MS:-1500}"
LYCHEE_INSTALL_SECS="${LYCHEE_INSTALL_SECS:-0}"
if [[ -z "${CARGO_TARGET_DIR:-}" && -d /work/target-release ]]; then
  export CARGO_TARGET_DIR=/work/target-release
fi
target="${CARGO_TARGET_DIR:-$root/target}"
results="$here/results"
work="$(mktemp -d)"
mkdir -p "$results"

for tool in /usr/bin/time python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done

echo "== building (release)"
cargo build --release --quiet --bin catwatch --example fixture_server
catwatch="$target/release/catwatch"
fixture="$target/release/examples/fixture_server"

fixture_pid=""
cleanup() {
  if [[ -n "$fixture_pid" ]]; then kill "$fixture_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_fixture() {
  "$fixture" --port 0 --hosts 20 --first-ip 10 --latency-ms 20 --slow-ms "$SLOW_MS" >"$work/fixture.out" &
  fixture_pid=$!
  for _ in $(seq 50); do
    if grep -q '^ready ' "$work/fixture.out" 2>/dev/null; then
      port="$(awk '/^ready /{print $2}' "$work/fixture.out")"
      return
    fi
    sleep 0.1
  done
  echo "bench: the fixture server did not start" >&2
  exit 2
}

stop_fixture() {
  kill "$fixture_pid" 2>/dev/null || true
  wait "$fixture_pid" 2>/dev/null || true
  fixture_pid=""
}

# field NAME FILE: one value from /usr/bin/time -v output
field() { grep -F "$1" "$2" | sed 's/.*: //'; }
seconds() { # h:mm:ss.ss or m:ss.ss -> seconds
  awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }' <<<"$1"
}
summarise() { # TOOL SIZE TIMEFILE -> one Markdown row
  local wall cpu rss
  wall="$(seconds "$(field 'Elapsed (wall clock)' "$3")")"
  cpu="$(awk -v u="$(field 'User time' "$3")" -v s="$(field 'System time' "$3")" 'BEGIN{print u + s}')"
  rss="$(field 'Maximum resident set size' "$3")"
  awk -v t="$1" -v n="$2" -v w="$wall" -v c="$cpu" -v r="$rss" \
    'BEGIN{ printf "| %s | %d | %.2f | %.0f | %.2f | %.1f |\n", t, n, w, n / w, c, r / 1024 }'
}

lychee_bin="$(command -v lychee || true)"
if [[ -z "$lychee_bin" && "$LYCHEE_INSTALL_SECS" -gt 0 ]]; then
  echo "== lychee missing: trying cargo install lychee (at most ${LYCHEE_INSTALL_SECS}s)"
  if timeout "$LYCHEE_INSTALL_SECS" cargo install --locked lychee >"$work/lychee-install.log" 2>&1; then
    lychee_bin="$(command -v lychee || echo "$HOME/.cargo/bin/lychee")"
  fi
fi
[[ -n "$lychee_bin" && -x "$lychee_bin" ]] || lychee_bin=""

status=0
summary="$results/summary.md"
{
  echo "Concurrency $CONCURRENCY in total, $PER_HOST per host; 20 hosts; 20 ms latency; slow answers +${SLOW_MS} ms."
  echo
  echo "| tool | URLs | wall s | URLs/s | CPU s | peak MB |"
  echo "|---|---|---|---|---|---|"
} >"$summary"

for size in $SIZES; do
  start_fixture
  dir="$work/$size"
  python3 "$here/generate.py" --size "$size" --port "$port" --out "$dir" \
    --concurrency "$CONCURRENCY" --per-host "$PER_HOST"

  echo "== catwatch check, $size URLs"
  set +e
  /usr/bin/time -v -o "$results/catwatch-$size.time" \
    "$catwatch" --config "$dir/catwatch.toml" check --format json --no-state --quiet \
    >"$results/catwatch-$size.json" 2>"$results/catwatch-$size.stderr"
  code=$?
  set -e
  if [[ $code -gt 1 ]]; then
    echo "bench: catwatch check exited $code:" >&2
    tail -5 "$results/catwatch-$size.stderr" >&2
    status=1
  else
    summarise catwatch "$size" "$results/catwatch-$size.time" | tee -a "$summary"
    python3 "$here/verify.py" catwatch "$dir/truth.json" "$results/catwatch-$size.json" || status=1
  fi
  curl -s "http://127.0.0.10:$port/__stats" >"$results/fixture-$size-catwatch.json"
  python3 - "$results/fixture-$size-catwatch.json" "$PER_HOST" <<'PY' || status=1
import json, sys
stats = json.load(open(sys.argv[1])); limit = int(sys.argv[2])
worst = max(stats["max_in_flight_per_host"].values())
print(f"fixture: {stats['head']} HEAD + {stats['get']} GET; at most {worst} in flight per host (limit {limit}), {stats['max_in_flight_total']} in total")
sys.exit(1 if worst > limit else 0)
PY
  stop_fixture

  if [[ -n "$lychee_bin" ]]; then
    start_fixture
    python3 "$here/generate.py" --size "$size" --port "$port" --out "$dir" \
      --concurrency "$CONCURRENCY" --per-host "$PER_HOST"
    echo "== lychee, $size URLs"
    extra=()
    help="$("$lychee_bin" --help)"
    grep -q -- '--host-concurrency' <<<"$help" && extra+=(--host-concurrency "$PER_HOST")
    grep -q -- '--host-request-interval' <<<"$help" && extra+=(--host-request-interval 0s)
    set +e
    /usr/bin/time -v -o "$results/lychee-$size.time" \
      "$lychee_bin" --no-progress --format json --max-concurrency "$CONCURRENCY" \
      --max-retries 2 --timeout 10 "${extra[@]}" "$dir/urls.txt" \
      >"$results/lychee-$size.json" 2>"$results/lychee-$size.stderr"
    set -e
    summarise lychee "$size" "$results/lychee-$size.time" | tee -a "$summary"
    python3 "$here/verify.py" lychee "$dir/truth.json" "$results/lychee-$size.json" || true
    curl -s "http://127.0.0.10:$port/__stats" >"$results/fixture-$size-lychee.json"
    stop_fixture
  else
    echo "lychee not installed (set LYCHEE_INSTALL_SECS to let this script try cargo install lychee)" | tee -a "$summary"
  fi
done

echo
cat "$summary"
exit $status
