#!/usr/bin/env bash
# The `catwatch check` benchmark, side by side with lychee.
#
# A local fixture server imitates 20 hosts with 20 ms latency and a mix of
# paths like the real web (per 100 URLs: 60 pages without validators, 12 with
# an ETag only, 10 with Last-Modified only, 8 with both, 5 404s, 3 chains of
# 301s of 1, 2 and 3 hops, 2 slow pages; one host answers every HEAD with
# 404). See examples/fixture_server.rs and bench/check/generate.py.
#
# Each round ALTERNATES the two tools, each against a freshly started fixture:
#   1. catwatch check, first pass, with a fresh state file (`[state] path` in
#      the round's directory; no --no-state). Every verdict is compared with
#      the truth (verify.py) and the fixture's per-host in-flight maximum with
#      PER_HOST.
#   2. catwatch check again, same fixture and port after /__reset (a fresh
#      stats window), SAME state file: the second run. Its requests, and how
#      many of the pages with validators (etag, lm, ok) cost one conditional
#      request answered 304. The bar: at least 90% of them.
#   3. lychee on the same URLs (addresses written in, as lychee cannot pin
#      names), on a freshly started fixture.
#
# usage: bench/check/run.sh            (from anywhere)
# environment:
#   SIZES="1000 10000"     catalog sizes (100000 works too)
#   RUNS=3                 rounds per size
#   CONCURRENCY=64         requests in flight at once (both tools)
#   PER_HOST=8             requests in flight at once per host (both tools;
#                          lychee: --host-concurrency when its --help has it)
#   THREADS=1              catwatch's [probe] threads (1: the probes are polled
#                          on one thread, the default; more: a pool of workers)
#   SLOW_MS=1500           extra delay of the slow 2%
#   HEAD_LIAR_HOSTS=1      hosts that answer every HEAD with 404
#   LYCHEE                 lychee's binary; else `command -v lychee`, else
#                          /tmp/lychee-root/bin/lychee
#   LYCHEE_INSTALL_SECS=0  if lychee is still missing, try `cargo install
#                          lychee` for at most this long (0: do not try)
#   CARGO_TARGET_DIR       default /work/target-release when it exists
# Both tools: retries 2, timeout 10 s, no politeness interval.
#
# Output: bench/check/results/summary.md (printed at the end): the medians
# per tool and size, the ratios catwatch/lychee, the second-run line, and
# every run; runs.jsonl with the raw figures; the last report, timing and
# fixture stats of each kind next to it (not tracked by git).
#
# Columns: wall, CPU (user + sys) and peak RSS, as bench/check/timed.c reads
# them from the kernel for each tool alike (wait4's rusage, unrounded; GNU
# time -v rounds CPU to 10 ms, a tenth of the figure at 1,000 URLs).
# "requests" is the fixture's count of every request (HEAD, GET, other);
# "req/URL" counts one request per redirect hop as due:
# requests / (URLs + redirect hops), so 1.00 is one request per URL and per
# hop. "probing s" is the fixture's window from the first request to the
# last answer; "outside s" is the rest of the wall time (start-up, reading
# the catalog, writing the report); "in flight" is the fixture's mean number
# of requests in flight over its window; "tail s" runs from the last
# request's arrival to the last answer; "max/host" is the most requests the
# fixture saw in flight at once on one host. The machine is noisy: compare
# medians, and read every run.
#
# Exit 1 when a catwatch verdict disagrees with the truth (either pass), a
# catwatch pass exceeded PER_HOST on some host, catwatch failed to run, or the
# second run's 304 share was below 90%. Exit 2 when the setup is missing.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

SIZES="${SIZES:-1000 10000}"
RUNS="${RUNS:-3}"
CONCURRENCY="${CONCURRENCY:-64}"
PER_HOST="${PER_HOST:-8}"
THREADS="${THREADS:-1}"
SLOW_MS="${SLOW_MS:-1500}"
HEAD_LIAR_HOSTS="${HEAD_LIAR_HOSTS:-1}"
LYCHEE_INSTALL_SECS="${LYCHEE_INSTALL_SECS:-0}"
HOSTS=20
LATENCY_MS=20
BAR_PERCENT=90
if [[ -z "${CARGO_TARGET_DIR:-}" && -d /work/target-release ]]; then
  export CARGO_TARGET_DIR=/work/target-release
