from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.config import SourceConfig
from jobs.ingest import (
    SOURCE_FILE,
    IngestedSource,
    MissingColumnError,
    ingest_source,
    reject_erased,
    reject_orphan_orders,
)
from jobs.source_files import SourceReadError, check_local_sources

HEADER = ("subscriber_id,first_name,last_name,birth_date,gender,street_address,postal_code,city,"
          "country,phone,email,subscription_product,subscription_status,subscription_start,"
          "consent_marketing,consent_partner_sharing,updated_at")


def registry_csv(tmp_path: Path) -> SourceConfig:
    rows = [
        "S1,Matti,Virtanen,1985-03-07,M,Mannerheimintie 1,00100,Helsinki,FI,040 1234567,"
        "m@x.fi,print,active,2020-01-01,true,false,2026-01-01T00:00:00",
        "S2,Anna,Korhonen,07.03.1990,F,,,,FI,,,,,,false,true,2026-01-01T00:00:00",
        ",No,Key,,,,,,,,,,,,,,",
        "S3,Old,Row,,,,,,FI,,,,,,,,2025-01-01T00:00:00",
        "S3,New,Row,,,,,,FI,,,,,,,,2026-02-01T00:00:00",
        "S4,Bad,Consent,,,,,,FI,,,,,,maybe,,",
        "S5,Born,Later,2099-01-01,,,,,FI,,,,,,,,",
        "S6,Bad,Date,1985-13-45,,,,,FI,,,,,,,,",
        "S7,too,few,fields",
        "S8,Two,Faults,1990-02-30,,,,,FI,,,,,,ja,,yesterday",
    ]
    path = tmp_path / "registry.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return SourceConfig("magazine", "registry", "csv", str(path))


def test_registry_rows_accepted_or_rejected_with_reasons(spark: SparkSession,
                                                        tmp_path: Path) -> None:
    result = ingest_source(spark, registry_csv(tmp_path), "r1", 2026)
    accepted = result.accepted.select("source_record_id", "first_name", "last_name",
                                      "birth_date", "consent_marketing", "updated_at",
                                      "dropped_values")
    # A record with an unreadable value is kept without it (S4, S5, S6: their names still link).
    expected = spark.createDataFrame(
        [
            ("S1", "Matti", "Virtanen", "1985-03-07", True, "2026-01-01 00:00:00", None),
            ("S2", "Anna", "Korhonen", "07.03.1990", False, "2026-01-01 00:00:00", None),
            ("S3", "New", "Row", None, None, "2026-02-01 00:00:00", None),
            ("S4", "Bad", "Consent", None, None, None, ["invalid_consent_marketing"]),
            ("S5", "Born", "Later", None, None, None, ["impossible_birth_date"]),
            ("S6", "Bad", "Date", None, None, None, ["invalid_birth_date"]),
            ("S8", "Two", "Faults", None, None, None,
             ["invalid_consent_marketing", "invalid_updated_at", "invalid_birth_date"]),
        ],
        "source_record_id string, first_name string, last_name string, birth_date string, "
        "consent_marketing boolean, updated_at string, dropped_values array<string>",
    ).withColumn("updated_at", F.col("updated_at").cast("timestamp"))
    assert_df_equality(accepted, expected, ignore_row_order=True, ignore_nullable=True)
    rejected = result.rejected.select("source", "source_record_id", "reason", "column", "run_id")
    expected_rejected = spark.createDataFrame(
        [
            ("magazine", None, "missing_key", "subscriber_id", "r1"),
            ("magazine", "S3", "duplicate_key", "subscriber_id", "r1"),
            ("magazine", "S7", "unparseable_row", None, "r1"),
        ],
        "source string, source_record_id string, reason string, column string, run_id string",
    )
    assert_df_equality(rejected, expected_rejected, ignore_row_order=True, ignore_nullable=True)
    raw = {r["source_record_id"]: r["raw"] for r in result.rejected.collect()}
    assert raw["S7"] == "S7,too,few,fields"
    assert result.missing_columns == ()


