from __future__ import annotations

from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.blocking import (
    KEY_SEPARATOR,
    blocking_keys,
    candidate_pairs,
    oversized_blocks,
    with_blocking_columns,
)

COLUMNS = "record_id string, first_name_norm string, last_name_norm string, email_sha256 string, " \
          "handle string"


def test_rules_pairs_deduplicated_and_common_values_ignored(spark: SparkSession) -> None:
    records = spark.createDataFrame(
        [
            ("a/1", "matti", "virtanen", "h1", None),
            ("b/1", "matti", "virtanen", "h1", None),   # same name and email: one pair, rule 0
            ("c/1", "maria", "virtanen", "h2", None),
            ("w/1", None, None, "shared", None),
            ("w/2", None, None, "shared", None),
            ("w/3", None, None, "shared", None),
            ("w/4", None, None, "shared", None),
            ("w/5", None, None, "shared", None),        # 5 records share it: over the cap of 4
            ("s/x", None, None, None, "MVirtanen_85"),
        ],
        COLUMNS,
    )
    rules = [("email_sha256",), ("first_name_norm", "last_name_norm"), ("handle_keys",)]
    pairs = candidate_pairs(with_blocking_columns(records), rules, max_block_size=4)
    # a/1 and c/1 share the handle forms mvirtanen and virtanenm (Matti and Maria Virtanen).
    expected = spark.createDataFrame(
        [("a/1", "b/1", 0), ("a/1", "c/1", 2), ("b/1", "c/1", 2), ("a/1", "s/x", 2),
         ("b/1", "s/x", 2), ("c/1", "s/x", 2)],
        "record_l string, record_r string, first_rule int",
    )
    assert_df_equality(pairs, expected, ignore_row_order=True, ignore_nullable=True)
    oversized = oversized_blocks(with_blocking_columns(records), rules, max_block_size=4)
    assert [tuple(r) for r in oversized.collect()] == [(0, 5)]


def test_handle_keys_from_names_and_handles(spark: SparkSession) -> None:
    records = spark.createDataFrame(
        [("r/1", "matti", "virtanen", None, None), ("s/1", None, None, None, "@matti.virtanen"),
         # Familiar forms of the first name make handles too (kasia_nowak).
         ("r/2", "katarzyna", "nowak", None, None)],
        COLUMNS,
    )
    keys = with_blocking_columns(records).select("record_id", F.col("handle_keys"))
    expected = spark.createDataFrame(
        [
            ("r/1", ["mattivirtanen", "mvirtanen", "virtanenm", "virtanenmatti", "masavirtanen",
                     "virtanenmasa"]),
            ("s/1", ["mattivirtanen"]),
            ("r/2", ["katarzynanowak", "knowak", "nowakk", "nowakkatarzyna", "kasianowak",
                     "nowakkasia", "kaskanowak", "nowakkaska"]),
        ],
        "record_id string, handle_keys array<string>",
    )
    assert_df_equality(keys, expected, ignore_row_order=True, ignore_nullable=True)


def test_keys_of_a_rule_mixing_scalar_and_array_columns(spark: SparkSession) -> None:
    records = spark.createDataFrame(
        [
            ("a/1", "anna", "berg", None, None),
            ("b/1", "anna", " ", None, None),          # blank surname: the rule gives no key
            ("s/1", None, "berg", None, "@anna.berg"),
        ],
        COLUMNS,
    ).withColumn("born", F.to_date(F.lit("1984-03-02")))
    keys = blocking_keys(with_blocking_columns(records),
                         [("last_name_norm", "handle_keys"), ("born", "first_name_norm")])
    sep = KEY_SEPARATOR
    expected = spark.createDataFrame(
        [(0, f"berg{sep}annaberg", "a/1"), (0, f"berg{sep}aberg", "a/1"),
         (0, f"berg{sep}berga", "a/1"), (0, f"berg{sep}berganna", "a/1"),
         # Anna's familiar forms (ania, anka) make handles too.
         (0, f"berg{sep}aniaberg", "a/1"), (0, f"berg{sep}bergania", "a/1"),
         (0, f"berg{sep}ankaberg", "a/1"), (0, f"berg{sep}berganka", "a/1"),
         (0, f"berg{sep}annaberg", "s/1"),
         (1, f"1984-03-02{sep}anna", "a/1"), (1, f"1984-03-02{sep}anna", "b/1")],
        "rule int, key string, record_id string",
    )
    assert_df_equality(keys, expected, ignore_row_order=True, ignore_nullable=True)
