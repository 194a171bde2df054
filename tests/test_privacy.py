"""Erasure on request: one customer out of every table and every file, partners told, and kept
out of later runs; everybody else untouched.

One run of the job on a small demo population with segments and a partner, then `erase` of a
customer who was exported; the tests read what the warehouse holds before and after.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers
import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from test_end_to_end import write_config

from jobs import cli, tables
from jobs.demo_data import generate_demo_data
from jobs.lookup import lookup

RUN_1, RUN_2 = "2026-11-22", "2026-11-23"
REQUEST = "erase-test-1"
SECRET = "privacy-0123456789abcdef0123456789abcdef"
# The erasure key configured after the first erasure (made unkeyed, as before keys came in).
ERASURE_KEY = "erasure-key-0123456789abcdef0123456789abcdef"
SEGMENTS = """\
segments:
  - {name: everyone, description: all, condition: customer_id is not null}
"""
PARTNERS = """\
partners:
  - name: alpha
    segments: [everyone]
    fields: [country]
    min_segment_size: 1
    secret_env: IDRES_TEST_PRIVACY
"""
# Tables whose rows are compared before and after, and how a row belongs to the erased person.
BY_RECORD = {tables.STANDARDIZED_RECORDS: ("record_id",), tables.ORDERS: ("record_id",),
             tables.MATCH_PAIRS: ("record_l", "record_r")}
BY_CUSTOMER = (tables.IDENTITY_CROSSWALK, tables.CUSTOMER_PROFILES, tables.IDENTIFIER_INDEX,
               tables.SEGMENT_MEMBERSHIPS, tables.PARTNER_EXPORTS)
UNTOUCHED = (tables.RUN_METRICS, tables.MODEL_PARAMETERS)


# A person no accepted row holds: one magazine row without its subscriber id.
GHOST = {"first_name": "Greta", "last_name": "Ghostly", "email": "Greta.Ghostly@mail.example",
         "country": "FI"}


def add_keyless_rows(data: Path) -> None:
    """Appends to each registry a copy, without its subscriber id, of every row with an email
    (rejected as missing_key, their raw text kept), and to the magazine the GHOST's row."""
    for name in ("registry_magazine.csv", "registry_cable.csv"):
        path = data / name
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            fields, rows_ = list(reader.fieldnames or ()), list(reader)
        extra = [{**r, "subscriber_id": ""} for r in rows_ if r["email"] and None not in r]
        if name == "registry_magazine.csv":
            extra.append({**dict.fromkeys(fields, ""), **GHOST})
        with path.open("a", encoding="utf-8", newline="") as handle:
            csv.DictWriter(handle, fields, lineterminator="\n").writerows(extra)


@dataclass(frozen=True)
class Erasure:
    folder: Path
    warehouse: Path
    conf: Path  # no erasure_key: the first erasures' keys are unkeyed SHA-256
    keyed_conf: Path  # the same with an erasure_key, used from the erasure of GHOST on
    customer: str
    records: list[dict[str, Any]]  # the person's standardized records
    order_ids: set[tuple[str, str]]  # (orders source, order id) of their registry records
    exported: list[tuple[str, str, str]]  # (run_id, match_key, key_type) sent to alpha
    before: dict[str, list[dict[str, Any]]]
    after: dict[str, list[dict[str, Any]]]
    members_before: str  # alpha's members.csv of RUN_1 before the erasure
    output: str
    code: int


def rows(spark: SparkSession, warehouse: Path, table: str) -> list[dict[str, Any]]:
    frame = tables.read_table(spark, str(warehouse), table)
    assert frame is not None, table
    return [r.asDict(recursive=True) for r in frame.collect()]


def canonical(rows_: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows_)


