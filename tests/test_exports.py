"""Partner exports: keyed match keys, consent, k, withdrawals, files, and idempotent re-runs."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from test_segments import profiles_frame, run_context

from jobs import tables
from jobs.config import ConfigError
from jobs.exports import (
    EXPORT_SCHEMA,
    PartnerExport,
    PartnerSecretError,
    exports_stage,
    load_partners,
    match_keys,
)
from jobs.pipeline import RunContext
from jobs.segments import segments_stage

ALPHA_SECRET = "alpha-0123456789abcdef0123456789abcdef"
BETA_SECRET = "beta-fedcba9876543210fedcba9876543210"
RUN_1, RUN_2 = "2025-06-15", "2025-06-16"
SEGMENTS = """\
segments:
  - {name: everyone, description: all, condition: customer_id is not null}
  - {name: movers, description: m, condition: "array_contains(interests, 'moving')"}
"""
PARTNERS = """\
partners:
  - name: alpha
    segments: [everyone, movers]
    fields: [country, city, age_band, interests]
    min_segment_size: 2
    secret_env: IDRES_TEST_ALPHA
  - name: beta
    segments: [everyone]
    min_segment_size: 2
    secret_file: beta.key
"""
ANNA = {"customer_id": "c1", "emails": [" Anna.K@Example.com "], "phones": ["+358401234567"],
        "consent_partner_sharing": True, "country": "FI", "city": "Helsinki",
        "birth_date": date(1990, 3, 1), "interests": ["moving", "travel"],
        "consent_profiling": True}
BOB = {"customer_id": "c2", "emails": ["bob@example.org"], "consent_partner_sharing": True,
       "country": "DE", "city": "Berlin", "birth_date": date(2010, 1, 1), "interests": ["cars"]}
CARL = {"customer_id": "c3", "emails": ["carl@example.net"], "phones": ["+46701234567"],
        "interests": ["moving"], "consent_profiling": True}  # never agreed to partner sharing
DORA = {"customer_id": "c4", "phones": ["+4915112345678", "0401234567"],
        "consent_partner_sharing": True}
NO_IDS = {"customer_id": "c5", "consent_partner_sharing": True}
EVE = {"customer_id": "c6", "emails": ["eve@example.com"], "consent_partner_sharing": True}
RAW_IDENTIFIERS = ("anna.k@example.com", "Anna.K@Example.com", "+358401234567", "358401234567",
                   "bob@example.org", "carl@example.net", "+46701234567", "+4915112345678",
                   "0401234567", "eve@example.com")
EMAIL_PATTERN = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE_PATTERN = re.compile(rb"\+[1-9][0-9]{6,14}")


def key(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def comparable(df: DataFrame) -> DataFrame:
    """Maps cannot be sorted: compare the attributes as sorted (key, value) entries."""
    return df.withColumn("attributes", F.array_sort(F.map_entries("attributes")))


@dataclass
class Runs:
    folder: Path
    warehouse: str
    contexts: dict[str, RunContext]
    first_state: list[Any]  # partner_exports rows and file bytes after the first run
    rerun_state: list[Any]  # the same after re-running the first run id

    def exports(self, run_id: str) -> DataFrame:
        stored = tables.read_table(self.contexts[run_id].spark, self.warehouse,
                                   tables.PARTNER_EXPORTS)
        assert stored is not None
        return stored.where(F.col("run_id") == run_id)

    def file(self, partner: str, run_id: str, name: str) -> str:
        return (Path(self.warehouse) / "exports" / partner / run_id / name).read_text("utf-8")


def write_workspace(folder: Path) -> None:
    (folder / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    (folder / "partners.yaml").write_text(PARTNERS, encoding="utf-8")
    (folder / "beta.key").write_text(BETA_SECRET + "\n", encoding="utf-8")


def export_run(spark: SparkSession, folder: Path, run_id: str, *profiles: dict[str, Any]
               ) -> RunContext:
    ctx = run_context(spark, folder, run_id, date.fromisoformat(run_id))
    built = profiles_frame(spark, *[{**row, "run_id": run_id} for row in profiles])
    tables.write_table(built, ctx.warehouse, tables.CUSTOMER_PROFILES)
    segments_stage(ctx)
    exports_stage(ctx)
    return ctx


def state(spark: SparkSession, warehouse: str) -> list[Any]:
    stored = tables.read_table(spark, warehouse, tables.PARTNER_EXPORTS)
    assert stored is not None
    rows = sorted(str(row) for row in comparable(stored).collect())
    files = sorted((str(p.relative_to(warehouse)), p.read_bytes())
                   for p in (Path(warehouse) / "exports").rglob("*") if p.is_file())
    return [rows, files]


@pytest.fixture(scope="module")
def runs(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Run 1, run 1 again, then run 2 in which Anna withdraws consent, Bob is erased and Eve
    arrives."""
    folder = tmp_path_factory.mktemp("exports")
    write_workspace(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IDRES_TEST_ALPHA", ALPHA_SECRET)
        first = export_run(spark, folder, RUN_1, ANNA, BOB, CARL, DORA, NO_IDS)
        warehouse = first.warehouse
        first_state = state(spark, warehouse)
        rerun = export_run(spark, folder, RUN_1, ANNA, BOB, CARL, DORA, NO_IDS)
        rerun_state = state(spark, warehouse)
        second = export_run(spark, folder, RUN_2, {**ANNA, "consent_partner_sharing": False},
                            CARL, DORA, NO_IDS, EVE)
        yield Runs(folder, warehouse, {RUN_1: rerun, RUN_2: second}, first_state, rerun_state)
    assert first.notes["exports"] == rerun.notes["exports"]


def test_match_keys_are_keyed_hashes_of_normalized_identifiers(spark: SparkSession) -> None:
    profiles = profiles_frame(spark, ANNA, CARL, DORA, NO_IDS)
    schema = "customer_id string, match_key string, key_type string"
    for secret in (ALPHA_SECRET, BETA_SECRET):
        expected = spark.createDataFrame([
            ("c1", key(secret, "anna.k@example.com"), "email"),
            ("c1", key(secret, "+358401234567"), "phone"),
            ("c3", key(secret, "carl@example.net"), "email"),
            ("c3", key(secret, "+46701234567"), "phone"),
            ("c4", key(secret, "+4915112345678"), "phone"),  # 0401234567 is not E.164
        ], schema)
        assert_df_equality(match_keys(profiles, secret.encode()), expected,
                           ignore_row_order=True, ignore_nullable=True)


def test_run_exports_consenting_members_of_segments_of_at_least_k(runs: Runs) -> None:
    spark = runs.contexts[RUN_1].spark
    anna = {"country": "FI", "city": "Helsinki", "age_band": "35-44", "interests": "moving;travel"}
    # Bob is a minor by the band; his interests stay home: he did not agree to profiling.
    bob = {"country": "DE", "city": "Berlin", "age_band": "under_18", "interests": None}
    dora = {"country": None, "city": None, "age_band": None, "interests": None}
    rows = [
        ("alpha", "everyone", "c1", key(ALPHA_SECRET, "anna.k@example.com"), "email", anna),
        ("alpha", "everyone", "c1", key(ALPHA_SECRET, "+358401234567"), "phone", anna),
        ("alpha", "everyone", "c2", key(ALPHA_SECRET, "bob@example.org"), "email", bob),
        ("alpha", "everyone", "c4", key(ALPHA_SECRET, "+4915112345678"), "phone", dora),
        ("beta", "everyone", "c1", key(BETA_SECRET, "anna.k@example.com"), "email", {}),
        ("beta", "everyone", "c1", key(BETA_SECRET, "+358401234567"), "phone", {}),
        ("beta", "everyone", "c2", key(BETA_SECRET, "bob@example.org"), "email", {}),
        ("beta", "everyone", "c4", key(BETA_SECRET, "+4915112345678"), "phone", {}),
    ]
    expected = spark.createDataFrame([(*row, RUN_1) for row in rows], EXPORT_SCHEMA)
    assert_df_equality(comparable(runs.exports(RUN_1)), comparable(expected),
                       ignore_row_order=True, ignore_nullable=True)


def test_a_segment_under_k_is_withheld_and_reported(runs: Runs) -> None:
    ctx = runs.contexts[RUN_1]
    # movers: Anna consents, Carl does not: one exportable customer, k is 2.
    assert ctx.notes["exports"] == [
        PartnerExport("alpha", str(Path(runs.warehouse) / "exports" / "alpha" / RUN_1),
                      {"everyone": 3}, {"movers": 1}, 0),
        PartnerExport("beta", str(Path(runs.warehouse) / "exports" / "beta" / RUN_1),
                      {"everyone": 3}, {}, 0),
    ]
    assert ctx.value("exports", "withheld:movers", "alpha") == 1
    assert ctx.value("exports", "members:everyone", "alpha") == 3
    manifest = json.loads(runs.file("alpha", RUN_1, "manifest.json"))
    assert manifest["withheld_segments"] == ["movers"]
    assert manifest["segments"] == {"everyone": {"customers": 3, "match_keys": 4}}
    assert runs.exports(RUN_1).where(F.col("segment") == "movers").isEmpty()


def test_files_hold_the_members_and_a_manifest_with_checksums(runs: Runs) -> None:
    members = list(csv.DictReader(io.StringIO(runs.file("alpha", RUN_1, "members.csv"))))
    expected = sorted([
        {"segment": "everyone", "match_key": key(ALPHA_SECRET, "anna.k@example.com"),
         "key_type": "email", "country": "FI", "city": "Helsinki", "age_band": "35-44",
         "interests": "moving;travel"},
        {"segment": "everyone", "match_key": key(ALPHA_SECRET, "+358401234567"),
         "key_type": "phone", "country": "FI", "city": "Helsinki", "age_band": "35-44",
         "interests": "moving;travel"},
        {"segment": "everyone", "match_key": key(ALPHA_SECRET, "bob@example.org"),
         "key_type": "email", "country": "DE", "city": "Berlin", "age_band": "under_18",
         "interests": ""},
        {"segment": "everyone", "match_key": key(ALPHA_SECRET, "+4915112345678"),
         "key_type": "phone", "country": "", "city": "", "age_band": "", "interests": ""},
    ], key=lambda r: (r["segment"], r["key_type"], r["match_key"]))
    assert members == expected
    beta = runs.file("beta", RUN_1, "members.csv").splitlines()
    assert beta[0] == "segment,match_key,key_type" and len(beta) == 5
    folder = Path(runs.warehouse) / "exports" / "alpha" / RUN_1
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert (manifest["partner"], manifest["run_id"], manifest["min_segment_size"]) == (
        "alpha", RUN_1, 2)
    assert sorted(manifest["files"]) == ["members.csv", "withdrawals.csv"]
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "members.csv",
                                                         "withdrawals.csv"]


