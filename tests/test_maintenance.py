"""Retention: `maintain` deletes the rejected rows of old runs and vacuums every table down to
the history it is told to keep; the current tables stay as they were."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from jobs import cli, tables
from jobs.demo_data import generate_demo_data

OLD, RECENT, MAINTAINED = "2026-01-10", "2026-03-01", "2026-03-15"


def run(*argv: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli.main(list(argv))
    return code, buffer.getvalue()


def rows(spark: SparkSession, warehouse: Path, table: str) -> list[str]:
    frame = tables.read_table(spark, str(warehouse), table)
    assert frame is not None, table
    return sorted(json.dumps(r.asDict(recursive=True), sort_keys=True, default=str)
                  for r in frame.collect())


def parquet_files(warehouse: Path, table: str) -> set[str]:
    return {p.name for p in (warehouse / table).rglob("*.parquet") if "_delta_log" not in p.parts}


def current_files(spark: SparkSession, warehouse: Path, table: str) -> set[str]:
    frame = DeltaTable.forPath(spark, str(warehouse / table)).toDF()
    return {Path(f).name for f in frame.inputFiles()}


def test_maintain_prunes_old_rejected_rows_and_old_versions(
        spark: SparkSession, tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate_demo_data(data, persons=100, seed=11)
    warehouse = tmp_path / "warehouse"
    sources = [
        {"name": "magazine", "kind": "registry", "format": "csv",
         "path": str(data / "registry_magazine.csv")},
        {"name": "magazine_orders", "kind": "orders", "registry": "magazine", "format": "csv",
         "path": str(data / "orders_magazine.csv")},
        {"name": "web", "kind": "online", "format": "json",
         "path": str(data / "online_profiles.jsonl")},
    ]
    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({
        "warehouse": str(warehouse), "sources": sources,
        "retention": {"table_history_days": 0, "rejected_rows_days": 30}}), encoding="utf-8")
    for run_date in (OLD, RECENT):
        assert run("ingest", "--conf", str(conf), "--run-date", run_date)[0] == cli.EXIT_OK
    rejected_before = tables.read_table(spark, str(warehouse), tables.REJECTED_RECORDS)
    assert rejected_before is not None
    by_run = {run_id: [json.dumps(r.asDict(), sort_keys=True, default=str)
                       for r in rejected_before.where(f"run_id = '{run_id}'").collect()]
              for run_id in (OLD, RECENT)}
    assert by_run[OLD] and by_run[RECENT]
    kept_tables = (tables.STANDARDIZED_RECORDS, tables.ORDERS, tables.RUN_METRICS)
    before: dict[str, Any] = {t: rows(spark, warehouse, t) for t in kept_tables}
    # Two runs: the first one's files are the old version's, still on disk.
    assert parquet_files(warehouse, tables.STANDARDIZED_RECORDS) > current_files(
        spark, warehouse, tables.STANDARDIZED_RECORDS)

    code, output = run("maintain", "--conf", str(conf), "--run-date", MAINTAINED)
    assert code == cli.EXIT_OK, output
    removed = int(output.rsplit(": ", 1)[1])
    assert output.splitlines() == [
        f"Maintenance as of {MAINTAINED}",
        f"rejected rows of runs dated before 2026-02-13 (30 days): {len(by_run[OLD]):,} "
        f"deleted, of 1 run(s) ({OLD})",
        "segment memberships and partner exports of runs dated before 2025-12-15 (90 days, "
        "the latest kept): 0 membership rows of 0 run(s), 0 export rows and 0 partner file "
        "set(s) of 0 partner run(s) deleted",
        f"old table files removed (vacuum, 0 days of history kept): {removed:,}"]
    assert removed > 0
    assert sorted(by_run[RECENT]) == sorted(
        json.dumps(r.asDict(), sort_keys=True, default=str)
        for r in DeltaTable.forPath(spark, str(warehouse / tables.REJECTED_RECORDS)).toDF()
        .collect())
    for table in kept_tables:
        assert rows(spark, warehouse, table) == before[table], table
    # Only the current versions' files are left: the old ones can no longer be read.
    for table in (*kept_tables, tables.REJECTED_RECORDS):
        assert parquet_files(warehouse, table) == current_files(spark, warehouse, table), table
    with pytest.raises(Exception, match="(?i)file|exist"):
        spark.read.format("delta").option("versionAsOf", 0).load(
            str(warehouse / tables.STANDARDIZED_RECORDS)).collect()

    # Again: nothing left to remove.
    assert run("maintain", "--conf", str(conf), "--run-date", MAINTAINED)[1].splitlines()[1:] == [
        "rejected rows of runs dated before 2026-02-13 (30 days): 0 deleted, of 0 run(s)",
        "segment memberships and partner exports of runs dated before 2025-12-15 (90 days, "
        "the latest kept): 0 membership rows of 0 run(s), 0 export rows and 0 partner file "
        "set(s) of 0 partner run(s) deleted",
        "old table files removed (vacuum, 0 days of history kept): 0"]


def test_a_rerun_after_maintenance_still_finds_the_state_before_itself(
        spark: SparkSession, tmp_path: Path) -> None:
    """`maintain` commits its vacuums after a run's writes; a re-run of that run (a retried
    Airflow task) must still compare against the run before it, not its own output."""
    warehouse = str(tmp_path)
    for run_id, ids in (("2026-11-20", ["C1", "C2"]), ("2026-11-21", ["C1", "C3"])):
        tables.write_table(spark.createDataFrame([(i,) for i in ids], "customer_id string"),
                           warehouse, tables.IDENTITY_CROSSWALK, run_id=run_id)
    tables.vacuum(spark, warehouse, [tables.IDENTITY_CROSSWALK], retention_hours=168.0)
    before = tables.read_table_before_run(spark, warehouse, tables.IDENTITY_CROSSWALK,
                                          "2026-11-21")
    assert before is not None
    assert sorted(r["customer_id"] for r in before.collect()) == ["C1", "C2"]



def test_maintain_prints_its_summary_alone_on_standard_output(
        spark: SparkSession, tmp_path: Path) -> None:
    """Delta's VACUUM prints a line per table on the JVM's standard output, which a command
    shares with its summary: `maintain` in a process of its own prints its four lines only."""
    import subprocess
    import sys

    warehouse = tmp_path / "warehouse"
    for run_id in ("2026-11-20", "2026-11-21"):
        tables.write_table(spark.createDataFrame([(run_id,)], "customer_id string"),
                           str(warehouse), tables.IDENTITY_CROSSWALK, run_id=run_id)
    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({
        "warehouse": str(warehouse), "retention": {"table_history_days": 0},
        "sources": [{"name": "web", "kind": "online", "format": "json",
                     "path": str(tmp_path / "w.jsonl")}]}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "jobs", "maintain", "--conf", str(conf),
                           "--run-date", "2026-11-22"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "Maintenance as of 2026-11-22",
        "rejected rows of runs dated before 2026-08-24 (90 days): 0 deleted, of 0 run(s)",
        "segment memberships and partner exports of runs dated before 2026-08-24 (90 days, "
        "the latest kept): 0 membership rows of 0 run(s), 0 export rows and 0 partner file "
        "set(s) of 0 partner run(s) deleted",
        "old table files removed (vacuum, 0 days of history kept): 1"]
    assert "Deleted 1 files" in done.stderr


def test_tables_worked_on_at_once_all_end_before_the_first_error_is_raised() -> None:
    import threading
    import time

    ended: list[int] = []
    lock = threading.Lock()

    def task(i: int) -> Any:
        def run() -> int:
            time.sleep(0.05 * (3 - i))  # the first task ends last
            with lock:
                ended.append(i)
            if i in (0, 2):
                raise ValueError(f"task {i}")
            return i
        return run

    with pytest.raises(ValueError, match="task 0"):
        tables.concurrently([task(i) for i in range(4)], workers=4)
    assert sorted(ended) == [0, 1, 2, 3] and ended[-1] == 0
    assert tables.concurrently([lambda: 1, lambda: 2, lambda: 3], workers=2) == [1, 2, 3]
    assert tables.concurrently([lambda: 1], workers=4) == [1]
