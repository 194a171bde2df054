"""The demo data generator, checked without Spark: reproducible files, a ground truth that names
exactly the rows ingest accepts, deliberate defects in every file, and realistic noise.

`accepted_and_rejected` below restates jobs/ingest.py's rules in plain Python; the end-to-end test
runs the real ingest on the same kind of data.
"""

from __future__ import annotations

import csv
import hashlib
import ipaddress
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from jobs import demo_data
from jobs.demo_data import (
    ONLINE_DEFECTS,
    ORDERS_DEFECTS,
    PLACEHOLDER_EMAIL,
    PLACEHOLDER_PHONE,
    PUBLIC_WIFI,
    REGISTRY_DEFECTS,
    SOCIAL_DEFECTS,
    VALUE_DEFECTS,
    generate_demo_data,
)
from jobs.normalize import e164 as _e164_one
from jobs.schemas import source_schema

PERSONS = 2000
REPO = Path(__file__).resolve().parent.parent
FILES = ("registry_magazine.csv", "orders_magazine.csv", "registry_cable.csv", "orders_cable.csv",
         "online_profiles.jsonl", "social_accounts.jsonl", "ground_truth.csv")
# (file, kind, source name in the ground truth, defect kinds)
SOURCES = (
    ("registry_magazine.csv", "registry", "magazine", REGISTRY_DEFECTS),
    ("registry_cable.csv", "registry", "cable", REGISTRY_DEFECTS),
    ("online_profiles.jsonl", "online", "web", ONLINE_DEFECTS),
    ("social_accounts.jsonl", "social", "social", SOCIAL_DEFECTS),
)
ORDERS = (("orders_magazine.csv", "registry_magazine.csv"),
          ("orders_cable.csv", "registry_cable.csv"))
# parse_date's numeric patterns (the demo writes no month names).
DATE_PATTERNS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y%m%d", "%Y/%m/%d",
                 "%Y.%m.%d")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    files = generate_demo_data(folder, persons=PERSONS, seed=11)
    assert files.ground_truth == folder / "ground_truth.csv"
    assert files.registries["magazine"] == folder / "registry_magazine.csv"
    assert files.orders["cable"] == folder / "orders_cable.csv"
    assert (files.online, files.social) == (folder / "online_profiles.jsonl",
                                            folder / "social_accounts.jsonl")
    return folder


# --- a plain-Python restatement of the ingest rules ---------------------------------------------

@dataclass
class Checked:
    accepted: dict[str, dict[str, object]]  # source_record_id -> row, dropped values removed
    rejected: Counter[str]  # reason -> rows
    dropped: Counter[str]  # reason -> values dropped from accepted rows


def read_rows(path: Path) -> list[dict[str, object] | None]:
    """Returns the file's records; None for a record that does not parse."""
    rows: list[dict[str, object] | None] = []
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            for fields in reader:
                rows.append(dict(zip(header, fields, strict=True))
                            if len(fields) == len(header) else None)
        return rows
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            rows.append(None)
    return rows


def text(value: object) -> str:
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, bool) else str(value).strip()


def parse_date(value: str) -> date | None:
    for pattern in DATE_PATTERNS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def converts(value: str, data_type: str) -> bool:
    try:
        if data_type == "timestamp":
            datetime.fromisoformat(value)
        elif data_type == "date":
            date.fromisoformat(value)
        elif data_type == "int":
            return int(value) >= 0
        elif data_type.startswith("decimal"):
            Decimal(value)
        elif data_type == "boolean":
            return value.lower() in ("true", "false")
    except (ValueError, InvalidOperation):
        return False
    return True


def problems(row: dict[str, object] | None, kind: str) -> tuple[str | None, list[tuple[str, str]]]:
    """Returns (the reason ingest would reject the row for, or None; the (column, reason) of
    each value it would drop instead), in ingest's order. Only a person's record drops values:
    an order with a bad value is rejected."""
    if row is None:
        return "unparseable_row", []
    schema = source_schema(kind)
    if any(text(row.get(key)) == "" for key in schema.required):
        return "missing_key", []
    bad: list[tuple[str, str]] = []
    for column, data_type in schema.columns:
        value = text(row.get(column))
        if data_type not in ("string", "array<string>") and value and not converts(
                value, data_type):
            bad.append((column, f"invalid_{column}"))
    born = text(row.get("birth_date"))
    if born:
        parsed = parse_date(born)
        if parsed is None:
            bad.append(("birth_date", "invalid_birth_date"))
        elif not 1890 <= parsed.year <= 2026:
            bad.append(("birth_date", "impossible_birth_date"))
    if kind == "orders":
        return (bad[0][1] if bad else None), []
    return None, bad