def test_same_person_gets_different_keys_per_partner_and_the_same_key_across_runs(
        runs: Runs) -> None:
    def keys(run_id: str, partner: str, customer: str) -> set[str]:
        rows = runs.exports(run_id).where((F.col("partner") == partner)
                                          & (F.col("customer_id") == customer))
        return {row["match_key"] for row in rows.collect()}

    assert keys(RUN_1, "alpha", "c1") and keys(RUN_1, "beta", "c1")
    assert not keys(RUN_1, "alpha", "c1") & keys(RUN_1, "beta", "c1")
    assert keys(RUN_2, "alpha", "c4") == keys(RUN_1, "alpha", "c4") == {
        key(ALPHA_SECRET, "+4915112345678")}
    assert keys(RUN_2, "beta", "c4") == keys(RUN_1, "beta", "c4")


def test_a_customer_without_consent_is_never_exported(runs: Runs) -> None:
    for run_id in (RUN_1, RUN_2):
        exported = {row["customer_id"] for row in runs.exports(run_id).collect()}
        assert "c3" not in exported
    assert {row["customer_id"] for row in runs.exports(RUN_2).collect()} == {"c4", "c6"}
    carl_keys = {key(s, v) for s in (ALPHA_SECRET, BETA_SECRET)
                 for v in ("carl@example.net", "+46701234567")}
    for path in (Path(runs.warehouse) / "exports").rglob("*.csv"):
        assert not any(k in path.read_text("utf-8") for k in carl_keys), path


