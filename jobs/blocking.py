"""Block: configured rules turn standardized records into candidate pairs, deduplicated.

A rule is a tuple of columns that must all be non-null and equal (`("last_name_norm",
"birth_date")`). Array columns (such as `handle_keys`) block two records sharing any element.
A key value shared by more than `max_block_size` records produces no pairs: such values (a
public Wi-Fi IP, a household phone, a placeholder email that slipped through) say little about
identity and would flood the comparison stage with non-matches.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType

log = logging.getLogger(__name__)

# Letters of a handle shorter than this are too unspecific to propose a pair.
MIN_HANDLE_KEY_LENGTH = 5


def _letters(col: Column) -> Column:
    return F.regexp_replace(F.lower(col), r"[^a-z]", "")


def name_handle_forms(first: Column, last: Column) -> Column:
    """Returns the handles people build from their names: mattivirtanen, mvirtanen, virtanenm,
    virtanenmatti. Not first name and initial (mattiv): namesakes share it too often."""
    f, last_letters = _letters(first), _letters(last)
    initial = F.substring(f, 1, 1)
    forms = F.array(
        F.concat(f, last_letters),
        F.concat(initial, last_letters),
        F.concat(last_letters, initial),
        F.concat(last_letters, f),
    )
    return F.when(
        (F.length(f) > 0) & (F.length(last_letters) > 0),
        F.filter(forms, lambda x: F.length(x) >= MIN_HANDLE_KEY_LENGTH),
    )


def with_blocking_columns(records: DataFrame) -> DataFrame:
    """Returns the records with derived blocking columns (`handle_keys`, `last_name_soundex`)."""
    handle_letters = F.regexp_replace(
        _letters(F.regexp_replace(F.col("handle"), r"[0-9_.\-]+$", "")), r"\s", ""
    )
    own_handle = F.when(
        F.length(handle_letters) >= MIN_HANDLE_KEY_LENGTH, F.array(handle_letters)
    ).otherwise(F.array().cast("array<string>"))
    forms = F.coalesce(
        name_handle_forms(F.col("first_name_norm"), F.col("last_name_norm")),
        F.array().cast("array<string>"),
    )
    keys = F.array_distinct(F.concat(own_handle, forms))
    return records.withColumn(
        "handle_keys", F.when(F.size(keys) > 0, keys)
    ).withColumn("last_name_soundex", F.soundex("last_name_norm"))


def _rule_keys(records: DataFrame, rule: Sequence[str], rule_index: int) -> DataFrame:
    """Returns (rule, key, record_id) for the records the rule can block."""
    parts: list[Column] = []
    frame = records
    for column in rule:
        if isinstance(records.schema[column].dataType, ArrayType):
            frame = frame.withColumn(column, F.explode_outer(column))
        parts.append(F.col(column).cast("string"))
    condition = F.lit(True)
    for part in parts:
        condition = condition & part.isNotNull() & (F.trim(part) != "")
    return frame.where(condition).select(
        F.lit(rule_index).alias("rule"),
        F.concat_ws("\u241f", *parts).alias("key"),
        "record_id",
    ).distinct()


def candidate_pairs(records: DataFrame, rules: Sequence[Sequence[str]], max_block_size: int
                    ) -> DataFrame:
    """Returns the distinct candidate pairs (`record_l` < `record_r`, `first_rule`) of the rules.

    `first_rule` is the index of the first rule that proposed the pair, for the run summary.
    """
    keys = None
    for index, rule in enumerate(rules):
        rule_keys = _rule_keys(records, rule, index)
        keys = rule_keys if keys is None else keys.unionByName(rule_keys)
    if keys is None:
        raise ValueError("at least one blocking rule is needed")
    sized = keys.withColumn("block_size", F.count("*").over(Window.partitionBy("rule", "key")))
    usable = sized.where(F.col("block_size") <= max_block_size).drop("block_size")
    left = usable.select("rule", "key", F.col("record_id").alias("record_l"))
    right = usable.select("rule", "key", F.col("record_id").alias("record_r"))
    pairs = left.join(right, ["rule", "key"]).where(F.col("record_l") < F.col("record_r"))
    return pairs.groupBy("record_l", "record_r").agg(F.min("rule").alias("first_rule"))


def oversized_blocks(records: DataFrame, rules: Sequence[Sequence[str]], max_block_size: int
                     ) -> DataFrame:
    """Returns (rule, block_size) of the key values that were too common to block on."""
    frames = [_rule_keys(records, rule, i) for i, rule in enumerate(rules)]
    keys = frames[0]
    for frame in frames[1:]:
        keys = keys.unionByName(frame)
    return (
        keys.groupBy("rule", "key").count()
        .where(F.col("count") > max_block_size)
        .select("rule", F.col("count").alias("block_size"))
    )
