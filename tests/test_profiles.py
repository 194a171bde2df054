"""Golden profiles, order figures, the identifier index and the crosswalk, on inline records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession

from jobs.config import ADDRESS_PARTS, Survivorship
from jobs.profiles import build_identifier_index, build_profiles
from jobs.schemas import table_schema

AS_OF = date(2026, 11, 1)


def records_frame(spark: SparkSession, *rows: dict[str, Any]) -> DataFrame:
    """Returns standardized records with every contract column (absent values null)."""
    schema = table_schema("standardized_records")
    full = []
    for row in rows:
        values = dict(row)
        values.setdefault("record_id", f"{values['source']}/{values['source_record_id']}")
        values.setdefault("run_id", "r1")
        full.append(tuple(values.get(name) for name in schema.column_names))
    return spark.createDataFrame(full, schema.struct())


def orders_frame(spark: SparkSession, *rows: tuple[str, str, date, str]) -> DataFrame:
    """Returns orders (record_id, order_id, order_date, amount) in the orders table schema."""
    schema = table_schema("orders")
    full = [
        ("magazine_orders", "magazine", order_id, record_id.split("/")[1], record_id, day,
         Decimal(amount), "EUR", "print", "r1")
        for record_id, order_id, day, amount in rows
    ]
    return spark.createDataFrame(full, schema.struct())


def sample_records(spark: SparkSession) -> DataFrame:
    return records_frame(
        spark,
        {"source": "magazine", "source_kind": "registry", "source_record_id": "M1",
         "first_name": "Matti", "last_name": "Virtanen", "birth_date": date(1985, 3, 7),
         "city": "Helsinki", "phone_e164": "+358401234567", "email": "matti@x.example",
         "email_sha256": "aa", "subscription_product": "print", "subscription_status": "active",
         "subscription_start": date(2020, 1, 1), "consent_marketing": True,
         "consent_partner_sharing": True, "updated_at": datetime(2025, 1, 1)},
        {"source": "web", "source_kind": "online", "source_record_id": "P9",
         "first_name": "Mati", "city": "Espoo", "email_sha256": "aa",
         "interests": ["moving", "sports"], "consent_profiling": True,
         "updated_at": datetime(2026, 10, 1)},
        {"source": "social", "source_kind": "social", "source_record_id": "x:mvirtanen",
         "first_name": "Matti", "last_name": "Virtanen", "platform": "x", "handle": "mvirtanen",
         "phone_e164": "+358409999999", "updated_at": datetime(2026, 9, 1)},
        {"source": "cable", "source_kind": "registry", "source_record_id": "C1",
         "first_name": "Anna", "last_name": "Korhonen", "consent_partner_sharing": True,
         "updated_at": datetime(2024, 1, 1)},
        {"source": "cable", "source_kind": "registry", "source_record_id": "C2",
         "first_name": "Anna", "last_name": "Korhonen-Lahti", "consent_partner_sharing": False,
         "interests": None, "updated_at": datetime(2026, 1, 1)},
    )


def sample_crosswalk(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame(
        [("magazine/M1", "A"), ("web/P9", "A"), ("social/x:mvirtanen", "A"),
         ("cable/C1", "B"), ("cable/C2", "B")],
        "record_id string, customer_id string",
    )


def test_profiles_pick_golden_values_by_trust_then_recency(spark: SparkSession) -> None:
    orders = orders_frame(
        spark,
        ("magazine/M1", "o1", date(2026, 10, 20), "10.00"),
        ("magazine/M1", "o2", date(2026, 6, 1), "30.00"),
        ("magazine/M1", "o3", date(2024, 1, 1), "20.00"),
    )
    profiles = build_profiles(sample_records(spark), sample_crosswalk(spark), orders, AS_OF, "r1")
    actual = profiles.select(
        "customer_id", "first_name", "first_name_source", "last_name", "last_name_source",
        "city", "city_source", "phones", "email_sha256s", "handles", "cookie_ids",
        "subscriber_ids", "interests", "consent_marketing", "consent_partner_sharing",
        "consent_profiling", "sources", "record_count",
        "orders_total", "orders_30d", "orders_365d", "spend_total", "spend_365d",
        "avg_order_value", "last_order_date",
    )
    columns = actual.columns
    expected = spark.createDataFrame(
        [
            # The registry outranks the more recent web and social records; consent absent on
            # every record (profiling for B) means no.
            ("A", "Matti", "magazine", "Virtanen", "magazine", "Helsinki", "magazine",
             ["+358401234567", "+358409999999"], ["aa"], ["x:mvirtanen"], ["P9"],
             ["magazine:M1"], ["moving", "sports"], True, True, True,
             ["magazine", "social", "web"], 3, 3, 1, 2, Decimal("60.00"), Decimal("40.00"),
             Decimal("20.00"), date(2026, 10, 20)),
            # Same trust: the most recent registry statement wins, for names and for consent.
            ("B", "Anna", "cable", "Korhonen-Lahti", "cable", None, None, [], [], [], [],
             ["cable:C1", "cable:C2"], [], False, False, False, ["cable"], 2,
             None, None, None, None, None, None, None),
        ],
        actual.schema,
    )
    assert columns == expected.columns
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_identifier_index_lists_every_identifier_and_no_plaintext_email(
    spark: SparkSession,
) -> None:
    empty_orders = spark.createDataFrame([], table_schema("orders").struct())
    profiles = build_profiles(sample_records(spark), sample_crosswalk(spark), empty_orders,
                              AS_OF, "r1")
    actual = build_identifier_index(profiles)
    expected = spark.createDataFrame(
        [
            ("email_sha256", "aa", "A"),
            ("phone", "+358401234567", "A"),
            ("phone", "+358409999999", "A"),
            ("handle", "x:mvirtanen", "A"),
            ("cookie", "P9", "A"),
            ("subscriber", "magazine:M1", "A"),
            ("subscriber", "cable:C1", "B"),
            ("subscriber", "cable:C2", "B"),
        ],
        "identifier_type string, identifier_value string, customer_id string",
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_survivorship_rules_are_configurable(spark: SparkSession) -> None:
    empty_orders = spark.createDataFrame([], table_schema("orders").struct())
    rules = Survivorship(
        default="source_priority",
        per_attribute=(("address", "most_recent"), ("last_name", "most_frequent")),
        source_priority=("social",),
    )
    records = records_frame(
        spark,
        {"source": "magazine", "source_kind": "registry", "source_record_id": "M1",
         "first_name": "Matti", "last_name": "Virtanen", "city": "Helsinki",
         "updated_at": datetime(2025, 1, 1)},
        {"source": "cable", "source_kind": "registry", "source_record_id": "C1",
         "first_name": "Matti", "last_name": "Virtanen", "city": "Vantaa",
         "updated_at": datetime(2024, 1, 1)},
        {"source": "social", "source_kind": "social", "source_record_id": "x:mv",
         "first_name": "Mattis", "last_name": "Virtane", "city": "Espoo",
         "updated_at": datetime(2026, 5, 1)},
    )
    crosswalk = spark.createDataFrame(
        [("magazine/M1", "A"), ("cable/C1", "A"), ("social/x:mv", "A")],
        "record_id string, customer_id string")
    actual = build_profiles(records, crosswalk, empty_orders, AS_OF, "r1", rules).select(
        "first_name", "first_name_source", "last_name", "last_name_source",
        "last_name_updated_at", "city", "city_source", "city_updated_at")
    expected = spark.createDataFrame(
        # social is the first source by priority; Virtanen is held by two records of three;
        # the most recent address statement is social's.
        [("Mattis", "social", "Virtanen", "magazine", datetime(2025, 1, 1), "Espoo", "social",
          datetime(2026, 5, 1))],
        actual.schema)
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_the_address_comes_whole_from_one_record(spark: SparkSession) -> None:
    empty_orders = spark.createDataFrame([], table_schema("orders").struct())

    def record(source: str, kind: str, rid: str, at: datetime | None, **address: str) -> dict:
        return {"source": source, "source_kind": kind, "source_record_id": rid,
                "first_name": "X", "updated_at": at, **address}

    records = records_frame(
        spark,
        # A: moved; the newer registry record has no postal code, which stays empty rather
        # than the old address's.
        record("magazine", "registry", "M1", datetime(2024, 1, 1), street_address="Vanha 1",
               postal_code="00100", city="Helsinki", country="FI"),
        record("cable", "registry", "C1", datetime(2026, 1, 1), street_address="Uusi tie 5",
               city="Tampere", country="FI"),
        # B: a registry record with a country only; the web profile's city and postal code are
        # where its IP was placed, more recent or not.
        record("magazine", "registry", "M2", datetime(2024, 1, 1), country="FI"),
        record("web", "online", "P2", datetime(2026, 6, 1), postal_code="11122",
               city="Stockholm", country="SE"),
        # C: a street beats a more trusted record with a city only; an undated record keeps
        # its unknown date.
        record("magazine", "registry", "M3", datetime(2026, 1, 1), city="Oulu"),
        record("social", "social", "x:c", None, street_address="Katu 3", city="Turku"),
        # D: seen on the web only: its place is all there is.
        record("web", "online", "P4", datetime(2026, 6, 1), city="Berlin", country="DE"),
    )
    crosswalk = spark.createDataFrame(
        [("magazine/M1", "A"), ("cable/C1", "A"), ("magazine/M2", "B"), ("web/P2", "B"),
         ("magazine/M3", "C"), ("social/x:c", "C"), ("web/P4", "D")],
        "record_id string, customer_id string")
    for rule in ("source_priority", "most_recent"):
        rules = Survivorship(per_attribute=(("address", rule),))
        actual = build_profiles(records, crosswalk, empty_orders, AS_OF, "r1", rules).select(
            "customer_id", *[f"{part}{suffix}" for part in ADDRESS_PARTS
                             for suffix in ("", "_source", "_updated_at")])
        a, b = datetime(2026, 1, 1), datetime(2024, 1, 1)
        expected = spark.createDataFrame([
            ("A", "Uusi tie 5", "cable", a, None, None, None, "Tampere", "cable", a, "FI",
             "cable", a),
            ("B", None, None, None, None, None, None, None, None, None, "FI", "magazine", b),
            ("C", "Katu 3", "social", None, None, None, None, "Turku", "social", None,
             None, None, None),
            ("D", None, None, None, None, None, None, "Berlin", "web", datetime(2026, 6, 1),
             "DE", "web", datetime(2026, 6, 1)),
        ], actual.schema)
        assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_a_full_first_name_is_shown_before_its_familiar_form(spark: SparkSession) -> None:
    empty_orders = spark.createDataFrame([], table_schema("orders").struct())

    def record(source: str, kind: str, rid: str, first: str, at: datetime) -> dict:
        return {"source": source, "source_kind": kind, "source_record_id": rid,
                "first_name": first, "first_name_norm": first.lower(), "updated_at": at}

    records = records_frame(
        spark,
        # A: the newer registry record says Bob; the older social account Robert.
        record("magazine", "registry", "M1", "Bob", datetime(2026, 1, 1)),
        record("social", "social", "x:r", "Robert", datetime(2024, 1, 1)),
        # B: no full form held: the usual rules (the registry).
        record("magazine", "registry", "M2", "Kasia", datetime(2024, 1, 1)),
        record("web", "online", "P2", "Kate", datetime(2026, 1, 1)),
    )
    crosswalk = spark.createDataFrame(
        [("magazine/M1", "A"), ("social/x:r", "A"), ("magazine/M2", "B"), ("web/P2", "B")],
        "record_id string, customer_id string")
    actual = build_profiles(records, crosswalk, empty_orders, AS_OF, "r1").select(
        "customer_id", "first_name", "first_name_source")
    expected = spark.createDataFrame([("A", "Robert", "social"), ("B", "Kasia", "magazine")],
                                     actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_a_newer_records_slip_does_not_replace_the_spelling_others_agree_on(
        spark: SparkSession) -> None:
    empty_orders = spark.createDataFrame([], table_schema("orders").struct())

    def record(source: str, kind: str, rid: str, first: str, last: str, at: datetime) -> dict:
        return {"source": source, "source_kind": kind, "source_record_id": rid,
                "first_name": first, "first_name_norm": first.lower(), "last_name": last,
                "last_name_norm": last.lower(), "updated_at": at}

    records = records_frame(
        spark,
        # A: the newest registry record misspells both names; two records agree on them.
        record("magazine", "registry", "M1", "Anna", "Johansson", datetime(2019, 1, 1)),
        record("social", "social", "x:aj", "Anna", "Johansson", datetime(2020, 1, 1)),
        record("cable", "registry", "C1", "Ana", "Johanson", datetime(2024, 1, 1)),
        # B: one record each; the spelling more records of the data carry wins, the newer and
        # more trusted record's slip loses.
        record("magazine", "registry", "M2", "Mikko", "Virtanne", datetime(2026, 1, 1)),
        record("web", "online", "P2", "Mikko", "Virtanen", datetime(2020, 1, 1)),
        record("cable", "registry", "C3", "Liisa", "Virtanen", datetime(2020, 1, 1)),
        # D: a new name is no slip: the newest registry record's, as before. Two letters apart
        # is a slip only in a name of eight letters or more: Ida and Eva stay two names.
        record("magazine", "registry", "M4", "Ida", "Smith", datetime(2019, 1, 1)),
        record("social", "social", "x:ij", "Ida", "Smith", datetime(2020, 1, 1)),
        record("cable", "registry", "C4", "Eva", "Jones", datetime(2024, 1, 1)),
    )
    crosswalk = spark.createDataFrame(
        [("magazine/M1", "A"), ("social/x:aj", "A"), ("cable/C1", "A"), ("magazine/M2", "B"),
         ("web/P2", "B"), ("cable/C3", "C"), ("magazine/M4", "D"), ("social/x:ij", "D"),
         ("cable/C4", "D")],
        "record_id string, customer_id string")
    actual = build_profiles(records, crosswalk, empty_orders, AS_OF, "r1").select(
        "customer_id", "first_name", "first_name_source", "last_name", "last_name_source",
        "last_name_updated_at")
    expected = spark.createDataFrame([
        ("A", "Anna", "magazine", "Johansson", "magazine", datetime(2019, 1, 1)),
        ("B", "Mikko", "magazine", "Virtanen", "web", datetime(2020, 1, 1)),
        ("C", "Liisa", "cable", "Virtanen", "cable", datetime(2020, 1, 1)),
        ("D", "Eva", "cable", "Jones", "cable", datetime(2024, 1, 1)),
    ], actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_consent_where_the_order_is_unknown_is_no(spark: SparkSession) -> None:
    """The latest statement wins; an undated refusal may be the latest, so it wins over dated
    consent; an undated consent loses to any dated statement; at one time, the refusal stands."""
    def record(customer: str, n: int, consent: bool | None, at: datetime | None) -> dict:
        return {"source": "cable", "source_kind": "registry", "source_record_id": f"{customer}{n}",
                "first_name": "X", "consent_partner_sharing": consent, "updated_at": at}

    cases = {  # customer: its records' statements, the consent expected
        "A": ([(True, datetime(2026, 1, 1)), (False, None)], False),
        "B": ([(True, datetime(2026, 1, 1)), (False, datetime(2026, 1, 1))], False),
        "C": ([(True, None), (False, datetime(2025, 1, 1))], False),
        "D": ([(False, datetime(2025, 1, 1)), (True, datetime(2026, 1, 1))], True),
        "E": ([(True, None), (None, datetime(2026, 1, 1))], True),
        "F": ([(None, None)], False),
    }
    records = records_frame(spark, *[record(c, i, consent, at) for c, (statements, _) in
                                     cases.items() for i, (consent, at) in enumerate(statements)])
    crosswalk = spark.createDataFrame(
        [(f"cable/{c}{i}", c) for c, (statements, _) in cases.items()
         for i in range(len(statements))], "record_id string, customer_id string")
    empty_orders = spark.createDataFrame([], table_schema("orders").struct())
    profiles = build_profiles(records, crosswalk, empty_orders, AS_OF, "r1")
    assert sorted((r["customer_id"], r["consent_partner_sharing"]) for r in profiles.collect()) \
        == [(c, expected) for c, (_, expected) in sorted(cases.items())]


def test_lookup_prints_an_array_in_one_shape_with_zoned_times() -> None:
    import json

    from jobs.lookup import _plain, to_json

    one = {"customer_id": "C2", "last_updated_at": _plain(datetime(2026, 6, 1, 10, 0)),
           "birth_date": _plain(date(1985, 3, 7))}
    assert json.loads(to_json([one])) == [
        {"customer_id": "C2", "last_updated_at": "2026-06-01T10:00:00+00:00",
         "birth_date": "1985-03-07"}]
    # A household's shared phone: both, by customer id, the same shape.
    assert [p["customer_id"] for p in json.loads(to_json([one, {"customer_id": "C1"}]))] == [
        "C1", "C2"]


def test_a_customer_id_is_followed_through_its_merges(spark: SparkSession, tmp_path) -> None:
    from jobs import tables
    from jobs.lookup import LookupError_, current_customer_ids

    warehouse = str(tmp_path / "warehouse")
    profiles = spark.createDataFrame([("C3", "r3")], "customer_id string, run_id string")
    tables.write_table(profiles, warehouse, tables.CUSTOMER_PROFILES)
    events = spark.createDataFrame(
        [("merged", "C1", "C2", 2, "r2"), ("merged", "C2", "C3", 3, "r3"),
         ("retired", "C4", None, 1, "r3"), ("split", "C5", "C3", 1, "r2")],
        "event string, customer_id string, other_customer_id string, records bigint, "
        "run_id string")
    tables.write_table(events, warehouse, tables.CUSTOMER_ID_EVENTS, run_id="r3")
    assert current_customer_ids(warehouse, "C3") == (["C3"], "C3")
    assert current_customer_ids(warehouse, " C1 ") == (["C3"], "C1 -> C2 -> C3 (merged)")
    assert current_customer_ids(warehouse, "C4") == ([], "C4: retired by run r3")
    assert current_customer_ids(warehouse, "C9") == ([], "C9: no such customer id")
    with pytest.raises(LookupError_, match="--customer-id: empty value"):
        current_customer_ids(warehouse, "  ")


def test_a_handle_alone_is_looked_up_on_every_platform_and_erased_on_none(
        spark: SparkSession, tmp_path) -> None:
    from jobs import tables
    from jobs.lookup import LookupError_, find_customer_ids, normalize_identifier

    warehouse = str(tmp_path / "warehouse")
    index = spark.createDataFrame(
        [("handle", "x:mvirtanen", "A"), ("handle", "instagram:mvirtanen", "B"),
         ("handle", "x:amvirtanen", "C"), ("handle", "mastodon:mvirtanen@social.example", "D"),
         ("cookie", "x:mvirtanen", "E"), ("handle", "x:m.virtanen", "F"),
         ("handle", "x:mxvirtanen", "G")],
        "identifier_type string, identifier_value string, customer_id string")
    tables.write_table(index, warehouse, tables.IDENTIFIER_INDEX)

    def found(raw: str, any_platform: bool = True) -> list[str]:
        return find_customer_ids(warehouse, normalize_identifier("handle", raw,
                                                                 any_platform=any_platform))

    # On any platform, and on any server of a Mastodon-style platform.
    assert found(" @MVirtanen") == ["A", "B", "D"]
    assert found("mvirtanen@social.example") == found("mastodon:mvirtanen") == ["D"]
    assert found("mvirtanen@other.example") == []
    assert found("X:@mvirtanen") == found("x:mvirtanen", any_platform=False) == ["A"]
    # An erasure names the server: the handle on some server is not enough.
    assert found("mastodon:mvirtanen", any_platform=False) == []
    # A dot in a handle is a dot, not any character.
    assert found("m.virtanen") == ["F"]
    with pytest.raises(LookupError_, match="--handle: expected platform:handle"):
        normalize_identifier("handle", "mvirtanen")


def test_a_name_written_in_small_letters_or_capitals_is_shown_as_another_record_writes_it(
        spark: SparkSession) -> None:
    empty_orders = spark.createDataFrame([], table_schema("orders").struct())

    def record(source: str, kind: str, rid: str, first: str, last: str) -> dict:
        return {"source": source, "source_kind": kind, "source_record_id": rid,
                "first_name": first, "first_name_norm": first.lower(), "last_name": last,
                "last_name_norm": last.lower(), "updated_at": datetime(2025, 1, 1)}

    records = records_frame(
        spark,
        # A: the registry's values win, written as the social account writes the same letters.
        record("magazine", "registry", "M1", "anna", "KORHONEN"),
        record("social", "social", "x:ak", "Anna", "Korhonen"),
        # B: nobody writes mikko otherwise: it stays as it is.
        record("magazine", "registry", "M2", "mikko", "Virtanen"),
        record("web", "online", "P2", "MIKKO", "VIRTANEN"),
        # C: José is other letters than jose; Eva is written as names are and stays.
        record("cable", "registry", "C3", "jose", "Eva"),
        record("social", "social", "x:je", "José", "EVA"),
    )
    crosswalk = spark.createDataFrame(
        [("magazine/M1", "A"), ("social/x:ak", "A"), ("magazine/M2", "B"), ("web/P2", "B"),
         ("cable/C3", "C"), ("social/x:je", "C")],
        "record_id string, customer_id string")
    profiles = build_profiles(records, crosswalk, empty_orders, AS_OF, "r1")
    assert "_cased_first_name" not in profiles.columns
    actual = profiles.select(
        "customer_id", "first_name", "first_name_source", "last_name", "last_name_source")
    expected = spark.createDataFrame([
        ("A", "Anna", "magazine", "Korhonen", "magazine"),
        ("B", "mikko", "magazine", "Virtanen", "magazine"),
        ("C", "jose", "cable", "Eva", "cable"),
    ], actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)
