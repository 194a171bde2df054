"""Customer ids: one per cluster of records, and the crosswalk from source record to customer."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

ID_PREFIX = "C"
ID_HEX_DIGITS = 16  # 64 bits of SHA-256: collisions are negligible below billions of customers


def customer_id_for(anchor_record_id: Column) -> Column:
    """Returns a customer id derived from the cluster's anchor record (its smallest record_id).

    Deterministic: the same clusters on the same records get the same ids on every re-run.
    """
    return F.concat(F.lit(ID_PREFIX), F.substring(F.sha2(anchor_record_id, 256), 1, ID_HEX_DIGITS))


def build_crosswalk(records: DataFrame, assignments: DataFrame, run_id: str) -> DataFrame:
    """Returns the identity crosswalk: one row per standardized record with its customer id.

    `assignments` holds (record_id, component) for every record (singletons included).
    """
    return (
        records.select("record_id", "source", "source_record_id", "source_kind")
        .join(assignments, "record_id")
        .select(
            "source",
            "source_record_id",
            customer_id_for(F.col("component")).alias("customer_id"),
            "record_id",
            "source_kind",
            F.lit(run_id).alias("assigned_run_id"),
        )
    )
