"""Given names and their familiar forms (jobs/reference/nicknames.csv), read once."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import cache
from importlib import resources

from pyspark.sql import Column
from pyspark.sql import functions as F

from jobs.tables import sql_string


@cache
def _rows() -> tuple[tuple[str, ...], ...]:
    """The groups of the file, each its full name first, then its familiar forms."""
    text = resources.files("jobs").joinpath("reference/nicknames.csv").read_text("utf-8")
    rows = csv.reader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(names for row in rows if (names := tuple(n.strip() for n in row if n.strip())))


@cache
def nickname_groups() -> dict[str, tuple[str, ...]]:
    """Returns folded first name -> the groups it belongs to, each named by its full name,
    sorted. A familiar form may belong to several (chris: christian, christoph, christopher,
    ...); a name in no group is a group of its own."""
    groups: dict[str, set[str]] = {}
    for names in _rows():
        for name in names:
            groups.setdefault(name, set()).add(names[0])
    return {name: tuple(sorted(heads)) for name, heads in groups.items()}


@cache
def familiar_forms() -> dict[str, tuple[str, ...]]:
    """Returns folded full name -> its familiar forms (katarzyna: kasia, kaska)."""
    forms: dict[str, dict[str, None]] = {}
    for head, *familiar in _rows():
        forms.setdefault(head, {}).update(dict.fromkeys(familiar))
    return {head: tuple(names) for head, names in forms.items() if names}


def nicknames_of_one_name(a: str, b: str) -> bool:
    """True when two folded first names are one name or familiar forms of one name (kasia and
    katarzyna, chris and christopher; not christopher and christian)."""
    groups = nickname_groups()
    return bool(set(groups.get(a, (a,))) & set(groups.get(b, (b,))))


def names_map(table: Mapping[str, tuple[str, ...]]) -> Column:
    """Returns `table` (nickname_groups, familiar_forms) as a Spark map literal: folded name ->
    array of names; a name the table lacks looks up null.

    Written as one SQL expression: built from a literal Column per name, the map took some
    1,500 calls into the JVM and 1.2 s of every run (py-spy, 2026-12-05). Cast, so an empty
    table or an empty list of names is still typed as names."""
    items = sorted(table.items())
    keys = ", ".join(sql_string(name) for name, _names in items)
    values = ", ".join(f"array({', '.join(sql_string(n) for n in names)})"
                       for _name, names in items)
    return F.expr(f"CAST(map_from_arrays(array({keys}), array({values})) "
                  "AS map<string, array<string>>)")
