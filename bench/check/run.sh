#!/usr/bin/env bash
# The `catwatch check` benchmark: 1,000 and 10,000 website URLs on a local
# fixture server imitating 20 hosts (20 ms latency; 90% ok, 5% 404, 3%
# permanent redirects, 2% slow), then lychee on the same URLs at the same
# concurrency when it is installed.
#
# usage: bench/check/run.sh            (from anywhere)
# environment:
#   SIZES="1000 10000"     catalog sizes
#   RUNS=3                 rounds per size; each round runs catwatch, then
#                          lychee, each against a freshly started fixture
#   CONCURRENCY=64         requests in flight at once (both tools)
#   PER_HOST=8             requests in flight at once per host (both tools)
#   SLOW_MS=1500           extra delay of the slow 2%
#   LYCHEE_INSTALL_SECS=0  if lychee is missing, try `cargo install lychee` for
#                          at most this long (0: do not try)
#   CARGO_TARGET_DIR       default /work/target-release when it exists
#
# Output: a table of every run and of the medians on stdout and in
# bench/check/results/summary.md; the raw reports and /usr/bin/time outputs
# next to it (not tracked by git). "probing s" is the fixture's own window
# from the first request to the last answer; "outside probing s" is the rest
# of the wall time (start-up, reading the catalog before the first request,
# rendering the report after the last answer); "mean in flight" is the
# fixture's count of requests in flight averaged over its window; "tail s"
# runs from the last request's arrival to the last answer. The machine is
# noisy, so compare medians. Exit 1 when a catwatch verdict disagrees with
# the fixture's truth or a per-host limit was exceeded.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

SIZES="${SIZES:-1000 10000}"
RUNS="${RUNS:-3}"
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
# Copy at once: a shared target directory may be relinked by another checkout.
cp "$target/release/catwatch" "$target/release/examples/fixture_server" "$work/"
catwatch="$work/catwatch"
fixture="$work/fixture_server"

fixture_pid=""
# shellcheck disable=SC2317 # called by the EXIT trap
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

# record TOOL SIZE ROUND TIMEFILE STATSFILE: one JSON line in runs.jsonl
record() {
  python3 - "$@" >>"$results/runs.jsonl" <<'PY'
import json, sys
tool, size, run, time_file, stats_file = sys.argv[1:6]
fields = {}
for line in open(time_file):
    if ": " in line:
        key, value = line.strip().rsplit(": ", 1)
        fields[key] = value
def seconds(text):
    parts = [float(p) for p in text.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
stats = json.load(open(stats_file))
wall = seconds(fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"])
print(json.dumps({
    "tool": tool, "urls": int(size), "run": int(run), "wall_s": wall,
    "cpu_s": float(fields["User time (seconds)"]) + float(fields["System time (seconds)"]),
    "peak_mb": int(fields["Maximum resident set size (kbytes)"]) / 1024,
    "probing_s": stats["busy_ms"] / 1000, "outside_s": wall - stats["busy_ms"] / 1000,
    "requests": stats["head"] + stats["get"] + stats["other"],
    "mean_in_flight": stats.get("mean_in_flight", 0), "tail_s": stats.get("tail_ms", 0) / 1000,
}))
PY
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
rm -f "$results/runs.jsonl"

for size in $SIZES; do
  for round in $(seq "$RUNS"); do
    start_fixture
    dir="$work/$size"
    python3 "$here/generate.py" --size "$size" --port "$port" --out "$dir" \
      --concurrency "$CONCURRENCY" --per-host "$PER_HOST"

    echo "== catwatch check, $size URLs, round $round"
    set +e
    /usr/bin/time -v -o "$results/catwatch-$size.time" \
      "$catwatch" --config "$dir/catwatch.toml" check --format json --no-state --quiet \
      >"$results/catwatch-$size.json" 2>"$results/catwatch-$size.stderr"
    code=$?
    set -e
    curl -s "http://127.0.0.10:$port/__stats" >"$results/fixture-$size-catwatch.json"
    if [[ $code -gt 1 ]]; then
      echo "bench: catwatch check exited $code:" >&2
      tail -5 "$results/catwatch-$size.stderr" >&2
      status=1
    else
      record catwatch "$size" "$round" "$results/catwatch-$size.time" "$results/fixture-$size-catwatch.json"
      python3 "$here/verify.py" catwatch "$dir/truth.json" "$results/catwatch-$size.json" || status=1
    fi
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
      echo "== lychee, $size URLs, round $round"
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
      curl -s "http://127.0.0.10:$port/__stats" >"$results/fixture-$size-lychee.json"
      record lychee "$size" "$round" "$results/lychee-$size.time" "$results/fixture-$size-lychee.json"
      python3 "$here/verify.py" lychee "$dir/truth.json" "$results/lychee-$size.json" || true
      stop_fixture
    fi
  done
done

python3 - "$results/runs.jsonl" "$CONCURRENCY" "$PER_HOST" "$SLOW_MS" "${lychee_bin:+yes}" >"$summary" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
concurrency, per_host, slow_ms, lychee = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:] == ["yes"]
columns = ["wall_s", "cpu_s", "peak_mb", "probing_s", "outside_s", "requests", "mean_in_flight", "tail_s"]
head = "| tool | URLs | run | wall s | URLs/s | CPU s | peak MB | probing s | outside probing s | requests | mean in flight | tail s |"
def row(r, run):
    return (f"| {r['tool']} | {r['urls']} | {run} | {r['wall_s']:.2f} | {r['urls'] / r['wall_s']:.0f} | {r['cpu_s']:.2f} | "
            f"{r['peak_mb']:.1f} | {r['probing_s']:.2f} | {r['outside_s']:.2f} | {r['requests']:.0f} | "
            f"{r['mean_in_flight']:.1f} | {r['tail_s']:.2f} |")
print(f"Concurrency {concurrency} in total, {per_host} per host; 20 hosts; 20 ms latency; slow answers +{slow_ms} ms.")
print()
print("Medians:")
print()
print(head)
print("|" + "---|" * 12)
medians = {}
for key in sorted({(r["urls"], r["tool"]) for r in runs}):
    group = [r for r in runs if (r["urls"], r["tool"]) == key]
    median = {c: statistics.median(r[c] for r in group) for c in columns}
    median.update(tool=key[1], urls=key[0])
    medians[key] = median
    print(row(median, f"median of {len(group)}"))
print()
if lychee:
    for urls in sorted({r["urls"] for r in runs}):
        ours, theirs = medians.get((urls, "catwatch")), medians.get((urls, "lychee"))
        if ours and theirs:
            verdict = "at most" if ours["wall_s"] <= theirs["wall_s"] else "MORE than"
            print(f"- {urls} URLs: catwatch's median wall time {ours['wall_s']:.2f} s is {verdict} lychee's {theirs['wall_s']:.2f} s.")
else:
    print("lychee not installed (set LYCHEE_INSTALL_SECS to let this script try cargo install lychee)")
print()
print("Every run:")
print()
print(head)
print("|" + "---|" * 12)
for r in runs:
    print(row(r, r["run"]))
PY

echo
cat "$summary"
exit $status
