from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.comparisons import PAIR_COLUMNS, compare_pairs, with_comparison_features

TYPES = {"birth_date": "date", "first_name_groups": "array<string>"}
GAMMAS = ["first_name", "last_name", "birth_date", "email", "phone", "address", "handle_name",
          "handle_birth_year", "handle", "gender",
          "ip_address"]


def pair_frame(spark: SparkSession, pairs: list[tuple[dict[str, Any], dict[str, Any]]]
               ) -> DataFrame:
    columns = ["record_l", "record_r"] + [f"{c}_{s}" for s in ("l", "r") for c in PAIR_COLUMNS]
    schema = ", ".join(f"{c} {TYPES.get(c[:-2], 'string')}" for c in columns)
    rows = [
        (f"l{i}", f"r{i}", *[left.get(c) for c in PAIR_COLUMNS],
         *[right.get(c) for c in PAIR_COLUMNS])
        for i, (left, right) in enumerate(pairs)
    ]
    return spark.createDataFrame(rows, schema)


def all_gammas(spark: SparkSession, pairs: list[tuple[dict[str, Any], dict[str, Any]]]
               ) -> dict[str, dict[str, int]]:
    rows = compare_pairs(pair_frame(spark, pairs)).select(
        "record_l", *[F.col(f"gamma_{g}") for g in GAMMAS]
    ).collect()
    return {row["record_l"]: {g: row[f"gamma_{g}"] for g in GAMMAS} for row in rows}


NULLS = dict.fromkeys(GAMMAS, -1)


Case = tuple[dict[str, Any], dict[str, Any], dict[str, int]]


def _name_boundary(left: str, right: str, *, first: int, last: int) -> tuple[Case, Case]:
    """The same two names compared as first names and as last names, their phonetic codes
    kept apart so that only Jaro–Winkler decides the level."""
    def case(field: str, level: int) -> Case:
        return ({f"{field}_name_norm": left, f"{field}_metaphone": "A"},
                {f"{field}_name_norm": right, f"{field}_metaphone": "B"}, {f"{field}_name": level})

    return case("first", first), case("last", last)


