"""Guards a run checks against the warehouse's earlier runs before it changes anything: a
source that read nothing where the previous run had rows, and a run dated before the latest."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs import cli, tables
from jobs.demo_data import generate_demo_data


def run(*argv: str) -> tuple[int, str]:
    errors = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(errors):
        code = cli.main(list(argv))
    return code, errors.getvalue()


def web_conf(tmp_path: Path, warehouse: Path | str) -> Path:
    """A configuration of one web source, w.jsonl beside it, writing to `warehouse`."""
    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({"warehouse": str(warehouse), "sources": [
        {"name": "web", "kind": "online", "format": "json", "path": str(tmp_path / "w.jsonl")}]}),
        encoding="utf-8")
    return conf


def test_an_emptied_source_and_an_earlier_date_stop_the_run_unless_allowed(
        spark: SparkSession, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "data"
    generate_demo_data(data, persons=100, seed=13)
    conf = tmp_path / "conf.yaml"
    web = data / "online_profiles.jsonl"
    conf.write_text(json.dumps({"warehouse": str(tmp_path / "warehouse"), "sources": [
        {"name": "magazine", "kind": "registry", "format": "csv",
         "path": str(data / "registry_magazine.csv")},
        {"name": "web", "kind": "online", "format": "json", "path": str(web)}]}),
        encoding="utf-8")
    assert run("ingest", "--conf", str(conf), "--run-date", "2026-11-20")[0] == cli.EXIT_OK
    accepted = sum(1 for line in web.read_text(encoding="utf-8").splitlines() if line.strip())
    records = tables.read_table(spark, str(tmp_path / "warehouse"),
                                tables.STANDARDIZED_RECORDS)
    assert records is not None
    before = sorted(r["record_id"] for r in records.collect())

    # The web export arrives empty: nothing is written, the run stops naming the source.
    web.write_text("", encoding="utf-8")
    code, errors = run("ingest", "--conf", str(conf), "--run-date", "2026-11-21")
    assert code == cli.EXIT_BAD_INPUT
    web_accepted = sum(1 for r in before if r.startswith("web/"))
    assert errors.strip().splitlines()[-1] == (
        f"input error: source 'web' ({web}) read no rows, where run 2026-11-20 accepted "
        f"{web_accepted:,}. Without its rows, its people's customers would go, and come back "
        "with new ids; check the files, or if it is empty on purpose, run with "
        "--allow-empty web")
    assert web_accepted > 0 and accepted >= web_accepted
    records = tables.read_table(spark, str(tmp_path / "warehouse"),
                                tables.STANDARDIZED_RECORDS)
    assert records is not None and sorted(r["record_id"] for r in records.collect()) == before
    code, _ = run("ingest", "--conf", str(conf), "--run-date", "2026-11-21",
                  "--allow-empty", "web")
    assert code == cli.EXIT_OK
    records = tables.read_table(spark, str(tmp_path / "warehouse"),
                                tables.STANDARDIZED_RECORDS)
    assert records is not None
    assert sorted(r["record_id"] for r in records.collect()) == [
        r for r in before if not r.startswith("web/")]

    # A date before the latest run is refused before Spark starts, unless asked for.
    code, errors = run("ingest", "--conf", str(conf), "--run-date", "2026-11-19",
                       "--allow-empty", "web")
    assert code == cli.EXIT_BAD_INPUT
    assert errors.strip().splitlines()[-1] == (
        f"input error: {conf}: `warehouse`: holds run 2026-11-21 of 2026-11-21, after "
        "2026-11-19: this run would put its crosswalk, profiles and customer ids back to "
        "2026-11-19; run dates in order, or add --allow-earlier-date")
    assert run("ingest", "--conf", str(conf), "--run-date", "2026-11-19", "--allow-empty",
               "web", "--allow-earlier-date")[0] == cli.EXIT_OK
    # A re-run of the latest date is no earlier date.
    assert run("ingest", "--conf", str(conf), "--run-date", "2026-11-21", "--allow-empty",
               "web")[0] == cli.EXIT_OK
    code, errors = run("ingest", "--conf", str(conf), "--allow-empty", "webb")
    assert code == cli.EXIT_BAD_INPUT and "--allow-empty/--allow-shrink webb: no such source" \
        in errors

    # The magazine's export arrives cut to a fifth: stopped, nothing written, unless allowed.
    magazine = data / "registry_magazine.csv"
    lines = magazine.read_text(encoding="utf-8").splitlines()
    magazine.write_text("\n".join(lines[:1 + (len(lines) - 1) // 5]) + "\n", encoding="utf-8")
    magazine_before = sum(1 for r in before if r.startswith("magazine/"))
    code, errors = run("ingest", "--conf", str(conf), "--run-date", "2026-11-22")
    assert code == cli.EXIT_BAD_INPUT
    message = errors.strip().splitlines()[-1]
    assert message.startswith(f"input error: source 'magazine' ({magazine}) accepted ")
    assert message.endswith(
        f" rows, where run 2026-11-21 accepted {magazine_before:,}: under 50%. A file cut "
        "short or a part not delivered would drop the missing rows' customers, which come back "
        "with new ids; check the files, or if it shrank on purpose, run with --allow-shrink "
        "magazine")
    assert "2026-11-22" not in {r["run_id"] for r in tables.read_table(
        spark, str(tmp_path / "warehouse"), tables.STANDARDIZED_RECORDS).collect()}
    assert run("ingest", "--conf", str(conf), "--run-date", "2026-11-22",
               "--allow-shrink", "magazine")[0] == cli.EXIT_OK

    # Run ids that sort against their dates (r10 before r9) are refused before Spark starts.
    assert run("ingest", "--conf", str(conf), "--run-date", "2026-11-23", "--run-id",
               "r9")[0] == cli.EXIT_OK
    code, errors = run("ingest", "--conf", str(conf), "--run-date", "2026-11-24", "--run-id",
                       "r10")
    assert code == cli.EXIT_BAD_INPUT
    assert errors.strip().splitlines()[-1] == (
        f"input error: {conf}: `warehouse`: holds run r9 of 2026-11-23, whose id sorts after "
        "'r10': runs are ordered by their ids (which customer id is older, which export a "
        "withdrawal follows), so ids must sort as their dates do; give --run-id one that sorts "
        "after 'r9'")


def test_resolve_and_profiles_on_their_own_refuse_another_runs_input(
        spark: SparkSession, tmp_path: Path) -> None:
    """`resolve` for a date whose ingest did not run: the records are the previous run's, and a
    crosswalk from them would miss the day's changes and stamp them with this run. `ingest`
    then `profiles`, skipping `resolve`: the crosswalk is the previous run's, built from other
    records; profiles from it would miss the new records and stamp the old state with this
    run."""
    warehouse = tmp_path / "warehouse"
    conf = web_conf(tmp_path, warehouse)
    records = spark.createDataFrame([("web/P1", "2026-11-20")], "record_id string, run_id string")
    tables.write_table(records, str(warehouse), tables.STANDARDIZED_RECORDS, run_id="2026-11-20")
    code, errors = run("resolve", "--conf", str(conf), "--run-date", "2026-11-21")
    assert code == cli.EXIT_FAILED
    assert errors.strip().splitlines()[-1] == (
        "failed: standardized_records was ingested by run 2026-11-20, not 2026-11-21: run the "
        "ingest stage for this run first (a crosswalk from another run's records would miss "
        "the changes since, and stamp them with this run)")
    assert not (warehouse / tables.IDENTITY_CROSSWALK).exists()

    crosswalk = spark.createDataFrame(
        [("web", "P1", "C1", "web/P1", "online", "2026-11-20", "2026-11-20", "2026-11-20")],
        "source string, source_record_id string, customer_id string, record_id string, "
        "source_kind string, linked_since string, customer_since string, "
        "assigned_run_id string")
    tables.write_table(crosswalk, str(warehouse), tables.IDENTITY_CROSSWALK, run_id="2026-11-20")
    records = spark.createDataFrame([("web/P1", "2026-11-21")], "record_id string, run_id string")
    tables.write_table(records, str(warehouse), tables.STANDARDIZED_RECORDS, run_id="2026-11-21")
    code, errors = run("profiles", "--conf", str(conf), "--run-date", "2026-11-21")
    assert code == cli.EXIT_FAILED
    assert errors.strip().splitlines()[-1] == (
        "failed: identity_crosswalk was resolved by run 2026-11-20, not 2026-11-21: run the "
        "resolve stage for this run first (profiles from another run's crosswalk would miss or "
        "misplace the records ingested since)")
    assert not (warehouse / tables.CUSTOMER_PROFILES).exists()


def test_an_unfinished_run_and_a_vacuumed_state_stop_the_next_run(
        spark: SparkSession, tmp_path: Path) -> None:
    """A run killed after writing the crosswalk (no clustering metrics) stops another run until
    it runs again; a re-run whose state before it was vacuumed stops before Spark starts."""
    import datetime as dt

    from jobs.run_history import unfinished_run
    from jobs.schemas import table_schema

    warehouse = str(tmp_path / "warehouse")
    (tmp_path / "w.jsonl").write_text('{"cookie_id": "P1"}\n', encoding="utf-8")
    conf = web_conf(tmp_path, warehouse)

    def crosswalk(run_id: str, where: str = warehouse) -> None:
        frame = spark.createDataFrame(
            [("web", "P1", "C1", "web/P1", "online", run_id, run_id, run_id)],
            "source string, source_record_id string, customer_id string, record_id string, "
            "source_kind string, linked_since string, customer_since string, "
            "assigned_run_id string")
        tables.write_table(frame, where, tables.IDENTITY_CROSSWALK, run_id=run_id)

    def metrics(run_id: str, stage: str) -> None:
        when = dt.date.fromisoformat(run_id)
        frame = spark.createDataFrame(
            [(run_id, when, stage, "", "x", 1.0, dt.datetime(2026, 1, 1))],
            table_schema(tables.RUN_METRICS).struct())
        tables.write_table(frame, warehouse, tables.RUN_METRICS, run_id=run_id)

    crosswalk("2026-11-20")
    metrics("2026-11-20", "cluster")
    crosswalk("2026-11-21")
    metrics("2026-11-21", "ingest")  # killed after the crosswalk: no clustering metrics
    code, errors = run("ingest", "--conf", str(conf), "--run-date", "2026-11-22")
    assert code == cli.EXIT_BAD_INPUT
    assert errors.strip().splitlines()[-1] == (
        f"input error: {conf}: `warehouse`: run 2026-11-21 wrote the crosswalk and stopped "
        "before it recorded its metrics (its customer id events may be missing too): run it "
        "again first (--run-id 2026-11-21 with its --run-date), or its merges and splits may "
        "never be recorded; add --allow-unfinished to go on without them")

    # A first run killed after the crosswalk has left no metrics table at all.
    first = str(tmp_path / "first")
    crosswalk("2026-11-19", first)
    assert unfinished_run(first) == "2026-11-19"
    assert unfinished_run(str(tmp_path / "empty")) is None

    # maintain with table_history_days 0 vacuumed the crosswalk as it was before 2026-11-21.
    for part in (Path(warehouse) / tables.IDENTITY_CROSSWALK).glob("*.parquet"):
        part.unlink()
    crosswalk("2026-11-21")
    code, errors = run("resolve", "--conf", str(conf), "--run-date", "2026-11-21")
    assert code == cli.EXIT_BAD_INPUT
    assert errors.strip().splitlines()[-1] == (
        f"input error: {conf}: `warehouse`: run 2026-11-21 cannot run again: identity_crosswalk "
        "as it was before the run is gone, vacuumed by maintain (retention.table_history_days); "
        "its results stand. To change them, run the next date")


def test_a_run_without_a_partners_secret_stops_before_it_changes_anything(
        spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The secret is read before Spark starts: it had been read at the exports stage, after
    the run had replaced the crosswalk and profiles."""
    source = tmp_path / "w.jsonl"
    source.write_text('{"cookie_id": "c1", "first_name": "Anna"}\n', encoding="utf-8")
    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({"warehouse": str(tmp_path / "warehouse"), "sources": [
        {"name": "web", "kind": "online", "format": "json", "path": str(source)}]}),
        encoding="utf-8")
    (tmp_path / "segments.yaml").write_text(
        "segments:\n  - {name: everyone, description: all, condition: customer_id is not null}\n",
        encoding="utf-8")
    (tmp_path / "partners.yaml").write_text(
        "partners:\n  - {name: alpha, segments: [everyone], fields: [country], "
        "secret_env: IDRES_TEST_GUARD}\n", encoding="utf-8")
    monkeypatch.delenv("IDRES_TEST_GUARD", raising=False)
    code, errors = run("run", "--conf", str(conf), "--run-date", "2026-11-21")
    assert code == cli.EXIT_BAD_INPUT
    assert errors.strip().splitlines()[-1] == (
        "input error: partner 'alpha': environment variable IDRES_TEST_GUARD is not set")
    assert sorted(p.name for p in (tmp_path / "warehouse").iterdir()) == []
    # A condition naming a column the profiles lack stops it before its first stage writes
    # (it had stopped at the segments stage, the crosswalk and profiles replaced).
    monkeypatch.setenv("IDRES_TEST_GUARD", "guard-0123456789abcdef0123456789abcdef")
    (tmp_path / "segments.yaml").write_text(
        "segments:\n  - {name: everyone, description: all, condition: customer_id is not null}"
        "\n  - {name: finns, description: f, condition: \"countr = 'FI'\"}\n",
        encoding="utf-8")
    code, errors = run("run", "--conf", str(conf), "--run-date", "2026-11-21")
    assert code == cli.EXIT_BAD_INPUT
    assert errors.strip().splitlines()[-1].startswith(
        f"input error: {tmp_path / 'segments.yaml'}: `segments[1].condition`: segment 'finns': "
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with "
        "name `countr` cannot be resolved."), errors
    assert sorted(p.name for p in (tmp_path / "warehouse").iterdir()) == []
    # So does a link_decisions table's row that is no decision, or one that contradicts the
    # configuration's (both had been dropped or half applied without a word).
    (tmp_path / "segments.yaml").write_text(
        "segments:\n  - {name: everyone, description: all, condition: customer_id is not null}\n",
        encoding="utf-8")
    table = tmp_path / "warehouse" / tables.LINK_DECISIONS
    spark.createDataFrame([("web/p1", "web/p2", "Must_Link")],
                          "record_l string, record_r string, decision string") \
        .write.format("delta").save(str(table))
    code, errors = run("run", "--conf", str(conf), "--run-date", "2026-11-21")
    assert code == cli.EXIT_BAD_INPUT
    assert errors.strip().splitlines()[-1] == (
        f"input error: {table}: `decision`: the table's row (web/p1, web/p2): 'Must_Link': "
        "expected must_link or cannot_link"), errors
    spark.createDataFrame([("web/p2", "web/p1", "cannot_link")],
                          "record_l string, record_r string, decision string") \
        .write.format("delta").mode("overwrite").save(str(table))
    conf.write_text(json.dumps({**json.loads(conf.read_text(encoding="utf-8")), "link_decisions": [
        {"records": ["web/p1", "web/p2"], "decision": "must_link"}]}), encoding="utf-8")
    code, errors = run("run", "--conf", str(conf), "--run-date", "2026-11-21")
    assert code == cli.EXIT_BAD_INPUT
    assert errors.strip().splitlines()[-1] == (
        f"input error: {table}: `decision`: link_decisions[0] of {conf} and the table's row "
        "(web/p2, web/p1): web/p1 and web/p2 are declared both must_link and cannot_link; "
        "keep one"), errors
    assert sorted(p.name for p in (tmp_path / "warehouse").iterdir()) == [tables.LINK_DECISIONS]