def test_json_source_with_absent_columns_and_broken_line(spark: SparkSession,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "web.jsonl"
    lines = [
        json.dumps({"profile_id": "P1", "page_views": 3, "interests": ["moving"],
                    "last_seen": "2026-01-02T03:04:05", "extra": 1}),
        json.dumps({"profile_id": "P2", "page_views": "lots"}),
        '{"profile_id": "P3", broken',
        json.dumps({"profile_id": "P4", "page_views": -1}),
        # A list written as one string, a whole number with a decimal point.
        json.dumps({"profile_id": "P5", "interests": "travel|food", "page_views": 7.0}),
        json.dumps({"profile_id": "P6", "page_views": 7.5}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest_source(spark, SourceConfig("web", "online", "json", str(path)), "r1", 2026)
    accepted = result.accepted.select("source_record_id", "page_views", "interests", "last_seen",
                                      "dropped_values")
    expected = spark.createDataFrame(
        [("P1", 3, ["moving"], "2026-01-02 03:04:05", None),
         ("P2", None, None, None, ["invalid_page_views"]),
         ("P4", None, None, None, ["invalid_page_views"]),
         ("P5", 7, ["travel", "food"], None, None),
         ("P6", None, None, None, ["invalid_page_views"])],
        "source_record_id string, page_views int, interests array<string>, last_seen string, "
        "dropped_values array<string>",
    ).withColumn("last_seen", F.col("last_seen").cast("timestamp"))
    assert_df_equality(accepted, expected, ignore_row_order=True, ignore_nullable=True)
    reasons = sorted((r["reason"], r["raw"], r["source_record_id"])
                     for r in result.rejected.collect())
    # The broken line's key is read from its text, as a broken CSV row's is.
    assert reasons == [("unparseable_row", lines[2], "P3")]
    assert "email_sha256" in result.missing_columns
    assert "profile_id" not in result.missing_columns


def test_a_json_array_of_records_reads_as_its_json_lines_would(spark: SparkSession,
                                                                tmp_path: Path) -> None:
    records = [
        {"platform": "x", "handle": "matti85", "display_name": "Matti V", "followers": 12,
         "bio": "Born 1985, \"Helsinki\""},
        {"platform": "instagram", "handle": "anna.k", "followers": "many"},
    ]
    lines, array = tmp_path / "social.jsonl", tmp_path / "social.json"
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n5\n", encoding="utf-8")
    broken = tmp_path / "broken.jsonl"
    broken.write_text(lines.read_text(encoding="utf-8")
                      + '{"platform": "x", "followers": 3, "handle": "aino_k", oops\n'
                      + '{"platform": "x", "handle": 42, oops\n', encoding="utf-8")
    # As tools export JSON: one indented array (a byte-order mark first), a stray element.
    array.write_text("\ufeff" + json.dumps([*records, 5], indent=2), encoding="utf-8")
    columns = ["source_record_id", "display_name", "bio", "followers", "dropped_values"]

    def read(path: Path) -> tuple[list[tuple], list[tuple]]:
        result = ingest_source(spark, SourceConfig("social", "social", "json", str(path)), "r1",
                               2026)
        return (sorted(tuple(r) for r in result.accepted.select(*columns).collect()),
                sorted((r["reason"], r["raw"], r["source_record_id"])
                       for r in result.rejected.collect()))

    packed = tmp_path / "social.json.gz"
    packed.write_bytes(gzip.compress(array.read_bytes()))
    accepted, rejected = read(array)
    assert read(packed) == (accepted, rejected)
    assert accepted == [
        ("instagram:anna.k", None, None, None, ["invalid_followers"]),
        ("x:matti85", "Matti V", 'Born 1985, "Helsinki"', 12, None)]
    # An unparseable row has no record id (it had been "" for a social account).
    assert rejected == [("unparseable_row", "5", None)]
    assert read(lines) == (accepted, rejected)
    # A broken line's key is read from its text where it shows it, a number too.
    assert read(broken) == (accepted, [*rejected, ("unparseable_row", '{"platform": "x", '
                                       '"followers": 3, "handle": "aino_k", oops', "x:aino_k"),
                                       ("unparseable_row", '{"platform": "x", "handle": 42, '
                                        'oops', "x:42")])
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps(records, indent=2)[:-10], encoding="utf-8")
    with pytest.raises(SourceReadError, match="cut.json: starts as a JSON array but is not one"):
        ingest_source(spark, SourceConfig("social", "social", "json", str(cut)), "r1", 2026)


def test_csv_online_source_reads_interests_written_as_text_and_booleans_as_exports_write_them(
    spark: SparkSession, tmp_path: Path,
) -> None:
    path = tmp_path / "web.csv"
    path.write_text("\n".join([
        "profile_id,interests,consent_profiling",
        'P1,"travel|food",yes',
        'P2,"[""travel"", ""food""]",0',
        'P3,"travel; food , news",Y',
        "P4,,FALSE",
        "P5,moving,maybe",
    ]) + "\n", encoding="utf-8")
    result = ingest_source(spark, SourceConfig("web", "online", "csv", str(path)), "r1", 2026)
    actual = result.accepted.select("source_record_id", "interests", "consent_profiling",
                                    "dropped_values")
    expected = spark.createDataFrame([
        ("P1", ["travel", "food"], True, None),
        ("P2", ["travel", "food"], False, None),
        ("P3", ["travel", "food", "news"], True, None),
        ("P4", None, False, None),
        ("P5", ["moving"], None, ["invalid_consent_profiling"]),
    ], "source_record_id string, interests array<string>, consent_profiling boolean, "
       "dropped_values array<string>")
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_a_json_source_without_any_object_has_no_rows_and_rejects_its_broken_lines(
    spark: SparkSession, tmp_path: Path,
) -> None:
    empty, broken = tmp_path / "empty.jsonl", tmp_path / "broken.jsonl"
    empty.write_text("", encoding="utf-8")
    broken.write_text("not json\n\n", encoding="utf-8")
    nothing = ingest_source(spark, SourceConfig("web", "online", "json", str(empty)), "r1", 2026)
    assert (nothing.accepted.count(), nothing.rejected.count()) == (0, 0)
    assert nothing.missing_columns == ()  # no object, so no column missing from one
    result = ingest_source(spark, SourceConfig("web", "online", "json", str(broken)), "r1",
                           2026)
    assert result.accepted.count() == 0
    assert [(r["reason"], r["raw"]) for r in result.rejected.collect()] == [
        ("unparseable_row", "not json")]


def test_missing_key_column_stops_with_source_file_and_column(spark: SparkSession,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text("first_name,last_name\nMatti,Virtanen\n", encoding="utf-8")
    with pytest.raises(MissingColumnError) as error:
        ingest_source(spark, SourceConfig("magazine", "registry", "csv", str(path)), "r1", 2026)
    assert (error.value.source, error.value.file, error.value.column) == (
        "magazine", str(path), "subscriber_id")
    assert "subscriber_id" in str(error.value) and str(path) in str(error.value)


def test_a_csv_with_another_separator_stops_with_a_hint_to_set_it(spark: SparkSession,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text(HEADER.replace(",", ";") + "\nS1;Matti;Virtanen" + ";" * 14 + "\n",
                    encoding="utf-8")
    source = SourceConfig("magazine", "registry", "csv", str(path))
    with pytest.raises(MissingColumnError) as error:
        ingest_source(spark, source, "r1", 2026)
    assert str(error.value) == (
        f"source 'magazine' ({path}): required column 'subscriber_id' is missing (the header "
        "reads as one column separated by ';': set the source's options: {sep: \";\"})")
    told = SourceConfig("magazine", "registry", "csv", str(path), options={"sep": ";"})
    assert [r["source_record_id"] for r in ingest_source(spark, told, "r1", 2026)
            .accepted.collect()] == ["S1"]


def ingest_orders(spark: SparkSession, tmp_path: Path, second_subscriber: str
                  ) -> IngestedSource:
    """Orders of the registry_csv subscribers: O1 and O3 (amount unreadable) by S1, O2 by
    `second_subscriber`."""
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,subscriber_id,order_date,amount,currency,product_category\n"
        f"O1,S1,2026-01-05,12.90,EUR,books\nO2,{second_subscriber},2026-01-05,1.00,EUR,books\n"
        "O3,S1,2026-01-06,abc,EUR,books\n",
        encoding="utf-8",
    )
    return ingest_source(
        spark, SourceConfig("orders", "orders", "csv", str(path), registry="magazine"), "r1", 2026
    )


def test_orders_of_unknown_subscribers_are_rejected(spark: SparkSession, tmp_path: Path) -> None:
    registry = ingest_source(spark, registry_csv(tmp_path), "r1", 2026)
    orders = ingest_orders(spark, tmp_path, "S99")
    checked = reject_orphan_orders(orders, registry.accepted)
    assert [r["order_id"] for r in checked.accepted.collect()] == ["O1"]
    assert sorted((r["source_record_id"], r["reason"]) for r in checked.rejected.collect()) == [
        ("O2", "unknown_subscriber"), ("O3", "invalid_amount")]
    # Each rejected row names its file as Spark does, whichever check rejected it.
    assert {r["source_file"] for r in checked.rejected.collect()} == {
        (tmp_path / "orders.csv").as_uri()}
    orphan = checked.rejected.where(F.col("reason") == "unknown_subscriber").first()
    assert orphan is not None and json.loads(orphan["raw"]) == {
        "order_id": "O2", "subscriber_id": "S99", "order_date": "2026-01-05", "amount": "1.00",
        "currency": "EUR", "product_category": "books"}


def test_a_folder_sources_rows_rejected_after_reading_name_their_own_file(
        spark: SparkSession, tmp_path: Path) -> None:
    registry = ingest_source(spark, registry_csv(tmp_path), "r1", 2026)
    folder = tmp_path / "orders"
    folder.mkdir()
    header = "order_id,subscriber_id,order_date,amount,currency,product_category\n"
    (folder / "part-0.csv").write_text(header + "O1,S1,2026-01-05,1.00,EUR,books\n"
                                       "O2,S98,2026-01-05,1.00,EUR,books\n", encoding="utf-8")
    (folder / "part-1.csv").write_text(header + "O3,S99,2026-01-05,1.00,EUR,books\n",
                                       encoding="utf-8")
    orders = ingest_source(spark, SourceConfig("orders", "orders", "csv", str(folder),
                                               registry="magazine"), "r1", 2026)
    checked = reject_orphan_orders(orders, registry.accepted)
    assert sorted((r["source_record_id"], r["reason"], r["source_file"])
                  for r in checked.rejected.collect()) == [
        ("O2", "unknown_subscriber", (folder / "part-0.csv").as_uri()),
        ("O3", "unknown_subscriber", (folder / "part-1.csv").as_uri())]
    # Only the job's own column: the raw row is the order's fields.
    assert json.loads(checked.rejected.first()["raw"]).keys() == {
        "order_id", "subscriber_id", "order_date", "amount", "currency", "product_category"}


def test_order_dates_and_amounts_are_read_as_exports_write_them(spark: SparkSession,
                                                                 tmp_path: Path) -> None:
    from decimal import Decimal

    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,subscriber_id,order_date,amount,currency,product_category\n"
        'O1,S1,28.06.2026,"8,90",EUR,books\n'
        'O2,S1,2026/06/28,"1.234,56",EUR,books\n'
        'O3,S1,20260628,"1,234.50",EUR,books\n'
        "O4, S1 ,06/13/2026,€12.00,EUR,books\n"
        "O5,S1,1.7.2026 09:30,8.90 EUR,EUR,books\n"
        "O6,S1,31.02.2026,1.00,EUR,books\n"
        'O7,S1,2026-06-28,"8,9O",EUR,books\n',
        encoding="utf-8")
    result = ingest_source(
        spark, SourceConfig("orders", "orders", "csv", str(path), registry="magazine"), "r1", 2026)
    june = dt.date(2026, 6, 28)
    assert {r["subscriber_id"] for r in result.accepted.collect()} == {"S1"}  # O4's trimmed
    assert sorted((r["order_id"], r["order_date"], r["amount"])
                  for r in result.accepted.collect()) == [
        ("O1", june, Decimal("8.90")), ("O2", june, Decimal("1234.56")),
        ("O3", june, Decimal("1234.50")), ("O4", dt.date(2026, 6, 13), Decimal("12.00")),
        ("O5", dt.date(2026, 7, 1), Decimal("8.90"))]
    assert sorted((r["source_record_id"], r["reason"], r["column"])
                  for r in result.rejected.collect()) == [
        ("O6", "invalid_order_date", "order_date"), ("O7", "invalid_amount", "amount")]


def test_timestamps_in_other_formats_are_read_and_pick_the_latest_duplicate(
        spark: SparkSession, tmp_path: Path) -> None:
    import datetime as dt

    path = tmp_path / "registry.csv"
    blank = "," * (len(HEADER.split(",")) - 4)
    path.write_text("\n".join([
        HEADER,
        f"S1,Old,Row{blank},28.06.2026 00:23",
        f"S1,New,Row{blank},13/07/2026 21:48:01",
        f"S2,Some,One{blank},2026/01/02 7:05",
        f"S3,No,Time{blank},yesterday",
    ]) + "\n", encoding="utf-8")
    result = ingest_source(spark, SourceConfig("magazine", "registry", "csv", str(path)),
                           "r1", 2026)
    assert sorted((r["source_record_id"], r["first_name"], r["updated_at"], r["dropped_values"])
                  for r in result.accepted.collect()) == [
        ("S1", "New", dt.datetime(2026, 7, 13, 21, 48, 1), None),
        ("S2", "Some", dt.datetime(2026, 1, 2, 7, 5), None),
        ("S3", "No", None, ["invalid_updated_at"])]
    assert [(r["reason"], json.loads(r["raw"])["first_name"])
            for r in result.rejected.collect()] == [("duplicate_key", "Old")]


def test_a_future_time_stamp_is_impossible_and_an_undated_refusal_stands(
        spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    # subscriber, first name, consent to marketing and to partner sharing, updated_at
    rows = [("S1", "Future", "", "", "2099-01-01"), ("S1", "Dated", "", "", "2026-11-01"),
            ("S2", "Dated", "true", "true", "2026-05-05"), ("S2", "Undated", "false", "false", ""),
            ("S3", "Dated", "true", "true", "2026-05-05"), ("S3", "Undated", "true", "", ""),
            ("S4", "Dated", "true", "true", "2026-12-06 23:00"),
            ("S4", "Undated", "", "false", "")]
    blank = "," * (len(HEADER.split(",")) - 6)
    path.write_text("\n".join([HEADER, *[f"{k},{name},X{blank},{m},{p},{at}"
                                          for k, name, m, p, at in rows]]) + "\n",
                    encoding="utf-8")
    result = ingest_source(spark, SourceConfig("magazine", "registry", "csv", str(path)),
                           "r1", 2026, dt.date(2026, 12, 5))
    columns = ["source_record_id", "first_name", "consent_marketing", "consent_partner_sharing",
               "updated_at", "dropped_values"]
    assert sorted(tuple(r) for r in result.accepted.select(*columns).collect()) == [
        # 2099 is no time a row was written: the value is dropped and the dated row kept.
        ("S1", "Dated", None, None, dt.datetime(2026, 11, 1), None),
        # The refusal may be later than the consent: it stands, on the row kept.
        ("S2", "Dated", False, False, dt.datetime(2026, 5, 5), None),
        # An undated consent changes nothing.
        ("S3", "Dated", True, True, dt.datetime(2026, 5, 5), None),
        # The day after the run's date is within its grace.
        ("S4", "Dated", True, False, dt.datetime(2026, 12, 6, 23), None)]
    assert sorted((r["source_record_id"], r["reason"], json.loads(r["raw"])["first_name"])
                  for r in result.rejected.collect()) == [
        ("S1", "duplicate_key", "Future"), ("S2", "duplicate_key", "Undated"),
        ("S3", "duplicate_key", "Undated"), ("S4", "duplicate_key", "Undated")]


def test_a_social_account_written_in_two_casings_is_one_record(spark: SparkSession,
                                                               tmp_path: Path) -> None:
    # Platforms read handles without case or a leading @: these are one account, seen twice;
    # the latest row is kept with its own writing of the id.
    records = [
        {"platform": "Instagram", "handle": "@Aino", "display_name": "Aino Old",
         "last_active": "2026-05-01"},
        {"platform": "instagram", "handle": "aino ", "display_name": "Aino New",
         "last_active": "2026-06-01"},
        {"platform": "x", "handle": "aino", "display_name": "Aino X"},
        {"platform": "instagram", "handle": "aino_k", "display_name": "Aino K"},
    ]
    path = tmp_path / "social.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = ingest_source(spark, SourceConfig("social", "social", "json", str(path)), "r1",
                           2026)
    assert sorted((r["source_record_id"], r["display_name"])
                  for r in result.accepted.collect()) == [
        ("instagram:aino", "Aino New"), ("instagram:aino_k", "Aino K"), ("x:aino", "Aino X")]
    assert [(r["source_record_id"], r["reason"], r["column"], json.loads(r["raw"])["display_name"])
            for r in result.rejected.collect()] == [
        ("Instagram:@Aino", "duplicate_key", "platform", "Aino Old")]


@pytest.mark.parametrize("max_listed", [0, 10_000], ids=["joined", "listed"])
def test_erased_records_and_their_orders_are_rejected_without_their_rows(
        spark: SparkSession, tmp_path: Path, max_listed: int) -> None:
    from jobs.erasure_keys import UNKEYED, ErasureKeying
    from jobs.privacy import ErasedKeys

    registry = ingest_source(spark, registry_csv(tmp_path), "r1", 2026)
    orders = ingest_orders(spark, tmp_path, "S2")
    # S1 (with orders O1 and O3) and S3 (a duplicate row rejected earlier) were erased: S1
    # under the configured erasure key, S3 before one was configured (an unkeyed SHA-256).
    keyed = ErasureKeying(b"erasure-key-0123456789abcdef0123456789")
    keys = {keyed.text("magazine/S1"), hashlib.sha256(b"magazine/S3").hexdigest()}
    assert keyed.text("magazine/S1").startswith(f"hmac-{keyed.key_id}:")
    # Erasures accumulate over the years: thousands of other records' keys change nothing.
    keys |= {hashlib.sha256(f"cable/C{i}".encode()).hexdigest() for i in range(3000)}
    # Matched as a list in the query or, beyond max_listed keys, joined as a frame.
    held = ErasedKeys.of(spark, keys, max_listed=max_listed, keyings=(UNKEYED, keyed))
    # Each way of keying finds only its own keys.
    unkeyed_only = ErasedKeys.of(spark, keys, max_listed=max_listed, keyings=(UNKEYED,))
    assert sorted(r["source_record_id"] for r in reject_erased(
        registry, unkeyed_only).accepted.collect()) == sorted(
        {r["source_record_id"] for r in registry.accepted.collect()} - {"S3"})
    unkeyed_only.release()
    assert (held.frame is None) == (max_listed > len(keys))
    erased = reject_erased(registry, held)
    assert (erased.accepted.columns, erased.rejected.columns) == (
        registry.accepted.columns, registry.rejected.columns)
    assert reject_erased(registry, ErasedKeys()) is registry
    kept_before = {r["source_record_id"] for r in registry.accepted.collect()}
    kept = {r["source_record_id"] for r in erased.accepted.collect()}
    assert kept == kept_before - {"S1", "S3"} and "S2" in kept
    columns = ("source_record_id", "reason", "column", "raw")
    before = [tuple(r[c] for c in columns) for r in registry.rejected.collect()]
    # No record id kept either (a handle or a cookie id is the person's).
    expected = [row for row in before if row[0] != "S3"] + [(None, "erased", None, None)] * 3
    def in_order(rows: list[tuple]) -> list[tuple]:
        return sorted(rows, key=lambda row: tuple(v or "" for v in row))

    assert in_order([tuple(r[c] for c in columns) for r in erased.rejected.collect()]) == \
        in_order(expected)
    erased_orders = reject_erased(orders, held)
    assert [r["order_id"] for r in erased_orders.accepted.collect()] == ["O2"]
    assert sorted(tuple(r[c] for c in columns) for r in erased_orders.rejected.collect()) == [
        (None, "erased", None, None), (None, "erased", None, None)]
    held.release()


def test_a_listed_values_condition_matches_exactly_its_values(spark: SparkSession) -> None:
    from jobs.tables import sql_in

    values = ["a'b", "back\\slash", "plain", "Ünïcode", "new\nline"]
    rows = [(v,) for v in values] + [("other",), ("ab",), ("back\\\\slash",), (None,)]
    frame = spark.createDataFrame(rows, "v string")
    matched = {r["v"]: r["m"] for r in frame.select(
        "v", F.expr(sql_in("v", values)).alias("m")).collect()}
    assert matched == {**{v: True for v in values}, "other": False, "ab": False,
                       "back\\\\slash": False, None: None}
    # No values: a condition that is false for every row, not a syntax error.
    assert sql_in("v", []) == "false"
    assert {r[0] for r in frame.select(F.expr(sql_in("v", []))).collect()} == {False}


def test_missing_local_sources_are_named_before_spark_starts(tmp_path: Path) -> None:
    (tmp_path / "day1.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "registry.csv").write_text("subscriber_id\n", encoding="utf-8")
    folder = tmp_path / "orders"
    folder.mkdir()
    present = [
        SourceConfig("magazine", "registry", "csv", str(tmp_path / "registry.csv")),
        SourceConfig("orders", "orders", "csv", str(folder), registry="magazine"),
        SourceConfig("web", "online", "json", f"file://{tmp_path}/day*.jsonl"),
        SourceConfig("remote", "social", "json", "s3a://bucket/social/"),
        # Hadoop's {a,b} alternatives are Spark's to read, not Python's glob.
        SourceConfig("days", "online", "json", str(tmp_path / "day{1,2}.jsonl")),
    ]
    check_local_sources(present)  # nothing missing: no error
    absent = [
        SourceConfig("cable", "registry", "csv", str(tmp_path / "cable.csv")),
        SourceConfig("social", "social", "json", str(tmp_path / "social*.jsonl")),
    ]
    with pytest.raises(SourceReadError) as error:
        check_local_sources(present + absent)
    assert str(error.value) == (
        f"source 'cable': no such file or folder: {tmp_path / 'cable.csv'}; "
        f"source 'social': no such file or folder: {tmp_path / 'social*.jsonl'}")


def test_run_with_a_missing_source_fails_before_spark_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from jobs import cli
    from jobs import spark as spark_module

    def no_spark(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Spark started for a run whose source is missing")

    monkeypatch.setattr(spark_module, "get_spark", no_spark)
    conf = tmp_path / "conf.yaml"
    conf.write_text("warehouse: wh\nsources:\n"
                    "  - {name: web, kind: online, format: json, path: data/web.jsonl}\n",
                    encoding="utf-8")
    assert cli.main(["run", "--conf", str(conf)]) == cli.EXIT_BAD_INPUT
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"input error: source 'web': no such file or folder: {tmp_path / 'data/web.jsonl'} "
        f"(`sources[0].path` in {conf})")
    # A ground truth that is not there: it was read after the crosswalk had been written.
    (tmp_path / "data").mkdir()
    (tmp_path / "data/web.jsonl").write_text("", encoding="utf-8")
    conf.write_text(conf.read_text(encoding="utf-8") + "ground_truth: truth.csv\n",
                    encoding="utf-8")
    assert cli.main(["run", "--conf", str(conf)]) == cli.EXIT_BAD_INPUT
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"input error: {conf}: `ground_truth`: no such file: {tmp_path / 'truth.csv'}")


def test_one_registry_in_every_format_and_spelling_reads_alike(spark: SparkSession,
                                                               tmp_path: Path) -> None:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    plain = ingest_source(spark, registry_csv(tmp_path), "r1", 2026)
    kept = ["S1", "S2"]  # every value readable, in each format's own types
    columns = [c for c in plain.accepted.columns if c not in ("source", "run_id", SOURCE_FILE)]

    def rows(result: IngestedSource) -> list[tuple]:
        return sorted(tuple(r) for r in result.accepted.where(
            F.col("source_record_id").isin(kept)).select(*columns).collect())

    lines = (tmp_path / "registry.csv").read_text(encoding="utf-8").splitlines()[:3]
    header = HEADER.split(",")
    # A spreadsheet's export: a byte-order mark, CRLF line ends, the header in its own spelling.
    spelt = ["Subscriber_ID", " First Name ", "LAST-NAME", *header[3:]]
    (tmp_path / "spelt.csv").write_bytes(
        ("\ufeff" + "\r\n".join([",".join(spelt), *lines[1:]]) + "\r\n").encode("utf-8"))
    records = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    (tmp_path / "registry.jsonl").write_text("\n".join(
        json.dumps({("First_Name" if k == "first_name" else k): v or None
                    for k, v in record.items()}) for record in records) + "\n", encoding="utf-8")
    # Parquet as pandas or another tool writes it: dates, booleans and timestamps typed.
    typed = {
        **{k: [r[k] or None for r in records] for k in header},
        "birth_date": [dt.date(1985, 3, 7), None],
        "consent_marketing": [True, False], "consent_partner_sharing": [False, True],
        "updated_at": pa.array([dt.datetime(2026, 1, 1)] * 2, pa.timestamp("us")),
    }
    table = pa.table(typed).rename_columns(["FIRST_NAME" if c == "first_name" else c
                                            for c in typed])
    pq.write_table(table, tmp_path / "registry.parquet")
    # pandas' default: nanosecond timestamps, which Spark reads only as numbers.
    pq.write_table(table.set_column(
        table.schema.get_field_index("updated_at"), "updated_at",
        pa.array([dt.datetime(2026, 1, 1)] * 2, pa.timestamp("ns"))), tmp_path / "ns.parquet")
    spark.read.parquet(str(tmp_path / "registry.parquet")).write.format("delta").save(
        str(tmp_path / "registry_delta"))
    expected = rows(plain)
    for fmt, path in [("csv", "spelt.csv"), ("json", "registry.jsonl"),
                      ("parquet", "registry.parquet"), ("parquet", "ns.parquet"),
                      ("delta", "registry_delta")]:
        result = ingest_source(spark, SourceConfig("magazine", "registry", fmt,
                                                   str(tmp_path / path)), "r1", 2026)
        actual = rows(result)
        if fmt in ("parquet", "delta"):  # S2's birth date 07.03.1990 has no typed spelling
            expected_typed = [row if row[1] == "S1" else
                              tuple(None if c == "birth_date" else v
                                    for c, v in zip(columns, row, strict=True))
                              for row in expected]
            assert actual == expected_typed, fmt
        else:
            assert actual == expected, fmt
        assert result.missing_columns == () and result.rejected.count() == 0, fmt


def test_columns_named_otherwise_read_as_the_contract_columns_the_source_says(
        spark: SparkSession, tmp_path: Path) -> None:
    """A registry whose export names its columns otherwise (kundnummer, ZIP, mobile,
    login_email beside an `email` of another meaning), and a social source in JSON with
    `username`: with the source's `columns` each reads as the same file with the contract's
    names; the column a mapping passes over is left unused."""
    plain = ingest_source(spark, registry_csv(tmp_path), "r1", 2026)
    lines = (tmp_path / "registry.csv").read_text(encoding="utf-8").splitlines()
    own = {"subscriber_id": "kundnummer", "postal_code": "ZIP", "phone": "mobile",
           "email": "login_email"}
    header = [own.get(c, c) for c in HEADER.split(",")]
    # The file's `email` holds something else (a newsletter address), read as nothing.
    (tmp_path / "own.csv").write_text("\n".join(
        [",".join([*header, "email"]), *[line + ",news@x.fi" for line in lines[1:]]]) + "\n",
        encoding="utf-8")
    mapped = ingest_source(spark, SourceConfig("magazine", "registry", "csv",
                                               str(tmp_path / "own.csv"), columns=own),
                           "r1", 2026)
    columns = [c for c in plain.accepted.columns if c not in ("run_id", SOURCE_FILE)]
    assert_df_equality(mapped.accepted.select(*columns), plain.accepted.select(*columns),
                       ignore_row_order=True)
    rejected = ["source_record_id", "reason"]
    assert_df_equality(mapped.rejected.select(*rejected), plain.rejected.select(*rejected),
                       ignore_row_order=True)
    assert mapped.missing_columns == ()

    social = tmp_path / "social.jsonl"
    social.write_text(json.dumps({"platform": "instagram", "username": "mvirtanen",
                                  "display_name": "Matti Virtanen", "location": "Helsinki"})
                      + "\n", encoding="utf-8")
    source = SourceConfig("social", "social", "json", str(social), columns={"handle": "username"})
    accepted = ingest_source(spark, source, "r1", 2026).accepted
    assert [tuple(r) for r in accepted.select("source_record_id", "handle", "display_name")
            .collect()] == [("instagram:mvirtanen", "mvirtanen", "Matti Virtanen")]


def test_columns_may_name_fields_inside_a_json_or_parquet_record(
        spark: SparkSession, tmp_path: Path) -> None:
    """Social accounts as a platform's API returns them, the account's fields inside `user`
    (a phone inside `user.contact`), in JSON lines and in Parquet: with `columns` naming the
    fields by their dotted path, the accepted rows equal those of the same accounts written
    flat; a field no record holds is named in the error; `user` is not reported unused."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    accounts = [
        {"platform": "instagram", "handle": "mvirtanen", "display_name": "Matti Virtanen",
         "location": "Helsinki", "phone": "+358 40 123 4567", "followers": 12},
        {"platform": "x", "handle": "anna_k84", "display_name": "Anna Korhonen",
         "location": None, "phone": None, "followers": None},
    ]
    flat = tmp_path / "flat.jsonl"
    flat.write_text("".join(json.dumps(a) + "\n" for a in accounts), encoding="utf-8")

    def nest(a: dict[str, Any]) -> dict[str, Any]:
        return {"platform": a["platform"], "fetched": "2026-11-20",
                "user": {"screen_name": a["handle"], "name": a["display_name"],
                         "user's name": a["display_name"],
                         "location": a["location"], "followers_count": a["followers"],
                         "contact": {"phone": a["phone"]}}}

    nested = tmp_path / "nested.jsonl"
    nested.write_text("".join(json.dumps(nest(a)) + "\n" for a in accounts),
                      encoding="utf-8")
    pq.write_table(pa.Table.from_pylist([nest(a) for a in accounts]),
                   tmp_path / "nested.parquet")
    columns = {"handle": "user.screen_name", "display_name": "user.name",
               "location": "user.location", "followers": "user.followers_count",
               "phone": "user.contact.phone"}
    expected = ingest_source(spark, SourceConfig("social", "social", "json", str(flat)),
                             "r1", 2026)
    compared = [c for c in expected.accepted.columns if c not in ("run_id", SOURCE_FILE)]
    # A Parquet struct's field may hold a quote in its name.
    quoted = {**columns, "display_name": "user.user's name"}
    for fmt, path, names in [("json", nested, columns),
                             ("parquet", tmp_path / "nested.parquet", columns),
                             ("parquet", tmp_path / "nested.parquet", quoted)]:
        result = ingest_source(spark, SourceConfig("social", "social", fmt, str(path),
                                                   columns=names), "r1", 2026)
        assert_df_equality(result.accepted.select(*compared),
                           expected.accepted.select(*compared), ignore_row_order=True,
                           ignore_nullable=True)
        assert result.rejected.count() == 0, fmt
        assert "user" not in result.unused_columns and "fetched" in result.unused_columns, fmt

    absent = SourceConfig("social", "social", "json", str(nested),
                          columns={**columns, "bio": "user.description"})
    with pytest.raises(SourceReadError) as error:
        ingest_source(spark, absent, "r1", 2026)
    message, listed = str(error.value).split("; its columns: ")
    assert message == (
        f"source 'social' ({nested}): no column 'user.description' (nor a field "
        "'description' inside 'user' in any record), which the source's columns read as bio")
    assert sorted(listed.split(", ")) == ["'fetched'", "'platform'", "'user'"]
    # A JSON record's field cannot be: JSONPath has no escape for a quote. The error says so.
    with pytest.raises(SourceReadError) as error:
        ingest_source(spark, SourceConfig("social", "social", "json", str(nested),
                                          columns=quoted), "r1", 2026)
    assert str(error.value).split("; its columns: ")[0] == (
        f"source 'social' ({nested}): no column \"user.user's name\" (a field inside a JSON "
        "record cannot be named with a quote: Spark's JSONPath has no escape for one; rename "
        "the key, or convert the source to Parquet), which the source's columns read as "
        "display_name")


def test_ingest_reads_a_domestic_export_by_its_own_column_names_and_country(
        spark: SparkSession, tmp_path: Path) -> None:
    """`ingest` of a register exported with its own column names and no country column,
    configured with `columns` and `default_country`: its standardized records read as if it
    had the contract's names and the country."""
    from jobs import cli, tables

    data = tmp_path / "kunder.csv"
    data.write_text("kundnummer;fornamn;efternamn;mobil;postnr\n"
                    "K1;Eva;Lind;070-123 45 67;114 55\nK2;Per;Ek;08 123 456 78;\n",
                    encoding="utf-8")
    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({
        "warehouse": str(tmp_path / "warehouse"),
        "sources": [{"name": "kunder", "kind": "registry", "format": "csv", "path": str(data),
                     "options": {"sep": ";"}, "default_country": "Sverige",
                     "columns": {"subscriber_id": "kundnummer", "first_name": "fornamn",
                                 "last_name": "efternamn", "phone": "mobil",
                                 "postal_code": "postnr"}}],
    }), encoding="utf-8")
    assert cli.main(["ingest", "--conf", str(conf), "--run-date", "2026-11-22"]) == cli.EXIT_OK
    records = tables.read_table(spark, str(tmp_path / "warehouse"),
                                tables.STANDARDIZED_RECORDS)
    assert records is not None
    assert sorted(tuple(r) for r in records.select(
        "record_id", "first_name", "last_name", "country", "phone_e164", "postal_code",
        "dropped_values").collect()) == [
        ("kunder/K1", "Eva", "Lind", "SE", "+46701234567", "11455", None),
        ("kunder/K2", "Per", "Ek", "SE", "+46812345678", None, None)]


def test_a_column_the_sources_columns_name_and_its_files_lack_stops_the_run(
        spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text("kundnummer,first_name,postnummer\nS1,Matti,00100\n", encoding="utf-8")
    wrong = SourceConfig("magazine", "registry", "csv", str(path),
                         columns={"subscriber_id": "kundnummer", "postal_code": "zip"})
    with pytest.raises(SourceReadError) as error:
        ingest_source(spark, wrong, "r1", 2026)
    assert str(error.value) == (
        f"source 'magazine' ({path}): no column 'zip', which the source's columns read as "
        "postal_code; its columns: 'kundnummer', 'first_name', 'postnummer'")
    key = SourceConfig("magazine", "registry", "csv", str(path),
                       columns={"subscriber_id": "kund_nr"})
    with pytest.raises(MissingColumnError) as missing:
        ingest_source(spark, key, "r1", 2026)
    assert str(missing.value) == (
        f"source 'magazine' ({path}): required column 'kund_nr' is missing (read as "
        "subscriber_id by the source's columns)")


def test_two_spellings_of_one_contract_column_are_refused_unless_one_is_exact(
        spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text("subscriber_id,First_Name,first name\nS1,Matti,Matias\n", encoding="utf-8")
    with pytest.raises(SourceReadError) as error:
        ingest_source(spark, SourceConfig("magazine", "registry", "csv", str(path)), "r1", 2026)
    assert str(error.value) == (
        f"source 'magazine' ({path}): columns 'First_Name', 'first name' all name contract "
        "column 'first_name'")
    # The one spelt as in the contract is the contract's column.
    from jobs.ingest import contract_names
    from jobs.schemas import source_schema

    names = contract_names(SourceConfig("magazine", "registry", "csv", str(path)),
                           source_schema("registry"),
                           ["subscriber_id", "First_Name", "first_name", "Last Name", "notes"])
    assert names == {"subscriber_id": "subscriber_id", "first_name": "first_name",
                     "last_name": "Last Name"}


def test_a_source_with_rows_but_none_usable_stops_the_run(caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    from types import SimpleNamespace

    from jobs.pipeline import _stop_on_unusable_sources

    sources = [SourceConfig("magazine", "registry", "csv", "m.csv"),
               SourceConfig("orders", "orders", "csv", "o.csv", registry="magazine"),
               SourceConfig("web", "online", "json", "w.json"),
               SourceConfig("empty", "social", "json", "e.jsonl")]
    ctx = SimpleNamespace(config=SimpleNamespace(sources=sources))
    counts = {("magazine", "accepted"): 180, ("magazine", "rejected:unparseable_row"): 20,
              ("orders", "rejected:unknown_subscriber"): 40, ("orders", "rejected:missing_key"): 2,
              ("web", "accepted"): 500, ("web", "rejected:unparseable_row"): 100}
    with pytest.raises(SourceReadError) as error:
        _stop_on_unusable_sources(ctx, counts)  # type: ignore[arg-type]
    assert str(error.value) == (
        "source 'orders' (o.csv): none of its 42 rows could be used (unknown_subscriber 40, "
        "missing_key 2): check its format, encoding and options")
    # A CSV source with many unparseable rows, and nothing else wrong, is told of multiLine.
    counts[("orders", "accepted")] = 1
    caplog.clear()
    with caplog.at_level("WARNING", logger="jobs.pipeline"):
        _stop_on_unusable_sources(ctx, counts)  # type: ignore[arg-type]
    assert [r.getMessage() for r in caplog.records] == [
        "source magazine: 20 rows could not be parsed; a CSV whose quoted fields hold line "
        "breaks (as spreadsheets export an address) needs the source's options: "
        "{multiLine: true}"]


def test_local_sources_that_are_not_utf8_are_named_before_spark_starts(tmp_path: Path) -> None:
    from jobs.source_files import _first_bad_byte

    latin = tmp_path / "registry.csv"
    latin.write_bytes(f"{HEADER}\nS1,José,Muñoz{',' * 14}\n".encode("latin-1"))
    fine = tmp_path / "web.jsonl"
    fine.write_text('\ufeff{"profile_id": "P1", "first_name": "José"}\n', encoding="utf-8")
    registry = SourceConfig("magazine", "registry", "csv", str(latin))
    web = SourceConfig("web", "online", "json", str(fine))
    check_local_sources([web])
    offset = len(f"{HEADER}\nS1,Jos".encode())
    with pytest.raises(SourceReadError) as error:
        check_local_sources([registry, web])
    assert str(error.value) == (
        f"source 'magazine': {latin} is not UTF-8 (byte 0xe9 at offset {offset}): set the "
        "source's options: {encoding: ISO-8859-1} (or the files' encoding)")
    check_local_sources([SourceConfig("magazine", "registry", "csv", str(latin),
                                      options={"encoding": "ISO-8859-1"})])
    # One Latin-1 row at the end of a large file, far past any sample; an accent cut between
    # two of the check's chunks is no bad byte.
    rows = "".join(f"S{i},Åsa,Östlund{',' * 14}\n" for i in range(150_000)).encode()
    late = tmp_path / "late.csv"
    late.write_bytes(f"{HEADER}\n".encode() + rows + f"S0,José{',' * 15}\n".encode("latin-1"))
    assert late.stat().st_size > (1 << 20) + (1 << 22)  # the sample and a whole chunk
    offset = len(f"{HEADER}\n".encode() + rows + b"S0,Jos")
    with pytest.raises(SourceReadError) as error:
        check_local_sources([SourceConfig("magazine", "registry", "csv", str(late))])
    assert str(error.value) == (
        f"source 'magazine': {late} is not UTF-8 (byte 0xe9 at offset {offset}): set the "
        "source's options: {encoding: ISO-8859-1} (or the files' encoding)")
    # A character cut between the checks' reads is whole; the offset counts from the start.
    halves = "Å".encode()
    assert _first_bad_byte(halves[:1], io.BytesIO(halves[1:] + b"x\xe9")) == (3, 0xe9)
    assert _first_bad_byte(halves[:1], io.BytesIO(halves[1:])) is None
    assert _first_bad_byte(halves[:1], io.BytesIO(b"")) == (0, 0xc3)
    fine_large = tmp_path / "fine_large.csv"
    fine_large.write_bytes(f"{HEADER}\n".encode() + rows)
    check_local_sources([SourceConfig("magazine", "registry", "csv", str(fine_large))])
    with pytest.raises(SourceReadError, match="a JSON source is read as UTF-8; its encoding "
                                              "option 'latin1' is not applied"):
        check_local_sources([SourceConfig("web", "online", "json", str(fine),
                                          options={"encoding": "latin1"})])


def test_csv_parts_whose_columns_come_in_another_order_are_named_before_spark_starts(
        tmp_path: Path) -> None:
    parts = tmp_path / "registry"
    parts.mkdir()
    (parts / "part-1.csv").write_text("subscriber_id,first_name,last_name\nS1,Matti,Virtanen\n",
                                      encoding="utf-8")
    (parts / "part-2.csv").write_text("\ufeffsubscriber_id,first_name,last_name\r\nS2,A,B\r\n",
                                      encoding="utf-8")
    (parts / "_SUCCESS").write_text("", encoding="utf-8")
    source = SourceConfig("magazine", "registry", "csv", str(parts))
    check_local_sources([source])  # a byte-order mark and CRLF are the same header
    (parts / "part-3.csv").write_text("subscriber_id,last_name,first_name\nS3,B,A\n",
                                      encoding="utf-8")
    with pytest.raises(SourceReadError) as error:
        check_local_sources([source, SourceConfig("magazine", "registry", "csv",
                                                  str(parts / "part-*.csv"))])
    assert str(error.value).count("its files' headers differ") == 2
    assert str(error.value).startswith(
        f"source 'magazine': its files' headers differ ({parts / 'part-1.csv'}: "
        f"'subscriber_id,first_name,last_name'; {parts / 'part-3.csv'}: "
        "'subscriber_id,last_name,first_name'): Spark matches every file's columns by position "
        "to one header; write every file with its columns in one order; ")


def test_control_characters_and_placeholders_are_taken_out_of_text_values(spark: SparkSession,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    blank = "," * (len(HEADER.split(",")) - 3)
    path.write_text(f"{HEADER}\nS1,Mi\x07ka\x1b[31m,Nie\x00mi{blank}\n"
                    f"S2, NULL ,n/a{blank}\nS3,nan,-{blank}\n", encoding="utf-8")
    result = ingest_source(spark, SourceConfig("magazine", "registry", "csv", str(path)), "r1",
                           2026)
    # Placeholders for no value are none.
    assert sorted((r["source_record_id"], r["first_name"], r["last_name"])
                  for r in result.accepted.collect()) == [
        ("S1", "Mika", "Niemi"), ("S2", None, None), ("S3", None, None)]


def test_a_source_folder_holding_files_of_another_format_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "orders"
    folder.mkdir()
    for name in ("part-00000.csv", "part-00001.csv.gz", "part-00002-x.c000", "part-00003",
                 "_SUCCESS", ".part-00000.csv.crc", "notes.txt"):
        (folder / name).write_bytes(b"not gzip" if name.endswith(".gz") else b"")
    source = SourceConfig("orders", "orders", "csv", str(folder), registry="magazine")
    check_local_sources([source])
    (folder / "orders.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(SourceReadError) as error:
        check_local_sources([source])
    assert str(error.value) == (
        f"source 'orders': its folder {folder} holds files that are not csv: orders.xlsx; move "
        "them out, or give a pattern of its data files as the path (data/part-*.csv)")


def test_a_utf16_csv_reads_as_its_utf8_twin_and_is_named_without_its_encoding(
        spark: SparkSession, tmp_path: Path) -> None:
    """Spark cut UTF-16 files into lines at a byte that is half a character: every row after
    the first was garbage. Told the encoding, the file reads row for row as in UTF-8; not told,
    the run stops before Spark starts, naming the encoding to set."""
    plain = registry_csv(tmp_path)
    text = Path(plain.path).read_text(encoding="utf-8")

    def split(result: IngestedSource) -> tuple[list[tuple], list[tuple]]:
        accepted = sorted((tuple(r) for r in result.accepted.drop(SOURCE_FILE).collect()),
                          key=repr)
        rejected = sorted((tuple(r) for r in result.rejected.select(
            "source_record_id", "reason", "column", "raw").collect()), key=repr)
        return accepted, rejected

    expected = split(ingest_source(spark, plain, "r1", 2026))
    assert len(expected[0]) > 5 and len(expected[1]) > 1
    for name, encoding, written, line_end, guess in [
            ("bom.csv", "UTF-16", "utf-16", "\r\n", "UTF-16"),
            ("le.csv", "utf-16le", "utf-16-le", "\n", "UTF-16LE"),
            ("be.csv", "UTF-16BE", "utf-16-be", "\n", "UTF-16BE")]:
        path = tmp_path / name
        path.write_bytes(text.replace("\n", line_end).encode(written))
        with pytest.raises(SourceReadError) as error:
            check_local_sources([SourceConfig("magazine", "registry", "csv", str(path))])
        assert str(error.value) == (f"source 'magazine': {path} is not UTF-8 (it looks {guess}): "
                                    f"set the source's options: {{encoding: {guess}}}")
        told = SourceConfig("magazine", "registry", "csv", str(path),
                            options={"encoding": encoding})
        check_local_sources([told])
        assert split(ingest_source(spark, told, "r1", 2026)) == expected, name


def test_compressed_csv_is_checked_as_spark_reads_it(tmp_path: Path) -> None:
    """A .bz2 file is decompressed before its encoding is checked, as .gz is (its compressed
    bytes had been taken for Latin-1 text, and following the hint garbled every name); the
    compressions Python cannot read are left to Spark."""
    import bz2

    text = f"{HEADER}\nS1,Åsa,Östlund{',' * 14}\n"
    fine = tmp_path / "fine.csv.bz2"
    fine.write_bytes(bz2.compress(text.encode("utf-8")))
    check_local_sources([SourceConfig("magazine", "registry", "csv", str(fine))])
    latin = tmp_path / "latin.csv.bz2"
    latin.write_bytes(bz2.compress(text.encode("latin-1")))
    offset = len(f"{HEADER}\nS1,".encode())
    with pytest.raises(SourceReadError) as error:
        check_local_sources([SourceConfig("magazine", "registry", "csv", str(latin))])
    assert str(error.value) == (
        f"source 'magazine': {latin} is not UTF-8 (byte 0xc5 at offset {offset}): set the "
        "source's options: {encoding: ISO-8859-1} (or the files' encoding)")
    opaque = tmp_path / "opaque.csv.zst"
    opaque.write_bytes(b"\x28\xb5\x2f\xfd\xff\xfe\x00\x01")
    check_local_sources([SourceConfig("magazine", "registry", "csv", str(opaque))])


def test_quoted_line_breaks_are_read_whole_and_a_stray_quote_line_by_line(
        spark: SparkSession, tmp_path: Path) -> None:
    """A quoted field holding a line break (an address on two lines, as pandas writes it) is
    one field: the file is read with multiLine. A stray quote that would swallow the lines
    after it is not taken for one: that file is read line by line, losing one row, not all."""
    from jobs.source_files import has_quoted_line_breaks

    path = tmp_path / "two_lines.csv"
    path.write_text("\n".join([
        HEADER,
        'S1,Karin,Braun,1955-09-14,F,"Kalverstraat 20\nApartment 3",02100,Espoo,FI,,,,,,,,',
        "S2,Anna,Korhonen,1990-03-07,F,Katu 1,00100,Helsinki,FI,,,,,,,,",
        'S3,Eva,Lind,1980-01-02,F,"Storgatan 1\r\nLgh 1102",11122,Stockholm,SE,,,,,,,,',
    ]) + "\n", encoding="utf-8")
    source = SourceConfig("magazine", "registry", "csv", str(path))
    assert has_quoted_line_breaks(source)
    assert not has_quoted_line_breaks(SourceConfig("magazine", "registry", "csv", str(path),
                                                   options={"multiLine": "false"}))
    result = ingest_source(spark, source, "r1", 2026)
    assert sorted((r["source_record_id"], r["street_address"], r["city"])
                  for r in result.accepted.collect()) == [
        ("S1", "Kalverstraat 20\nApartment 3", "Espoo"),
        ("S2", "Katu 1", "Helsinki"),
        ("S3", "Storgatan 1\r\nLgh 1102", "Stockholm")]
    assert result.rejected.count() == 0
    stray = tmp_path / "stray.csv"
    stray.write_text("\n".join([
        HEADER,
        'S1,Karin,"Braun,1955-09-14,F,Street 1,02100,Espoo,FI,,,,,,,,',
        "S2,Anna,Korhonen,1990-03-07,F,Katu 1,00100,Helsinki,FI,,,,,,,,",
        "S3,Eva,Lind,1980-01-02,F,Storgatan 1,11122,Stockholm,SE,,,,,,,,",
        "S4,Ole,Dahl,1970-05-06,M,Gate 2,0150,Oslo,NO,,,,,,,,",
    ]) + "\n", encoding="utf-8")
    assert not has_quoted_line_breaks(SourceConfig("magazine", "registry", "csv", str(stray)))
    # A field's line break far into a large file, past a stray quote, is found.
    rows = "".join(f"S{i},Anna,Korhonen,1990-03-07,F,Katu 1,00100,Helsinki,FI,,,,,,,,\n"
                   for i in range(5, 40_000))
    late = tmp_path / "late.csv"
    late.write_text(stray.read_text(encoding="utf-8") + rows
                    + 'S9,Eva,Lind,1980-01-02,F,"Storgatan 1\nLgh 1102",11122,Stockholm,SE'
                    + ",,,,,,,,\n",
                    encoding="utf-8")
    assert late.stat().st_size > 2_000_000
    assert has_quoted_line_breaks(SourceConfig("magazine", "registry", "csv", str(late)))
    late.write_text(stray.read_text(encoding="utf-8") + rows, encoding="utf-8")
    assert not has_quoted_line_breaks(SourceConfig("magazine", "registry", "csv", str(late),
                                                   options={"sep": ","}))


def test_an_empty_csv_file_is_a_source_without_rows(spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = ingest_source(spark, SourceConfig("magazine", "registry", "csv", str(path)),
                           "r1", 2026)
    assert (result.accepted.count(), result.rejected.count(), result.read.count()) == (0, 0, 0)
    assert result.missing_columns == ()


def test_a_misspelt_column_is_named_beside_the_absent_one(spark: SparkSession,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "misspelt.csv"
    path.write_text(HEADER.replace(",email,", ",emial,") + "\n"
                    "S1,Matti,Virtanen,1985-03-07,M,,,,FI,,m@x.fi,,,,,,\n", encoding="utf-8")
    result = ingest_source(spark, SourceConfig("magazine", "registry", "csv", str(path)),
                           "r1", 2026)
    assert (result.missing_columns, result.unused_columns) == (("email",), ("emial",))
    # A file whose every column is the contract's has none to name.
    assert ingest_source(spark, registry_csv(tmp_path), "r1", 2026).unused_columns == ()


def test_dates_are_read_month_first_where_the_file_shows_only_that_order(
        spark: SparkSession, tmp_path: Path) -> None:
    """10/20/1965 can only be month first: a file with such dates and none that can only be
    day first has its 09/04/1949 read as 4 September, birth dates and timestamps alike; a
    source's date_order says so outright, and wins."""
    from dataclasses import replace

    from jobs.source_files import date_order_evidence, reads_month_first
    from jobs.standardize import standardize

    path = tmp_path / "us.csv"
    path.write_text("\n".join([
        HEADER,
        "S1,Ida,Dubois,09/04/1949,F,,,,US,,,,,,,,04/09/2026 10:15",
        "S2,Amy,Smith,10/20/1965,F,,,,US,,,,,,,,12/31/2025",
        "S3,Bob,Jones,1970-05-06,M,,,,US,,,,,,,,2026-01-02T03:04:05",
    ]) + "\n", encoding="utf-8")
    source = SourceConfig("magazine", "registry", "csv", str(path))
    assert date_order_evidence(source) == (0, 2) and reads_month_first(source)

    def read(config: SourceConfig) -> list[tuple[Any, ...]]:
        accepted = ingest_source(spark, config, "r1", 2026).accepted
        return sorted(tuple(r) for r in standardize(
            accepted, "registry", 2026, reads_month_first(config)).select(
            "source_record_id", "birth_date", "updated_at").collect())

    assert read(source) == [
        ("S1", dt.date(1949, 9, 4), dt.datetime(2026, 4, 9, 10, 15)),
        ("S2", dt.date(1965, 10, 20), dt.datetime(2025, 12, 31)),
        ("S3", dt.date(1970, 5, 6), dt.datetime(2026, 1, 2, 3, 4, 5))]
    day_first = replace(source, date_order="day_first")
    assert not reads_month_first(day_first)
    assert read(day_first) == [
        ("S1", dt.date(1949, 4, 9), dt.datetime(2026, 9, 4, 10, 15)),
        ("S2", dt.date(1965, 10, 20), dt.datetime(2025, 12, 31)),
        ("S3", dt.date(1970, 5, 6), dt.datetime(2026, 1, 2, 3, 4, 5))]
    # Both orders in one file: day first, as before (and a warning).
    mixed = tmp_path / "mixed.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    mixed.write_text("".join([lines[0], "S4,Eva,Lind,13/02/1980,F,,,,SE,,,,,,,,\n", *lines[1:]]),
                     encoding="utf-8")
    mixed_source = SourceConfig("magazine", "registry", "csv", str(mixed))
    assert date_order_evidence(mixed_source) == (1, 2)
    assert not reads_month_first(mixed_source)


def test_the_summary_says_which_dates_were_read_month_first_and_names_unused_columns(
        tmp_path: Path) -> None:
    """`ingest` of a registry written month first, with `emial` for `email`: its summary says
    both, and the unusable values it left out (a country name read, a national phone kept)."""
    import contextlib
    import io

    from jobs import cli

    data = tmp_path / "us.csv"
    data.write_text("\n".join([
        HEADER.replace(",email,", ",emial,"),
        "S1,Ida,Dubois,09/04/1949,F,,,,United States,(212) 555-0100,i@x.us,,,,,,",
        "S2,Amy,Smith,10/20/1965,F,,,,Atlantis,,,,,,,,",
    ]) + "\n", encoding="utf-8")
    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({
        "warehouse": str(tmp_path / "warehouse"),
        "sources": [{"name": "us", "kind": "registry", "format": "csv", "path": str(data)}],
    }), encoding="utf-8")

    def summary(run_date: str) -> list[str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert cli.main(["ingest", "--conf", str(conf), "--run-date", run_date]) == \
                cli.EXIT_OK
        return out.getvalue().splitlines()

    lines = summary("2026-11-22")
    assert "  us: values left out (not usable): invalid_country 1" in lines, lines
    assert "  us: dates like 03/04/1985 read month first (its date_order, or its files show " \
        "only that order)" in lines, lines
    assert "  us: columns absent, read as empty: email (its columns the job does not read: " \
        "emial; the source's `columns` can read one as a contract column)" in lines, lines
    assert not [line for line in lines if "columns the job does not read:" in line
                and "absent" not in line], lines
    # With every contract column there, a column more is named all the same.
    rows = data.read_text(encoding="utf-8").replace(",emial,", ",email,", 1).splitlines()
    data.write_text("\n".join([rows[0] + ",loyalty_tier"] + [row + ",gold" for row in rows[1:]])
                    + "\n", encoding="utf-8")
    lines = summary("2026-11-23")
    assert "  us: columns the job does not read: loyalty_tier" in lines, lines
    assert not [line for line in lines if "absent" in line], lines


def test_the_summary_names_ten_unread_columns_and_says_when_there_are_more() -> None:
    from jobs import cli

    columns = [f"extra_{i}" for i in range(12)]
    assert cli._first_ten(columns) == ", ".join(columns[:10]) + " ..."
    assert cli._first_ten(columns[:10]) == ", ".join(columns[:10])