fi
target="${CARGO_TARGET_DIR:-$root/target}"
results="$here/results"
work="$(mktemp -d)"
mkdir -p "$results"

for tool in python3 curl cc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done

echo "== building (release)"
cargo build --release --quiet --bin catwatch --example fixture_server
# Copy at once: a shared target directory may be relinked by another checkout.
cp "$target/release/catwatch" "$target/release/examples/fixture_server" "$work/"
cc -O2 -Wall -Wextra -o "$work/timed" "$here/timed.c"
catwatch="$work/catwatch"
fixture="$work/fixture_server"
timed="$work/timed"

fixture_pid=""
port=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [[ -n "$fixture_pid" ]]; then kill "$fixture_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_fixture() {
  "$fixture" --port 0 --hosts "$HOSTS" --first-ip 10 --latency-ms "$LATENCY_MS" \
    --slow-ms "$SLOW_MS" --head-liar-hosts "$HEAD_LIAR_HOSTS" >"$work/fixture.out" &
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

stats() { curl -sf "http://127.0.0.10:$port/__stats" >"$1"; }
reset_stats() { curl -sf "http://127.0.0.10:$port/__reset" >/dev/null; }

# record TOOL PASS SIZE ROUND TIMEFILE STATSFILE SUMMARYJSON: one line in runs.jsonl
record() {
  python3 - "$@" >>"$results/runs.jsonl" <<'PY'
import json, sys
tool, run_pass, size, run, time_file, stats_file, summary_file = sys.argv[1:8]
timed = json.load(open(time_file))
stats = json.load(open(stats_file))
summary = json.load(open(summary_file))
wall = timed["wall_s"]
requests = stats["head"] + stats["get"] + stats["other"]
pages = stats["validator_pages"]
print(json.dumps({
    "tool": tool, "pass": int(run_pass), "urls": int(size), "run": int(run),
    "hops": summary["hops"], "validator_urls": summary["validator_urls"],
    "wall_s": wall,
    "cpu_s": timed["user_s"] + timed["sys_s"],
    "peak_mb": timed["max_rss_kb"] / 1024,
    "probing_s": stats["busy_ms"] / 1000, "outside_s": wall - stats["busy_ms"] / 1000,
    "requests": requests, "head": stats["head"], "get": stats["get"],
    "req_per_url": requests / (int(size) + summary["hops"]),
    "conditional": stats["conditional"], "not_modified": stats["not_modified"],
    "redirects": stats["redirects"], "by_kind": stats["by_kind"],
    "one_conditional_304": pages["one_conditional_304"],
    "validator_requests": pages["requests"],
    "mean_in_flight": stats.get("mean_in_flight", 0), "tail_s": stats.get("tail_ms", 0) / 1000,
    "max_per_host": max(stats["max_in_flight_per_host"].values(), default=0),
    "max_total": stats["max_in_flight_total"],
}))
PY
}

# per_host_ok STATSFILE WHO: prints the fixture's counts; fails when over PER_HOST
per_host_ok() {
  python3 - "$1" "$PER_HOST" "$2" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1])); limit = int(sys.argv[2]); who = sys.argv[3]
worst = max(stats["max_in_flight_per_host"].values(), default=0)
print(f"fixture ({who}): {stats['head']} HEAD + {stats['get']} GET + {stats['other']} other; "
      f"{stats['conditional']} conditional, {stats['not_modified']} answered 304, {stats['redirects']} redirects; "
      f"at most {worst} in flight per host (limit {limit}), {stats['max_in_flight_total']} in total")
sys.exit(1 if worst > limit else 0)
PY
}

