"""Compare: each candidate pair gets one agreement level (gamma) per comparison.

Levels follow the Fellegi–Sunter convention of jobs.model: -1 when either side is missing
(neutral), 0 for "else" (disagreement), then increasingly strong agreement up to exact. String
similarity and phonetic codes come from jellyfish through vectorized pandas UDFs (one Arrow batch
at a time, never a Python call per row through the JVM); everything else is Spark built-ins.
Per-record features (phonetic codes, handle letters) are computed once per record, not per pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jellyfish
import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import DoubleType, StringType

from jobs.blocking import name_handle_forms
from jobs.model import ComparisonSpec

# Columns of a standardized record that the comparisons read (with _l / _r suffixes on pairs).
PAIR_COLUMNS = (
    "source", "first_name_norm", "last_name_norm", "first_metaphone", "last_metaphone",
    "birth_date", "email", "email_sha256", "phone_e164", "postal_code", "street_norm",
    "house_number", "city_norm", "handle_letters", "ip_address", "gender",
)


@pandas_udf(DoubleType())  # type: ignore[call-overload]
def jaro_winkler(left: pd.Series, right: pd.Series) -> pd.Series:
    """Jaro–Winkler similarity of two string columns; null when either side is null."""
    return pd.Series(
        [
            jellyfish.jaro_winkler_similarity(a, b) if isinstance(a, str) and isinstance(b, str)
            else None
            for a, b in zip(left, right, strict=True)
        ],
        dtype="float64",
    )


@pandas_udf(StringType())  # type: ignore[call-overload]
def metaphone(values: pd.Series) -> pd.Series:
    """Metaphone code of each value (null stays null)."""
    return values.map(lambda v: jellyfish.metaphone(v) if isinstance(v, str) and v else None)


def with_comparison_features(records: DataFrame) -> DataFrame:
    """Returns the records with per-record features the comparisons need."""
    handle_letters = F.regexp_replace(
        F.lower(F.regexp_replace(F.col("handle"), r"[0-9_.\-]+$", "")), r"[^a-z]", ""
    )
    return (
        records.withColumn("first_metaphone", metaphone("first_name_norm"))
        .withColumn("last_metaphone", metaphone("last_name_norm"))
        .withColumn("handle_letters", F.when(F.length(handle_letters) > 0, handle_letters))
    )


def pairs_with_records(pairs: DataFrame, records: DataFrame) -> DataFrame:
    """Returns the candidate pairs with both records' comparison columns, suffixed _l and _r."""
    wanted = ["record_id", *PAIR_COLUMNS]
    left = records.select(*[F.col(c).alias(f"{c}_l") for c in wanted])
    right = records.select(*[F.col(c).alias(f"{c}_r") for c in wanted])
    return (
        pairs.join(left, pairs["record_l"] == left["record_id_l"])
        .join(right, pairs["record_r"] == right["record_id_r"])
        .drop("record_id_l", "record_id_r")
    )


def _l(name: str) -> Column:
    return F.col(f"{name}_l")


def _r(name: str) -> Column:
    return F.col(f"{name}_r")


def _either_null(*names: str) -> Column:
    condition = F.lit(False)
    for name in names:
        condition = condition | _l(name).isNull() | _r(name).isNull()
    return condition


def _names_swapped() -> Column:
    return (_l("first_name_norm") == _r("last_name_norm")) & (
        _l("last_name_norm") == _r("first_name_norm")
    )


def _names_swapped_with_typos() -> Column:
    # "laznger gabrielle" against "gabrielle langer": swapped, and a slip on top.
    return F.coalesce((F.col("_jw_first_last") >= 0.92) & (F.col("_jw_last_first") >= 0.92),
                      F.lit(False))


def first_name_level() -> Column:
    jw = F.col("_jw_first_name")
    return (
        F.when(_either_null("first_name_norm"), -1)
        .when((_l("first_name_norm") == _r("first_name_norm")) | _names_swapped(), 3)
        .when((jw >= 0.94) | _names_swapped_with_typos(), 2)
        .when((jw >= 0.88) | (_l("first_metaphone") == _r("first_metaphone")), 1)
        .otherwise(0)
    )


def last_name_level() -> Column:
    jw = F.col("_jw_last_name")
    return (
        F.when(_either_null("last_name_norm"), -1)
        .when((_l("last_name_norm") == _r("last_name_norm")) | _names_swapped(), 3)
        .when((jw >= 0.94) | _names_swapped_with_typos(), 2)
        .when((jw >= 0.88) | (_l("last_metaphone") == _r("last_metaphone")), 1)
        .otherwise(0)
    )


def birth_date_level() -> Column:
    left, right = _l("birth_date"), _r("birth_date")
    transposed = (F.dayofmonth(left) == F.month(right)) & (F.month(left) == F.dayofmonth(right)) & (
        F.year(left) == F.year(right)
    )
    one_digit = F.levenshtein(F.date_format(left, "yyyyMMdd"), F.date_format(right, "yyyyMMdd"))
    return (
        F.when(_either_null("birth_date"), -1)
        .when(left == right, 3)
        .when(transposed | (one_digit <= 1), 2)
        .when(F.year(left) == F.year(right), 1)
        .otherwise(0)
    )


