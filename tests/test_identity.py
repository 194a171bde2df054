"""Stable customer ids: inheritance, merges, splits, new ids, events and linked-since dates."""

from __future__ import annotations

from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.identity import EVENT_COLUMNS, assign_stable_ids, customer_id_for, previous_ids


def assignments(spark: SparkSession, *clusters: tuple[str, ...]) -> DataFrame:
    """Returns (record_id, component) with each cluster's smallest record as anchor."""
    rows = [(record, min(cluster)) for cluster in clusters for record in cluster]
    return spark.createDataFrame(rows, "record_id string, component string")


def new_id(spark: SparkSession, anchor: str, run_id: str) -> str:
    row = spark.range(1).select(customer_id_for(F.lit(anchor), F.lit(run_id))).first()
    assert row is not None
    return str(row[0])


def events(spark: SparkSession, rows: list[tuple]) -> DataFrame:
    return spark.createDataFrame(
        rows, "event string, customer_id string, other_customer_id string, records bigint, "
              "run_id string")


def test_first_run_creates_one_id_per_cluster(spark: SparkSession) -> None:
    result = assign_stable_ids(assignments(spark, ("a", "b"), ("c",)), None, "r1")
    ab, c = new_id(spark, "a", "r1"), new_id(spark, "c", "r1")
    expected = spark.createDataFrame(
        [("a", ab, "r1", "r1"), ("b", ab, "r1", "r1"), ("c", c, "r1", "r1")],
        "record_id string, customer_id string, linked_since string, customer_since string")
    assert_df_equality(result.crosswalk, expected, ignore_row_order=True, ignore_nullable=True)
    assert_df_equality(
        result.events.select(*EVENT_COLUMNS),
        events(spark, [("created", ab, None, 2, "r1"), ("created", c, None, 1, "r1")]),
        ignore_row_order=True, ignore_nullable=True)


def test_ids_survive_reruns_new_records_merges_and_splits(spark: SparkSession) -> None:
    # Run 1: X = {a, b}, Y = {c, d, e} (Y older: created in r0), Z = {f}.
    previous = spark.createDataFrame(
        [("a", "X", "r1", "r1"), ("b", "X", "r1", "r1"), ("c", "Y", "r0", "r0"),
         ("d", "Y", "r0", "r0"), ("e", "Y", "r1", "r0"), ("f", "Z", "r1", "r1")],
        "record_id string, customer_id string, linked_since string, customer_since string")
    # Run 2: X and Y merge with new record g; Z splits: f stays... and a new record h joins
    # nothing; Y's e moves away to join f.
    now = assignments(spark, ("a", "b", "c", "d", "g"), ("e", "f"), ("h",))
    result = assign_stable_ids(now, previous, "r2")
    h = new_id(spark, "h", "r2")
    expected = spark.createDataFrame(
        [
            # X merged into the older Y; records of Y keep their dates, X's records move now.
            ("a", "Y", "r2", "r0"), ("b", "Y", "r2", "r0"), ("c", "Y", "r0", "r0"),
            ("d", "Y", "r0", "r0"), ("g", "Y", "r2", "r0"),
            # e left Y (Y stays with the bigger part) and joined f, which keeps Z.
            ("e", "Z", "r2", "r1"), ("f", "Z", "r1", "r1"),
            ("h", h, "r2", "r2"),
        ],
        "record_id string, customer_id string, linked_since string, customer_since string")
    assert_df_equality(result.crosswalk, expected, ignore_row_order=True, ignore_nullable=True)
    assert_df_equality(
        result.events.select(*EVENT_COLUMNS),
        events(spark, [("merged", "X", "Y", 2, "r2"), ("created", h, None, 1, "r2")]),
        ignore_row_order=True, ignore_nullable=True)


def test_a_split_keeps_the_id_in_the_larger_part_and_records_the_new_one(
    spark: SparkSession,
) -> None:
    previous = spark.createDataFrame(
        [(r, "X", "r1", "r1") for r in ("a", "b", "c", "d", "e")],
        "record_id string, customer_id string, linked_since string, customer_since string")
    result = assign_stable_ids(assignments(spark, ("a", "b"), ("c", "d", "e")), previous, "r2")
    ab = new_id(spark, "a", "r2")
    expected = spark.createDataFrame(
        [("a", ab, "r2", "r2"), ("b", ab, "r2", "r2"), ("c", "X", "r1", "r1"),
         ("d", "X", "r1", "r1"), ("e", "X", "r1", "r1")],
        "record_id string, customer_id string, linked_since string, customer_since string")
    assert_df_equality(result.crosswalk, expected, ignore_row_order=True, ignore_nullable=True)
    assert_df_equality(
        result.events.select(*EVENT_COLUMNS),
        events(spark, [("created", ab, None, 2, "r2"), ("split", ab, "X", 2, "r2")]),
        ignore_row_order=True, ignore_nullable=True)