lychee_bin="${LYCHEE:-}"
[[ -n "$lychee_bin" ]] || lychee_bin="$(command -v lychee || true)"
[[ -n "$lychee_bin" || ! -x /tmp/lychee-root/bin/lychee ]] || lychee_bin=/tmp/lychee-root/bin/lychee
if [[ -z "$lychee_bin" && "$LYCHEE_INSTALL_SECS" -gt 0 ]]; then
  echo "== lychee missing: trying cargo install lychee (at most ${LYCHEE_INSTALL_SECS}s)"
  if timeout "$LYCHEE_INSTALL_SECS" cargo install --locked lychee >"$work/lychee-install.log" 2>&1; then
    lychee_bin="$(command -v lychee || echo "$HOME/.cargo/bin/lychee")"
  fi
fi
if [[ -n "$lychee_bin" && ! -x "$lychee_bin" ]]; then
  echo "bench: lychee binary $lychee_bin is not executable: catwatch only" >&2
  lychee_bin=""
fi
lychee_version=""
lychee_extra=()
if [[ -n "$lychee_bin" ]]; then
  lychee_version="$("$lychee_bin" --version 2>/dev/null | head -1)"
  lychee_help="$("$lychee_bin" --help)"
  if grep -q -- '--host-concurrency' <<<"$lychee_help"; then
    lychee_extra+=(--host-concurrency "$PER_HOST")
  else
    echo "bench: $lychee_version has no --host-concurrency: its per-host limit is its own" >&2
  fi
  if grep -q -- '--host-request-interval' <<<"$lychee_help"; then
    lychee_extra+=(--host-request-interval 0s)
  fi
  echo "== lychee: $lychee_bin ($lychee_version)"
else
  echo "== lychee not found (LYCHEE, PATH, /tmp/lychee-root/bin): catwatch only"
fi
catwatch_version="$("$catwatch" --version 2>/dev/null | head -1)"
revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain -- src 2>/dev/null)" ]]; then revision="$revision + uncommitted src/"; fi

status=0
summary="$results/summary.md"
rm -f "$results/runs.jsonl"

# catwatch_pass SIZE ROUND PASS DIR: one timed catwatch check; verify it
catwatch_pass() {
  local size="$1" round="$2" pass="$3" dir="$4" code
  local base="$results/catwatch-$size-pass$pass"
  echo "== catwatch check, $size URLs, round $round, pass $pass"
  set +e
  "$timed" "$base.time" "$base.json" "$base.stderr" -- \
    "$catwatch" --config "$dir/catwatch.toml" check --format json --quiet
  code=$?
  set -e
  stats "$base.stats.json"
  per_host_ok "$base.stats.json" "catwatch pass $pass" || status=1
  if [[ $code -gt 1 ]]; then
    echo "bench: catwatch check exited $code:" >&2
    tail -5 "$base.stderr" >&2
    status=1
    return
  fi
  record catwatch "$pass" "$size" "$round" "$base.time" "$base.stats.json" "$dir/summary.json"
  python3 "$here/verify.py" catwatch "$dir/truth.json" "$base.json" || status=1
}

for size in $SIZES; do
  for round in $(seq "$RUNS"); do
    dir="$work/$size/round-$round"
    rm -rf "${work:?}/$size"

    # catwatch: a fresh fixture, a fresh state file, two passes.
    start_fixture
    python3 "$here/generate.py" --size "$size" --port "$port" --out "$dir/catwatch" \
      --hosts "$HOSTS" --concurrency "$CONCURRENCY" --per-host "$PER_HOST" \
      --threads "$THREADS" --state "$dir/catwatch/state/catwatch-state.json"
    mkdir -p "$dir/catwatch/state"
    catwatch_pass "$size" "$round" 1 "$dir/catwatch"
    if [[ ! -s "$dir/catwatch/state/catwatch-state.json" ]]; then
      echo "bench: the first pass left no state file at $dir/catwatch/state/catwatch-state.json" >&2
      status=1
    fi
    reset_stats
    catwatch_pass "$size" "$round" 2 "$dir/catwatch"
    stop_fixture

    # lychee: a fresh fixture, the same URLs.
    if [[ -n "$lychee_bin" ]]; then
      start_fixture
      python3 "$here/generate.py" --size "$size" --port "$port" --out "$dir/lychee" \
        --hosts "$HOSTS" --urls-only
      base="$results/lychee-$size"
      echo "== lychee, $size URLs, round $round"
      set +e
      "$timed" "$base.time" "$base.json" "$base.stderr" -- \
        "$lychee_bin" --no-progress --format json --max-concurrency "$CONCURRENCY" \
        --max-retries 2 --timeout 10 "${lychee_extra[@]}" "$dir/lychee/urls.txt"
      code=$?
      set -e
      stats "$base.stats.json"
      per_host_ok "$base.stats.json" lychee || true
      # lychee: 0 all good, 2 some links failed (the 404s); anything else is its own error
      if [[ ( $code -ne 0 && $code -ne 2 ) || ! -s "$base.json" ]]; then
        echo "bench: lychee exited $code:" >&2
        tail -5 "$base.stderr" >&2
      else
        record lychee 1 "$size" "$round" "$base.time" "$base.stats.json" "$dir/lychee/summary.json"
        python3 "$here/verify.py" lychee "$dir/lychee/truth.json" "$base.json" || true
      fi
      stop_fixture
    fi
  done