def test_withdrawals_list_keys_of_customers_who_withdrew_or_were_erased(runs: Runs) -> None:
    for partner, secret in (("alpha", ALPHA_SECRET), ("beta", BETA_SECRET)):
        rows = list(csv.reader(io.StringIO(runs.file(partner, RUN_2, "withdrawals.csv"))))
        assert rows[0] == ["match_key", "key_type", "reason"]
        assert rows[1:] == sorted([
            [key(secret, "anna.k@example.com"), "email", "consent_withdrawn"],
            [key(secret, "+358401234567"), "phone", "consent_withdrawn"],
            [key(secret, "bob@example.org"), "email", "no_longer_present"],
        ])
        assert runs.file(partner, RUN_1, "withdrawals.csv") == "match_key,key_type,reason\n"
    assert runs.contexts[RUN_2].value("exports", "withdrawals", "alpha") == 3


def test_rerunning_a_run_id_leaves_the_state_of_one_run(runs: Runs) -> None:
    assert runs.rerun_state == runs.first_state


def test_no_export_file_or_table_holds_an_email_or_a_phone(runs: Runs) -> None:
    warehouse = Path(runs.warehouse)
    unkeyed = [hashlib.sha256(v.encode()).hexdigest().encode() for v in RAW_IDENTIFIERS]
    files = [p for folder in ("exports", tables.PARTNER_EXPORTS)
             for p in (warehouse / folder).rglob("*") if p.is_file()]
    assert any(p.name.endswith(".parquet") for p in files)
    table = runs.exports(RUN_1).unionByName(runs.exports(RUN_2))
    texts = [(str(p), p.read_bytes()) for p in files] + [
        ("partner_exports rows", "\n".join(str(r) for r in table.collect()).encode())]
    for where, content in texts:
        assert not EMAIL_PATTERN.search(content), where
        assert not PHONE_PATTERN.search(content), where
        for value in RAW_IDENTIFIERS:
            assert value.encode() not in content, (where, value)
        for digest in unkeyed:
            assert digest not in content, where


