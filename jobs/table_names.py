"""Warehouse table names and locations: no Spark here, so that Spark-free readers (the
look-ups) can use them without importing pyspark."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

STANDARDIZED_RECORDS = "standardized_records"
ORDERS = "orders"
REJECTED_RECORDS = "rejected_records"
MATCH_PAIRS = "match_pairs"
MODEL_PARAMETERS = "model_parameters"
IDENTITY_CROSSWALK = "identity_crosswalk"
CUSTOMER_PROFILES = "customer_profiles"
IDENTIFIER_INDEX = "identifier_index"
CUSTOMER_ID_EVENTS = "customer_id_events"
RUN_METRICS = "run_metrics"
LINK_DECISIONS = "link_decisions"  # written by people (or their tools), read by the job
SEGMENT_MEMBERSHIPS = "segment_memberships"
PARTNER_EXPORTS = "partner_exports"
# Erased records (jobs.privacy): hashes of record ids that ingest keeps out of later runs.
ERASURES = "erasures"

# Every table of the warehouse.
ALL_TABLES = (STANDARDIZED_RECORDS, ORDERS, REJECTED_RECORDS, MATCH_PAIRS, MODEL_PARAMETERS,
              IDENTITY_CROSSWALK, CUSTOMER_PROFILES, IDENTIFIER_INDEX, CUSTOMER_ID_EVENTS,
              RUN_METRICS, LINK_DECISIONS, SEGMENT_MEMBERSHIPS, PARTNER_EXPORTS, ERASURES)

# Tables that keep one slice per run: a re-run of a run id replaces its own slice only.
RUN_SCOPED = {REJECTED_RECORDS, RUN_METRICS, CUSTOMER_ID_EVENTS, SEGMENT_MEMBERSHIPS,
              PARTNER_EXPORTS, ERASURES}


def table_path(warehouse: str, table: str) -> str:
    """Returns the location of `table` under the warehouse root."""
    return f"{warehouse.rstrip('/')}/{table}"


def run_commit(run_id: str) -> str:
    """The user metadata of each Delta commit a run makes (tables.write_table)."""
    return f"run:{run_id}"


def version_before_run(commits: Iterable[Mapping[str, Any]], run_id: str) -> int | None:
    """Returns, of a table's commits newest first (version, operation, userMetadata), the
    version the table had before `run_id` last wrote it (the current one when the run has not
    written it), or None when there is none. A vacuum (`maintain`, an erasure) changes no row:
    its commits follow the run's own and are passed over."""
    mine = run_commit(run_id)
    return next((int(c["version"]) for c in commits if c["userMetadata"] != mine
                 and not str(c["operation"]).startswith("VACUUM")), None)
