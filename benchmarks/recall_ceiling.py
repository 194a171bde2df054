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
import re
import sys
import unicodedata
from pathlib import Path

import pandas as pd
from diagnose import components
from metrics import pairwise_by_source_pair, seen_through_every_kind

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


def sharing_pairs(name: str, keys: pd.DataFrame) -> pd.DataFrame:
    """Returns the unordered pairs (a < b) of records that share the evidence."""
    if name == "handle spells a name":
        pairs = _handle_meets_name(keys)
    else:
        unique = keys.drop_duplicates()
        pairs = unique.merge(unique, on="key")[["record_id_x", "record_id_y"]]
        pairs.columns = ["a", "b"]
    ordered = pd.DataFrame({"a": pairs[["a", "b"]].min(axis=1), "b": pairs[["a", "b"]].max(axis=1)})
    return ordered[ordered["a"] != ordered["b"]].drop_duplicates().reset_index(drop=True)


def recall(ids: pd.Series, person: dict[str, str], links: pd.DataFrame) -> float:
    """Recall over the true pairs of `ids` when the records are grouped by the connected
    components of `links` (a, b)."""
    groups = components(ids, links.rename(columns={"a": "record_l", "b": "record_r"}))
    labelled = groups.assign(source="all", person_id=groups["record_id"].map(person))
    return pairwise_by_source_pair(labelled)["all"].recall


def ceilings(records: pd.DataFrame, population: set[str], person: dict[str, str],
             customer: dict[str, str]) -> tuple[float, pd.DataFrame]:
    """Returns the job's recall over the population's true pairs, and per kind of evidence:
    the oracle's recall (that kind and those above it), the job's customers joined by that
    kind alone, and how often all records sharing it (the population's or not) are one
    person's."""
    ids = pd.Series(sorted(population))
    by_customer = pd.DataFrame({"record_id": ids, "customer": ids.map(customer)})
    job = by_customer.merge(by_customer, on="customer")[["record_id_x", "record_id_y"]] \
        .set_axis(["a", "b"], axis=1)
    oracle = job.iloc[:0]
    rows = []
    for name, keys in evidence_keys(records).items():
        pairs = sharing_pairs(name, keys)
        one_person = pairs["a"].map(person) == pairs["b"].map(person)
        joins = pairs[one_person & pairs["a"].isin(population) & pairs["b"].isin(population)]
        oracle = pd.concat([oracle, joins])
        rows.append({
            "evidence": name,
            "oracle, cumulative": recall(ids, person, oracle),
            "job + this alone": recall(ids, person, pd.concat([job, joins])),
            "sharing pairs one person's": f"{int(one_person.sum()):,} of {len(pairs):,}",
        })
    return recall(ids, person, job), pd.DataFrame(rows)


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
