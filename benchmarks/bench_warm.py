"""Cold against warm: the whole job run several times in one Spark session, on a fresh warehouse
each time, with the time of each run and of each stage.

    .venv/bin/python benchmarks/bench_warm.py --conf benchmarks/work/febrl4/conf.yaml [--runs 2]
        [--warehouse benchmarks/work/warm/warehouse]

The first run pays for the JVM's class loading and JIT compilation and for Spark's code
generation; later runs show what the job's own work costs at this size. The runs write to
`--warehouse` (not the configuration's), which is deleted before every run.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from jobs.config import load_config
from jobs.pipeline import (
    RunContext,
    evaluate_stage,
    ingest_stage,
    profiles_stage,
    record_metrics,
    resolve_stage,
)
from jobs.spark import get_spark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conf", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--warehouse", type=Path,
                        default=Path(__file__).resolve().parent / "work" / "warm" / "warehouse")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = replace(load_config(args.conf), warehouse=str(args.warehouse.resolve()))
    started = time.perf_counter()
    spark = get_spark("idres-bench-warm", config.spark)
    print(f"session started in {time.perf_counter() - started:.1f} s", flush=True)
    for run in range(1, args.runs + 1):
        shutil.rmtree(config.warehouse, ignore_errors=True)
        started = time.perf_counter()
        ctx = RunContext(spark=spark, config=config, run_date=date(2026, 11, 22),
                         run_id="2026-11-22")
        ingest_stage(ctx)
        resolve_stage(ctx)
        profiles_stage(ctx)
        evaluate_stage(ctx)
        record_metrics(ctx)
        stages = ", ".join(f"{name} {seconds:.1f}" for name, seconds in ctx.timings.items())
        print(f"run {run}: {time.perf_counter() - started:.1f} s ({stages})", flush=True)


if __name__ == "__main__":
    main()