done

BAR_PERCENT="$BAR_PERCENT" LYCHEE_VERSION="$lychee_version" CATWATCH_VERSION="$catwatch_version" \
REVISION="$revision" HOSTS="$HOSTS" LATENCY_MS="$LATENCY_MS" SLOW_MS="$SLOW_MS" \
HEAD_LIAR_HOSTS="$HEAD_LIAR_HOSTS" CONCURRENCY="$CONCURRENCY" PER_HOST="$PER_HOST" THREADS="$THREADS" \
  python3 - "$results/runs.jsonl" "$summary" <<'PY' || status=1
import json, os, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
out = open(sys.argv[2], "w")
env = os.environ
bar = int(env["BAR_PERCENT"])
lychee = env["LYCHEE_VERSION"] or None
def say(text=""):
    print(text, file=out)
failed = False

say("# `catwatch check` against lychee")
say()
say(f"catwatch: {env['CATWATCH_VERSION']}, revision {env['REVISION']}. "
    + (f"lychee: {lychee}." if lychee else "lychee: not found, so no comparison was made."))
say()
say(f"Fixture: {env['HOSTS']} hosts on loopback, {env['LATENCY_MS']} ms latency on every answer. Per 100 URLs: 60 pages "
    "without validators, 12 with an ETag only, 10 with Last-Modified only, 8 with both, 5 404s, "
    f"3 chains of 301s (1, 2 and 3 hops), 2 slow pages (+{env['SLOW_MS']} ms); {env['HEAD_LIAR_HOSTS']} host(s) answer "
    f"every HEAD with 404. Both tools: {env['CONCURRENCY']} requests in flight in total, {env['PER_HOST']} per host, "
    f"2 retries, 10 s timeout; catwatch polls its probes on {env['THREADS']} thread(s) (`[probe] threads`). Rounds alternate: catwatch (first pass, then a second pass with the same "
    "state file), then lychee, each on a freshly started fixture.")
say()
say("req/URL = requests / (URLs + redirect hops): 1.00 is one request per URL and one per hop.")
say()

columns = ["wall_s", "cpu_s", "peak_mb", "requests", "req_per_url", "probing_s", "outside_s",
           "mean_in_flight", "tail_s", "max_per_host"]
head = ("| tool | URLs | run | wall s | CPU s | peak MB | requests | req/URL | probing s | outside s "
        "| in flight | tail s | max/host |")
rule = "|" + "---|" * 13
def name(r):
    return r["tool"] if r["tool"] != "catwatch" or r["pass"] == 1 else "catwatch, second run"
def row(r, run):
    return (f"| {name(r)} | {r['urls']} | {run} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['peak_mb']:.1f} "
            f"| {r['requests']:.0f} | {r['req_per_url']:.3f} | {r['probing_s']:.2f} | {r['outside_s']:.2f} "
            f"| {r['mean_in_flight']:.1f} | {r['tail_s']:.2f} | {r['max_per_host']:.0f} |")

medians = {}
for key in sorted({(r["urls"], r["tool"], r["pass"]) for r in runs}):
    group = [r for r in runs if (r["urls"], r["tool"], r["pass"]) == key]
    median = {c: statistics.median(r[c] for r in group) for c in columns}
    median.update(urls=key[0], tool=key[1], n=len(group), **{"pass": key[2]})
    medians[key] = median

