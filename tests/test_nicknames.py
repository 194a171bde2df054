from __future__ import annotations

import re

from pyspark.sql import Row, SparkSession
from pyspark.sql import functions as F

from jobs.nicknames import familiar_forms, names_map, nickname_groups, nicknames_of_one_name
from jobs.standardize import _fold_one


def test_the_list_holds_folded_names_and_no_full_name_as_a_familiar_form() -> None:
    groups = nickname_groups()
    # Written as standardize folds names, or a record's name would never find its group.
    assert [n for n in groups if not re.fullmatch(r"[a-z]+(-[a-z]+)?", n)] == []
    assert [n for n in groups if _fold_one(n) != n] == []
    # A full name listed as another's familiar form would make two full names one (Juha and
    # Johannes are two people's names): every name heading a group is only its own group.
    heads = {head for names in groups.values() for head in names}
    assert {n: groups[n] for n in heads if groups[n] != (n,)} == {}
    assert familiar_forms()["katarzyna"] == ("kasia", "kaska")


def test_a_familiar_form_of_several_names_meets_each_but_joins_none() -> None:
    assert nicknames_of_one_name("chris", "christopher")
    assert nicknames_of_one_name("chris", "christina")
    assert not nicknames_of_one_name("christopher", "christian")
    assert nicknames_of_one_name("kasia", "katarzyna")
    assert not nicknames_of_one_name("anna", "anni")       # two full names
    assert nicknames_of_one_name("zdzislaw", "zdzislaw")   # in no group: itself
    assert not nicknames_of_one_name("zdzislaw", "zbigniew")


def test_the_names_map_looks_up_each_name_and_keeps_any_character(spark: SparkSession) -> None:
    table = {"chris": ("christian", "christopher"), "o'neil": ("back\\slash",), "kasia": ("kaś",)}
    rows = spark.createDataFrame([("chris",), ("o'neil",), ("kasia",), ("anna",), (None,)],
                                 "name string")
    found = rows.select("name", F.element_at(names_map(table), F.col("name")).alias("names"))
    assert sorted(found.collect(), key=lambda r: str(r["name"])) == [
        Row(name=None, names=None), Row(name="anna", names=None),
        Row(name="chris", names=["christian", "christopher"]),
        Row(name="kasia", names=["kaś"]), Row(name="o'neil", names=["back\\slash"])]
    nothing = rows.select(F.element_at(names_map({}), F.col("name")).alias("names"))
    assert nothing.schema.simpleString() == "struct<names:array<string>>"
    assert nothing.collect() == [Row(names=None)] * 5