CASES: list[Case] = [
    # Names: exact, swapped, fuzzy (Jaro–Winkler boundaries), phonetic, else.
    ({"first_name_norm": "matti", "last_name_norm": "virtanen"},
     {"first_name_norm": "matti", "last_name_norm": "virtanen"},
     {"first_name": 3, "last_name": 4}),
    ({"first_name_norm": "matti", "last_name_norm": "virtanen"},
     {"first_name_norm": "virtanen", "last_name_norm": "matti"},
     {"first_name": 3, "last_name": 4}),
    ({"first_name_norm": "laznger", "last_name_norm": "gabrielle"},   # swapped, and a slip
     {"first_name_norm": "gabrielle", "last_name_norm": "langer"},    # jw 0.96 and 1.0
     {"first_name": 2, "last_name": 3}),
    ({"first_name_norm": "gredn", "last_name_norm": "amelia"},       # swapped, jw 0.907: the
     {"first_name_norm": "amelia", "last_name_norm": "green"},        # 0.88 boundary counts
     {"first_name": 2, "last_name": 3}),
    ({"first_name_norm": "katharina", "last_name_norm": "mueller"},
     {"first_name_norm": "katharine", "last_name_norm": "muller"},   # jw 0.96 and 0.91
     {"first_name": 2, "last_name": 2}),
    ({"first_name_norm": "stronach", "last_name_norm": "ethan"},     # surname keyed as the
     {"first_name_norm": "emily", "last_name_norm": "stronach"},      # first name, first lost
     {"first_name": 0, "last_name": 1}),
    ({"first_name_norm": "katharina", "first_name_groups": ["katharina"]},
     {"first_name_norm": "kathi", "first_name_groups": ["katharina"]},  # a nickname
     {"first_name": 2}),
    # A nickname of two names meets either (kati: katariina, katharina), the two names not
    # each other through it (Jaro–Winkler 0.87 and 0.83, below the fuzzy levels).
    ({"first_name_norm": "kati", "first_metaphone": "KT",
      "first_name_groups": ["katariina", "katharina"]},
     {"first_name_norm": "katariina", "first_metaphone": "KTRN",
      "first_name_groups": ["katariina"]},
     {"first_name": 2}),
    ({"first_name_norm": "kasia", "first_metaphone": "KX", "first_name_groups": ["katarzyna"]},
     {"first_name_norm": "kati", "first_metaphone": "KT",
      "first_name_groups": ["katariina", "katharina"]},
     {"first_name": 0}),
    ({"first_name_norm": "jon", "first_metaphone": "JN"},
     {"first_name_norm": "john", "first_metaphone": "JN"},
     {"first_name": 1}),
    ({"first_name_norm": "matti"}, {"first_name_norm": "helene"}, {"first_name": 0}),
    # Jaro–Winkler boundaries, phonetic codes kept apart: 0.9467 and 0.9333 either side of
    # 0.94, 0.8833 and 0.8794 either side of 0.88.
    *_name_boundary("laura", "lara", first=2, last=3),
    *_name_boundary("anna", "hanna", first=1, last=2),
    *_name_boundary("anna", "anne", first=1, last=2),
    *_name_boundary("mikael", "michael", first=0, last=0),
    # Birth dates: exact, transposed day and month, one digit off, same year, else.
    ({"birth_date": dt.date(1985, 3, 7)}, {"birth_date": dt.date(1985, 3, 7)},
     {"birth_date": 3}),
    ({"birth_date": dt.date(1985, 3, 7)}, {"birth_date": dt.date(1985, 7, 3)},
     {"birth_date": 2}),
    ({"birth_date": dt.date(1985, 3, 7)}, {"birth_date": dt.date(1986, 3, 7)},
     {"birth_date": 2}),
    ({"birth_date": dt.date(1985, 3, 7)}, {"birth_date": dt.date(1985, 11, 20)},
     {"birth_date": 1}),
    ({"birth_date": dt.date(1985, 3, 7)}, {"birth_date": dt.date(1962, 11, 20)},
     {"birth_date": 0}),
    # Email: a plaintext email meets a hash; a near miss is a miss (namesakes share those).
    ({"email": "a.b@x.fi", "email_sha256": "h1"}, {"email_sha256": "h1"}, {"email": 1}),
    ({"email": "anna@x.fi", "email_sha256": "h1"}, {"email": "ana@x.fi", "email_sha256": "h2"},
     {"email": 0}),
    ({"email_sha256": "h1"}, {"email_sha256": "h2"}, {"email": 0}),
    # Phones.
    ({"phone_e164": "+358401234567"}, {"phone_e164": "+358401234567"}, {"phone": 2}),
    ({"phone_e164": "+358401234567"}, {"phone_e164": "+358401234568"}, {"phone": 1}),
    ({"phone_e164": "+358401234567"}, {"phone_e164": "+49301234567"}, {"phone": 0}),
    # Address: exact street and number, similar street, postal code, city, else.
    ({"street_norm": "mannerheimintie", "house_number": "12", "postal_code": "00100",
      "city_norm": "helsinki"},
     {"street_norm": "mannerheimintie", "house_number": "12", "postal_code": "00100",
      "city_norm": "helsinki"}, {"address": 4}),
    ({"street_norm": "mannerheimintie", "house_number": "12", "postal_code": "00100"},
     {"street_norm": "mannerheimint", "house_number": "12", "postal_code": "00100"},
     {"address": 3}),
    ({"street_norm": "mannerheimintie", "house_number": "12", "postal_code": "00100"},
     {"street_norm": "aleksanterinkatu", "house_number": "3", "postal_code": "00100"},
     {"address": 2}),
    ({"street_norm": "hauptstrasse", "house_number": "12", "postal_code": "10115"},
     {"street_norm": "hauptstrasse", "postal_code": "10115"},   # a number missing on one side
     {"address": 3}),
    ({"street_norm": "tindale street", "house_number": "51", "postal_code": "4125"},
     {"street_norm": "tindale street", "house_number": "15", "postal_code": "4152"},  # slips
     {"address": 3}),
    ({"street_norm": "tindale street", "house_number": "51", "postal_code": "4125"},
     {"street_norm": "tindale street", "house_number": "7", "postal_code": "4125"},
     {"address": 2}),
    # The street's words in another order (Jaro–Winkler 0.64): similar, when the house number
    # and the place agree as for a similar street.
    ({"street_norm": "rue de la paix", "house_number": "12", "postal_code": "75002"},
     {"street_norm": "paix rue de la", "house_number": "12", "postal_code": "75002"},
     {"address": 3}),
    ({"street_norm": "north main street", "house_number": "7", "city_norm": "springfield"},
     {"street_norm": "main street north", "house_number": "7", "city_norm": "springfield"},
     {"address": 3}),
    ({"street_norm": "rue de la paix", "house_number": "12", "postal_code": "75002"},
     {"street_norm": "paix rue de la", "house_number": "40", "postal_code": "75002"},
     {"address": 2}),
    ({"street_norm": "rue de la paix", "house_number": "12", "postal_code": "75002"},
     {"street_norm": "paix rue la", "house_number": "12", "postal_code": "75002"},  # a word lost
     {"address": 2}),
    ({"city_norm": "helsinki"}, {"city_norm": "helsinki"}, {"address": 1}),
    ({"city_norm": "dorrigo"}, {"city_norm": "dorrvigo"}, {"address": 1}),   # jw 0.94
    ({"city_norm": "helsinki"}, {"city_norm": "espoo"}, {"address": 0}),
    # Handle against the other side's name.
    ({"first_name_norm": "matti", "last_name_norm": "virtanen"},
     {"handle_letters": "mvirtanen"}, {"handle_name": 2}),
    ({"handle_letters": "virtanenm"},
     {"first_name_norm": "matti", "last_name_norm": "virtanen"}, {"handle_name": 2}),
    ({"first_name_norm": "katarzyna", "last_name_norm": "nowak"},   # a familiar form
     {"handle_letters": "kasianowak"}, {"handle_name": 2}),
    ({"first_name_norm": "matti", "last_name_norm": "virtanen"},
     {"handle_letters": "thevirtanenfan"}, {"handle_name": 1}),
    ({"first_name_norm": "matti", "last_name_norm": "virtanen"},
     {"handle_letters": "sunnyday"}, {"handle_name": 0}),
    ({"handle_letters": "mvirtanen"}, {"handle_letters": "mvirtanen"}, {}),
    # The year in a handle against the other side's birth date.
    ({"handle_letters": "annak", "handle_year": "84"}, {"birth_date": dt.date(1984, 5, 1)},
     {"handle_birth_year": 1}),
    ({"birth_date": dt.date(2001, 5, 1)}, {"handle_letters": "annak", "handle_year": "01"},
     {"handle_birth_year": 1}),
    ({"handle_letters": "annak", "handle_year": "85"}, {"birth_date": dt.date(1984, 5, 1)},
     {"handle_birth_year": 0}),
    # Two social accounts' handles: separators dropped, X's cut at 15 characters.
    ({"handle": "pixelpunk47"}, {"handle": "pixelpunk47"}, {"handle": 1}),
    ({"handle": "anna.k84"}, {"handle": "anna_k84"}, {"handle": 1}),
    ({"handle": "paivi_luomakorh"}, {"handle": "paivi.luomakorhonen82"}, {"handle": 1}),
    ({"handle": "paivi_luomakor"}, {"handle": "paivi.luomakorhonen82"}, {"handle": 0}),
    ({"handle": "pixelpunk47"}, {"handle": "pixelpunk48"}, {"handle": 0}),
    ({"handle": "pixelpunk47"}, {"first_name_norm": "matti"}, {}),
    # Gender.
    ({"gender": "f"}, {"gender": "f"}, {"gender": 1}),
    ({"gender": "f"}, {"gender": "m"}, {"gender": 0}),
    # IP addresses.
    ({"ip_address": "10.0.0.1"}, {"ip_address": "10.0.0.1"}, {"ip_address": 1}),
    ({"ip_address": "10.0.0.1"}, {"ip_address": "10.0.0.2"}, {"ip_address": 0}),
]


