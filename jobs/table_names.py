"""Warehouse table names and locations: no Spark here, so that Spark-free readers (the
look-ups) can use them without importing pyspark."""

from __future__ import annotations

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
