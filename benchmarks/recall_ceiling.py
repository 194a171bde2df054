#!/usr/bin/env python3
"""How much recall the data allows, for the persons seen through all four kinds of source.

An oracle that knows who is who joins two records of one person whenever they share a kind of
evidence (an email, a handle spelling the other's name, a full name...), and joins groups
transitively, as clustering does. The true pairs inside its groups over all true pairs is the
most recall that evidence can give, at any precision: no matcher finds a pair whose records,
directly or through others, share nothing. Two figures per kind of evidence:

- `oracle, cumulative`: the oracle with this kind and every kind above it;
- `job + this alone`: the job's own customers (the crosswalk), joined where one person's records
  share this kind: what the job leaves on the table that such evidence would give.

The oracle's joins are free of namesakes; a matcher's are not (two Anna Wilks of Rovaniemi
share a full name and a city). The benchmark prints how precise each kind is among all pairs
that share it (`sharing pairs one person's`): evidence that many strangers share cannot link at
a precision of 0.97 whatever the ceiling says.

Usage (after `make bench-accuracy` or a run of the job on a labelled data set):
    .venv/bin/python benchmarks/recall_ceiling.py WAREHOUSE GROUND_TRUTH [--everyone]
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from metrics import seen_through_every_kind

RECORD_COLUMNS = ["record_id", "source_kind", "first_name_norm", "last_name_norm", "birth_date",
                  "email_sha256", "phone_e164", "handle", "ip_address", "street_norm",
                  "house_number", "postal_code"]


def _letters(text: object) -> str | None:
    """ASCII letters of a name or handle, lower case (Hämäläinen, h.amalainen: hamalainen)."""
    if not isinstance(text, str):
        return None
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub("[^a-z]", "", folded) or None


def name_forms(first: object, last: object) -> list[str]:
    """The ways a handle spells a full name: mattivirtanen, virtanenmatti, mvirtanen,
    virtanenm, mattiv."""
    f, last_ = _letters(first), _letters(last)
    if not f or not last_:
        return []
    return [f + last_, last_ + f, f[0] + last_, last_ + f[0], f + last_[0]]


def _joined(*columns: pd.Series) -> pd.Series:
    """The values joined by '|', null where any is null."""
    known = pd.concat(columns, axis=1).notna().all(axis=1)
    text = columns[0].astype(str)
    for column in columns[1:]:
        text = text + "|" + column.astype(str)
    return text.where(known)


def evidence_keys(records: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Returns, per kind of evidence, (record_id, key) rows: two records share the evidence
    when they share a key. For `handle spells a name` a handle's letters (`H:` keys) meet the
    name forms of other records (`N:` keys), not two names each other."""
    r = records
    values = {
        "email": r["email_sha256"],
        "phone": r["phone_e164"],
        "handle": r["handle"].str.lower(),
        "handle spells a name": None,
        "ip address": r["ip_address"],
        "street and house number": _joined(r["street_norm"], r["house_number"], r["postal_code"]),
        "last name and birth date": _joined(r["last_name_norm"], r["birth_date"]),
        "full name": _joined(r["first_name_norm"], r["last_name_norm"]),
    }
    keys = {name: pd.DataFrame({"record_id": r["record_id"], "key": column}).dropna()
            for name, column in values.items() if column is not None}
    handles = [(record, "H:" + letters) for record, letters
               in zip(r["record_id"], r["handle"].map(_letters), strict=True) if letters]
    names = [(record, "N:" + form) for record, first, last
             in zip(r["record_id"], r["first_name_norm"], r["last_name_norm"], strict=True)
             for form in name_forms(first, last)]
    keys["handle spells a name"] = pd.DataFrame(handles + names, columns=["record_id", "key"])
    return {name: keys[name] for name in values}


def _handle_meets_name(keys: pd.DataFrame) -> pd.DataFrame:
    """Pairs (a, b) of a handle and another record whose name it spells."""
    kind, key = keys["key"].str[:2], keys["key"].str[2:]
    handles = pd.DataFrame({"a": keys["record_id"], "key": key})[kind == "H:"]
    names = pd.DataFrame({"b": keys["record_id"], "key": key})[kind == "N:"]
    pairs = handles.merge(names, on="key")[["a", "b"]].drop_duplicates()
    return pairs[pairs["a"] != pairs["b"]]


def _joins(name: str, keys: pd.DataFrame, person: dict[str, str]) -> list[tuple[str, str]]:
    """Joins that put one person's records sharing the evidence in one group (a chain per
    shared key and person: enough for the groups, far fewer than all pairs)."""
    if name == "handle spells a name":
        pairs = _handle_meets_name(keys)
        return [(a, b) for a, b in zip(pairs["a"], pairs["b"], strict=True)
                if person[a] == person[b]]
    joins: list[tuple[str, str]] = []
    labelled = keys.assign(person=keys["record_id"].map(person))
    for _, members in labelled.groupby(["key", "person"])["record_id"]:
        joins += itertools.pairwise(dict.fromkeys(members))
    return joins