@pytest.fixture(scope="module")
def computed(spark: SparkSession) -> dict[str, dict[str, int]]:
    # One Spark job for every case: the suite stays fast.
    return all_gammas(spark, [(left, right) for left, right, _ in CASES])


@pytest.mark.parametrize("index", range(len(CASES)))
def test_levels(computed: dict[str, dict[str, int]], index: int) -> None:
    # Anything not set on both sides is null, hence level -1 (neutral).
    assert computed[f"l{index}"] == {**NULLS, **CASES[index][2]}


def test_every_condition_a_configuration_may_name_has_a_builder(spark: SparkSession) -> None:
    from jobs.comparisons import CONDITIONS, FIELDS

    assert set(FIELDS) == set(CONDITIONS)
    for name, builder in FIELDS.items():
        assert set(builder().conditions) == set(CONDITIONS[name]), name


def test_configured_levels_decide_the_gamma(spark: SparkSession) -> None:
    from jobs.comparisons import comparison_from_data

    # A stricter first-name comparison: exact only, else everything else.
    strict = comparison_from_data("first_name", [{"exact": ["exact"]}])
    frame = pair_frame(spark, [({"first_name_norm": "anna"}, {"first_name_norm": "anna"}),
                               ({"first_name_norm": "anna"}, {"first_name_norm": "anne"}),
                               ({"first_name_norm": "anna"}, {})])
    rows = compare_pairs(frame, [strict]).select("record_l", "gamma_first_name").collect()
    assert {r["record_l"]: r["gamma_first_name"] for r in rows} == {"l0": 1, "l1": 0, "l2": -1}


