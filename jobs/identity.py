"""Customer ids that last: clusters inherit the ids of the previous run's customers.

Rules (DESIGN principle 5):
- a cluster inherits the id of a previous customer it overlaps; when it overlaps several (a
  merge), the oldest id survives (then the larger overlap, then the smaller id) and the others
  are recorded as merged into it;
- a previous customer whose records now lie in several clusters (a split) keeps its id in the
  cluster holding most of its records (ties: the smaller cluster anchor); the other parts get
  new ids, recorded as split from it;
- a cluster that inherits nothing gets a new id derived from its anchor record and the run id,
  so an id retired by a merge is never handed out again, and re-running a run gives the same ids;
- a previous customer none of whose records any cluster holds now (its records gone from
  their sources) is retired: its id ends, and is not handed out again;
- every change is a row of `customer_id_events`: created, merged, split, retired.
The crosswalk carries, per record, since when it belongs to its customer (`linked_since`) and
since when that customer exists (`customer_since`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jobs.standardize import social_account_key_of_id

ID_PREFIX = "C"
ID_HEX_DIGITS = 16  # 64 bits of SHA-256: collisions are negligible below billions of customers

EVENT_COLUMNS = ("event", "customer_id", "other_customer_id", "records", "run_id")


def customer_id_for(anchor_record_id: Column, run_id: Column | None = None) -> Column:
    """Returns a new customer id derived from the cluster's anchor record (and the run that
    created it, so that an id once retired is never derived again in a later run)."""
    seed = anchor_record_id if run_id is None else F.concat_ws("@", anchor_record_id, run_id)
    return F.concat(F.lit(ID_PREFIX), F.substring(F.sha2(seed, 256), 1, ID_HEX_DIGITS))


@dataclass(frozen=True)
class StableIds:
    crosswalk: DataFrame  # record_id, customer_id, linked_since, customer_since
    events: DataFrame  # event, customer_id, other_customer_id, records, run_id


def assign_stable_ids(assignments: DataFrame, previous: DataFrame | None, run_id: str
                      ) -> StableIds:
    """Returns the customer id of every record and the id events of this run.

    `assignments`: (record_id, component) for every record, `component` the cluster's anchor.
    `previous`: the previous crosswalk (record_id, customer_id, linked_since, customer_since),
    or None on the first run.
    """
    run = F.lit(run_id)
    if previous is None:
        return _first_ids(assignments, run)
    prev = previous.select(
        "record_id", F.col("customer_id").alias("old_id"),
        F.col("linked_since").alias("old_linked_since"),
        F.col("customer_since").alias("old_customer_since"),
    )
    overlap = (
        assignments.join(prev, "record_id")
        .groupBy("component", "old_id")
        .agg(F.count("*").alias("overlap"), F.min("old_customer_since").alias("old_since"))
    )
    # Split rule: each previous id goes to the one cluster holding most of its records.
    by_old = Window.partitionBy("old_id").orderBy(F.desc("overlap"), F.asc("component"))
    kept = overlap.withColumn("rank", F.row_number().over(by_old)).where("rank = 1").drop("rank")
    # Merge rule: a cluster holding several previous ids keeps the oldest.
    by_cluster = Window.partitionBy("component").orderBy(
        F.asc("old_since"), F.desc("overlap"), F.asc("old_id"))
    survivors = (kept.withColumn("rank", F.row_number().over(by_cluster))
                 .where("rank = 1").select("component", "old_id", "old_since"))
    components = assignments.select("component").distinct()
    ids = components.join(survivors, "component", "left").select(
        "component",
        F.coalesce("old_id", customer_id_for(F.col("component"), run)).alias("customer_id"),
        F.coalesce("old_since", run).alias("customer_since"),
        F.col("old_id").isNull().alias("is_new"),
    )
    crosswalk = (
        assignments.join(ids, "component")
        .join(prev, "record_id", "left")
        .select(
            "record_id", "customer_id",
            F.when(F.col("old_id") == F.col("customer_id"), F.col("old_linked_since"))
            .otherwise(run).alias("linked_since"),
            "customer_since",
        )
    )
    events = _events(overlap, kept, ids, assignments, run).unionByName(
        _retired(prev, overlap).withColumn("run_id", run).select(*EVENT_COLUMNS))
    return StableIds(crosswalk, events)


def previous_ids(previous: DataFrame | None, records: DataFrame) -> DataFrame | None:
    """Returns the previous crosswalk's (record_id, customer_id, linked_since, customer_since);
    a crosswalk written before those columns existed counts as linked since its own run.

    A social account whose handle a source now writes in another case or with an @ (Instagram:@Aino
    for instagram:aino) is the same record: its previous row is named by the record id this run
    reads it under (of two previous rows of one account, the one so named, else the older), so
    that its customer keeps the id."""
    if previous is None:
        return None
    since = F.col("assigned_run_id") if "assigned_run_id" in previous.columns else F.lit("")
    ids = previous.select(
        "record_id", "customer_id",
        (F.col("linked_since") if "linked_since" in previous.columns else since)
        .alias("linked_since"),
        (F.col("customer_since") if "customer_since" in previous.columns else since)
        .alias("customer_since"),
        *[c for c in ("source", "source_record_id", "source_kind") if c in previous.columns],
    )
    if "source_kind" not in previous.columns:
        return ids.select("record_id", "customer_id", "linked_since", "customer_since")
    current = records.where(F.col("source_kind") == "social").select(
        "source", social_account_key_of_id(F.col("source_record_id")).alias("_account"),
        F.col("record_id").alias("_current"))
    renamed = ids.withColumn(
        "_account", F.when(F.col("source_kind") == "social",
                           social_account_key_of_id(F.col("source_record_id"))),
    ).join(current, ["source", "_account"], "left").withColumn(
        "_previous", F.col("record_id")).withColumn(
        "record_id", F.coalesce("_current", "record_id"))
    first = Window.partitionBy("record_id").orderBy(
        (F.col("_previous") != F.col("record_id")).asc(), F.asc("customer_since"),
        F.asc("linked_since"), F.asc("customer_id"))
    return renamed.withColumn("_rank", F.row_number().over(first)).where("_rank = 1").select(
        "record_id", "customer_id", "linked_since", "customer_since")


def _first_ids(assignments: DataFrame, run: Column) -> StableIds:
    """The first run: every cluster is a new customer, created by this run (what the general
    rules give with no previous crosswalk, without their joins against nothing)."""
    ids = assignments.groupBy("component").agg(F.count("*").alias("records")).select(
        "component", customer_id_for(F.col("component"), run).alias("customer_id"), "records")
    crosswalk = assignments.join(ids, "component").select(
        "record_id", "customer_id", run.alias("linked_since"), run.alias("customer_since"))
    return StableIds(crosswalk, _created(ids).withColumn("run_id", run))


def _retired(prev: DataFrame, overlap: DataFrame) -> DataFrame:
    """Returns the `retired` events of previous customers no cluster overlaps: every record
    they had left the sources (records: how many they had)."""
    return (prev.join(overlap.select("old_id").distinct(), "old_id", "left_anti")
            .groupBy("old_id").agg(F.count("*").alias("records"))
            .select(F.lit("retired").alias("event"), F.col("old_id").alias("customer_id"),
                    F.lit(None).cast("string").alias("other_customer_id"), "records"))


def _created(ids: DataFrame) -> DataFrame:
    """Returns the `created` events of new customers (customer_id, records)."""
    return ids.select(F.lit("created").alias("event"), "customer_id",
                      F.lit(None).cast("string").alias("other_customer_id"), "records")


def _events(overlap: DataFrame, kept: DataFrame, ids: DataFrame, assignments: DataFrame,
            run: Column) -> DataFrame:
    sizes = assignments.groupBy("component").agg(F.count("*").alias("records"))
    created = _created(ids.where("is_new").join(sizes, "component"))
    # A previous id kept by a cluster that did not survive it was merged into the survivor.
    merged = kept.join(ids, "component").where(F.col("old_id") != F.col("customer_id")).select(
        F.lit("merged").alias("event"), F.col("old_id").alias("customer_id"),
        F.col("customer_id").alias("other_customer_id"), F.col("overlap").alias("records"))
    # A new cluster made of records of a previous id that stayed elsewhere split from it.
    split = (
        overlap.join(kept.select("old_id", F.col("component").alias("kept_by")), "old_id")
        .where(F.col("component") != F.col("kept_by"))
        .join(ids.where("is_new"), "component")
        .select(F.lit("split").alias("event"), "customer_id",
                F.col("old_id").alias("other_customer_id"), F.col("overlap").alias("records"))
    )
    return created.unionByName(merged).unionByName(split).withColumn("run_id", run).select(
        *EVENT_COLUMNS)


def build_crosswalk(records: DataFrame, stable: DataFrame, run_id: str) -> DataFrame:
    """Returns the identity crosswalk: one row per standardized record with its customer id.

    `stable` is `StableIds.crosswalk` (record_id, customer_id, linked_since, customer_since).
    """
    return (
        records.select("record_id", "source", "source_record_id", "source_kind")
        .join(stable, "record_id")
        .select(
            "source", "source_record_id", "customer_id", "record_id", "source_kind",
            "linked_since", "customer_since", F.lit(run_id).alias("assigned_run_id"),
        )
    )
