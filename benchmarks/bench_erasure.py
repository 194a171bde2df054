"""Benchmark: ingest against a growing list of erasures, the ways of matching them side by side.

Erasures only accumulate (GDPR Art. 17 requests over the years), and every run's ingest checks
each source's rows against all of them (jobs.ingest.reject_erased). For each count of erased
record keys this prints, from one Spark session:

  - `sql_in s`: building the membership condition as SQL text (jobs.tables.sql_in), and
    `isin s`: building the same condition with `Column.isin`, one literal Column per key (what
    the job did before 2026-12-05); both for one use, of which a run has two or three per
    source;
  - `listed s` and `joined s`: reject_erased on every source of the configuration (the demo's
    six by default), the keys listed in the query or joined as a broadcast frame
    (jobs.privacy.ErasedKeys), and counting each source's accepted and rejected rows: what a
    run adds to its ingest. The job lists up to MAX_LISTED_ERASURES keys and joins more;
  - the rows rejected as erased, checked against what the keys name: every source keeps
    accepted + rejected rows as before (nothing lost), the erased rows are exactly those of
    the keys that name a record, and both ways give the same counts.

Half of the keys name records of the sources (every n-th record), half name records that are
not there (erased long ago, or in sources since dropped).

Run: make bench-erasure
     .venv/bin/python benchmarks/bench_erasure.py --keys 1000 5000 20000 --conf conf/demo.yaml
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pyspark.sql import functions as F

from jobs.config import load_config
from jobs.ingest import IngestedSource, ingest_source, reject_erased
from jobs.privacy import ERASED, MAX_LISTED_ERASURES, ErasedKeys
from jobs.spark import get_spark
from jobs.tables import sql_in

HERE = Path(__file__).resolve().parent
DEFAULT_KEYS = (1_000, 2_000, 5_000, 20_000, 100_000)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, nargs="+", default=list(DEFAULT_KEYS),
                        help="counts of erased record keys (default: %(default)s)")
    parser.add_argument("--conf", type=Path, default=HERE.parent / "conf" / "demo.yaml",
                        help="job configuration whose sources are read (default: the demo's; "
                             "`make demo-data` writes its files)")
    return parser


def record_ids(part: IngestedSource) -> list[str]:
    """The record ids (source/source_record_id) of a registry, online or social source's
    accepted rows; none for orders, which are erased with their subscriber."""
    if part.source.kind == "orders":
        return []
    return sorted(row[0] for row in part.accepted.select(
        F.concat_ws("/", "source", "source_record_id")).collect())


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = load_config(str(args.conf))
    spark = get_spark("bench-erasure", {"spark.sql.shuffle.partitions": "2"})
    parts = {s.name: ingest_source(spark, s, "bench", 2026) for s in config.sources}
    before = {}
    for name, part in parts.items():
        part.accepted.persist()
        part.rejected.persist()
        before[name] = (part.accepted.count(), part.rejected.count())
    present = [record for part in parts.values() for record in record_ids(part)]
    # Rows rejected before (duplicates, unreadable rows) by record id: an erased record's go too.
    rejected_ids: dict[str, int] = {}
    for part in parts.values():
        if part.source.kind != "orders":
            for row in part.rejected.select(
                    F.concat_ws("/", "source", "source_record_id")).collect():
                rejected_ids[row[0]] = rejected_ids.get(row[0], 0) + 1
    # A warm-up split each way, so that the first count does not pay for the JVM's first
    # compilations.
    for max_listed in (1, 0):
        warm = ErasedKeys.of(spark, {sha256("warm-up")}, max_listed=max_listed)
        for part in parts.values():
            reject_erased(part, warm).accepted.count()
        warm.release()
    print(f"{'keys':>8} {'sql_in s':>9} {'isin s':>8} {'listed s':>9} {'joined s':>9} "
          f"{'job uses':>9} {'erased rows':>12}  check")
    for count in args.keys:
        step = max(1, len(present) // max(1, count // 2))
        named = present[::step][:count // 2]
        keys = {sha256(r) for r in named} | {sha256(f"gone/{i}") for i in range(count - len(named))}
        start = time.perf_counter()
        F.expr(sql_in("k", keys))
        text_seconds = time.perf_counter() - start
        start = time.perf_counter()
        F.sha2(F.col("record_id"), 256).isin(list(keys))
        isin_seconds = time.perf_counter() - start
        seconds, results = [], []
        for max_listed in (len(keys), 0):
            start = time.perf_counter()
            erased = ErasedKeys.of(spark, keys, max_listed=max_listed)
            split = {name: reject_erased(part, erased) for name, part in parts.items()}
            results.append({name: (s.accepted.count(),
                                   s.rejected.where(F.col("reason") == ERASED).count(),
                                   s.rejected.count()) for name, s in split.items()})
            seconds.append(time.perf_counter() - start)
            erased.release()
        counts = results[0]
        erased_records = sum(erased for name, (_a, erased, _r) in counts.items()
                             if parts[name].source.kind != "orders")
        expected = len(named) + sum(rejected_ids.get(record, 0) for record in named)
        kept_all = all(accepted + rejected == sum(before[name])
                       for name, (accepted, _e, rejected) in counts.items())
        same = results[0] == results[1]
        check = "ok" if kept_all and same and erased_records == expected else (
            f"FAILED (rows kept {kept_all}, both ways alike {same}, records erased "
            f"{erased_records}, expected {expected})")
        used = "listed" if len(keys) <= MAX_LISTED_ERASURES else "joined"
        print(f"{len(keys):>8,} {text_seconds:>9.3f} {isin_seconds:>8.3f} {seconds[0]:>9.2f} "
              f"{seconds[1]:>9.2f} {used:>9} {sum(e for _a, e, _r in counts.values()):>12,}"
              f"  {check}", flush=True)
    print("erased rows: rejected as erased over all sources (orders go with their subscriber; "
          "a duplicate of an erased record is erased too).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
