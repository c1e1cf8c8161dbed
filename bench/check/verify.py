#!/usr/bin/env python3
"""Compares a `catwatch check --format json` report (or lychee's JSON) with truth.json.

usage: verify.py catwatch TRUTH REPORT     exit 1 on any disagreement
       verify.py lychee TRUTH REPORT       prints agreement, exit 0

truth.json comes from generate.py: every page (with or without validators,
slow or not) must be ok, every 404 dead, every 301 chain moved to the chain's
final URL. catwatch's verdicts must agree one for one; lychee has no "moved",
so only its 404s are compared (and any other URL it failed is counted).
"""
import json
import sys


def rows_of(report):
    """The per-resource rows, whatever the report's outer shape."""
    if isinstance(report, list):
        return report
    for key in ("resources", "checks", "results", "entries"):
        if isinstance(report.get(key), list):
            return report[key]
    raise SystemExit(f"no list of resources in the report (keys: {sorted(report)})")


def verify_catwatch(truth, report):
    rows = {row["id"]: row for row in rows_of(report)}
    problems = []
    for entry_id, want in truth.items():
        row = rows.get(entry_id)
        if row is None:
            problems.append(f"{entry_id}: missing from the report")
            continue
        if row.get("status") != want["expect"]:
            problems.append(f"{entry_id} {want['url']}: expected {want['expect']}, got {row.get('status')} ({row.get('reason')})")
        elif want["expect"] == "moved" and row.get("moved_to") != want["moved_to"]:
            problems.append(f"{entry_id}: moved to {row.get('moved_to')}, expected {want['moved_to']}")
    extra = set(rows) - set(truth)
    if extra:
        problems.append(f"{len(extra)} ids in the report that are not in the catalog")
    counts, reasons = {}, {}
    for row in rows.values():
        counts[row.get("status")] = counts.get(row.get("status"), 0) + 1
        reasons[row.get("reason")] = reasons.get(row.get("reason"), 0) + 1
    print(f"catwatch verdicts: {json.dumps(counts, sort_keys=True)}; reasons: {json.dumps(reasons, sort_keys=True)}")
    for problem in problems[:20]:
        print("  MISMATCH", problem)
    if problems:
        print(f"catwatch: {len(problems)} of {len(truth)} verdicts disagree with the fixture's truth")
        return 1
    print(f"catwatch: all {len(truth)} verdicts agree with the fixture's truth")
    return 0


def verify_lychee(truth, report):
    failed = set()
    for key in ("fail_map", "error_map"):
        for items in (report.get(key) or {}).values():
            for item in items:
                failed.add(item.get("url"))
    dead = {want["ip_url"] for want in truth.values() if want["expect"] == "dead"}
    agree = len(dead & failed)
    false_alarms = len(failed - dead)
    print(f"lychee: {len(failed)} failures; {agree} of {len(dead)} 404s caught; {false_alarms} other URLs failed"
          " (lychee follows redirects and has no verdict for a permanent move)")
    return 0


def main():
    mode, truth_path, report_path = sys.argv[1:4]
    with open(truth_path) as f:
        truth = json.load(f)
    with open(report_path) as f:
        report = json.load(f)
    sys.exit(verify_catwatch(truth, report) if mode == "catwatch" else verify_lychee(truth, report))


if __name__ == "__main__":
    main()