@pytest.mark.parametrize(("replace", "with_", "key_", "problem"), [
    ("    secret_env: IDRES_TEST_ALPHA\n", "    secret: hunter2hunter2\n", "partners[0].secret",
     "never goes in the repository"),
    ("fields: [country, city, age_band, interests]", "fields: [country, email]",
     "partners[0].fields[1]", "may not be exported"),
    ("segments: [everyone, movers]", "segments: [everyone, whales]", "partners[0].segments[1]",
     "not a segment"),
    ("    secret_file: beta.key\n", "", "partners[1].secret_env", "exactly one"),
    ("    secret_file: beta.key\n", "    secret_file: beta.key\n    secret_env: X\n",
     "partners[1].secret_env", "exactly one"),
    ("min_segment_size: 2\n    secret_env", "min_segment_size: 0\n    secret_env",
     "partners[0].min_segment_size", "positive integer"),
    ("name: beta", "name: alpha", "partners[1].name", "used twice"),
    ("name: beta", "name: Beta Inc", "partners[1].name", "lower-case"),
])
def test_bad_partner_configuration_names_file_and_key(tmp_path: Path, replace: str, with_: str,
                                                      key_: str, problem: str) -> None:
    assert replace in PARTNERS
    file = tmp_path / "partners.yaml"
    file.write_text(PARTNERS.replace(replace, with_, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_partners(file, {"everyone", "movers"})
    assert (caught.value.file, caught.value.key) == (str(file), key_)
    assert problem in caught.value.problem


def test_a_missing_or_short_secret_stops_the_stage_before_any_work(
        spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_workspace(tmp_path)
    ctx = run_context(spark, tmp_path, RUN_1, date(2025, 6, 15))
    monkeypatch.delenv("IDRES_TEST_ALPHA", raising=False)
    with pytest.raises(PartnerSecretError, match="'alpha': environment variable "
                                                 "IDRES_TEST_ALPHA is not set"):
        exports_stage(ctx)
    monkeypatch.setenv("IDRES_TEST_ALPHA", "too-short")
    with pytest.raises(PartnerSecretError, match="fewer than 32 characters"):
        exports_stage(ctx)
    assert not Path(ctx.warehouse).exists()


def test_a_withdrawal_is_sent_once_and_again_only_after_a_new_export(
        spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anna withdraws (run 2): her keys are withdrawn. Still withdrawn (run 3): not listed
    again, they had been sent on every later run. She consents again (run 4) and is exported;
    she withdraws again (run 5): withdrawn again."""
    write_workspace(tmp_path)
    monkeypatch.setenv("IDRES_TEST_ALPHA", ALPHA_SECRET)
    withdrawn = {**ANNA, "consent_partner_sharing": False}
    anna_keys = sorted([[key(ALPHA_SECRET, "anna.k@example.com"), "email", "consent_withdrawn"],
                        [key(ALPHA_SECRET, "+358401234567"), "phone", "consent_withdrawn"]])
    runs = [("2025-07-01", ANNA, []), ("2025-07-02", withdrawn, anna_keys),
            ("2025-07-03", withdrawn, []), ("2025-07-04", ANNA, []),
            ("2025-07-05", withdrawn, anna_keys)]
    for run_id, anna, expected in runs:
        ctx = export_run(spark, tmp_path, run_id, anna, CARL, DORA, EVE)
        notice = (Path(ctx.warehouse) / "exports" / "alpha" / run_id / "withdrawals.csv")
        rows = list(csv.reader(io.StringIO(notice.read_text(encoding="utf-8"))))
        assert rows[0] == ["match_key", "key_type", "reason"]
        assert sorted(rows[1:]) == expected, run_id
        assert ctx.value("exports", "withdrawals", "alpha") == len(expected), run_id


def test_a_day_without_any_segment_member_exports_nobody_and_sends_its_withdrawals(
        spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No customer meets the segment on day 2 (it had stopped the run as if the segments had
    not been evaluated): nobody is exported, and Anna's withdrawal is sent."""
    write_workspace(tmp_path)
    (tmp_path / "segments.yaml").write_text(
        "segments:\n  - {name: movers, description: m, "
        "condition: \"array_contains(interests, 'moving')\"}\n", encoding="utf-8")
    (tmp_path / "partners.yaml").write_text(
        "partners:\n  - {name: alpha, segments: [movers], min_segment_size: 1, "
        "secret_env: IDRES_TEST_ALPHA}\n", encoding="utf-8")
    monkeypatch.setenv("IDRES_TEST_ALPHA", ALPHA_SECRET)
    export_run(spark, tmp_path, "2025-08-01", ANNA)
    ctx = export_run(spark, tmp_path, "2025-08-02",
                     {**ANNA, "interests": ["travel"], "consent_partner_sharing": False})
    folder = Path(ctx.warehouse) / "exports" / "alpha" / "2025-08-02"
    assert ctx.notes["exports"] == [PartnerExport("alpha", str(folder), {}, {"movers": 0}, 2)]
    assert (folder / "members.csv").read_text(encoding="utf-8").splitlines() == [
        "segment,match_key,key_type"]
    rows = list(csv.reader(io.StringIO((folder / "withdrawals.csv").read_text("utf-8"))))
    assert sorted(rows[1:]) == sorted(
        [[key(ALPHA_SECRET, "anna.k@example.com"), "email", "consent_withdrawn"],
         [key(ALPHA_SECRET, "+358401234567"), "phone", "consent_withdrawn"]])


def test_erasing_one_of_a_household_keeps_the_others_exported_rows_and_key(
        spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anna and Aki share a phone, both exported under its key. Erasing Anna removes her rows
    from the partner's file, keeps Aki's (the key too), and tells the partner to delete her
    email's key only: the phone key is still Aki's."""
    from datetime import UTC, datetime

    from jobs.privacy import erase

    write_workspace(tmp_path)
    monkeypatch.setenv("IDRES_TEST_ALPHA", ALPHA_SECRET)
    aki = {"customer_id": "c7", "emails": ["aki@example.com"], "phones": ["+358401234567"],
           "consent_partner_sharing": True, "country": "FI", "city": "Espoo"}
    run_id = "2025-08-01"
    ctx = export_run(spark, tmp_path, run_id, ANNA, aki, CARL, DORA, EVE)
    crosswalk = spark.createDataFrame(
        [("cable", "A1", "c1", "cable/A1", "registry", run_id, run_id, run_id),
         ("cable", "K1", "c7", "cable/K1", "registry", run_id, run_id, run_id)],
        "source string, source_record_id string, customer_id string, record_id string, "
        "source_kind string, linked_since string, customer_since string, assigned_run_id string")
    tables.write_table(crosswalk, ctx.warehouse, tables.IDENTITY_CROSSWALK, run_id=run_id)
    folder = Path(ctx.warehouse) / "exports" / "alpha"
    before = list(csv.reader(io.StringIO((folder / run_id / "members.csv").read_text("utf-8"))))
    phone = key(ALPHA_SECRET, "+358401234567")
    assert sum(1 for row in before if row[1] == phone) == 2  # Anna's and Aki's

    result = erase(spark, ctx.warehouse, ["c1"], "erase-anna",
                   datetime(2025, 8, 2, tzinfo=UTC), {})
    after = list(csv.reader(io.StringIO((folder / run_id / "members.csv").read_text("utf-8"))))
    anna_email = key(ALPHA_SECRET, "anna.k@example.com")
    anna_rows = [row for row in before[1:] if row[1] == anna_email
                 or (row[1] == phone and row[4] == "Helsinki")]
    assert after[0] == before[0]
    assert sorted(after[1:]) == sorted(row for row in before[1:] if row not in anna_rows)
    assert [row for row in after if row[1] == phone and row[4] == "Espoo"]
    notice = (folder / "erase-anna" / "withdrawals.csv").read_text("utf-8").splitlines()
    assert notice == ["match_key,key_type,reason", f"{anna_email},email,erased"]
    assert result.notices["alpha"][1] == 1
    manifest = json.loads((folder / run_id / "manifest.json").read_text("utf-8"))
    keys_per_segment: dict[str, int] = {}
    for row in after[1:]:
        keys_per_segment[row[0]] = keys_per_segment.get(row[0], 0) + 1
    assert {s: c["match_keys"] for s, c in manifest["segments"].items()} == keys_per_segment
    assert manifest["erasures"] == ["erase-anna"]


def test_maintain_deletes_old_segment_history_but_the_latest_export(
        spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run 1; run 2, in which Anna withdraws; months later `maintain` deletes run 1's
    memberships, export rows and partner files and keeps run 2's, the latest; run 3, in which
    Eve leaves, then withdraws Eve's keys (reckoned against run 2) and not Anna's again."""
    from jobs.maintenance import MaintenanceResult, prune_segment_history

    write_workspace(tmp_path)
    monkeypatch.setenv("IDRES_TEST_ALPHA", ALPHA_SECRET)
    withdrawn = {**ANNA, "consent_partner_sharing": False}
    first = export_run(spark, tmp_path, "2025-07-01", ANNA, CARL, DORA, EVE)
    export_run(spark, tmp_path, "2025-07-02", withdrawn, CARL, DORA, EVE)
    warehouse = first.warehouse

    def stored(table: str) -> list[str]:
        frame = tables.read_table(spark, warehouse, table)
        assert frame is not None
        return sorted(str(row) for row in comparable(frame).collect()) \
            if table == tables.PARTNER_EXPORTS else sorted(str(row) for row in frame.collect())

    def folders() -> list[str]:
        return sorted(str(p.relative_to(warehouse)) for p in
                      (Path(warehouse) / "exports").glob("*/*") if p.is_dir())

    memberships, exports = stored(tables.SEGMENT_MEMBERSHIPS), stored(tables.PARTNER_EXPORTS)
    assert folders() == ["exports/alpha/2025-07-01", "exports/alpha/2025-07-02",
                         "exports/beta/2025-07-01", "exports/beta/2025-07-02"]
    result = MaintenanceResult(cutoff=date(2025, 7, 20))
    prune_segment_history(spark, warehouse, date(2025, 10, 1), result)
    assert (result.membership_runs_pruned, result.export_runs_pruned) == (
        ["2025-07-01"], [("alpha", "2025-07-01"), ("beta", "2025-07-01")])
    assert stored(tables.SEGMENT_MEMBERSHIPS) == [
        row for row in memberships if "run_id='2025-07-01'" not in row]
    assert stored(tables.PARTNER_EXPORTS) == [
        row for row in exports if "run_id='2025-07-01'" not in row]
    assert result.membership_rows_deleted == len(memberships) - len(
        stored(tables.SEGMENT_MEMBERSHIPS)) > 0
    assert result.export_rows_deleted == len(exports) - len(stored(tables.PARTNER_EXPORTS)) > 0
    assert folders() == ["exports/alpha/2025-07-02", "exports/beta/2025-07-02"]
    assert result.export_folders_removed == 2
    # Again, months later still: run 2 is the latest of both and stays.
    again = MaintenanceResult(cutoff=date(2026, 1, 1))
    prune_segment_history(spark, warehouse, date(2026, 1, 1), again)
    assert (again.membership_runs_pruned, again.export_runs_pruned) == ([], [])

    third = export_run(spark, tmp_path, "2025-10-02", withdrawn, CARL, DORA)
    notice = Path(third.warehouse) / "exports" / "alpha" / "2025-10-02" / "withdrawals.csv"
    rows = list(csv.reader(io.StringIO(notice.read_text(encoding="utf-8"))))
    assert sorted(rows[1:]) == [[key(ALPHA_SECRET, "eve@example.com"), "email",
                                 "no_longer_present"]]