def record_id(row: dict[str, object], kind: str) -> str:
    if kind == "social":
        return f"{text(row['platform'])}:{text(row['handle'])}"
    return text(row[source_schema(kind).key[0]])


def accepted_and_rejected(path: Path, kind: str, known_subscribers: Iterable[str] = ()
                          ) -> Checked:
    recency = {"registry": "updated_at", "online": "last_seen", "social": "last_active"}.get(kind)
    rejected: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    by_key: dict[str, list[tuple[dict[str, object], list[str]]]] = defaultdict(list)
    for row in read_rows(path):
        reason, bad = problems(row, kind)
        if reason:
            rejected[reason] += 1
        else:
            assert row is not None
            kept = {c: (None if any(c == b for b, _ in bad) else v) for c, v in row.items()}
            by_key[record_id(row, kind)].append((kept, [r for _, r in bad]))
    accepted = {}
    for key, rows in by_key.items():
        rows.sort(key=lambda r: text(r[0][recency]) if recency else "", reverse=True)
        if recency and len(rows) > 1:
            assert text(rows[0][0][recency]) > text(rows[1][0][recency]), \
                "a tie keeps an arbitrary row"
        accepted[key] = rows[0][0]
        dropped.update(rows[0][1])
        rejected["duplicate_key"] += len(rows) - 1
    if kind == "orders":
        known = set(known_subscribers)
        for key in [k for k, r in accepted.items() if text(r["subscriber_id"]) not in known]:
            del accepted[key]
            rejected["unknown_subscriber"] += 1
    return Checked(accepted, rejected, dropped)


def ground_truth(folder: Path) -> dict[str, dict[str, str]]:
    """Returns source -> source_record_id -> person_id."""
    truth: dict[str, dict[str, str]] = defaultdict(dict)
    with (folder / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            assert row["source_record_id"] not in truth[row["source"]], row
            truth[row["source"]][row["source_record_id"]] = row["person_id"]
    return truth


# --- tests ---------------------------------------------------------------------------------------

def generate_in_subprocess(out: Path, hash_seed: str, seed: int = 5) -> None:
    """Generates in a fresh interpreter, so that string hashing is randomized differently."""
    code = ("import sys; from jobs.demo_data import generate_demo_data; "
            "generate_demo_data(sys.argv[1], persons=300, seed=int(sys.argv[2]))")
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    subprocess.run([sys.executable, "-c", code, str(out), str(seed)], cwd=REPO, env=env,
                   check=True)


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    generate_in_subprocess(tmp_path / "a", hash_seed="1")
    generate_in_subprocess(tmp_path / "b", hash_seed="2")
    generate_demo_data(tmp_path / "c", persons=300, seed=5)
    for name in FILES:
        first = (tmp_path / "a" / name).read_bytes()
        assert first, name
        assert first == (tmp_path / "b" / name).read_bytes(), name
        assert first == (tmp_path / "c" / name).read_bytes(), name


def test_another_seed_gives_other_files(tmp_path: Path) -> None:
    generate_demo_data(tmp_path / "a", persons=300, seed=5)
    generate_demo_data(tmp_path / "b", persons=300, seed=6)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes(), name


def test_too_small_a_population_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="persons"):
        generate_demo_data(tmp_path, persons=10)
    with pytest.raises(ValueError, match="name_variety"):
        generate_demo_data(tmp_path, persons=300, name_variety=0)


def _full_names(folder: Path) -> list[tuple[str, str]]:
    with (folder / "registry_magazine.csv").open(encoding="utf-8", newline="") as f:
        return [(r["first_name"], r["last_name"]) for r in csv.DictReader(f)
                if r["first_name"] and r["last_name"]]


