"""Benchmark: ingest against a growing list of erasures, side by side with Column.isin.

Erasures only accumulate (GDPR Art. 17 requests over the years), and every run's ingest checks
each source's rows against all of them (jobs.ingest.reject_erased). For each count of erased
record keys this prints, from one Spark session:

  - `sql_in s`: building the membership condition as SQL text (jobs.tables.sql_in, what the job
    does), and `isin s`: building the same condition with `Column.isin`, one literal Column per
    key; both for one use, the ratio beside them;
  - `split s`: reject_erased on every source of the configuration (the demo's six by default),
    and counting each source's accepted and rejected rows: what a run adds to its ingest;
  - the rows rejected as erased, checked against what the keys name: every source keeps
    accepted + rejected rows as before (nothing lost), and the erased rows are exactly those
    of the keys that name a record.

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
from jobs.privacy import ERASED, record_key
from jobs.spark import get_spark
from jobs.tables import sql_in

HERE = Path(__file__).resolve().parent
DEFAULT_KEYS = (1_000, 5_000, 20_000)


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
    # A warm-up split, so that the first count does not pay for the JVM's first compilations.
    for part in parts.values():
        reject_erased(part, {sha256("warm-up")}).accepted.count()
    print(f"{'keys':>8} {'sql_in s':>9} {'isin s':>8} {'isin/sql_in':>12} {'split s':>8} "
          f"{'erased rows':>12}  check")
    for count in args.keys:
        step = max(1, len(present) // max(1, count // 2))
        named = present[::step][:count // 2]
        keys = {sha256(r) for r in named} | {sha256(f"gone/{i}") for i in range(count - len(named))}
        key = record_key(F.col("record_id"))
        start = time.perf_counter()
        F.expr(sql_in("k", keys))
        text_seconds = time.perf_counter() - start
        start = time.perf_counter()
        key.isin(list(keys))
        isin_seconds = time.perf_counter() - start
        start = time.perf_counter()
        split = {name: reject_erased(part, keys) for name, part in parts.items()}
        counts = {name: (s.accepted.count(), s.rejected.where(F.col("reason") == ERASED).count(),
                         s.rejected.count()) for name, s in split.items()}
        split_seconds = time.perf_counter() - start
        erased_records = sum(erased for name, (_a, erased, _r) in counts.items()
                             if parts[name].source.kind != "orders")
        expected = len(named) + sum(rejected_ids.get(record, 0) for record in named)
        kept_all = all(accepted + rejected == sum(before[name])
                       for name, (accepted, _e, rejected) in counts.items())
        check = "ok" if kept_all and erased_records == expected else \
            f"FAILED (rows kept {kept_all}, records erased {erased_records}, expected {expected})"
        print(f"{len(keys):>8,} {text_seconds:>9.3f} {isin_seconds:>8.3f} "
              f"{isin_seconds / max(text_seconds, 1e-6):>12.0f} {split_seconds:>8.2f} "
              f"{sum(e for _a, e, _r in counts.values()):>12,}  {check}", flush=True)
    print("erased rows: rejected as erased over all sources (orders go with their subscriber; "
          "a duplicate of an erased record is erased too).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