def test_a_link_decision_naming_an_order_is_refused(spark: SparkSession, tmp_path: Path) -> None:
    """An order is no record: a table row pairing one (it had been warned of as a record no
    source holds) is refused, naming the row."""
    from jobs.config import ConfigError, load_config
    from jobs.pipeline import link_decisions

    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({"warehouse": str(tmp_path / "warehouse"), "sources": [
        {"name": "magazine", "kind": "registry", "format": "csv", "path": "m.csv"},
        {"name": "magazine_orders", "kind": "orders", "registry": "magazine", "format": "csv",
         "path": "o.csv"}]}), encoding="utf-8")
    table = tmp_path / "warehouse" / tables.LINK_DECISIONS
    spark.createDataFrame([("magazine/M1", "magazine/M2", "must_link"),
                           ("magazine/M3", "magazine_orders/O7", "cannot_link")],
                          "record_l string, record_r string, decision string") \
        .write.format("delta").save(str(table))
    with pytest.raises(ConfigError) as error:
        link_decisions(spark, load_config(conf))
    assert str(error.value) == (
        f"{table}: `record_r`: the row (magazine/M3, magazine_orders/O7): 'magazine_orders/O7' "
        "is an order, which is no record; a decision pairs two customers' records")


def test_an_emptied_registry_is_named_before_its_orders_and_train_rebuilds_the_profiles(
        spark: SparkSession, tmp_path: Path) -> None:
    """A registry delivered empty beside its orders: the registry is named (and --allow-empty
    it lets the run go on, its orders rejected as unknown subscribers), not the orders as
    unreadable. `train` leaves profiles of the crosswalk it replaced behind no more."""
    data = tmp_path / "data"
    generate_demo_data(data, persons=200, seed=17)
    warehouse = str(tmp_path / "warehouse")
    registry, orders = data / "registry_magazine.csv", data / "orders_magazine.csv"
    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({"warehouse": warehouse, "sources": [
        {"name": "magazine", "kind": "registry", "format": "csv", "path": str(registry)},
        {"name": "magazine_orders", "kind": "orders", "registry": "magazine", "format": "csv",
         "path": str(orders)},
        {"name": "cable", "kind": "registry", "format": "csv",
         "path": str(data / "registry_cable.csv")},
        {"name": "web", "kind": "online", "format": "json",
         "path": str(data / "online_profiles.jsonl")}]}), encoding="utf-8")
    assert run("run", "--conf", str(conf), "--run-date", "2026-11-20")[0] == cli.EXIT_OK

    assert run("train", "--conf", str(conf), "--run-date", "2026-11-21")[0] == cli.EXIT_OK
    for table, column in ((tables.IDENTITY_CROSSWALK, "assigned_run_id"),
                          (tables.CUSTOMER_PROFILES, "run_id")):
        frame = tables.read_table(spark, warehouse, table)
        assert frame is not None
        assert {r[0] for r in frame.select(column).distinct().collect()} == {"2026-11-21"}, table

    accepted = sum(1 for line in registry.read_text(encoding="utf-8").splitlines()[1:] if line)
    registry.write_text(registry.read_text(encoding="utf-8").splitlines()[0] + "\n",
                        encoding="utf-8")
    code, errors = run("ingest", "--conf", str(conf), "--run-date", "2026-11-22")
    assert code == cli.EXIT_BAD_INPUT
    records = tables.read_table(spark, warehouse, tables.STANDARDIZED_RECORDS)
    assert records is not None
    magazine = records.where(F.col("source") == "magazine")
    assert errors.strip().splitlines()[-1] == (
        f"input error: source 'magazine' ({registry}) read no rows, where run 2026-11-20 "
        f"accepted {magazine.count():,}. Without its rows, its people's customers would go, "
        "and come back with new ids; check the files, or if it is empty on purpose, run with "
        "--allow-empty magazine")
    assert accepted >= magazine.count() > 0
    assert run("ingest", "--conf", str(conf), "--run-date", "2026-11-22", "--allow-empty",
               "magazine")[0] == cli.EXIT_OK
    rejected = tables.read_table(spark, warehouse, tables.REJECTED_RECORDS)
    assert rejected is not None
    reasons = {(r["source"], r["reason"]) for r in rejected.where(
        F.col("run_id") == "2026-11-22").select("source", "reason").distinct().collect()}
    assert ("magazine_orders", "unknown_subscriber") in reasons