def test_varied_names_make_namesakes_rare_and_stay_reproducible(tmp_path: Path) -> None:
    generate_demo_data(tmp_path / "short", persons=2000, seed=5)
    generate_demo_data(tmp_path / "varied", persons=2000, seed=5, name_variety=20)
    generate_demo_data(tmp_path / "again", persons=2000, seed=5, name_variety=20)
    short, varied = _full_names(tmp_path / "short"), _full_names(tmp_path / "varied")
    # Share of records whose full name another record of the register also carries (the
    # register holds a person once, households aside: these are mostly namesakes).
    def shared(names: list[tuple[str, str]]) -> float:
        counts = Counter(names)
        return sum(1 for n in names if counts[n] > 1) / len(names)

    assert len({last for _, last in varied}) > 3 * len({last for _, last in short})
    assert shared(varied) < shared(short) / 3
    for name in FILES:
        assert (tmp_path / "varied" / name).read_bytes() == \
            (tmp_path / "again" / name).read_bytes(), name


def test_files_hold_exactly_the_contract_columns(data: Path) -> None:
    for file, kind in (*((f, k) for f, k, _, _ in SOURCES), ("orders_magazine.csv", "orders")):
        expected = source_schema(kind).column_names
        if file.endswith(".csv"):
            with (data / file).open(encoding="utf-8") as handle:
                assert next(csv.reader(handle)) == expected, file
        else:
            keys = {tuple(row) for row in read_rows(data / file) if row is not None}
            assert keys == {tuple(expected)}, file


def test_ground_truth_names_exactly_the_rows_ingest_accepts(data: Path) -> None:
    truth = ground_truth(data)
    assert set(truth) == {"magazine", "cable", "web", "social"}
    for file, kind, source, defects in SOURCES:
        checked = accepted_and_rejected(data / file, kind)
        assert set(checked.accepted) == set(truth[source]), file
        # Every kind of defect, each rejected or its value dropped for the reason it is named
        # after, and no others.
        assert set(checked.rejected) == set(defects) - VALUE_DEFECTS, file
        assert set(checked.dropped) == set(defects) & VALUE_DEFECTS, file
        defective = sum(checked.rejected.values()) + sum(checked.dropped.values())
        rows = len(checked.accepted) + sum(checked.rejected.values())
        assert defective >= max(2, round(0.002 * rows)), file
        assert defective <= 0.01 * rows + len(defects), file


def test_orders_are_of_accepted_subscribers_except_the_defects(data: Path) -> None:
    for orders_file, registry_file in ORDERS:
        subscribers = accepted_and_rejected(data / registry_file, "registry").accepted
        checked = accepted_and_rejected(data / orders_file, "orders", subscribers)
        assert set(checked.rejected) == set(ORDERS_DEFECTS), orders_file
        assert len(checked.accepted) > len(subscribers), "several orders for many subscribers"
        for order in checked.accepted.values():
            assert order["currency"] == "EUR"
            assert date(2024, 11, 1) <= date.fromisoformat(str(order["order_date"])) < date(
                2026, 11, 1)
            assert Decimal(str(order["amount"])) > 0


def test_every_person_is_in_some_source_and_sources_overlap_as_declared(data: Path) -> None:
    truth = ground_truth(data)
    persons_by_source = {source: set(ids.values()) for source, ids in truth.items()}
    everyone = set().union(*persons_by_source.values())
    assert everyone == {f"P{n:06d}" for n in range(1, PERSONS + 1)}
    sources_of: dict[str, set[str]] = defaultdict(set)
    for source, persons in persons_by_source.items():
        for person in persons:
            sources_of[person].add(source)
    for source, share in demo_data.SOURCE_SHARES.items():
        persons = persons_by_source[source]
        assert abs(len(persons) / PERSONS - share) < 0.04, source
        strangers = sum(sources_of[p] == {source} for p in persons) / len(persons)
        assert abs(strangers - demo_data.STRANGER_SHARE) < 0.05, source
    # Some persons are found in three or four sources, and some magazine readers twice.
    assert sum(len(s) >= 3 for s in sources_of.values()) > 0.02 * PERSONS
    twice = Counter(truth["magazine"].values())
    assert 0.015 < sum(c == 2 for c in twice.values()) / len(twice) < 0.05
    # Several devices of one person are separate profiles.
    devices = Counter(truth["web"].values())
    assert any(count >= 3 for count in devices.values())


