"""Segments: named Spark SQL conditions over customer_profiles (conf/segments.yaml), their
members per run in `segment_memberships`, and each segment's size and change since the last run.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml
from pyspark.errors import AnalysisException, ParseException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from jobs import tables
from jobs.config import ConfigError, _check_keys, _expect_mapping, load_yaml
from jobs.profiles import build_profiles
from jobs.schemas import table_schema

if TYPE_CHECKING:  # the pipeline imports the stages, not the other way round
    from jobs.pipeline import RunContext

log = logging.getLogger(__name__)

SEGMENTS_FILE = "segments.yaml"
SEGMENT_NAME = re.compile(r"^[a-z0-9_]+$")
RUN_DATE_PLACEHOLDER = "{run_date}"
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
MEMBERSHIP_COLUMNS = ("segment", "customer_id", "run_id")


class SegmentConditionError(ConfigError):
    """A segment's condition does not parse, names an unknown column or is not a boolean."""

    def __init__(self, file: Path | str, key: str, segment: str, problem: str) -> None:
        self.segment = segment
        super().__init__(file, key, f"segment {segment!r}: {problem}")


@dataclass(frozen=True)
class SegmentRule:
    name: str
    description: str
    # A Spark SQL boolean expression over customer_profiles columns; `{run_date}` stands for
    # the run date as a date literal (date'2025-06-30'), so rules never read the clock.
    condition: str

    def sql(self, run_date: date) -> str:
        """Returns the condition with the run date filled in."""
        return self.condition.replace(RUN_DATE_PLACEHOLDER, f"date'{run_date.isoformat()}'")


class SegmentSize(NamedTuple):
    segment: str
    size: int
    change: int | None  # None when there is no earlier run to compare with


def read_yaml(path: Path) -> Any:
    """Returns the parsed YAML of `path`; a ConfigError names the file when it cannot."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, "(file)", f"cannot be read: {exc.strerror}") from exc
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(path, "(file)", f"is not valid YAML: {exc}") from exc


def _required_text(file: Path, key: str, mapping: dict[str, Any], name: str) -> str:
    value = mapping.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(file, f"{key}.{name}", "required, expected a non-empty string")
    return value.strip()


def parse_segments(raw: Any, file: Path) -> tuple[SegmentRule, ...]:
    """Returns the segment rules held by `raw` (the parsed YAML of `file`), checked for shape,
    names and placeholders; conditions are checked against a schema by validate_conditions."""
    top = _expect_mapping(file, "(top level)", raw)
    _check_keys(file, "", top, {"segments"})
    items = top.get("segments")
    if not isinstance(items, list) or not items:
        raise ConfigError(file, "segments", "required, expected a non-empty list of segments")
    rules: list[SegmentRule] = []
    for i, item in enumerate(items):
        key = f"segments[{i}]"
        mapping = _expect_mapping(file, key, item)
        _check_keys(file, key, mapping, {"name", "description", "condition"})
        name = _required_text(file, key, mapping, "name")
        if not SEGMENT_NAME.match(name):
            raise ConfigError(file, f"{key}.name", f"{name!r}: expected lower-case letters, "
                                                   "digits and _")
        if any(rule.name == name for rule in rules):
            raise ConfigError(file, f"{key}.name", f"{name!r} is used by two segments")
        condition = _required_text(file, key, mapping, "condition")
        unknown = sorted(set(_PLACEHOLDER.findall(condition)) - {RUN_DATE_PLACEHOLDER})
        if unknown:
            raise ConfigError(file, f"{key}.condition",
                              f"unknown placeholder {unknown[0]}; only {RUN_DATE_PLACEHOLDER}")
        rules.append(SegmentRule(name, _required_text(file, key, mapping, "description"),
                                 condition))
    return tuple(rules)


def load_segments(path: str | Path) -> tuple[SegmentRule, ...]:
    """Returns the segment rules of the YAML file at `path` (see parse_segments)."""
    file = Path(path)
    return parse_segments(read_yaml(file), file)


def declared_profiles_schema(spark: SparkSession) -> StructType:
    """Returns the schema build_profiles gives customer_profiles, derived from the declared
    schemas of its inputs (no data is read)."""
    def empty(table: str) -> DataFrame:
        return spark.createDataFrame([], table_schema(table).struct())

    profiles = build_profiles(empty(tables.STANDARDIZED_RECORDS),
                              empty(tables.IDENTITY_CROSSWALK), empty(tables.ORDERS),
                              date(2000, 1, 1), "")
    return profiles.schema


def validate_conditions(spark: SparkSession, rules: tuple[SegmentRule, ...], schema: StructType,
                        file: Path | str = SEGMENTS_FILE) -> None:
    """Raises SegmentConditionError, naming the segment, for the first condition that does not
    analyse as a boolean filter over an empty frame of `schema`."""
    empty = spark.createDataFrame([], schema)
    for i, rule in enumerate(rules):
        try:
            # Analysis is eager: where() resolves columns and types without running a job.
            empty.where(rule.sql(date(2000, 1, 1)))
        except (ParseException, AnalysisException) as exc:
            problem = str(exc).strip().splitlines()[0][:300]
            raise SegmentConditionError(file, f"segments[{i}].condition", rule.name,
                                        problem) from None


def check_conditions(spark: SparkSession, file: Path) -> None:
    """Raises SegmentConditionError for the first rule of `file` whose condition does not
    analyse over the profiles' declared schema: `run` checks them before its first stage
    writes (a misspelt column had stopped it after the crosswalk and profiles were replaced,
    leaving the run unfinished)."""
    validate_conditions(spark, load_segments(file), declared_profiles_schema(spark), file)


def segment_memberships(profiles: DataFrame, rules: tuple[SegmentRule, ...], run_id: str,
                        run_date: date) -> DataFrame:
    """Returns (segment, customer_id, run_id): one row per customer per segment it meets.

    One pass over the profiles: each row collects the names of the rules it meets. A condition
    that is null (a missing value) does not make a member.
    """
    names = F.array(*[F.when(F.expr(rule.sql(run_date)), F.lit(rule.name)) for rule in rules])
    return profiles.select(
        F.explode(F.array_compact(names)).alias("segment"),
        F.col("customer_id"),
        F.lit(run_id).alias("run_id"),
    )


def segment_sizes(memberships: DataFrame) -> dict[str, int]:
    """Returns the number of members of each segment that has any."""
    return {row["segment"]: int(row["count"])
            for row in memberships.groupBy("segment").count().collect()}


def previous_run_sizes(stored: DataFrame | None, run_id: str) -> dict[str, int] | None:
    """Returns the segment sizes of the latest run before `run_id` in `stored`
    (segment_memberships), or None when there is no earlier run."""
    if stored is None:
        return None
    earlier = stored.where(F.col("run_id") < run_id)
    latest = earlier.agg(F.max("run_id").alias("run_id")).first()
    if latest is None or latest["run_id"] is None:
        return None
    return segment_sizes(earlier.where(F.col("run_id") == latest["run_id"]))


def compare_sizes(rules: tuple[SegmentRule, ...], sizes: dict[str, int],
                  previous: dict[str, int] | None) -> list[SegmentSize]:
    """Returns each rule's size and change since the previous run, in configuration order."""
    result = []
    for rule in rules:
        size = sizes.get(rule.name, 0)
        change = None if previous is None else size - previous.get(rule.name, 0)
        result.append(SegmentSize(rule.name, size, change))
    return result


