"""Standardize: each Column function on a few inline values, then one whole record per kind."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from chispa import assert_df_equality
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from jobs.schemas import source_schema, table_schema
from jobs.standardize import (
    UnknownSourceKindError,
    city_from_location,
    city_norm,
    fold_text,
    house_number,
    names_an_organisation,
    parse_date,
    placeholder_email_addresses,
    split_display_name,
    standardize,
    standardize_birth_date,
    standardize_email,
    standardize_email_sha256,
    standardize_gender,
    standardize_handle,
    standardize_ip,
    standardize_name,
    standardize_name_norm,
    standardize_phone,
    standardize_postal_code,
    stated_birth_year,
    street_norm,
)

RUN_ID = "run-1"
RUN_YEAR = 2026
UPDATED = datetime(2024, 5, 1, 12, 0, 0)
FIRST_SEEN = datetime(2023, 1, 2, 3, 4, 5)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def assert_maps(spark: SparkSession, function: Callable[[Column], Column],
                cases: list[tuple[Any, Any]], out_type: str = "string") -> None:
    """Checks `function` maps each input string to its expected value, as one DataFrame."""
    given = spark.createDataFrame([(value,) for value, _ in cases], "value string")
    expected = spark.createDataFrame(cases, f"value string, out {out_type}")
    actual = given.select("value", function(F.col("value")).alias("out"))
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_fold_text_folds_case_accents_and_punctuation(spark: SparkSession) -> None:
    assert_maps(spark, fold_text, [
        ("Jääskeläinen", "jaaskelainen"),
        ("Müller", "muller"),
        ("Straße", "strasse"),
        ("  Øster   Ågård ", "oster agard"),
        ("O'Brien", "obrien"),
        ("Jean – Luc", "jean-luc"),
        ("ＡＢＣ 123", "abc 123"),  # full-width letters and digits: NFKC
        ("Dr. Anna-Liisa!", "dr anna-liisa"),
        ("!!!", None),
        (None, None),
    ])


def test_names_keep_the_written_form_beside_the_folded_one(spark: SparkSession) -> None:
    assert_maps(spark, standardize_name, [
        ("  Jääskeläinen ", "Jääskeläinen"),
        ("Anna   Maria", "Anna Maria"),
        ("   ", None),
    ])
    assert_maps(spark, standardize_name_norm, [
        ("Jääskeläinen", "jaaskelainen"),
        ("MÜLLER", "muller"),
        ("Weiß", "weiss"),
        ("Anna-Maria2", "anna-maria"),
        ("François d'Artagnan", "francois dartagnan"),
    ])


def test_display_names_split_into_first_and_last(spark: SparkSession) -> None:
    cases = [
        ("Matti Virtanen", "Matti", "Virtanen"),
        ("Virtanen Matti", "Virtanen", "Matti"),  # order kept as written
        ("Dr. Anna Maria Svensson 🎉", "Anna Maria", "Svensson"),
        ("Herr Hans Müller", "Hans", "Müller"),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
        ("Svensson, Anna", "Anna", "Svensson"),
        ("Anna Svensson, PhD", "Anna", "Svensson"),
        ("Matti 🇫🇮", "Matti", None),
        # A tagline after a bar, a middle dot or a spaced dash, and remarks in brackets, are
        # not the name; a dash within a name is.
        ("Jan van den Berg | Fotograaf", "Jan", "van den Berg"),
        ("Laura Gil · Coach", "Laura", "Gil"),
        ("Matti Virtanen - Helsinki", "Matti", "Virtanen"),
        ("Matti Virtanen — Helsinki", "Matti", "Virtanen"),
        ("Anna Svensson (she/her)", "Anna", "Svensson"),
        ("Anna [Annie] Svensson", "Anna", "Svensson"),
        ("Anna-Liisa Mäki-Petäjä", "Anna-Liisa", "Mäki-Petäjä"),
        ("Jean–Pierre Martin", "Jean Pierre", "Martin"),
        ("🌸 | Gian Luca", "Gian", "Luca"),  # nothing but a symbol before the bar: all kept
        ("🎉🎉", None, None),
        (None, None, None),
    ]
    given = spark.createDataFrame([(c[0],) for c in cases], "display_name string")
    first, last = split_display_name(F.col("display_name"))
    actual = given.select("display_name", first.alias("first_name"), last.alias("last_name"))
    expected = spark.createDataFrame(
        cases, "display_name string, first_name string, last_name string"
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_emails_are_trimmed_lower_cased_and_placeholders_dropped(spark: SparkSession) -> None:
    assert_maps(spark, standardize_email, [
        ("  Matti.Virtanen@Posti.FI ", "matti.virtanen@posti.fi"),
        ("anna @ web.de", "anna@web.de"),
        ("mailto:anna@web.de", "anna@web.de"),
        ("noemail@gmail.com", None),
        ("NO-EMAIL@company.fi", None),
        ("none@none.com", None),
        ("test@test.com", None),
        ("no@email.com", None),
        ("someone@example.com", None),
        # The reserved .example top-level domain is where synthetic data lives: kept.
        ("Matti.V@mail.example", "matti.v@mail.example"),
        ("not an email", None),
        ("anna@localhost", None),
        (None, None),
    ])


def test_source_email_hashes_are_kept_only_when_well_formed(spark: SparkSession) -> None:
    digest = sha256("anna@web.de")
    assert_maps(spark, lambda _: standardize_email_sha256("value"), [
        (digest.upper(), digest),
        (f" {digest} ", digest),
        ("abc123", None),
        (sha256(""), None),  # the hash of an empty login field
        # Placeholders hashed: on a placeholder domain, or a placeholder mailbox anywhere.
        (sha256("noemail@example.com"), None),
        (f" {sha256('no-reply@example.com').upper()}", None),
        (sha256("test@gmail.com"), None),
        (sha256("max.mustermann@example.de"), None),
        (sha256("no@email.com"), None),
        # A real-looking mailbox at a mail service, and the demo's own domain, are kept.
        (sha256("matti.v@gmail.com"), sha256("matti.v@gmail.com")),
        (sha256("no.one@mail.example"), sha256("no.one@mail.example")),
        (None, None),
    ])


def test_every_listed_placeholder_hash_is_a_placeholder_in_plain_text(spark: SparkSession
                                                                       ) -> None:
    # The hashes listed are those of addresses the plain-text rule drops, as Spark reads it.
    addresses = [a for a in placeholder_email_addresses() if a]
    assert len(addresses) > 5_000
    given = spark.createDataFrame([(a,) for a in addresses], "value string")
    kept = given.where(standardize_email(F.col("value")).isNotNull()).collect()
    assert [r["value"] for r in kept] == []


def test_ipv4_addresses_are_plain_dotted_quads(spark: SparkSession) -> None:
    assert_maps(spark, standardize_ip, [
        (" 203.0.113.7 ", "203.0.113.7"),
        ("203.0.113.7:443", "203.0.113.7"),  # a port
        ("::FFFF:203.0.113.7", "203.0.113.7"),  # mapped into IPv6
        ("[::ffff:203.0.113.7]:8080", "203.0.113.7"),
        ("010.001.002.003", "10.1.2.3"),
        ("255.255.255.255", None),  # broadcast
        ("224.0.0.1", None),  # multicast
        ("127.0.0.1", None),  # loopback: the proxy's own address, not the visitor's
        ("0.0.0.0", None),
        ("169.254.10.20", None),  # link-local
        ("256.1.2.3", None),
        ("1.2.3", None),
        ("unknown", None),
        ("", None),
        (None, None),
    ])


def test_ipv6_addresses_become_their_64_network(spark: SparkSession) -> None:
    assert_maps(spark, standardize_ip, [
        ("2001:db8:a:b:1:2:3:4", "2001:db8:a:b::/64"),
        # Another day's privacy address of the same connection: the same network.
        ("2001:DB8:000A:000B:9c1e:44ff:fe01:7d2a", "2001:db8:a:b::/64"),
        ("2001:db8:a::1", "2001:db8:a:0::/64"),
        ("2001:db8::", "2001:db8:0:0::/64"),
        ("[2001:db8:a:b::1]:443", "2001:db8:a:b::/64"),
        ("2001:db8:a:b::1%eth0", "2001:db8:a:b::/64"),
        ("64:ff9b::192.0.2.1", "64:ff9b:0:0::/64"),
        ("2001:db8:a:b:c:d:e:f:1", None),  # nine groups
        ("2001:db8::a::1", None),  # "::" twice
        ("2001:db8:a:b:c:d:e::f", None),  # "::" standing for no group at all
        ("2001:db8:g::1", None),
        ("::1", None),  # loopback
        ("::", None),
        ("fe80::1c2d:3e4f", None),  # link-local
        ("ff02::1", None),  # multicast
    ])


def test_phones_become_e164_with_the_country_as_default_region(spark: SparkSession) -> None:
    cases = [
        ("+358 40 1234567", "FI", "+358401234567"),
        ("040 123 4567", "FI", "+358401234567"),
        ("00358401234567", "FI", "+358401234567"),
        ("(040) 1234567", "FI", "+358401234567"),
        ("030 12345678", "DE", "+493012345678"),
        ("+49 (0)30 12345678", "DE", "+493012345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", None, "+33612345678"),
        ("00358401234567", None, "+358401234567"),
        ("040 123 4567", None, None),  # national number, no region to read it with
        ("0000000", "FI", None),
        ("123", "FI", None),
        ("not a phone", "DE", None),
        (None, "FI", None),
    ]
    given = spark.createDataFrame([c[:2] for c in cases], "phone string, country string")
    actual = given.select(
        "phone", "country", standardize_phone(F.col("phone"), F.col("country")).alias("e164")
    )
    expected = spark.createDataFrame(cases, "phone string, country string, e164 string")
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_parse_date_reads_each_format_and_nulls_bad_input(spark: SparkSession) -> None:
    assert_maps(spark, parse_date, [
        ("1985-03-12", date(1985, 3, 12)),
        ("1985-3-2", date(1985, 3, 2)),
        ("12/03/1985", date(1985, 3, 12)),
        ("12.03.1985", date(1985, 3, 12)),
        ("19850312", date(1985, 3, 12)),
        ("1985/03/12", date(1985, 3, 12)),
        ("1985-03-12 00:00:00", date(1985, 3, 12)),
        (" 1985-03-12T23:59:59.123+02:00 ", date(1985, 3, 12)),
        ("1985-03-12 noon\nsecond line", date(1985, 3, 12)),
        ("1985-03-12x", None),
        ("12-03-1985", date(1985, 3, 12)),
        ("1985.03.12", date(1985, 3, 12)),
        ("03/25/1985", date(1985, 3, 25)),  # month first only where day first is impossible
        ("12 March 1985", date(1985, 3, 12)),
        ("12 mar 1985", date(1985, 3, 12)),
        ("March 12, 1985", date(1985, 3, 12)),
        ("Mar 2, 1985", date(1985, 3, 2)),
        ("12 Marzo 1985", None),
        ("13/13/1985", None),
        ("1985-02-30", None),
        ("31.13.1985", None),
        ("12.03.85", None),
        ("March 1985", None),
        ("", None),
        (None, None),
    ], out_type="date")
    assert_maps(spark, standardize_birth_date, [
        ("1900-01-01", None),
        ("01.01.1900", None),
        ("1901-01-01", None),
        ("1970-01-01", None),
        ("30/12/1899", None),
        ("1970-01-02", date(1970, 1, 2)),
        ("1985-03-12", date(1985, 3, 12)),
    ], out_type="date")


def test_gender_maps_to_m_f_or_null(spark: SparkSession) -> None:
    assert_maps(spark, standardize_gender, [
        ("M", "m"), (" male ", "m"), ("Mies", "m"), ("Herr", "m"),
        ("F", "f"), ("Female", "f"), ("nainen", "f"), ("Frau", "f"),
        ("x", None), ("unknown", None), (None, None),
    ])


def test_postal_codes_and_cities(spark: SparkSession) -> None:
    assert_maps(spark, standardize_postal_code, [
        ("00100", "00100"),
        (" 10 115 ", "10115"),
        ("D-10115", "10115"),
        ("sw1a 1aa", "SW1A1AA"),
        ("75-001", "75001"),
        ("00000", None),
        ("n/a", None),
        (None, None),
    ])
    assert_maps(spark, city_norm, [
        ("HELSINKI", "helsinki"),
        ("00100 Helsinki", "helsinki"),
        ("München", "munchen"),
        ("Saint-Étienne", "saint-etienne"),
    ])
    assert_maps(spark, city_from_location, [
        ("Helsinki, Finland", "Helsinki"),
        ("Berlin 🇩🇪", "Berlin"),
        ("Paris | Lyon", "Paris"),
        ("🌍", None),
        ("Finland", None),          # a country is not a city
        ("Deutschland 🇩🇪", None),
        ("everywhere", None),       # no place at all
        ("Worldwide 🌍", None),
        ("Around the world, Lyon", None),
        ("Homeburg", "Homeburg"),   # a word of the list inside a name is still a place
    ])


def test_streets_split_into_name_and_house_number(spark: SparkSession) -> None:
    cases = [
        ("Mannerheimintie 12 B 5", "mannerheimintie", "12"),
        ("Hauptstr. 5a", "hauptstrasse", "5a"),
        ("Hauptstraße 5a", "hauptstrasse", "5a"),
        ("Berliner Str. 10", "berliner strasse", "10"),
        ("12, rue de la Paix", "rue de la paix", "12"),
        ("Fleminginkatu 3 as 14", "fleminginkatu", "3"),
        ("Storgatan 12 lgh 1203", "storgatan", "12"),
        ("Unit 4, 20 George Road", "george road", "20"),
        ("5th Ave", "5th avenue", None),
        (None, None, None),
    ]
    given = spark.createDataFrame([(c[0],) for c in cases], "street string")
    actual = given.select(
        "street",
        street_norm(F.col("street")).alias("street_norm"),
        house_number(F.col("street")).alias("house_number"),
    )
    expected = spark.createDataFrame(
        cases, "street string, street_norm string, house_number string"
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_handles_lose_case_and_leading_at(spark: SparkSession) -> None:
    assert_maps(spark, standardize_handle, [
        ("@MattiV", "mattiv"),
        (" matti_v ", "matti_v"),
        ("@@Anna.S", "anna.s"),
        ("@", None),
    ])


def test_bios_state_a_year_of_birth_only_after_a_word_for_born(spark: SparkSession) -> None:
    assert_maps(spark, lambda bio: stated_birth_year(bio, RUN_YEAR), [
        ("Born 1989", 1989),
        ("Syntynyt 1956", 1956),
        ("Jahrgang 1975 · Berlin", 1975),
        ("Née en 1970 à Lyon", 1970),
        ("Z Krakowa, rocznik 1984", 1984),
        ("runner, b. 2001", 2001),
        ("Född i 1948 🇸🇪", 1948),
        ("Married 1999, born in 1972", 1972),
        ("Fan since 1989", None),            # a year, but not of birth
        ("born 89", None),                   # two digits: a year only a handle shows
        ("Born 19891", None),
        ("Reborn 1990", None),               # not the word born
        ("Born 2999", None),                 # later than the run's year
        ("Team B 2019", None),               # too young for an account: not a birth
        ("born 2013", 2013),                 # 13 in the run's year: the youngest holder
        ("born 2014", None),                 # 12
        ("Coffee first.", None),
        (None, None),
    ], "int")


def test_bio_years_are_judged_as_of_the_runs_year_not_the_clock(spark: SparkSession) -> None:
    # A backfill for 2010 reads bios as they read then: born 1997 was 13, born 1998 only 12.
    assert_maps(spark, lambda bio: stated_birth_year(bio, 2010), [
        ("born 1997", 1997),
        ("born 1998", None),
        ("born 2013", None),
    ], "int")


# --- whole records -----------------------------------------------------------------------------

def ingested(spark: SparkSession, kind: str, source: str, record_id: str,
             values: dict[str, Any]) -> DataFrame:
    """Returns one row shaped as the ingest stage hands it over (contract columns typed)."""
    schema = source_schema(kind).struct()
    fields = [
        StructField("source", StringType()),
        StructField("source_kind", StringType()),
        StructField("source_record_id", StringType()),
        *schema.fields,
        StructField("run_id", StringType()),
    ]
    row = {"source": source, "source_kind": kind, "source_record_id": record_id,
           "run_id": RUN_ID, **values}
    return spark.createDataFrame([tuple(row.get(f.name) for f in fields)], StructType(fields))


def contract_row(spark: SparkSession, values: dict[str, Any]) -> DataFrame:
    """Returns one expected standardized record; columns not given are null."""
    schema = table_schema("standardized_records")
    unknown = set(values) - set(schema.column_names)
    assert not unknown, unknown
    return spark.createDataFrame(
        [tuple(values.get(name) for name in schema.column_names)], schema.struct()
    )


def test_registry_record(spark: SparkSession) -> None:
    given = ingested(spark, "registry", "hs_registry", "S1", {
        "subscriber_id": "S1", "first_name": " Matti-Pekka ", "last_name": "Jääskeläinen",
        "birth_date": "12.03.1985", "gender": "M", "street_address": "Mannerheimintie 12 B 5",
        "postal_code": "00 100", "city": "HELSINKI", "country": "fi", "phone": "040 123 4567",
        "email": " Matti.Jaaskelainen@Posti.FI ", "subscription_product": "HS Digi",
        "subscription_status": "active", "subscription_start": "2020-01-15",
        "consent_marketing": True, "consent_partner_sharing": False, "updated_at": UPDATED,
    })
    expected = contract_row(spark, {
        "record_id": "hs_registry/S1", "source": "hs_registry", "source_kind": "registry",
        "source_record_id": "S1", "first_name": "Matti-Pekka", "last_name": "Jääskeläinen",
        "first_name_norm": "matti-pekka", "last_name_norm": "jaaskelainen",
        "birth_date": date(1985, 3, 12), "gender": "m",
        "street_address": "Mannerheimintie 12 B 5", "street_norm": "mannerheimintie",
        "house_number": "12", "postal_code": "00100", "city": "HELSINKI",
        "city_norm": "helsinki", "country": "FI", "phone_e164": "+358401234567",
        "email": "matti.jaaskelainen@posti.fi",
        "email_sha256": sha256("matti.jaaskelainen@posti.fi"),
        "subscription_product": "HS Digi", "subscription_status": "active",
        "subscription_start": date(2020, 1, 15), "consent_marketing": True,
        "consent_partner_sharing": False, "updated_at": UPDATED, "run_id": RUN_ID,
    })
    assert_df_equality(standardize(given, "registry", RUN_YEAR), expected, ignore_nullable=True)


def test_online_record(spark: SparkSession) -> None:
    digest = sha256("hans.mueller@web.de")
    given = ingested(spark, "online", "web", "P1", {
        "profile_id": "P1", "email_sha256": digest.upper(), "first_name": None,
        "last_name": "Müller", "ip_address": " 10.0.0.1 ", "user_agent": "Mozilla/5.0",
        "device_type": "Mobile", "geo_city": "München", "geo_postal_code": "80331",
        "country": "DE", "interests": [" Moving ", "moving", "", "Sports"], "page_views": 12,
        "first_seen": FIRST_SEEN, "last_seen": UPDATED, "consent_profiling": True,
    })
    expected = contract_row(spark, {
        "record_id": "web/P1", "source": "web", "source_kind": "online",
        "source_record_id": "P1", "last_name": "Müller", "last_name_norm": "muller",
        "postal_code": "80331", "city": "München", "city_norm": "munchen", "country": "DE",
        "email_sha256": digest, "ip_address": "10.0.0.1", "user_agent": "Mozilla/5.0",
        "device_type": "mobile", "interests": ["moving", "sports"], "page_views": 12,
        "first_seen": FIRST_SEEN, "last_seen": UPDATED, "consent_profiling": True,
        "updated_at": UPDATED, "run_id": RUN_ID,
    })
    assert_df_equality(standardize(given, "online", RUN_YEAR), expected, ignore_nullable=True)


def test_social_record(spark: SparkSession) -> None:
    given = ingested(spark, "social", "twitter", "Twitter:@MattiV", {
        "platform": "Twitter", "handle": "@MattiV", "display_name": "Dr. Matti Virtanen 🎉",
        "bio": "Reader, born 1984", "location": "Helsinki, Finland", "website": "https://mattiv.fi",
        "email": "NOEMAIL@gmail.com", "phone": "+358 40 1234567", "followers": 10,
        "last_active": UPDATED,
    })
    expected = contract_row(spark, {
        "record_id": "twitter/Twitter:@MattiV", "source": "twitter", "source_kind": "social",
        "source_record_id": "Twitter:@MattiV", "first_name": "Matti", "last_name": "Virtanen",
        "first_name_norm": "matti", "last_name_norm": "virtanen", "birth_year": 1984,
        "city": "Helsinki", "city_norm": "helsinki", "phone_e164": "+358401234567",
        "platform": "twitter",
        "handle": "mattiv", "display_name": "Dr. Matti Virtanen 🎉", "updated_at": UPDATED,
        "run_id": RUN_ID, "dropped_values": ["placeholder_email"],
    })
    assert_df_equality(standardize(given, "social", RUN_YEAR), expected, ignore_nullable=True)


def test_fan_pages_tributes_and_parodies_speak_for_another(spark: SparkSession) -> None:
    from jobs.standardize import speaks_for_another

    cases = [
        ("linneaekstrom_fans", "Linnea Ekström", "Stockholm", True),
        ("linnea.e", "Linnea Ekström Fans", None, True),
        ("le_daily", "Linnea Ekström", "Fan page. Not affiliated.", True),
        ("anna_tribute", "Anna", None, True),
        ("eva.parody", "Eva", None, True),
        ("kalle", "Kalle", "Unofficial fan account", True),
        # A person's own: a name with fan in it, a fan of coffee, thanks to the fans.
        ("stefan_k", "Stefan Koch", "Big fan of coffee", False),
        ("fanny.b", "Fanny Berg", "Thanks to all my fans!", False),
        ("fantasy_lover", "Ilse", None, False),
        (None, None, None, False),
    ]
    given = spark.createDataFrame(cases, "handle string, display_name string, bio string, "
                                         "expected boolean")
    actual = given.select("handle", "display_name", "bio", speaks_for_another(
        F.col("handle"), F.col("display_name"), F.col("bio")).alias("expected"))
    assert_df_equality(actual, given, ignore_row_order=True, ignore_nullable=True)


def test_social_display_names_that_name_nobody_are_left_empty(spark: SparkSession) -> None:
    rows = {"kinnunene": ("kinnunene", "Kinnunene"),      # the handle again
            "laura_k": ("laura_k", "Laura K."),             # a one-letter surname: an initial
            "tiina.k": ("tiina.k", "Tiina Kinnunen"),
            # names in any script: a surname of Cyrillic or Greek letters is no initial, nor a
            # Chinese one of one character; a name is not the handle written again
            "user67973": ("user67973", "Иван Петров"),
            "nikos_p": ("nikos_p", "Νίκος Παπαδόπουλος"),
            "mei_li": ("mei_li", "美 李"),
            "12345678": ("12345678", "王伟"),
            "ivan_p": ("ivan_p", "Иван П."),
            # a business's: its trade and its owner's surname name no customer
            "bianchicostruzioni": ("bianchicostruzioni", "Bianchi Costruzioni srl")}
    given = None
    for key, (handle, display) in rows.items():
        row = ingested(spark, "social", "x", f"x:{key}", {
            "platform": "x", "handle": handle, "display_name": display, "last_active": UPDATED})
        given = row if given is None else given.unionByName(row)
    assert given is not None
    actual = (standardize(given, "social", RUN_YEAR)
              .select("handle", "first_name_norm", "last_name_norm"))
    expected = spark.createDataFrame(
        [("kinnunene", None, None), ("laura_k", "laura", None),
         ("tiina.k", "tiina", "kinnunen"), ("bianchicostruzioni", None, None),
         ("user67973", "иван", "петров"), ("nikos_p", "νικοσ", "παπαδοπουλοσ"),
         ("mei_li", "美", "李"), ("12345678", "王伟", None), ("ivan_p", "иван", None)],
        "handle string, first_name_norm string, last_name_norm string")
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_business_display_names_are_organisations(spark: SparkSession) -> None:
    assert_maps(spark, names_an_organisation, [
        ("Bianchi Costruzioni srl", True),       # a legal form
        ("Talleres Rodríguez S.L.", True),        # written with dots
        ("GmbH Schmidt", True),                   # anywhere
        ("Johanssons Bygg AB", True),             # a short legal form last, after another word
        ("Pizzeria da Maria", True),              # a trade's word
        ("Frisör Anna 💇", True),                 # folded
        ("KAPSALON JOHANNA", True),
        ("Nowak Sp. z o.o.", True),
        ("Boulangerie Martin", True),
        ("Johanssons Bygg AB 🔨", True),
        ("Ab", False),                            # a short legal form alone, or first
        ("AB Svensson", False),
        ("Michis Le as", False),                  # or not in capitals: surnames
        ("Maria de Sá", False),
        ("Maria de Sa", False),
        ("Åsa Eriksson", False),                  # Åsa folds to asa, Norway's ASA: not a form
        ("Jonas Gahr Støre", False),              # a surname that is also a word (store)
        ("Hans Bär", False),
        ("Anna Bakker", False),
        ("Pizzeriaman", False),                   # whole words only
        (None, False),
    ], out_type="boolean")


def test_standardize_rejects_unknown_kinds(spark: SparkSession) -> None:
    given = spark.createDataFrame([("x",)], "source string")
    with pytest.raises(UnknownSourceKindError, match="orders"):
        standardize(given, "orders", RUN_YEAR)


def test_countries_are_read_as_codes_or_names() -> None:
    from jobs.normalize import country_code

    cases = {"DE": "DE", " fi ": "FI", "DEU": "DE", "Germany": "DE", "Deutschland": "DE",
             "Saksa": "DE", "Suomi": "FI", "Sverige": "SE", "The Netherlands": "NL",
             "Nederland": "NL", "España": "ES", "Espana": "ES", "Polska": "PL", "UK": "GB",
             "U.K.": "GB", "United Kingdom": "GB", "U.S.A.": "US", "EL": "GR", "Ελλάδα": "GR",
             "Österreich": "AT", "Atlantis": None, "XX": None, "": None, "the": None}
    assert {text: country_code(text) for text in cases} == cases


def test_a_sources_default_country_is_the_country_of_records_naming_none(
        spark: SparkSession) -> None:
    """A domestic register's export leaves its country out: with the source's default_country
    its records are of that country and their national phones read in it; a country written
    stays that country, and one written but not read stays unread. A social source's accounts
    (no country column) take it too."""
    rows = {
        "S1": {"country": None, "phone": "040 123 4567"},
        "S2": {"country": " ", "phone": "09 1234 5678"},
        "S3": {"country": "Sverige", "phone": "070 123 45 67"},
        "S4": {"country": "Atlantis", "phone": "040 123 4567"},
    }
    given = None
    for key, values in rows.items():
        row = ingested(spark, "registry", "reg", key, {"subscriber_id": key, **values})
        given = row if given is None else given.unionByName(row)
    assert given is not None
    columns = ("source_record_id", "country", "phone_e164", "dropped_values")
    expected = [("S1", "FI", "+358401234567", None), ("S2", "FI", "+358912345678", None),
                ("S3", "SE", "+46701234567", None),
                ("S4", None, None, ["invalid_country", "phone_without_country"])]
    actual = standardize(given, "registry", RUN_YEAR, default_country="FI").select(*columns)
    assert sorted(tuple(r) for r in actual.collect()) == expected
    # Without it, as before: no country, so no national phone.
    actual = standardize(given, "registry", RUN_YEAR).select(*columns)
    assert sorted(tuple(r) for r in actual.collect()) == [
        ("S1", None, None, ["phone_without_country"]),
        ("S2", None, None, ["phone_without_country"]),
        ("S3", "SE", "+46701234567", None),
        ("S4", None, None, ["invalid_country", "phone_without_country"])]
    social = ingested(spark, "social", "social", "instagram:mv", {
        "platform": "instagram", "handle": "mv", "display_name": "Matti Virtanen",
        "phone": "040 123 4567"})
    assert [tuple(r) for r in standardize(social, "social", RUN_YEAR, default_country="FI")
            .select(*columns[1:]).collect()] == [("FI", "+358401234567", None)]
    assert [tuple(r) for r in standardize(social, "social", RUN_YEAR)
            .select(*columns[1:]).collect()] == [(None, None, ["phone_without_country"])]


def test_values_standardizing_leaves_out_are_named_in_dropped_values(
        spark: SparkSession) -> None:
    """A country written as a name is read; an unknown one, a malformed or placeholder email, a
    phone no operator could assign and a national phone without a country are left out of
    the record and named in its dropped_values, after ingest's own reasons."""
    rows = {
        "S1": {"country": "Germany", "phone": "030 1234567", "email": "a.b@posti.fi"},
        "S2": {"country": "Atlantis", "phone": "040 123 4567", "email": "not-an-email"},
        "S3": {"country": "FI", "phone": "+358 000", "email": "noemail@gmail.com"},
        "S4": {"country": None, "phone": "+358 40 123 4567", "email": " "},
    }
    given = None
    for key, values in rows.items():
        row = ingested(spark, "registry", "reg", key, {"subscriber_id": key, **values})
        given = row if given is None else given.unionByName(row)
    assert given is not None
    given = given.withColumn("dropped_values", F.when(
        F.col("source_record_id") == "S3", F.array(F.lit("invalid_birth_date"))))
    actual = standardize(given, "registry", RUN_YEAR).select(
        "source_record_id", "country", "phone_e164", "email", "dropped_values")
    expected = spark.createDataFrame([
        ("S1", "DE", "+49301234567", "a.b@posti.fi", None),
        ("S2", None, None, None, ["invalid_country", "phone_without_country", "invalid_email"]),
        ("S3", "FI", None, None, ["invalid_birth_date", "invalid_phone", "placeholder_email"]),
        ("S4", None, "+358401234567", None, None),
    ], "source_record_id string, country string, phone_e164 string, email string, "
       "dropped_values array<string>")
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)
    online = ingested(spark, "online", "web", "P1", {
        "profile_id": "P1", "email_sha256": "abc", "country": "Suomi"})
    assert [tuple(r) for r in standardize(online, "online", RUN_YEAR).select(
        "country", "email_sha256", "dropped_values").collect()] == [
        ("FI", None, ["invalid_email_sha256"])]