def test_rerunning_the_same_clusters_changes_nothing(spark: SparkSession) -> None:
    first = assign_stable_ids(assignments(spark, ("a", "b"), ("c",)), None, "r1")
    second = assign_stable_ids(assignments(spark, ("a", "b"), ("c",)), first.crosswalk, "r2")
    assert_df_equality(second.crosswalk, first.crosswalk, ignore_row_order=True,
                       ignore_nullable=True)
    assert second.events.count() == 0


def test_a_social_handle_written_anew_keeps_its_customer(spark: SparkSession) -> None:
    # The previous run read instagram:aino (customer A) and, as two records, x:@Bo and x:bo
    # (customers B, older, and C); this run reads the accounts as Instagram:@Aino and x:Bo.
    columns = ("record_id string, customer_id string, linked_since string, "
               "customer_since string, source string, source_record_id string, "
               "source_kind string")
    previous = spark.createDataFrame([
        ("social/instagram:aino", "A", "r1", "r1", "social", "instagram:aino", "social"),
        ("social/x:@Bo", "C", "r1", "r1", "social", "x:@Bo", "social"),
        ("social/x:bo", "B", "r0", "r0", "social", "x:bo", "social"),
        ("social/x:cy", "D", "r1", "r1", "social", "x:cy", "social"),
        ("web/x:bo", "E", "r1", "r1", "web", "x:bo", "online"),
    ], columns)
    records = spark.createDataFrame([
        ("social/Instagram:@Aino", "social", "Instagram:@Aino", "social"),
        ("social/x:Bo", "social", "x:Bo", "social"),
        ("social/x:cy", "social", "x:cy", "social"),
        ("web/X:BO", "web", "X:BO", "online"),
    ], "record_id string, source string, source_record_id string, source_kind string")
    expected = spark.createDataFrame([
        ("social/Instagram:@Aino", "A", "r1", "r1"),
        ("social/x:Bo", "B", "r0", "r0"),
        ("social/x:cy", "D", "r1", "r1"),
        # Not a social source: its record ids are its own, case and all.
        ("web/x:bo", "E", "r1", "r1"),
    ], "record_id string, customer_id string, linked_since string, customer_since string")
    assert_df_equality(previous_ids(previous, records), expected, ignore_row_order=True,
                       ignore_nullable=True)
    # Through assign_stable_ids: the customers keep their ids.
    now = assignments(spark, ("social/Instagram:@Aino",), ("social/x:Bo",), ("social/x:cy",))
    result = assign_stable_ids(now, previous_ids(previous, records), "r2")
    assert sorted(tuple(r) for r in result.crosswalk.collect()) == [
        ("social/Instagram:@Aino", "A", "r1", "r1"), ("social/x:Bo", "B", "r0", "r0"),
        ("social/x:cy", "D", "r1", "r1")]
    # No record is new; the web record is left out of this run: its customer is retired.
    assert [tuple(r) for r in result.events.collect()] == [("retired", "E", None, 1, "r2")]


def test_a_customer_whose_records_are_all_gone_is_retired(spark: SparkSession) -> None:
    previous = spark.createDataFrame(
        [("a", "X", "r1", "r1"), ("b", "X", "r1", "r1"), ("c", "Y", "r1", "r1"),
         ("d", "Y", "r1", "r1")],
        "record_id string, customer_id string, linked_since string, customer_since string")
    # b left its source (X goes on with a); c and d both did: Y ends.
    result = assign_stable_ids(assignments(spark, ("a",)), previous, "r2")
    assert [tuple(r) for r in result.crosswalk.collect()] == [("a", "X", "r1", "r1")]
    assert_df_equality(result.events.select(*EVENT_COLUMNS),
                       events(spark, [("retired", "Y", None, 2, "r2")]), ignore_nullable=True)
