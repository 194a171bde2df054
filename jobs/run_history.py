"""What earlier runs left in `run_metrics`, read without Spark (delta-rs, as the look-ups read):
the guards a run checks before it changes anything.

- A run dated before the latest run in the warehouse would replace the current crosswalk and
  profiles with an older state (backfilling after the fact): refused unless asked for.
- A source that had rows in the previous run and has none now (an empty export, a file not
  delivered) would drop its people's customers, and give them new ids when it comes back:
  refused unless the source is named as allowed to be empty.
- A run that wrote the crosswalk but stopped before its events and metrics (killed, a crash)
  left the warehouse half changed: another run is refused until it is run again.
- A re-run needs the tables as they were before the run; `maintain` may have vacuumed them.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable

from jobs import table_names as tables
from jobs.config import local_path


def table_dataset(warehouse: str, table: str) -> ds.Dataset | None:
    """The current version of a warehouse table as a pyarrow dataset, read with delta-rs;
    None when there is none (or delta-rs cannot reach it)."""
    found = _delta_table(warehouse, table)
    return None if found is None else ds.dataset(found.file_uris(), format="parquet")


def _delta_table(warehouse: str, table: str) -> DeltaTable | None:
    """A warehouse table's current version, read with delta-rs; None when there is no table
    (or delta-rs cannot reach it)."""
    path = tables.table_path(warehouse, table)
    folder = local_path(path)
    if folder is not None and not (Path(folder) / "_delta_log").is_dir():
        return None
    try:
        return DeltaTable(path)
    except Exception:  # delta-rs raises its own TableNotFoundError kinds: no such table
        return None


def _metrics(warehouse: str) -> ds.Dataset | None:
    """The current run_metrics table as a pyarrow dataset; None when there is none."""
    return table_dataset(warehouse, tables.RUN_METRICS)


def run_dates(warehouse: str) -> dict[str, date]:
    """Returns the run date of every run the warehouse recorded."""
    metrics = _metrics(warehouse)
    if metrics is None:
        return {}
    found = metrics.to_table(columns=["run_id", "run_date"]).group_by(
        ["run_id", "run_date"]).aggregate([]).to_pylist()
    return {row["run_id"]: row["run_date"] for row in found if row["run_date"] is not None}


def later_runs(warehouse: str, run_id: str, run_date: date) -> list[tuple[str, date]]:
    """Returns the runs (id, date) dated after `run_date`, other than `run_id`, latest last."""
    return sorted(((other, when) for other, when in run_dates(warehouse).items()
                   if other != run_id and when > run_date), key=lambda r: (r[1], r[0]))


def earlier_runs_sorting_after(warehouse: str, run_id: str, run_date: date
                               ) -> list[tuple[str, date]]:
    """Returns the runs (id, date) dated before `run_date` whose ids sort after `run_id`, as
    text (r9 after r10), latest last. The warehouse orders runs by their ids where it compares
    them (the older of two customer ids, the export a withdrawal follows): ids must sort as
    their dates do, as the default ids (the dates) do."""
    return sorted(((other, when) for other, when in run_dates(warehouse).items()
                   if when < run_date and other > run_id), key=lambda r: (r[1], r[0]))


def previous_run(warehouse: str, run_id: str, run_date: date) -> str | None:
    """Returns the latest run other than `run_id` dated on or before `run_date` that read the
    sources (its ingest metrics): a `train` or `maintain` between two runs read none."""
    metrics = _metrics(warehouse)
    if metrics is None:
        return None
    ingests = metrics.to_table(filter=pc.field("stage") == "ingest",
                               columns=["run_id", "run_date"]).to_pylist()
    earlier = [(row["run_date"], row["run_id"]) for row in ingests
               if row["run_id"] != run_id and row["run_date"] is not None
               and row["run_date"] <= run_date]
    return max(earlier)[1] if earlier else None


def accepted_rows(warehouse: str, run_id: str) -> dict[str, int]:
    """Returns, per source, the rows the run accepted (its ingest metrics)."""
    metrics = _metrics(warehouse)
    if metrics is None:
        return {}
    condition = ((pc.field("run_id") == run_id) & (pc.field("stage") == "ingest")
                 & (pc.field("metric") == "accepted"))
    found = metrics.to_table(filter=condition, columns=["source", "value"]).to_pylist()
    return {row["source"]: int(row["value"]) for row in found}


def _runs_commits(warehouse: str, table: str) -> list[dict] | None:
    """The table's commits, newest first (version, operation, userMetadata); None when there
    is no table or delta-rs cannot reach it."""
    found = _delta_table(warehouse, table)
    return None if found is None else found.history()


def unfinished_run(warehouse: str) -> str | None:
    """Returns the run that last wrote the crosswalk when it recorded no metrics of its
    clustering: it stopped after the crosswalk and before its id events (or later), and the
    warehouse is half changed until it runs again. A first run killed so has left no metrics
    table at all. None when the last one finished."""
    commits = _runs_commits(warehouse, tables.IDENTITY_CROSSWALK)
    prefix = tables.run_commit("")
    writer = next((str(c["userMetadata"]).removeprefix(prefix) for c in commits or []
                   if str(c.get("userMetadata") or "").startswith(prefix)), None)
    if writer is None:
        return None
    metrics = _metrics(warehouse)
    if metrics is None:
        return writer
    found = metrics.to_table(filter=(pc.field("run_id") == writer)
                             & (pc.field("stage") == "cluster"), columns=["metric"])
    return None if found.num_rows else writer


# The tables a run reads as they were before it (tables.read_table_before_run): the
# crosswalk its ids carry over from; the records and pairs an incremental run compares against.
READ_BEFORE_RUN = (tables.IDENTITY_CROSSWALK, tables.STANDARDIZED_RECORDS, tables.MATCH_PAIRS)


def vacuumed_before_run(warehouse: str, run_id: str) -> list[str]:
    """Returns the tables (READ_BEFORE_RUN) whose state before `run_id` a re-run of it would
    find gone: `maintain` (retention.table_history_days) vacuumed that version's files. Only
    local warehouses are checked."""
    return [table for table in READ_BEFORE_RUN if _vacuumed_before(warehouse, table, run_id)]


def _vacuumed_before(warehouse: str, table: str, run_id: str) -> bool:
    path = tables.table_path(warehouse, table)
    commits = _runs_commits(warehouse, table)
    if local_path(path) is None or not commits:
        return False
    if not any(c.get("userMetadata") == tables.run_commit(run_id) for c in commits):
        return False  # not a re-run: the current state is the one read
    before = tables.version_before_run(
        ({"userMetadata": None, "operation": None, **c} for c in commits), run_id)
    if before is None:
        return False  # the run made the table: nothing before it
    try:
        files = DeltaTable(path, version=before).file_uris()
    except Exception:  # delta-rs could not load the version: its log is gone too
        return True
    return not all(os.path.exists(local_path(f) or f) for f in files)