say("## Medians")
say()
say(head)
say(rule)
for key, median in medians.items():
    say(row(median, f"median of {median['n']}"))
say()

say("## catwatch / lychee (first pass; medians)")
say()
if not lychee:
    say("lychee was not available: no ratios.")
for urls in sorted({r["urls"] for r in runs}):
    ours, theirs = medians.get((urls, "catwatch", 1)), medians.get((urls, "lychee", 1))
    if not (ours and theirs):
        continue
    def compare(label, key, unit, fmt="{:.2f}"):
        a, b = ours[key], theirs[key]
        ratio = a / b if b else float("inf")
        verdict = "at most" if a <= b else "MORE THAN"
        return (f"{label} {fmt.format(a)}{unit} is {verdict} lychee's {fmt.format(b)}{unit} "
                f"(ratio catwatch/lychee {ratio:.2f})")
    say(f"- {urls} URLs: " + "; ".join([
        compare("wall", "wall_s", " s"),
        compare("CPU", "cpu_s", " s"),
        compare("peak", "peak_mb", " MB", "{:.1f}"),
        compare("requests", "requests", "", "{:.0f}"),
    ]) + ".")
say()

say("Requests beyond one per URL and per redirect hop (medians; the fixture counts every request):")
say()
for key, median in medians.items():
    group = [r for r in runs if (r["urls"], r["tool"], r["pass"]) == key]
    extra = statistics.median(r["requests"] - r["urls"] - r["hops"] for r in group)
    robots = statistics.median(r["by_kind"].get("robots.txt", 0) for r in group)
    head_requests = statistics.median(r["head"] for r in group)
    say(f"- {name(group[0])}, {key[0]} URLs: {extra:+.0f} ({robots:.0f} for /robots.txt, "
        f"{head_requests:.0f} HEAD requests in all)")
say()

say("## Second run (same state file)")
say()
for urls in sorted({r["urls"] for r in runs}):
    second = [r for r in runs if r["urls"] == urls and r["tool"] == "catwatch" and r["pass"] == 2]
    if not second:
        say(f"- {urls} URLs: no second run recorded (catwatch failed).")
        failed = True
        continue
    shares = [r["one_conditional_304"] / r["validator_urls"] if r["validator_urls"] else 0 for r in second]
    worst = min(shares)
    m = medians[(urls, "catwatch", 2)]
    first = medians.get((urls, "catwatch", 1))
    verdict = "meets" if worst * 100 >= bar else "is BELOW"
    failed |= worst * 100 < bar
    say(f"- {urls} URLs: {m['requests']:.0f} requests (median; {m['req_per_url']:.3f} per URL counting hops"
        + (f", first pass {first['requests']:.0f}" if first else "") + "), "
        f"wall {m['wall_s']:.2f} s, CPU {m['cpu_s']:.2f} s. Of the {second[0]['validator_urls']} pages with "
        f"validators, {statistics.median(r['one_conditional_304'] for r in second):.0f} (median; "
        f"{statistics.median(shares) * 100:.1f}%, lowest round {worst * 100:.1f}%) cost one conditional "
        f"request answered 304; conditional requests in all: "
        f"{statistics.median(r['conditional'] for r in second):.0f}, 304s: "
        f"{statistics.median(r['not_modified'] for r in second):.0f}. The lowest round {verdict} the bar "
        f"of {bar}%.")
say()

say("## Every run")
say()
say(head)
say(rule)
for r in runs:
    say(row(r, r["run"]))
say()
say("Requests by kind of path (fixture's count):")
say()
for r in runs:
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["by_kind"].items()))
    say(f"- {name(r)}, {r['urls']} URLs, round {r['run']}: {r['head']} HEAD + {r['get']} GET; {kinds}; "
        f"{r['redirects']} redirects, {r['conditional']} conditional, {r['not_modified']} answered 304.")
out.close()
sys.exit(1 if failed else 0)
PY

echo
cat "$summary"
exit $status
