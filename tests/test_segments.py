"""Segment rules: the shipped rules on a hand-built profile table, validation, and the stage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession

from jobs import tables
from jobs.config import Config, ConfigError
from jobs.pipeline import RunContext
from jobs.segments import (
    SegmentConditionError,
    SegmentRule,
    SegmentSize,
    declared_profiles_schema,
    load_segments,
    segment_memberships,
    segments_stage,
    validate_conditions,
)

SHIPPED = Path(__file__).resolve().parent.parent / "conf" / "segments.yaml"
RUN_DATE = date(2025, 6, 15)
MEMBERSHIP_SCHEMA = "segment string, customer_id string, run_id string"

# The non-nullable profile columns, as build_profiles leaves them for a customer without data.
PROFILE_DEFAULTS: dict[str, Any] = {
    "emails": [], "email_sha256s": [], "phones": [], "handles": [], "cookie_ids": [],
    "subscriber_ids": [], "subscriptions": [], "interests": [], "consent_marketing": False,
    "consent_partner_sharing": False, "consent_profiling": False, "sources": [],
    "record_count": 1, "run_id": "r0",
}


def profiles_frame(spark: SparkSession, *rows: dict[str, Any]) -> DataFrame:
    """Returns customer_profiles rows in the schema build_profiles gives (absent values null)."""
    schema = declared_profiles_schema(spark)
    full = [tuple({**PROFILE_DEFAULTS, **row}.get(f.name) for f in schema.fields) for row in rows]
    return spark.createDataFrame(full, schema)


def orders(total: int, in_90d: int, in_30d: int, average: str) -> dict[str, Any]:
    return {"orders_total": total, "orders_90d": in_90d, "orders_30d": in_30d,
            "avg_order_value": Decimal(average)}


def subscription(source: str, status: str) -> tuple[str, str, str, date]:
    return (source, "basic", status, date(2020, 1, 1))


def hand_built_profiles(spark: SparkSession) -> DataFrame:
    return profiles_frame(
        spark,
        {"customer_id": "recent_big", **orders(5, 3, 2, "60.00")},
        {"customer_id": "lapsed_small", **orders(4, 0, 0, "20.00")},
        {"customer_id": "exactly_50", **orders(1, 1, 0, "50.00")},
        {"customer_id": "never_ordered"},
        {"customer_id": "mover", "interests": ["moving", "travel"], "consent_profiling": True},
        {"customer_id": "mover_no_profiling", "interests": ["moving"]},
        {"customer_id": "helsinki", "country": "FI", "postal_code": "00100"},
        {"customer_id": "tampere", "country": "FI", "postal_code": "33100"},
        {"customer_id": "swedish_00", "country": "SE", "postal_code": "00100"},
        {"customer_id": "june_birthday", "birth_date": date(1980, 6, 30)},
        {"customer_id": "july_birthday", "birth_date": date(1980, 7, 1)},
        {"customer_id": "cable_reader", "subscriptions": [subscription("cable", "active")],
         "sources": ["cable", "web"], "consent_profiling": True},
        {"customer_id": "both_brands", "sources": ["cable", "magazine", "web"],
         "subscriptions": [subscription("cable", "active"), subscription("magazine", "active")],
         "consent_profiling": True},
        {"customer_id": "cable_cancelled", "subscriptions": [subscription("cable", "cancelled")],
         "sources": ["cable", "web"], "consent_profiling": True},
        {"customer_id": "cable_offline", "subscriptions": [subscription("cable", "active")],
         "sources": ["cable"], "consent_profiling": True},
        {"customer_id": "magazine_lapsed_cable",
         "subscriptions": [subscription("cable", "active"), subscription("magazine", "cancelled")],
         "sources": ["cable", "magazine", "web"], "consent_profiling": True},
    )


def test_shipped_rules_give_the_expected_members(spark: SparkSession) -> None:
    rules = load_segments(SHIPPED)
    actual = segment_memberships(hand_built_profiles(spark), rules, "r1", RUN_DATE)
    expected = spark.createDataFrame([
        ("bought_last_30_days", "recent_big", "r1"),
        ("high_order_value", "recent_big", "r1"),
        ("high_order_value", "exactly_50", "r1"),
        ("lapsed_90_days", "lapsed_small", "r1"),
        ("interested_in_moving", "mover", "r1"),
        ("helsinki_region", "helsinki", "r1"),
        ("birthday_this_month", "june_birthday", "r1"),
        ("cable_subscribers_reading_magazine_online", "cable_reader", "r1"),
        ("cable_subscribers_reading_magazine_online", "magazine_lapsed_cable", "r1"),
    ], MEMBERSHIP_SCHEMA)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_birthday_follows_the_run_date_not_the_clock(spark: SparkSession) -> None:
    rule = SegmentRule("birthday", "b", "month(birth_date) = month({run_date})")
    assert rule.sql(date(2024, 2, 29)) == "month(birth_date) = month(date'2024-02-29')"
    actual = segment_memberships(hand_built_profiles(spark), (rule,), "r9", date(2031, 7, 2))
    expected = spark.createDataFrame([("birthday", "july_birthday", "r9")], MEMBERSHIP_SCHEMA)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_shipped_rules_analyse_against_the_profiles_schema(spark: SparkSession) -> None:
    validate_conditions(spark, load_segments(SHIPPED), declared_profiles_schema(spark), SHIPPED)


@pytest.mark.parametrize(("condition", "problem"), [
    ("no_such_column > 1", "no_such_column"),
    ("orders_30d >", "PARSE_SYNTAX_ERROR"),
    ("orders_30d + 1", "not a boolean"),
])
def test_a_bad_condition_is_rejected_naming_the_segment(spark: SparkSession, condition: str,
                                                        problem: str) -> None:
    rules = (SegmentRule("fine", "ok", "orders_30d > 0"), SegmentRule("broken", "b", condition))
    with pytest.raises(SegmentConditionError) as caught:
        validate_conditions(spark, rules, declared_profiles_schema(spark), "conf/segments.yaml")
    assert caught.value.segment == "broken"
    assert caught.value.key == "segments[1].condition"
    assert str(caught.value).startswith("conf/segments.yaml: `segments[1].condition`: "
                                        "segment 'broken': ")
    assert problem in str(caught.value)


GOOD = "  - {name: buyers, description: Bought, condition: orders_30d > 0}\n"


@pytest.mark.parametrize(("text", "key", "problem"), [
    ("segments: []\n", "segments", "non-empty list"),
    ("segment:\n" + GOOD, "segment", "unknown key"),
    ("segments:\n" + GOOD + "  - {name: x, description: d, condition: c, colour: red}\n",
     "segments[1].colour", "unknown key"),
    ("segments:\n" + GOOD + "  - {name: x, description: d}\n", "segments[1].condition",
     "required"),
    ("segments:\n  - {description: d, condition: c}\n", "segments[0].name", "required"),
    ("segments:\n  - {name: x, condition: c}\n", "segments[0].description", "required"),
    ("segments:\n" + GOOD + GOOD, "segments[1].name", "used by two segments"),
    ("segments:\n  - {name: Big-Spenders, description: d, condition: c}\n", "segments[0].name",
     "lower-case"),
    ("segments:\n  - {name: x, description: d, condition: 'd = {today}'}\n",
     "segments[0].condition", "unknown placeholder {today}"),
    ("segments:\n  - just a string\n", "segments[0]", "expected a mapping"),
    ("segments: [\n", "(file)", "not valid YAML"),
])
def test_bad_yaml_errors_name_file_and_key(tmp_path: Path, text: str, key: str,
                                           problem: str) -> None:
    file = tmp_path / "segments.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_segments(file)
    assert (caught.value.file, caught.value.key) == (str(file), key)
    assert problem in caught.value.problem


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_segments(tmp_path / "absent.yaml")


def run_context(spark: SparkSession, folder: Path, run_id: str, run_date: date) -> RunContext:
    config = Config(file=folder / "job.yaml", warehouse=str(folder / "warehouse"), sources=())
    return RunContext(spark=spark, config=config, run_date=run_date, run_id=run_id)


def test_stage_writes_memberships_and_reports_change_since_the_last_run(
        spark: SparkSession, tmp_path: Path) -> None:
    (tmp_path / "segments.yaml").write_text(
        "segments:\n"
        "  - {name: movers, description: m, condition: \"array_contains(interests, 'moving')\"}\n"
        "  - {name: finns, description: f, condition: \"country = 'FI'\"}\n", encoding="utf-8")
    warehouse = str(tmp_path / "warehouse")

    def run(run_id: str, run_date: date, *profiles: dict[str, Any]) -> RunContext:
        built = profiles_frame(spark, *[{**row, "run_id": run_id} for row in profiles])
        tables.write_table(built, warehouse, tables.CUSTOMER_PROFILES)
        ctx = run_context(spark, tmp_path, run_id, run_date)
        segments_stage(ctx)
        return ctx

    finn = {"customer_id": "a", "country": "FI"}
    mover = {"customer_id": "b", "interests": ["moving"]}
    first = run("2025-06-01", date(2025, 6, 1), finn, mover, {**mover, "customer_id": "c"})
    assert first.notes["segments"] == [SegmentSize("movers", 2, None),
                                       SegmentSize("finns", 1, None)]
    second = run("2025-06-02", date(2025, 6, 2), finn, {**finn, "customer_id": "d"}, mover)
    assert second.notes["segments"] == [SegmentSize("movers", 1, -1), SegmentSize("finns", 2, 1)]
    assert second.value("segments", "change", "movers") == -1
    assert second.value("segments", "size", "finns") == 2
    # A re-run of the first run date compares with nothing earlier and replaces only its slice.
    again = run("2025-06-01", date(2025, 6, 1), finn, mover, {**mover, "customer_id": "c"})
    assert again.notes["segments"] == first.notes["segments"]
    stored = tables.read_table(spark, warehouse, tables.SEGMENT_MEMBERSHIPS)
    assert stored is not None
    expected = spark.createDataFrame([
        ("finns", "a", "2025-06-01"), ("movers", "b", "2025-06-01"), ("movers", "c", "2025-06-01"),
        ("finns", "a", "2025-06-02"), ("finns", "d", "2025-06-02"), ("movers", "b", "2025-06-02"),
    ], MEMBERSHIP_SCHEMA)
    assert_df_equality(stored.select(*expected.columns), expected, ignore_row_order=True,
                       ignore_nullable=True)


def test_stage_rejects_a_condition_before_writing(spark: SparkSession, tmp_path: Path) -> None:
    (tmp_path / "segments.yaml").write_text(
        "segments:\n  - {name: typo, description: t, condition: 'ordrs_30d > 0'}\n",
        encoding="utf-8")
    ctx = run_context(spark, tmp_path, "r1", RUN_DATE)
    tables.write_table(profiles_frame(spark, {"customer_id": "a", "run_id": "r1"}),
                       ctx.warehouse, tables.CUSTOMER_PROFILES)
    with pytest.raises(SegmentConditionError, match="segment 'typo'"):
        segments_stage(ctx)
    assert tables.read_table(spark, ctx.warehouse, tables.SEGMENT_MEMBERSHIPS) is None


def test_stage_refuses_profiles_built_by_another_run(spark: SparkSession, tmp_path: Path) -> None:
    (tmp_path / "segments.yaml").write_text(
        "segments:\n  - {name: all, description: a, condition: 'customer_id is not null'}\n",
        encoding="utf-8")
    ctx = run_context(spark, tmp_path, "2025-06-01", date(2025, 6, 1))
    tables.write_table(profiles_frame(spark, {"customer_id": "a", "run_id": "2025-06-02"}),
                       ctx.warehouse, tables.CUSTOMER_PROFILES)
    with pytest.raises(RuntimeError, match="built by run 2025-06-02, not 2025-06-01"):
        segments_stage(ctx)