def test_the_year_an_account_shows_comes_from_its_bio_else_its_handle(spark: SparkSession
                                                                      ) -> None:
    records = spark.createDataFrame([
        ("a", "anna_k84", None),     # two digits ending the handle
        ("b", "anna_k84", 1985),     # the bio's year says it outright
        ("c", "anna_k", 2001),       # the bio's year, none in the handle
        ("d", "anna_k437", None),    # three digits: a counter
        ("e", "anna_k", None),
        ("f", None, 1984),           # not a social account
    ], "record_id string, handle string, birth_year int")
    for name in ("first_name_norm", "last_name_norm"):
        records = records.withColumn(name, F.lit(None).cast("string"))
    years = {row["record_id"]: row["handle_year"]
             for row in with_comparison_features(records).collect()}
    assert years == {"a": "84", "b": "85", "c": "01", "d": None, "e": None, "f": None}


def test_first_names_carry_every_name_their_nickname_stands_for(spark: SparkSession) -> None:
    records = spark.createDataFrame(
        [("a", "kasia"), ("b", "katarzyna"), ("c", "chris"), ("d", "zdzislawa"), ("e", None)],
        "record_id string, first_name_norm string",
    ).withColumn("last_name_norm", F.lit(None).cast("string")) \
        .withColumn("handle", F.lit(None).cast("string"))
    groups = {row["record_id"]: row["first_name_groups"]
              for row in with_comparison_features(records).collect()}
    assert groups == {
        "a": ["katarzyna"], "b": ["katarzyna"],
        "c": ["christian", "christina", "christine", "christoph", "christophe", "christopher"],
        "d": ["zdzislawa"],  # in no group: a group of its own
        "e": None,
    }