def test_online_hashes_are_registry_emails_of_the_same_person(data: Path) -> None:
    truth = ground_truth(data)
    emails: dict[str, set[str]] = defaultdict(set)
    for file, kind, source, _ in SOURCES[:2]:
        for record_id, row in accepted_and_rejected(data / file, kind).accepted.items():
            email = text(row["email"]).lower()
            if email and email != PLACEHOLDER_EMAIL:
                emails[truth[source][record_id]].add(email)
    profiles = accepted_and_rejected(data / "online_profiles.jsonl", "online").accepted
    logged_in = compared = 0
    for profile_id, row in profiles.items():
        if row["email_sha256"] is None:
            continue
        logged_in += 1
        known = emails.get(truth["web"][profile_id])
        if known:
            compared += 1
            hashes = {hashlib.sha256(e.encode()).hexdigest() for e in known}
            assert row["email_sha256"] in hashes, profile_id
    assert 0.3 < logged_in / len(profiles) < 0.5
    assert compared > 0.5 * logged_in


def phone_shape(phone: str) -> str:
    if phone.startswith("00"):
        return "00"
    if phone.startswith("+"):
        return "spaced" if " " in phone else "e164"
    if phone.startswith("("):
        return "parentheses"
    return "dashes" if "-" in phone else "national"


def test_phones_parse_as_the_job_parses_them(data: Path) -> None:
    truth = ground_truth(data)
    numbers: dict[str, set[str]] = defaultdict(set)
    shapes: Counter[str] = Counter()
    placeholders = 0
    for file, kind, source, _ in SOURCES[:2]:
        for record_id, row in accepted_and_rejected(data / file, kind).accepted.items():
            phone, country = text(row["phone"]), text(row["country"])
            if phone == PLACEHOLDER_PHONE:
                placeholders += 1
                assert _e164_one(phone, country) is None
            elif phone:
                e164 = _e164_one(phone, country or None)
                assert e164 is not None, (phone, country)
                numbers[truth[source][record_id]].add(e164)
                shapes[phone_shape(phone)] += 1
    assert placeholders > 0
    assert set(shapes) == {"e164", "spaced", "00", "national", "dashes", "parentheses"}, shapes
    # A person's registry rows hold at most a mobile and the household's landline.
    assert max(len(n) for n in numbers.values()) <= 2
    social = accepted_and_rejected(data / "social_accounts.jsonl", "social").accepted
    phones = [text(row["phone"]) for row in social.values() if row["phone"]]
    assert phones and all(_e164_one(p, None) for p in phones)  # written internationally


def test_households_make_near_duplicates_that_are_other_persons(data: Path) -> None:
    truth = ground_truth(data)
    rows = accepted_and_rejected(data / "registry_magazine.csv", "registry").accepted
    by_home: dict[tuple[str, str], set[str]] = defaultdict(set)
    born: dict[tuple[str, str, str], set[tuple[str, str]]] = defaultdict(set)
    for record_id, row in rows.items():
        person = truth["magazine"][record_id]
        if row["street_address"]:
            by_home[(str(row["street_address"]), str(row["last_name"]))].add(person)
        if row["birth_date"] and row["street_address"]:
            key = (str(row["street_address"]), str(row["last_name"]), str(row["birth_date"]))
            born[key].add((person, str(row["first_name"])))
    shared_homes = sum(len(persons) >= 2 for persons in by_home.values())
    twins = sum(len({p for p, _ in people}) >= 2 and len({f for _, f in people}) >= 2
                for people in born.values())
    assert shared_homes > 0.02 * len(rows)
    assert twins > 0


def test_noise_of_every_kind_is_present(data: Path) -> None:
    rows = accepted_and_rejected(data / "registry_magazine.csv", "registry").accepted.values()
    cable = accepted_and_rejected(data / "registry_cable.csv", "registry").accepted.values()
    birth_dates = [text(r["birth_date"]) for r in (*rows, *cable)]
    assert all(parse_date(b) for b in birth_dates if b)
    formats = {next(p for p in DATE_PATTERNS if _fits(b, p)) for b in birth_dates if b}
    assert formats == {"%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y%m%d"}
    assert "1900-01-01" in birth_dates and "" in birth_dates
    emails = [str(r["email"]) for r in rows]
    assert PLACEHOLDER_EMAIL in emails and "" in emails
    assert any(e != e.strip() for e in emails) and any(e.isupper() for e in emails)
    assert all(e.strip().lower().endswith(".example") for e in emails
               if e.strip() and e != PLACEHOLDER_EMAIL)
    streets = " ".join(str(r["street_address"]) for r in rows)
    assert "Str." in streets or "str." in streets or "av." in streets
    first_names = {str(r["first_name"]) for r in rows}
    assert first_names & set(demo_data.NICKNAMES.values())
    assert any(name.isupper() for name in (str(r["last_name"]) for r in rows))
    assert any(not name.isascii() for name in first_names)  # Hélène, Åsa, Väinö


