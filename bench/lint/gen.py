#!/usr/bin/env python3
"""Writes N valid, distinct catalog entries into DIR, for benchmarking lint.

Usage: gen.py N DIR

Each entry looks like a real one (about 1.3 KiB, two URLs, three claims) and
is unique in id, URLs and DOI, so lint must do every check and find nothing.
File names are short (e0000001.yaml) so that check-jsonschema can take every
file on one command line.
"""
import os
import sys

TEMPLATE = """\
# yaml-language-server: $schema=../schema/entry.schema.json
id: {id}
name: Synthetic chest imaging collection {n}
description: >-
  A generated entry for benchmarking catwatch lint. It has the shape of a real
  catalog entry: several URLs, six flags, licence, provenance and claims.
kind: imaging
urls:
  - url: https://github.com/bench-org-{n}/imaging-data-{n}
    role: repository
  - url: https://doi.org/10.5281/zenodo.{doi}
    role: doi
  - url: https://example.org/papers/{n}
    role: paper
modalities:
  ct: Y
  xray: {xray}
  mrt: N
  ultrasound: N
  metadata: U
  case_review: N
access: open
license:
  spdx: CC-BY-4.0
  status: believed
maintenance: frozen
provenance:
  last_verified: 2026-01-15
  verified_against: >-
    Generated for the benchmark; nothing here was checked against the live web.
  live_checked: false
  claims:
    - about: existence
      source: bench/lint/gen.py
      confidence: low
    - about: modalities
      source: bench/lint/gen.py
      confidence: low
    - about: license
      source: bench/lint/gen.py
      confidence: low
exemptions:
  - kind: snooze
    reason: Synthetic entry.
    expires: 2999-12-31
"""


def main() -> None:
    count, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for n in range(1, count + 1):
        entry_id = f"e{n:07d}"
        text = TEMPLATE.format(
            id=entry_id, n=n, doi=1_000_000 + n, xray="Y" if n % 2 else "U"
        )
        with open(os.path.join(out, f"{entry_id}.yaml"), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
