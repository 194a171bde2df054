"""Cold against warm: the job's `run` command several times in one Spark session, on a fresh
warehouse each time, with the time of each run and of each stage.

    .venv/bin/python benchmarks/bench_warm.py --conf benchmarks/work/febrl4/conf.yaml [--runs 2]
        [--warehouse benchmarks/work/warm/warehouse]

The first run pays for the JVM's class loading and JIT compilation and for Spark's code
generation; later runs show what the job's own work costs at this size. The runs write to
`--warehouse` (not the configuration's), which is deleted before every run: a copy of the
configuration pointing there is written beside it as `<name>-warm.yaml`, so that its relative
source paths still resolve.
"""

from __future__ import annotations

import argparse
import io
import logging
import shutil
import time
from contextlib import redirect_stdout
from pathlib import Path

import yaml

from jobs import cli
from jobs.config import load_config
from jobs.spark import get_spark

RUN_DATE = "2026-11-22"


def warm_configuration(conf: Path, warehouse: Path) -> Path:
    """Writes a copy of `conf` whose warehouse is `warehouse`, beside it; returns its path."""
    raw = yaml.safe_load(conf.read_text(encoding="utf-8"))
    raw["warehouse"] = str(warehouse.resolve())
    copy = conf.with_name(f"{conf.stem}-warm.yaml")
    copy.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conf", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--warehouse", type=Path,
                        default=Path(__file__).resolve().parent / "work" / "warm" / "warehouse")
    args = parser.parse_args()
    # Before `run` configures logging at INFO (a no-op once a handler exists): one line per run.
    logging.basicConfig(level=logging.WARNING)
    conf = warm_configuration(args.conf.resolve(), args.warehouse)
    started = time.perf_counter()
    # The session `run` finds (getOrCreate) and reuses in every later run.
    get_spark("idres-bench-warm", load_config(conf).spark)
    print(f"session started in {time.perf_counter() - started:.1f} s", flush=True)
    for run in range(1, args.runs + 1):
        shutil.rmtree(args.warehouse, ignore_errors=True)
        summary = io.StringIO()
        started = time.perf_counter()
        with redirect_stdout(summary):
            code = cli.main(["run", "--conf", str(conf), "--run-date", RUN_DATE])
        elapsed = time.perf_counter() - started
        stages = next((line for line in summary.getvalue().splitlines()
                       if line.startswith("time per stage:")), "no stage times (see the log)")
        print(f"run {run}: {elapsed:.1f} s, exit {code}; {stages}", flush=True)


if __name__ == "__main__":
    main()