def _fits(value: str, pattern: str) -> bool:
    try:
        datetime.strptime(value, pattern)
    except ValueError:
        return False
    return True


def test_web_and_social_look_like_the_real_thing(data: Path) -> None:
    profiles = accepted_and_rejected(data / "online_profiles.jsonl", "online").accepted.values()
    ips = Counter(str(p["ip_address"]) for p in profiles)
    assert ips[PUBLIC_WIFI[0]] > 0.02 * len(profiles)  # hundreds at the default size
    ranges = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "100.64.0.0/10",
                                                "198.51.100.0/24", "2001:db8::/32")]
    assert all(any(ipaddress.ip_address(ip) in n for n in ranges) for ip in ips)
    assert any("moving" in p["interests"] for p in profiles)  # type: ignore[operator]
    assert all(isinstance(p["consent_profiling"], bool) for p in profiles)
    accounts = accepted_and_rejected(data / "social_accounts.jsonl", "social").accepted
    handles = [key.split(":", 1)[1] for key in accounts]
    assert any("." in h for h in handles) and any("_" in h for h in handles)
    # Accepted follower counts are counts (an invalid one was dropped to None by ingest).
    assert all(isinstance(a["followers"], int) and a["followers"] >= 0  # type: ignore[operator]
               for a in accounts.values() if a["followers"] is not None)
    assert sum(a["followers"] is None for a in accounts.values()) >= 1
    websites = [str(a["website"]) for a in accounts.values() if a["website"]]
    assert websites and all(w.endswith(".example") for w in websites)


def _connection(ip: str) -> str:
    """Returns what identifies a connection: an IPv4 address, or an IPv6 address's /64."""
    address = ipaddress.ip_address(ip)
    if address.version == 4:
        return ip
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def _people_per_ip(folder: Path) -> Counter[int]:
    """Returns, per number of persons, how many connections (IPv4 addresses, IPv6 /64s) of the
    online profiles they share."""
    truth = {}
    with (folder / "ground_truth.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            truth[(row["source"], row["source_record_id"])] = row["person_id"]
    persons: dict[str, set[str]] = defaultdict(set)
    with (folder / "online_profiles.jsonl").open(encoding="utf-8") as f:
        for line in f:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a broken row on purpose
            person = truth.get(("web", str(row.get("profile_id"))))
            if person and row.get("ip_address") and row["ip_address"] != PUBLIC_WIFI[0]:
                persons[_connection(row["ip_address"])].add(person)
    return Counter(len(p) for p in persons.values())


def test_personal_ips_are_one_persons_where_home_ips_are_a_households(tmp_path: Path) -> None:
    generate_demo_data(tmp_path / "home", persons=2000, seed=5)
    generate_demo_data(tmp_path / "own", persons=2000, seed=5, personal_ips=True)
    home, own = _people_per_ip(tmp_path / "home"), _people_per_ip(tmp_path / "own")
    assert sum(n for people, n in home.items() if people > 1) > 20
    assert set(own) == {1}


def test_a_third_of_home_visits_come_over_ipv6_from_the_connections_64(tmp_path: Path) -> None:
    generate_demo_data(tmp_path, persons=1000, seed=5)
    ips = []
    with (tmp_path / "online_profiles.jsonl").open(encoding="utf-8") as f:
        for line in f:
            try:
                ips.append(json.loads(line).get("ip_address"))
            except (json.JSONDecodeError, AttributeError):
                continue  # a broken row on purpose
    v6 = [ipaddress.IPv6Address(ip) for ip in ips if ip and ":" in ip]
    assert 0.15 < len(v6) / len(ips) < 0.3  # home visits are 40 to 80% of all
    assert all(ip in ipaddress.ip_network("2001:db8::/32") for ip in v6)
    # Each visit has an interface part of its own; several visits share a connection's /64.
    assert len(set(v6)) == len(v6)
    assert len({_connection(str(ip)) for ip in v6}) < 0.95 * len(v6)