def email_level() -> Column:
    # A plaintext email meets a hashed one through its SHA-256, computed at standardization.
    # Only equality counts: local parts are mostly built from names, so a near miss (even at
    # the same big provider) re-counts the name comparisons and links namesakes.
    return (
        F.when(_either_null("email_sha256"), -1)
        .when(_l("email_sha256") == _r("email_sha256"), 1)
        .otherwise(0)
    )


def phone_level() -> Column:
    return (
        F.when(_either_null("phone_e164"), -1)
        .when(_l("phone_e164") == _r("phone_e164"), 2)
        .when(F.levenshtein(_l("phone_e164"), _r("phone_e164")) <= 1, 1)
        .otherwise(0)
    )


def address_level() -> Column:
    # One comparison for street, postal code and city: they are strongly correlated, and
    # counting them as three independent agreements would over-weight a shared address.
    same_street = (_l("street_norm") == _r("street_norm")) & (
        F.coalesce(_l("house_number"), F.lit("")) == F.coalesce(_r("house_number"), F.lit(""))
    )
    same_postal = _l("postal_code") == _r("postal_code")
    similar_street = (F.col("_jw_street") >= 0.9) & (_l("house_number") == _r("house_number"))
    no_street = _either_null("street_norm")
    no_place = _either_null("postal_code") & _either_null("city_norm")
    return (
        F.when(no_street & no_place, -1)
        .when(F.coalesce(same_street & (same_postal | _either_null("postal_code")), F.lit(False)),
              4)
        .when(F.coalesce(similar_street & same_postal, F.lit(False)), 3)
        .when(F.coalesce(same_postal, F.lit(False)), 2)
        .when(F.coalesce(_l("city_norm") == _r("city_norm"), F.lit(False)), 1)
        .otherwise(0)
    )


def handle_name_level() -> Column:
    # A social handle against the other record's name (mvirtanen against Matti Virtanen). Only
    # meaningful when exactly one side is a social account.
    handle = F.coalesce(_l("handle_letters"), _r("handle_letters"))
    first = F.when(_l("handle_letters").isNull(), _l("first_name_norm")).otherwise(
        _r("first_name_norm")
    )
    last = F.when(_l("handle_letters").isNull(), _l("last_name_norm")).otherwise(
        _r("last_name_norm")
    )
    last_letters = F.regexp_replace(last, r"[^a-z]", "")
    one_side = _l("handle_letters").isNull() != _r("handle_letters").isNull()
    # When both records have first and last names the name comparisons already weigh them; a
    # handle built from the same name would count that evidence twice.
    names_compared = ~_either_null("first_name_norm", "last_name_norm")
    return (
        F.when(~one_side | last.isNull() | names_compared, -1)
        .when(F.array_contains(name_handle_forms(first, last), handle), 2)
        .when((F.length(last_letters) >= 4) & handle.contains(last_letters), 1)
        .otherwise(0)
    )


def ip_level() -> Column:
    return (
        F.when(_either_null("ip_address"), -1)
        .when(_l("ip_address") == _r("ip_address"), 1)
        .otherwise(0)
    )


@dataclass(frozen=True)
class Comparison:
    spec: ComparisonSpec
    level: Callable[[], Column]


DEFAULT_COMPARISONS: tuple[Comparison, ...] = (
    Comparison(ComparisonSpec("first_name", ("else", "fuzzy_0.88_or_phonetic", "fuzzy_0.94",
                                             "exact")), first_name_level),
    Comparison(ComparisonSpec("last_name", ("else", "fuzzy_0.88_or_phonetic", "fuzzy_0.94",
                                            "exact")), last_name_level),
    Comparison(ComparisonSpec("birth_date", ("else", "same_year", "transposed_or_one_digit",
                                             "exact")), birth_date_level),
    Comparison(ComparisonSpec("email", ("else", "exact_sha256")),
               email_level),
    Comparison(ComparisonSpec("phone", ("else", "one_digit", "exact")), phone_level),
    Comparison(ComparisonSpec("address", ("else", "same_city", "same_postal_code",
                                          "similar_street", "exact")), address_level),
    Comparison(ComparisonSpec("handle_name", ("else", "contains_last_name", "name_form")),
               handle_name_level),
    Comparison(ComparisonSpec("ip_address", ("else", "exact")), ip_level),
)


def comparison_specs(comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS
                     ) -> tuple[ComparisonSpec, ...]:
    """Returns the level descriptions of the comparisons, for the model."""
    return tuple(c.spec for c in comparisons)


def compare_pairs(pairs: DataFrame, comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS
                  ) -> DataFrame:
    """Returns the pairs (from pairs_with_records) with one `gamma_<name>` column per comparison.

    The _l/_r record columns are kept so that callers can explain or store what was compared.
    """
    with_similarity = (
        pairs.withColumn("_jw_first_name", jaro_winkler("first_name_norm_l", "first_name_norm_r"))
        .withColumn("_jw_last_name", jaro_winkler("last_name_norm_l", "last_name_norm_r"))
        .withColumn("_jw_first_last", jaro_winkler("first_name_norm_l", "last_name_norm_r"))
        .withColumn("_jw_last_first", jaro_winkler("last_name_norm_l", "first_name_norm_r"))
        .withColumn("_jw_street", jaro_winkler("street_norm_l", "street_norm_r"))
    )
    gammas = [c.level().cast("int").alias(f"gamma_{c.spec.name}") for c in comparisons]
    return with_similarity.select("*", *gammas).drop(
        "_jw_first_name", "_jw_last_name", "_jw_street", "_jw_first_last", "_jw_last_first"
    )