def segments_file(ctx: RunContext) -> Path:
    """Where the segments are configured: segments.yaml beside the run's configuration file."""
    return Path(ctx.config.file).resolve().parent / SEGMENTS_FILE


def read_profiles_of_run(ctx: RunContext) -> DataFrame:
    """Returns customer_profiles, checked to have been built by this run: order figures and
    consent are as of the run that built them, so segments of another run would be wrong."""
    profiles = tables.read_table(ctx.spark, ctx.warehouse, tables.CUSTOMER_PROFILES)
    if profiles is None:
        raise RuntimeError("customer_profiles does not exist yet: run the profiles stage first")
    built_by = sorted(row["run_id"] for row in profiles.select("run_id").distinct().collect())
    if built_by and built_by != [ctx.run_id]:
        raise RuntimeError(f"customer_profiles were built by run {', '.join(built_by)}, not "
                           f"{ctx.run_id}: run the profiles stage for this run first")
    return profiles


def segments_stage(ctx: RunContext, path: Path | None = None) -> None:
    """Evaluates the segment rules on customer_profiles and writes this run's memberships.

    Records metrics `size` and `change` per segment (stage `segments`, source = segment) and
    leaves [SegmentSize(segment, size, change)] in ctx.notes["segments"].
    """
    file = path or segments_file(ctx)
    rules = load_segments(file)
    with ctx.stage("segments"):
        spark = ctx.spark
        profiles = read_profiles_of_run(ctx)
        validate_conditions(spark, rules, profiles.schema, file)
        previous = previous_run_sizes(
            tables.read_table(spark, ctx.warehouse, tables.SEGMENT_MEMBERSHIPS), ctx.run_id)
        memberships = segment_memberships(profiles, rules, ctx.run_id, ctx.run_date)
        tables.write_table(memberships, ctx.warehouse, tables.SEGMENT_MEMBERSHIPS,
                           run_id=ctx.run_id)
        stored = tables.read_table(spark, ctx.warehouse, tables.SEGMENT_MEMBERSHIPS)
        assert stored is not None
        sizes = segment_sizes(stored.where(F.col("run_id") == ctx.run_id))
        summary = compare_sizes(rules, sizes, previous)
        for item in summary:
            ctx.metric("segments", "size", item.size, item.segment)
            if item.change is not None:
                ctx.metric("segments", "change", item.change, item.segment)
            log.info("segment %s: %d members (change %s)", item.segment, item.size, item.change)
        ctx.notes["segments"] = summary
