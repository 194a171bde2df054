"""An incremental run on new data gives the same clusters as a full run on all of it."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

from pyspark.sql import SparkSession

from jobs import cli, tables
from jobs.demo_data import generate_demo_data

SOURCES = (
    ("magazine", "registry", "csv", "registry_magazine.csv"),
    ("cable", "registry", "csv", "registry_cable.csv"),
    ("web", "online", "json", "online_profiles.jsonl"),
    ("social", "social", "json", "social_accounts.jsonl"),
)


def config(folder: Path, data: Path, warehouse: Path) -> Path:
    conf = folder / f"{warehouse.name}.yaml"
    conf.write_text(json.dumps({
        "warehouse": str(warehouse),
        "sources": [{"name": n, "kind": k, "format": f, "path": str(data / file)}
                    for n, k, f, file in SOURCES],
    }), encoding="utf-8")
    return conf


def run(*argv: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(list(argv)) == cli.EXIT_OK


def clusters(spark: SparkSession, warehouse: Path) -> set[frozenset[str]]:
    crosswalk = tables.read_table(spark, str(warehouse), tables.IDENTITY_CROSSWALK)
    assert crosswalk is not None
    groups: dict[str, set[str]] = {}
    for row in crosswalk.select("record_id", "customer_id").collect():
        groups.setdefault(row["customer_id"], set()).add(row["record_id"])
    return {frozenset(g) for g in groups.values()}


def _insert_after_header(path: Path, header_lines: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:header_lines]) + text + "".join(lines[header_lines:]),
                    encoding="utf-8")


def test_incremental_run_matches_a_full_run(spark: SparkSession, tmp_path: Path) -> None:
    full_data = tmp_path / "day2"
    generate_demo_data(full_data, persons=300, seed=3)
    # A double surname a register writes apart and a social account's display name shows
    # whole: matching splits the display name as the register does (jose / hernandez soto).
    _insert_after_header(full_data / "registry_magazine.csv", 1, (
        "M999001,Jose,Hernandez Soto,19800312,M,Calle Mayor 5,28013,Madrid,es,,,print,active,"
        "2020-01-01,true,true,2026-05-01T10:00:00\n"))
    _insert_after_header(full_data / "social_accounts.jsonl", 0, json.dumps(
        {"platform": "instagram", "handle": "josehsoto", "display_name": "Jose Hernandez Soto",
         "location": "Madrid", "followers": 10}) + "\n")
    # Day 1 holds the first four fifths of every file; day 2 adds the rest.
    day1 = tmp_path / "day1"
    day1.mkdir()
    for _name, _kind, fmt, file in SOURCES:
        lines = (full_data / file).read_text(encoding="utf-8").splitlines(keepends=True)
        head = 1 if fmt == "csv" else 0
        keep = head + (len(lines) - head) * 4 // 5
        (day1 / file).write_text("".join(lines[:keep]), encoding="utf-8")

    incremental = tmp_path / "incremental"
    run("run", "--conf", str(config(tmp_path, day1, incremental)), "--run-date", "2026-11-01")
    conf_inc = config(tmp_path, full_data, incremental)
    run("run", "--conf", str(conf_inc), "--run-date", "2026-11-02", "--mode", "incremental")

    # The full run uses the same stored model: retraining is a deliberate, separate act.
    full = tmp_path / "full"
    (full / "model").mkdir(parents=True)
    shutil.copy(incremental / "model" / "model.json", full / "model" / "model.json")
    conf_full = config(tmp_path, full_data, full)
    run("ingest", "--conf", str(conf_full), "--run-date", "2026-11-02")
    run("resolve", "--conf", str(conf_full), "--run-date", "2026-11-02")

    assert clusters(spark, incremental) == clusters(spark, full)
    metrics = tables.read_table(spark, str(incremental), tables.RUN_METRICS)
    assert metrics is not None
    compared = {r["run_id"]: r["value"] for r in metrics.where(
        "stage = 'compare' AND metric = 'compared_pairs'").collect()}
    scored = {r["run_id"]: r["value"] for r in metrics.where(
        "stage = 'compare' AND metric = 'scored_pairs'").collect()}
    # The incremental day compared only the pairs touching new records, and only the new
    # records counted as changed (not the account whose display name matching splits anew).
    assert compared["2026-11-02"] < scored["2026-11-02"]
    block = {(r["run_id"], r["metric"]): r["value"] for r in metrics.where(
        "stage = 'block'").collect()}
    assert block[("2026-11-02", "changed_records")] \
        == block[("2026-11-02", "records")] - block[("2026-11-01", "records")]
    # explain weighs that pair as the run did (name frequencies of the names as split).
    pairs = tables.read_table(spark, str(incremental), tables.MATCH_PAIRS)
    assert pairs is not None
    pair = pairs.where("record_l = 'magazine/M999001' AND "
                       "record_r = 'social/instagram:josehsoto'").first()
    assert pair is not None and pair["gamma_last_name"] == 4
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["explain", pair["record_l"], pair["record_r"],
                         "--conf", str(conf_inc)]) == cli.EXIT_OK
    assert f"match weight {pair['match_weight']:+.2f}, probability " \
        f"{pair['match_probability']:.6f}" in out.getvalue(), out.getvalue()

    # Pairs stored without a comparison's levels (by a version before that comparison): the
    # next incremental run compares every pair again instead of failing or guessing them.
    stored = tables.read_table(spark, str(incremental), tables.MATCH_PAIRS)
    assert stored is not None
    tables.write_table(stored.drop("gamma_handle").localCheckpoint(), str(incremental),
                       tables.MATCH_PAIRS)
    run("run", "--conf", str(conf_inc), "--run-date", "2026-11-03", "--mode", "incremental")
    assert clusters(spark, incremental) == clusters(spark, full)
    metrics = tables.read_table(spark, str(incremental), tables.RUN_METRICS)
    assert metrics is not None
    day3 = {r["metric"]: r["value"] for r in metrics.where(
        "run_id = '2026-11-03' AND stage = 'compare'").collect()}
    full_metrics = tables.read_table(spark, str(full), tables.RUN_METRICS)
    assert full_metrics is not None
    full_scored = full_metrics.where("stage = 'compare' AND metric = 'scored_pairs'") \
        .collect()[0]["value"]
    # Every candidate pair of the full run, where day 2 had compared only those of new records.
    assert day3["compared_pairs"] == day3["scored_pairs"] == full_scored
    assert day3["compared_pairs"] > compared["2026-11-02"]