def run(*argv: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli.main(list(argv))
    return code, buffer.getvalue()


@pytest.fixture(scope="module")
def erasure(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Erasure]:
    folder = tmp_path_factory.mktemp("privacy")
    data = folder / "data"
    generate_demo_data(data, persons=200, seed=3)
    add_keyless_rows(data)
    conf = write_config(folder, data)
    keyed_conf = folder / "keyed.yaml"
    (folder / "erasure.key").write_text(ERASURE_KEY + "\n", encoding="utf-8")
    keyed_conf.write_text(json.dumps({**json.loads(conf.read_text(encoding="utf-8")),
                                      "erasure_key": {"secret_file": "erasure.key"}}),
                          encoding="utf-8")
    (folder / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    (folder / "partners.yaml").write_text(PARTNERS, encoding="utf-8")
    warehouse = folder / "warehouse"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IDRES_TEST_PRIVACY", SECRET)
        assert run("run", "--conf", str(conf), "--run-date", RUN_1)[0] == cli.EXIT_OK
        names = [*BY_RECORD, *BY_CUSTOMER, *UNTOUCHED, tables.REJECTED_RECORDS,
                 tables.CUSTOMER_ID_EVENTS]
        before = {t: rows(spark, warehouse, t) for t in names}
        # The exported customer with the most records, a registry record among them.
        crosswalk = before[tables.IDENTITY_CROSSWALK]
        exported_ids = {r["customer_id"] for r in before[tables.PARTNER_EXPORTS]}
        sizes: dict[str, list[dict[str, Any]]] = {}
        for r in crosswalk:
            sizes.setdefault(r["customer_id"], []).append(r)
        customer = min((c for c in exported_ids
                        if any(r["source_kind"] == "registry" for r in sizes[c])),
                       key=lambda c: (-len(sizes[c]), c))
        members = {r["record_id"] for r in sizes[customer]}
        records = [r for r in before[tables.STANDARDIZED_RECORDS] if r["record_id"] in members]
        order_ids = {(r["source"], r["order_id"]) for r in before[tables.ORDERS]
                     if r["record_id"] in members}
        exported = sorted((r["run_id"], r["match_key"], r["key_type"])
                          for r in before[tables.PARTNER_EXPORTS] if r["customer_id"] == customer)
        registry = next(r for r in records if r["source_kind"] == "registry")
        members_file = warehouse / "exports" / "alpha" / RUN_1 / "members.csv"
        members_before = members_file.read_text(encoding="utf-8")
        code, output = run("erase", "--conf", str(conf), "--request-id", REQUEST,
                           "--subscriber", f"{registry['source']}:{registry['source_record_id']}")
        after = {t: rows(spark, warehouse, t) for t in names}
        yield Erasure(folder, warehouse, conf, keyed_conf, customer, records, order_ids,
                      exported, before, after, members_before, output, code)


def belongs(erasure: Erasure, table: str, row: dict[str, Any]) -> bool:
    records = {r["record_id"] for r in erasure.records}
    if table in BY_RECORD:
        return any(row[c] in records for c in BY_RECORD[table])
    if table in BY_CUSTOMER:
        return row["customer_id"] == erasure.customer
    if table == tables.REJECTED_RECORDS:
        orders = {f"{s}/{o}" for s, o in erasure.order_ids}
        return (f"{row['source']}/{row['source_record_id']}" in records | orders
                or holds_identifier(erasure, row["raw"]))
    return False


def person_identifiers(erasure: Erasure) -> list[tuple[str, str]]:
    """(identifier_type, identifier_value) the index held for the erased customer."""
    return sorted({(r["identifier_type"], r["identifier_value"])
                   for r in erasure.before[tables.IDENTIFIER_INDEX]
                   if r["customer_id"] == erasure.customer})


def holds_identifier(erasure: Erasure, raw: str | None) -> bool:
    """Whether a rejected row's raw text shows one of the person's emails (or its hash) or
    phones (international or national, in digit groups or not)."""
    if raw is None:
        return False
    text = raw.lower()
    emails = {r["email"] for r in erasure.records if r.get("email")}
    hashes = {v for t, v in person_identifiers(erasure) if t == "email_sha256"}
    phones = [phonenumbers.parse(v) for t, v in person_identifiers(erasure) if t == "phone"]
    numbers = re.findall(r"[+]?[0-9]+", re.sub(r"(?<=[0-9])[ ().-]+(?=[0-9])", "", text))
    international = {f"+{p.country_code}{p.national_number}" for p in phones}
    national = {str(p.national_number) for p in phones}
    return (any(e in text for e in emails) or any(h in text for h in hashes)
            or any(n in international or n.lstrip("0") in national
                   or (n.startswith("00") and f"+{n[2:]}" in international) for n in numbers))


def test_erase_removes_the_customer_and_nothing_else(erasure: Erasure) -> None:
    assert erasure.code == cli.EXIT_OK
    assert len(erasure.records) >= 2 and erasure.exported
    for table in [*BY_RECORD, *BY_CUSTOMER, *UNTOUCHED, tables.REJECTED_RECORDS]:
        expected = [r for r in erasure.before[table] if not belongs(erasure, table, r)]
        assert canonical(erasure.after[table]) == canonical(expected), table
    # The person's rows were there to remove in every table that holds a person's rows.
    for table in [*BY_RECORD, *BY_CUSTOMER]:
        assert any(belongs(erasure, table, r) for r in erasure.before[table]), table
    erased_event = {"event": "erased", "customer_id": erasure.customer,
                    "other_customer_id": None, "records": len(erasure.records),
                    "run_id": REQUEST}
    assert canonical(erasure.after[tables.CUSTOMER_ID_EVENTS]) == canonical(
        [*erasure.before[tables.CUSTOMER_ID_EVENTS], erased_event])
    assert f"{len(erasure.records)} records, {len(erasure.order_ids)} orders" in erasure.output
    assert "warning: no erasure_key is configured" in erasure.output
    # Rows without their key that showed the person's email or phone were there, and went.
    assert any(r["source_record_id"] is None and holds_identifier(erasure, r["raw"])
               for r in erasure.before[tables.REJECTED_RECORDS])


def test_the_erasure_keeps_hashes_of_record_ids_only(spark: SparkSession,
                                                     erasure: Erasure) -> None:
    stored = rows(spark, erasure.warehouse, tables.ERASURES)
    ids = [r["record_id"] for r in erasure.records] + [f"{s}/{o}" for s, o in erasure.order_ids]
    # Per identifier of theirs, the SHA-256 of its kind and value: what finds their rows in
    # rejected raw text.
    others = {(r["identifier_type"], r["identifier_value"])
              for r in erasure.before[tables.IDENTIFIER_INDEX]
              if r["customer_id"] != erasure.customer}
    for kind, value in person_identifiers(erasure):
        if kind == "email_sha256":
            ids.append(f"email_sha256:{value}")
            if (kind, value) not in others:  # theirs alone: new records showing it are theirs
                ids.append(f"erased_email_sha256:{value}")
        elif kind == "phone":
            number = phonenumbers.parse(value)
            ids += [f"phone:{value}", f"phone_national:{number.national_number}"]
        elif kind in ("handle", "cookie"):
            ids.append(f"token:{value.partition(':')[2] if kind == 'handle' else value.lower()}")
    assert any(i.startswith("email_sha256:") for i in ids)
    assert any(i.startswith("erased_email_sha256:") for i in ids)
    assert sorted((r["record_key"], r["customer_id"], r["run_id"])
                  for r in stored if r["run_id"] == REQUEST) == sorted(
        (hashlib.sha256(i.encode()).hexdigest(), erasure.customer, REQUEST) for i in ids)


def test_the_erased_keys_are_listed_when_few_and_a_frame_when_many(
        spark: SparkSession, erasure: Erasure) -> None:
    from jobs.privacy import erased_record_keys

    stored = sorted({r["record_key"] for r in rows(spark, erasure.warehouse, tables.ERASURES)})
    assert len(stored) > 1
    few = erased_record_keys(spark, str(erasure.warehouse))
    assert few.frame is None and list(few.listed) == stored
    many = erased_record_keys(spark, str(erasure.warehouse), max_listed=len(stored) - 1)
    assert many.listed == () and many.frame is not None
    assert sorted(r["record_key"] for r in many.frame.collect()) == stored
    many.release()


def personal_values(erasure: Erasure) -> set[str]:
    """The person's identifying values: record ids, keys, email, hashes, phone."""
    values: set[str] = set()
    for r in erasure.records:
        values |= {r["record_id"], r["source_record_id"]}
        values |= {r[c] for c in ("email", "email_sha256", "phone_e164") if r.get(c)}
    values |= {o for _s, o in erasure.order_ids}
    values |= {key for _run, key, _kind in erasure.exported}
    return values


def test_no_file_in_the_warehouse_holds_the_person(erasure: Erasure) -> None:
    """Every file on disk, in use by a table or not: data files, transaction logs, partner
    files and reports. The customer id stays only where the erasure is recorded, the match
    keys only in the notice telling the partner to delete them."""
    values = personal_values(erasure)
    keys = {key for _run, key, _kind in erasure.exported}
    assert len(values) >= 4
    checked = 0
    for path in sorted(erasure.warehouse.rglob("*")):
        if not path.is_file() or path.suffix == ".crc":
            continue
        table = path.relative_to(erasure.warehouse).parts[0]
        wanted = set(values)
        if table not in (tables.ERASURES, tables.CUSTOMER_ID_EVENTS):
            wanted.add(erasure.customer)
        if path.parent.name == REQUEST:
            wanted -= keys
        if path.suffix == ".parquet":
            cells = [str(v) for column in pq.read_table(path).to_pylist() for v in column.values()]
            text = "\n".join(cells)
        else:
            text = path.read_text(encoding="utf-8")
            # Column statistics would keep some file's smallest and largest values (a record
            # id, a name) in the log, where VACUUM does not reach.
            assert "minValues" not in text and "maxValues" not in text, str(path)
        found = sorted(v for v in wanted if v in text)
        assert not found, (str(path), len(found))
        checked += 1
    assert checked > 50


def test_the_partner_is_told_and_its_files_rewritten(erasure: Erasure) -> None:
    root = erasure.warehouse / "exports" / "alpha"
    with (root / REQUEST / "withdrawals.csv").open(encoding="utf-8", newline="") as handle:
        notice = list(csv.reader(handle))
    assert notice == [["match_key", "key_type", "reason"]] + sorted(
        [key, kind, "erased"] for _run, key, kind in erasure.exported)
    erased_keys = {key for _run, key, _kind in erasure.exported}
    lines = erasure.members_before.splitlines(keepends=True)
    expected = [lines[0]] + [line for line in lines[1:] if line.split(",")[1] not in erased_keys]
    members = (root / RUN_1 / "members.csv").read_text(encoding="utf-8")
    assert members == "".join(expected) and len(expected) < len(lines)
    manifest = json.loads((root / RUN_1 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["erasures"] == [REQUEST]
    assert manifest["files"]["members.csv"]["sha256"] == hashlib.sha256(
        members.encode("utf-8")).hexdigest()
    assert manifest["segments"]["everyone"]["match_keys"] == len(expected) - 1


def test_lookups_no_longer_find_the_customer(erasure: Erasure) -> None:
    registry = next(r for r in erasure.records if r["source_kind"] == "registry")
    subscriber = f"{registry['source']}:{registry['source_record_id']}"
    assert lookup(str(erasure.warehouse), "subscriber", subscriber) == []
    if registry.get("email"):
        assert lookup(str(erasure.warehouse), "email", registry["email"]) == []


def test_erasing_again_finds_nobody(erasure: Erasure) -> None:
    registry = next(r for r in erasure.records if r["source_kind"] == "registry")
    code, _ = run("erase", "--conf", str(erasure.conf), "--subscriber",
                  f"{registry['source']}:{registry['source_record_id']}")
    assert code == cli.EXIT_FAILED
    # By customer id (which also completes an interrupted erasure): said to be done already.
    code, output = run("erase", "--conf", str(erasure.conf), "--request-id", "again",
                       "--customer-id", erasure.customer)
    assert (code, output) == (cli.EXIT_OK, f"Erasure again: customer {erasure.customer} was "
                              f"erased before (erasure {REQUEST}); nothing of theirs was left "
                              "to remove\n")
    # A subscriber of no registry source is bad input, not nobody found.
    for command in ("lookup", "erase"):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code, _ = run(command, "--conf", str(erasure.conf), "--subscriber", "nosuch:M1")
        assert (code, err.getvalue().splitlines()[-1]) == (
            cli.EXIT_BAD_INPUT, f"{command}{' error' if command == 'lookup' else ''}: "
            "--subscriber: 'nosuch' is no registry source of the configuration (cable, "
            "magazine)"), command
    # Nothing of an erased record is left to explain: said so, with the erasure.
    other = next(r["record_id"] for r in erasure.after[tables.STANDARDIZED_RECORDS])
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code, _ = run("explain", registry["record_id"], other, "--conf", str(erasure.conf))
    assert (code, err.getvalue()) == (cli.EXIT_BAD_INPUT, f"explain: {registry['record_id']!r} "
                                      f"was erased (erasure {REQUEST})\n")


def test_a_later_run_rejects_the_erased_records_without_their_rows(
        spark: SparkSession, erasure: Erasure, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sources still hold the person: ingest rejects their rows as erased, keeping none
    of their values, and every row is still accounted for (the stage checks it). The keys
    are joined as a frame, as many would be: the later runs of the tests below list their few
    keys in the query (both ways match alike: test_ingest's erased-records test)."""
    from jobs import pipeline, privacy

    held: list[privacy.ErasedKeys] = []

    def erased_keys(*args: Any) -> privacy.ErasedKeys:
        keys = privacy.erased_record_keys(*args, max_listed=0)
        held.append(keys)
        return keys

    monkeypatch.setattr(pipeline, "erased_record_keys", erased_keys)
    code, _ = run("ingest", "--conf", str(erasure.conf), "--run-date", RUN_2)
    assert [keys.frame is not None for keys in held] == [True]
    assert code == cli.EXIT_OK
    rejected = tables.read_table(spark, str(erasure.warehouse), tables.REJECTED_RECORDS)
    assert rejected is not None
    erased = [tuple(r) for r in rejected.where(
        (F.col("run_id") == RUN_2) & (F.col("reason") == "erased")).select(
        "source", "source_record_id", "column", "raw").collect()]
    expected = [(r["source"], None, None, None) for r in erasure.records]
    expected += [(s, None, None, None) for s, _o in erasure.order_ids]
    # Rows rejected for another reason (no key) whose raw text shows the person's identifiers.
    expected += [(r["source"], None, None, None) for r in erasure.before[tables.REJECTED_RECORDS]
                 if r["run_id"] == RUN_1 and belongs(erasure, tables.REJECTED_RECORDS, r)]
    assert len(expected) > len(erasure.records) + len(erasure.order_ids)
    assert sorted(erased) == sorted(expected)
    records = tables.read_table(spark, str(erasure.warehouse), tables.STANDARDIZED_RECORDS)
    assert records is not None
    kept = {r["record_id"] for r in records.where(F.col("run_id") == RUN_2).collect()}
    assert kept == {r["record_id"] for r in erasure.after[tables.STANDARDIZED_RECORDS]}


def test_an_interrupted_erasure_is_completed_by_its_customer_id(
        spark: SparkSession, erasure: Erasure, monkeypatch: pytest.MonkeyPatch) -> None:
    """An erasure that stopped after its deletes, before the vacuum, no longer finds the
    customer by identifier: `erase --customer-id` finds it in `erasures` and finishes."""
    from jobs import privacy

    crosswalk = rows(spark, erasure.warehouse, tables.IDENTITY_CROSSWALK)
    sizes: dict[str, set[str]] = {}
    for r in crosswalk:
        sizes.setdefault(r["customer_id"], set()).add(r["record_id"])
    customer = min((c for c, ids in sizes.items() if len(ids) >= 2),
                   key=lambda c: (-len(sizes[c]), c))
    records = sizes[customer]

    def crash(*_args: object) -> int:
        raise RuntimeError("simulated crash before the vacuum")

    monkeypatch.setattr(privacy, "vacuum_tables", crash)
    assert run("erase", "--conf", str(erasure.conf), "--customer-id", customer)[0] \
        == cli.EXIT_FAILED
    monkeypatch.undo()

    def files_naming_the_records() -> list[str]:
        found = []
        for path in erasure.warehouse.glob(f"{tables.STANDARDIZED_RECORDS}/*.parquet"):
            if records & set(pq.read_table(path, columns=["record_id"])["record_id"]
                             .to_pylist()):
                found.append(path.name)
        return found

    assert files_naming_the_records()  # the old versions' files are still there
    code, output = run("erase", "--conf", str(erasure.conf), "--customer-id", customer)
    assert code == cli.EXIT_OK and customer in output
    assert files_naming_the_records() == []
    for table in [*BY_RECORD, *BY_CUSTOMER]:
        left = [r for r in rows(spark, erasure.warehouse, table)
                if r.get("customer_id") == customer
                or any(r.get(c) in records for c in BY_RECORD.get(table, ()))]
        assert left == [], table


def test_a_national_phone_that_fits_several_countries_needs_its_country() -> None:
    from jobs.lookup import Identifier, LookupError_, normalize_identifier

    # 040 5999677: a Finnish mobile and a Hamburg landline.
    with pytest.raises(LookupError_, match=r"fits several countries \(FI, DE, SE, NL\); give its "
                                           r"country code \(\+358 \.\.\.\) or --country"):
        normalize_identifier("phone", "040 5999677")
    assert normalize_identifier("phone", "040 5999677", country="fi") == Identifier(
        "phone", ("+358405999677",))
    assert normalize_identifier("phone", "040 5999677", country="DE") == Identifier(
        "phone", ("+49405999677",))
    assert normalize_identifier("phone", "+358 40 599 9677") == Identifier(
        "phone", ("+358405999677",))
    assert normalize_identifier("phone", "+358 40 599 9677", country="DE") == Identifier(
        "phone", ("+358405999677",))
    with pytest.raises(LookupError_, match="not a valid phone number in FI"):
        normalize_identifier("phone", "12", country="FI")
    # The country by its name too, as a source's default_country; one unknown is said so.
    assert normalize_identifier("phone", "040 5999677", country="Finland") == Identifier(
        "phone", ("+358405999677",))
    with pytest.raises(LookupError_) as raised:
        normalize_identifier("phone", "040 5999677", country="XX")
    assert str(raised.value) == ("--country: 'XX' is no country known by that code or name "
                                 "(expected its ISO code, such as FI)")
    # A country code given with too few digits after it: said so, not "give its country code".
    with pytest.raises(LookupError_, match="not a valid phone number after its country code"):
        normalize_identifier("phone", "+358")


def test_an_email_pasted_with_decomposed_accents_finds_the_one_stored() -> None:
    import hashlib

    from jobs.lookup import Identifier, normalize_identifier

    # As standardizing stores it: NFKC, no spaces, lower case.
    stored = hashlib.sha256("élina.mäki@mail.example".encode()).hexdigest()
    for pasted in ("E\u0301lina.Ma\u0308ki@Mail.Example", " mailto:élina.mäki@mail.example "):
        assert normalize_identifier("email", pasted) == Identifier("email_sha256", (stored,))


def test_a_person_only_rejected_rows_hold_is_erased_from_them(
        spark: SparkSession, erasure: Erasure) -> None:
    """A person none of whose rows was accepted has no customer id: `erase --email` finds the
    rejected rows showing the email, removes them and keeps the email's key (a hash), so that
    later runs keep no raw text of such a row.

    This erasure is the first made with an erasure key configured: its keys are keyed, and the
    unkeyed keys of the erasures before it still work (the later run rejects their records)."""
    email = GHOST["email"]

    def rejected() -> list[dict[str, Any]]:
        return rows(spark, erasure.warehouse, tables.REJECTED_RECORDS)

    assert run("ingest", "--conf", str(erasure.conf), "--run-date", "2026-11-24")[0] \
        == cli.EXIT_OK
    before = rejected()
    ghostly = [r for r in before if r["raw"] and email.lower() in r["raw"].lower()]
    assert ghostly and all(r["reason"] == "missing_key" for r in ghostly)
    code, output = run("erase", "--conf", str(erasure.keyed_conf), "--request-id",
                       "erase-ghost", "--email", email.upper())
    assert code == cli.EXIT_OK, output
    assert "warning" not in output
    assert f"no customer holds that email; {len(ghostly)} rejected row(s) did" in output
    assert canonical(rejected()) == canonical([r for r in before if r not in ghostly])
    hashed = hashlib.sha256(email.lower().encode()).hexdigest()
    key_id = hmac.new(ERASURE_KEY.encode(), b"idres erasure key id",
                      hashlib.sha256).hexdigest()[:8]
    keys = [f"hmac-{key_id}:" + hmac.new(ERASURE_KEY.encode(), f"{kind}:{hashed}".encode(),
                                         hashlib.sha256).hexdigest()
            for kind in ("email_sha256", "erased_email_sha256")]
    assert sorted((r["record_key"], r["customer_id"]) for r in rows(
        spark, erasure.warehouse, tables.ERASURES) if r["run_id"] == "erase-ghost") == sorted(
        (key, None) for key in keys)
    for path in erasure.warehouse.rglob("*"):
        if path.is_file() and path.suffix != ".crc":
            content = path.read_bytes()
            assert b"ghostly" not in content.lower() and hashed.encode() not in content, path

    # The source still holds the row: a later run rejects it as erased, with no raw text.
    assert run("ingest", "--conf", str(erasure.keyed_conf), "--run-date", "2026-11-25")[0] \
        == cli.EXIT_OK

    def of_run(found: list[dict[str, Any]], run_id: str) -> list[tuple[Any, ...]]:
        return sorted((r["source"], r["source_record_id"] or "", r["reason"], r["column"] or "",
                       r["raw"] or "") for r in found if r["run_id"] == run_id)

    # The same rows as the run before the erasure (the records erased before the key was
    # configured among them, still rejected as erased), the GHOST's now erased.
    earlier = of_run(before, "2026-11-24")
    ghost_before = [r for r in earlier if "ghostly" in r[4].lower()]
    assert len(ghost_before) == 1
    assert of_run(rejected(), "2026-11-25") == sorted(
        [r for r in earlier if r not in ghost_before] + [("magazine", "", "erased", "", "")])
    assert any(r[2] == "erased" for r in earlier)
    assert run("erase", "--conf", str(erasure.keyed_conf), "--email", email)[0] \
        == cli.EXIT_FAILED


def test_keys_made_with_another_erasure_key_stop_the_job_before_spark(
        erasure: Erasure, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Once keys were made with an erasure key, a run without it, or with another, would let
    the erased people back: it stops before Spark starts (exit 2), saying why."""
    from jobs import spark as spark_module

    def no_spark(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Spark was started")

    from jobs.erasure_keys import stored_key_ids

    # The keyed erasure of GHOST (test_a_person_only_rejected_rows_hold_is_erased_from_them,
    # earlier in this file) made the keys this test needs: said so when it is run alone.
    key_id = hmac.new(ERASURE_KEY.encode(), b"idres erasure key id",
                      hashlib.sha256).hexdigest()[:8]
    assert key_id in stored_key_ids(str(erasure.warehouse)), \
        "run test_a_person_only_rejected_rows_hold_is_erased_from_them before this test"
    monkeypatch.setattr(spark_module, "get_spark", no_spark)
    monkeypatch.setenv("IDRES_TEST_PRIVACY", SECRET)  # run reads the partner's secret first
    other = tmp_path / "other.yaml"
    (tmp_path / "other.key").write_text("another-key-0123456789abcdef0123456789", "utf-8")
    other.write_text(json.dumps({**json.loads(erasure.conf.read_text(encoding="utf-8")),
                                 "erasure_key": {"secret_file": "other.key"}}), "utf-8")
    for conf, configured in ((erasure.conf, "no erasure_key is configured"),
                             (other, "the configured erasure_key's id is ")):
        for command in (["run", "--run-date", "2026-11-27"], ["ingest", "--run-date",
                        "2026-11-27"], ["erase", "--customer-id", erasure.customer]):
            assert cli.main([command[0], "--conf", str(conf), *command[1:]]) \
                == cli.EXIT_BAD_INPUT, (conf, command)
            message = capsys.readouterr().err
            assert f"holds keys made with the erasure key of id {key_id}, and {configured}" \
                in message, message
    (tmp_path / "short.key").write_text("short", "utf-8")
    other.write_text(json.dumps({**json.loads(erasure.conf.read_text(encoding="utf-8")),
                                 "erasure_key": {"secret_file": "short.key"}}), "utf-8")
    assert cli.main(["ingest", "--conf", str(other)]) == cli.EXIT_BAD_INPUT
    short = (f"{other}: `erasure_key`: secret file {tmp_path / 'short.key'} holds fewer than "
             "32 characters")
    assert short in capsys.readouterr().err
    # explain of an erased record cannot tell it was erased without the key: it says so.
    registry = next(r["record_id"] for r in erasure.records if r["source_kind"] == "registry")
    other_record = erasure.after[tables.STANDARDIZED_RECORDS][0]["record_id"]
    assert cli.main(["explain", registry, other_record, "--conf", str(other)]) \
        == cli.EXIT_BAD_INPUT
    assert capsys.readouterr().err == (
        f"explain: no standardized record {registry!r}: the last run accepted no row of that id "
        f"(a row it refused is in rejected_records); whether it was erased cannot be told: "
        f"{short}\n")


def test_the_keys_are_checked_as_spark_reads_them_where_delta_rs_cannot(
        spark: SparkSession, erasure: Erasure, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check before Spark starts reads the erasures table with delta-rs, which may not
    reach a remote warehouse: ingest then reads the keys' ids with Spark, and still matches
    both kinds of key, or stops on keys of another secret."""
    from jobs import erasure_keys
    from jobs.erasure_keys import UNKEYED, ErasureKeyError, ErasureKeying
    from jobs.privacy import erased_record_keys

    monkeypatch.setattr(erasure_keys, "stored_key_ids", lambda _warehouse: set())
    keyed = ErasureKeying(ERASURE_KEY.encode())
    found = erased_record_keys(spark, str(erasure.warehouse), keyed)
    stored = {r["record_key"] for r in rows(spark, erasure.warehouse, tables.ERASURES)}
    assert found.keyings == (UNKEYED, keyed) and set(found.listed) == stored
    with pytest.raises(ErasureKeyError, match="no erasure_key is configured"):
        erased_record_keys(spark, str(erasure.warehouse), UNKEYED)


def test_a_new_record_showing_the_erased_persons_own_email_is_kept_out(
        spark: SparkSession, erasure: Erasure) -> None:
    """A web profile that arrives after the erasure with the erased person's email (as its
    hash) is theirs: rejected as erased, not made a customer again."""
    email = next(r["email"] for r in erasure.records if r.get("email"))
    web = next(Path(s["path"]) for s in json.loads(erasure.conf.read_text(encoding="utf-8"))[
        "sources"] if s["name"] == "web")
    with web.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"profile_id": "after-erasure-1", "email_sha256": hashlib.sha256(
            email.encode()).hexdigest(), "first_name": "Someone"}) + "\n")
    assert run("ingest", "--conf", str(erasure.keyed_conf), "--run-date", "2026-11-26")[0] \
        == cli.EXIT_OK
    records = tables.read_table(spark, str(erasure.warehouse), tables.STANDARDIZED_RECORDS)
    assert records is not None
    assert records.where(F.col("source_record_id") == "after-erasure-1").isEmpty()
    rejected = tables.read_table(spark, str(erasure.warehouse), tables.REJECTED_RECORDS)
    assert rejected is not None
    erased = {r["source"]: r["n"] for r in rejected.where(
        F.col("reason") == "erased").groupBy("source", "run_id").agg(
        F.count("*").alias("n")).where(F.col("run_id") == "2026-11-26").collect()}
    earlier = {r["source"]: r["n"] for r in rejected.where(
        F.col("reason") == "erased").groupBy("source", "run_id").agg(
        F.count("*").alias("n")).where(F.col("run_id") == "2026-11-25").collect()}
    assert erased == {**earlier, "web": earlier.get("web", 0) + 1}


def test_an_email_that_is_no_email_is_refused() -> None:
    from jobs.lookup import LookupError_, normalize_identifier

    for text in ("not-an-email", "a@b@c", "@x.fi", "anna@"):
        with pytest.raises(LookupError_, match="--email: not an email address"):
            normalize_identifier("email", text)
    assert normalize_identifier("email", " mailto:Anna@X.fi ").values == (
        hashlib.sha256(b"anna@x.fi").hexdigest(),)
