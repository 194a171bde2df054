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

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType

from jobs.nicknames import familiar_forms, names_map

log = logging.getLogger(__name__)

# Letters of a handle shorter than this are too unspecific to propose a pair.
MIN_HANDLE_KEY_LENGTH = 5


def _letters(col: Column) -> Column:
    return F.regexp_replace(F.lower(col), r"[^a-z]", "")


def name_handle_forms(first: Column, last: Column) -> Column:
    """Returns the handles people build from their names: mattivirtanen, mvirtanen, virtanenm,
    virtanenmatti, and the same with each familiar form of the first name (katarzyna nowak:
    kasianowak, nowakkasia). Not first name and initial (mattiv): namesakes share it too
    often."""
    f, last_letters = _letters(first), _letters(last)
    initial = F.substring(f, 1, 1)
    familiar = F.element_at(names_map(familiar_forms()), first)
    forms = F.concat(
        F.array(
            F.concat(f, last_letters),
            F.concat(initial, last_letters),
            F.concat(last_letters, initial),
            F.concat(last_letters, f),
        ),
        F.coalesce(
            F.flatten(F.transform(
                familiar,
                lambda n: F.array(F.concat(_letters(n), last_letters),
                                  F.concat(last_letters, _letters(n))))),
            F.array().cast("array<string>"),
        ),
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


KEY_SEPARATOR = "\u241f"


def _append(keys: Column, joiner: str, part: Column) -> Column:
    return F.transform(keys, lambda k: F.concat(k, F.lit(joiner), part))


def _append_each(keys: Column, joiner: str, elements: Column) -> Column:
    return F.flatten(F.transform(
        keys, lambda k: F.transform(elements, lambda x: F.concat(k, F.lit(joiner), x))))


def _tagged(keys: Column, rule_index: int) -> Column:
    return F.transform(keys, lambda k: F.struct(F.lit(rule_index).alias("rule"), k.alias("key")))


def _rule_key_array(records: DataFrame, rule: Sequence[str]) -> Column:
    """Returns the rule's keys for one record as an array of strings (empty when a column is
    null or blank). An array column contributes one key per non-blank element."""
    keys = F.array(F.lit(""))
    complete = F.lit(True)
    for position, column in enumerate(rule):
        joiner = "" if position == 0 else KEY_SEPARATOR
        if isinstance(records.schema[column].dataType, ArrayType):
            elements = F.filter(F.coalesce(F.col(column), F.array().cast("array<string>")),
                                lambda x: x.isNotNull() & (F.trim(x) != ""))
            keys = _append_each(keys, joiner, elements)
        else:
            part = F.col(column).cast("string")
            complete = complete & part.isNotNull() & (F.trim(part) != "")
            keys = _append(keys, joiner, part)
    return F.when(complete, F.array_distinct(keys)).otherwise(F.array().cast("array<string>"))


def blocking_keys(records: DataFrame, rules: Sequence[Sequence[str]]) -> DataFrame:
    """Returns the distinct (rule, key, record_id) of every rule, from one pass over the records
    (rule is the rule's index)."""
    if not rules:
        raise ValueError("at least one blocking rule is needed")
    entries = F.concat(*[_tagged(_rule_key_array(records, rule), index)
                         for index, rule in enumerate(rules)])
    return (records.select("record_id", F.explode(entries).alias("entry"))
            .select("entry.rule", "entry.key", "record_id").distinct())


def _block_sizes(keys: DataFrame) -> DataFrame:
    """Returns (rule, key, block_size): how many records share each key."""
    return keys.groupBy("rule", "key").agg(F.count(F.lit(1)).alias("block_size"))


def pairs_from_keys(keys: DataFrame, max_block_size: int) -> DataFrame:
    """Returns the distinct candidate pairs (`record_l` < `record_r`, `first_rule`) of blocking
    keys (see blocking_keys); a key shared by more than `max_block_size` records proposes none."""
    usable = keys.join(_block_sizes(keys).where(F.col("block_size") <= max_block_size)
                       .drop("block_size"), ["rule", "key"])
    left = usable.select("rule", "key", F.col("record_id").alias("record_l"))
    right = usable.select("rule", "key", F.col("record_id").alias("record_r"))
    pairs = left.join(right, ["rule", "key"]).where(F.col("record_l") < F.col("record_r"))
    return pairs.groupBy("record_l", "record_r").agg(F.min("rule").alias("first_rule"))


def oversized_from_keys(keys: DataFrame, max_block_size: int) -> DataFrame:
    """Returns (rule, block_size) of the key values that were too common to block on."""
    return (_block_sizes(keys).where(F.col("block_size") > max_block_size)
            .select("rule", "block_size"))


def candidate_pairs(records: DataFrame, rules: Sequence[Sequence[str]], max_block_size: int
                    ) -> DataFrame:
    """Returns the distinct candidate pairs (`record_l` < `record_r`, `first_rule`) of the rules.

    `first_rule` is the index of the first rule that proposed the pair, for the run summary.
    """
    return pairs_from_keys(blocking_keys(records, rules), max_block_size)


def oversized_blocks(records: DataFrame, rules: Sequence[Sequence[str]], max_block_size: int
                     ) -> DataFrame:
    """Returns (rule, block_size) of the key values that were too common to block on."""
    return oversized_from_keys(blocking_keys(records, rules), max_block_size)
