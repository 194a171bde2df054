"""Retention (GDPR Art. 5(1)(e), storage limitation): `python -m jobs maintain`.

Every run writes each table as a new Delta version, and the files of the earlier versions stay
on disk until they are vacuumed: the records as they were, a person since gone from every
source, an address since changed. `rejected_records` keeps the rejected rows of every run with
their raw input text. `maintain` (daily, after the run, in the Airflow DAG):

1. deletes the rejected rows of runs dated more than `retention.rejected_rows_days` before its
   date (their counts stay in `run_metrics`);
2. deletes the `segment_memberships` and `partner_exports` rows, and the partner file sets
   (exports/<partner>/<run id>/), of runs dated more than `retention.segment_history_days`
   before its date (segment sizes stay in `run_metrics`). The latest run's memberships stay,
   and each partner's latest export: the next run's withdrawals are reckoned against it (a key
   exported then and not now is withdrawn), and each earlier export's leavers were withdrawn
   by the export after it. Erasure notices (exports/<partner>/<erasure id>/) stay;
3. vacuums every table of the warehouse, keeping the files of the versions of the last
   `retention.table_history_days` (time travel reaches back that far).

An erasure (jobs.privacy) vacuums the tables it changes with no retention at all; this is the
routine clean-up of everything else.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, timedelta

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs import tables
from jobs.config import RetentionConfig, local_path
from jobs.exports import EXPORTS_FOLDER
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
    segment_cutoff: date | None = None  # memberships and exports of runs dated before: deleted
    membership_runs_pruned: list[str] = field(default_factory=list)
    membership_rows_deleted: int = 0
    export_runs_pruned: list[tuple[str, str]] = field(default_factory=list)  # (partner, run)
    export_rows_deleted: int = 0
    export_folders_removed: int = 0


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


def runs_to_prune(run_ids: list[str], dates: dict[str, date], cutoff: date) -> list[str]:
    """Returns those of `run_ids` dated before `cutoff`, but never the latest dated run."""
    dated = sorted((dates[r], r) for r in run_ids if r in dates)
    return sorted(r for when, r in dated[:-1] if when < cutoff)


def prune_segment_history(spark: SparkSession, warehouse: str, cutoff: date,
                          result: MaintenanceResult) -> None:
    """Deletes the memberships, export rows and partner file sets of the runs dated before
    `cutoff` (see the module doc); one Delta commit per table."""
    result.segment_cutoff = cutoff
    if tables.table_exists(spark, warehouse, tables.SEGMENT_MEMBERSHIPS):
        table = DeltaTable.forPath(spark, tables.table_path(warehouse,
                                                            tables.SEGMENT_MEMBERSHIPS))
        run_ids = [row["run_id"] for row in table.toDF().select("run_id").distinct().collect()
                   if row["run_id"] is not None]
        result.membership_runs_pruned = runs_to_prune(run_ids, dates_of(warehouse, run_ids),
                                                      cutoff)
        if result.membership_runs_pruned:
            old = F.expr(tables.sql_in("run_id", result.membership_runs_pruned))
            result.membership_rows_deleted = table.toDF().where(old).count()
            table.delete(old)
    if not tables.table_exists(spark, warehouse, tables.PARTNER_EXPORTS):
        return
    table = DeltaTable.forPath(spark, tables.table_path(warehouse, tables.PARTNER_EXPORTS))
    runs: dict[str, list[str]] = {}
    for row in table.toDF().select("partner", "run_id").distinct().collect():
        if row["run_id"] is not None:
            runs.setdefault(row["partner"], []).append(row["run_id"])
    dates = dates_of(warehouse, sorted({r for ids in runs.values() for r in ids}))
    result.export_runs_pruned = [(partner, run) for partner, ids in sorted(runs.items())
                                 for run in runs_to_prune(ids, dates, cutoff)]
    if not result.export_runs_pruned:
        return
    old = F.lit(False)
    for partner in sorted({partner for partner, _run in result.export_runs_pruned}):
        pruned = [run for p, run in result.export_runs_pruned if p == partner]
        old = old | ((F.col("partner") == partner)
                     & F.expr(tables.sql_in("run_id", pruned)))
    result.export_rows_deleted = table.toDF().where(old).count()
    table.delete(old)
    folder = local_path(warehouse)
    for partner, run in result.export_runs_pruned:
        files = None if folder is None else folder / EXPORTS_FOLDER / partner / run
        if files is not None and files.is_dir():
            shutil.rmtree(files)
            result.export_folders_removed += 1


@contextmanager
def maintenance_commits(spark: SparkSession, as_of: date) -> Iterator[None]:
    """Within: every Delta commit names the maintenance."""
    with tables.session_settings(spark, {
            "spark.databricks.delta.commitInfo.userMetadata": f"{MAINTENANCE_COMMIT}{as_of}"}):
        yield


def maintain(spark: SparkSession, warehouse: str, as_of: date,
             retention: RetentionConfig) -> MaintenanceResult:
    """Prunes old rejected rows and segment history, and vacuums every table (see the module
    doc)."""
    cutoff = as_of - timedelta(days=retention.rejected_rows_days)
    result = MaintenanceResult(cutoff)
    hours = float(retention.table_history_days * 24)
    with maintenance_commits(spark, as_of):
        prune_rejected_rows(spark, warehouse, cutoff, result)
        prune_segment_history(spark, warehouse,
                              as_of - timedelta(days=retention.segment_history_days), result)
        result.files_removed = tables.vacuum(spark, warehouse, tables.ALL_TABLES, hours)
    log.info("maintenance as of %s: %d rejected rows of %d runs deleted, %d membership rows "
             "and %d export rows deleted, %d old files removed", as_of,
             result.rejected_rows_deleted, len(result.runs_pruned),
             result.membership_rows_deleted, result.export_rows_deleted, result.files_removed)
    return result