def sharing_precision(name: str, keys: pd.DataFrame, person: dict[str, str]) -> tuple[int, int]:
    """Returns (pairs of one person's records, all pairs) among the records sharing the
    evidence."""
    if name == "handle spells a name":
        pairs = _handle_meets_name(keys)
        pairs = pairs.assign(a=pairs[["a", "b"]].min(axis=1), b=pairs[["a", "b"]].max(axis=1)) \
            .drop_duplicates()
        return int((pairs["a"].map(person) == pairs["b"].map(person)).sum()), len(pairs)
    unique = keys.drop_duplicates()
    by_key = unique.groupby("key").size()
    by_person = unique.assign(person=unique["record_id"].map(person)) \
        .groupby(["key", "person"]).size()
    return int((by_person * (by_person - 1) // 2).sum()), int((by_key * (by_key - 1) // 2).sum())


class Groups:
    """Union-find over record ids."""

    def __init__(self, records: Iterable[str]) -> None:
        self.parent = {record: record for record in records}

    def find(self, record: str) -> str:
        while self.parent[record] != record:
            self.parent[record] = self.parent[self.parent[record]]
            record = self.parent[record]
        return record

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def true_pairs_within(groups: pd.Series, persons: pd.Series) -> int:
    """True pairs inside the groups: pairs of one person's records in one group."""
    sizes = pd.DataFrame({"group": groups.values, "person": persons.values}).value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


def ceilings(records: pd.DataFrame, population: set[str], person: dict[str, str],
             customer: dict[str, str]) -> tuple[float, pd.DataFrame]:
    """Returns the job's recall over the population's true pairs, and per kind of evidence:
    the oracle's recall (that kind and those above it), the job's customers joined by that
    kind alone, and how often all records sharing it (the population's or not) are one
    person's."""
    ids = pd.Series(sorted(population))
    persons = ids.map(person)
    total = true_pairs_within(persons, persons)
    job_joins = [pair for _, members in ids.groupby(ids.map(customer))
                 for pair in itertools.pairwise(members)]
    oracle = Groups(ids)
    rows = []
    for name, keys in evidence_keys(records).items():
        true, pairs = sharing_precision(name, keys, person)
        joins = _joins(name, keys[keys["record_id"].isin(population)], person)
        with_job = Groups(ids)
        for a, b in [*job_joins, *joins]:
            with_job.join(a, b)
        for a, b in joins:
            oracle.join(a, b)
        rows.append({
            "evidence": name,
            "oracle, cumulative": true_pairs_within(ids.map(oracle.find), persons) / total,
            "job + this alone": true_pairs_within(ids.map(with_job.find), persons) / total,
            "sharing pairs one person's": f"{true:,} of {pairs:,}",
        })
    return true_pairs_within(ids.map(customer), persons) / total, pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("ground_truth", type=Path)
    parser.add_argument("--everyone", action="store_true",
                        help="every labelled person, not only those seen through all four kinds")
    args = parser.parse_args(argv)
    from deltalake import DeltaTable  # the bench extra (make bench-accuracy installs it)

    records = DeltaTable(str(args.warehouse / "standardized_records")).to_pandas(
        columns=RECORD_COLUMNS)
    crosswalk = DeltaTable(str(args.warehouse / "identity_crosswalk")).to_pandas(
        columns=["record_id", "customer_id"])
    truth = pd.read_csv(args.ground_truth, dtype=str)
    truth["record_id"] = truth["source"] + "/" + truth["source_record_id"]
    labelled = truth[truth["record_id"].isin(set(records["record_id"]))]
    if not set(records["record_id"]) <= set(truth["record_id"]):
        print("records without a person in the ground truth are left out", file=sys.stderr)
    if not args.everyone:
        orders = DeltaTable(str(args.warehouse / "orders")).to_pandas(columns=["record_id"])
        kinds = records.set_index("record_id")["source_kind"]
        labelled = seen_through_every_kind(labelled[["record_id", "person_id"]], kinds,
                                           set(orders["record_id"]))
    population = set(labelled["record_id"])
    person = dict(zip(truth["record_id"], truth["person_id"], strict=True))
    customer = dict(zip(crosswalk["record_id"], crosswalk["customer_id"], strict=True))
    records = records[records["record_id"].isin(set(person))]
    job, table = ceilings(records, population, person, customer)
    persons = len({person[record] for record in population})
    print(f"{len(population):,} records of {persons:,} persons; the job's recall {job:.4f}")
    print(table.to_string(index=False, float_format="{:.4f}".format))
    return 0


if __name__ == "__main__":
    sys.exit(main())
