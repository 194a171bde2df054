"""Retention (GDPR Art. 5(1)(e), storage limitation): `python -m jobs maintain`.

Every run writes each table as a new Delta version, and the files of the earlier versions stay
on disk until they are vacuumed: the records as they were, a person since gone from every
source, an address since changed. `rejected_records` keeps the rejected rows of every run with
their raw input text. `maintain` (daily, after the run, in the Airflow DAG):

1. deletes the rejected rows of runs dated more than `retention.rejected_rows_days` before its
   date (their counts stay in `run_metrics`);
2. vacuums every table of the warehouse, keeping the files of the versions of the last
   `retention.table_history_days` (time travel reaches back that far).

An erasure (jobs.privacy) vacuums the tables it changes with no retention at all; this is the
routine clean-up of everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, timedelta

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs import tables
from jobs.config import RetentionConfig
from jobs.run_history import run_dates

log = logging.getLogger(__name__)

MAINTENANCE_COMMIT = "maintain:"


@dataclass
class MaintenanceResult:
    cutoff: date  # rejected rows of runs dated before this were deleted
    runs_pruned: list[str] = field(default_factory=list)
    rejected_rows_deleted: int = 0
    # Run ids of rejected rows whose date is unknown (no run_metrics row, not a date): kept.
    undated_runs: list[str] = field(default_factory=list)
    files_removed: int = 0


def dates_of(warehouse: str, run_ids: list[str]) -> dict[str, date]:
    """Returns the date of each run id that has one: its `run_metrics` run date
    (jobs.run_history), else the run id itself when it is a date (YYYY-MM-DD, as run ids are
    by default)."""
    recorded = run_dates(warehouse)
    dates = {run_id: recorded[run_id] for run_id in run_ids if run_id in recorded}
    for run_id in run_ids:
        if run_id not in dates:
            with suppress(ValueError):
                dates[run_id] = date.fromisoformat(run_id[:10])
    return dates


def prune_rejected_rows(spark: SparkSession, warehouse: str, cutoff: date,
                        result: MaintenanceResult) -> None:
    """Deletes the rejected rows of the runs dated before `cutoff` (in one Delta commit)."""
    if not tables.table_exists(spark, warehouse, tables.REJECTED_RECORDS):
        return
    table = DeltaTable.forPath(spark, tables.table_path(warehouse, tables.REJECTED_RECORDS))
    run_ids = sorted(row["run_id"] for row in table.toDF().select("run_id").distinct().collect()
                     if row["run_id"] is not None)
    dates = dates_of(warehouse, run_ids)
    result.undated_runs = [r for r in run_ids if r not in dates]
    result.runs_pruned = [r for r in run_ids if r in dates and dates[r] < cutoff]
    if not result.runs_pruned:
        return
    old = F.expr(tables.sql_in("run_id", result.runs_pruned))
    result.rejected_rows_deleted = table.toDF().where(old).count()
    table.delete(old)


@contextmanager
def maintenance_commits(spark: SparkSession, as_of: date) -> Iterator[None]:
    """Within: every Delta commit names the maintenance."""
    with tables.session_settings(spark, {
            "spark.databricks.delta.commitInfo.userMetadata": f"{MAINTENANCE_COMMIT}{as_of}"}):
        yield


def maintain(spark: SparkSession, warehouse: str, as_of: date,
             retention: RetentionConfig) -> MaintenanceResult:
    """Prunes old rejected rows and vacuums every table (see the module doc)."""
    cutoff = as_of - timedelta(days=retention.rejected_rows_days)
    result = MaintenanceResult(cutoff)
    hours = float(retention.table_history_days * 24)
    with maintenance_commits(spark, as_of):
        prune_rejected_rows(spark, warehouse, cutoff, result)
        result.files_removed = tables.vacuum(spark, warehouse, tables.ALL_TABLES, hours)
    log.info("maintenance as of %s: %d rejected rows of %d runs deleted, %d old files removed",
             as_of, result.rejected_rows_deleted, len(result.runs_pruned), result.files_removed)
    return result
