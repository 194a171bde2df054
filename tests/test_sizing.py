"""Tests of how the job sizes Spark work to the data: shuffle partitions and the u sample."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pandas as pd
import pyspark.daemon
import pytest
from pyspark.sql import SparkSession

import jobs.spark as spark_module
from jobs.pipeline import hash_sample
from jobs.spark import (
    COMPILER_DIRECTIVES,
    INTERPRETED,
    LOCAL_DEFAULTS,
    RECORDS_PER_PARTITION,
    fit_code_generation,
    fit_shuffle_partitions,
    input_bytes,
    session_settings,
)


@pytest.mark.parametrize(
    ("records", "ceiling", "expected"),
    [
        (0, 8, 1),
        (10_000, 8, 1),
        (RECORDS_PER_PARTITION, 8, 1),
        (RECORDS_PER_PARTITION + 1, 8, 2),
        (3 * RECORDS_PER_PARTITION, 8, 3),
        (10_000_000, 8, 8),
        (10_000_000, 200, 200),
    ],
)
def test_shuffle_partitions_follow_the_records_up_to_the_configured_value(
    spark: SparkSession, records: int, ceiling: int, expected: int
) -> None:
    before = spark.conf.get("spark.sql.shuffle.partitions")
    try:
        assert fit_shuffle_partitions(spark, records, ceiling) == expected
        assert spark.conf.get("spark.sql.shuffle.partitions") == str(expected)
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", str(before))


class _Settings:
    """The runtime settings of a session, as spark.conf reads and changes them."""

    SPARK_DEFAULTS = {"spark.sql.codegen.wholeStage": "true",
                      "spark.sql.codegen.factoryMode": "FALLBACK"}

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, self.SPARK_DEFAULTS.get(key, default))

    def set(self, key: str, value: str) -> None:
        self.values[key] = value

    def unset(self, key: str) -> None:
        self.values.pop(key, None)


class _Session:
    """A session built with `built_with` (its SparkConf), its runtime settings apart."""

    def __init__(self, built_with: dict[str, str]) -> None:
        self.conf = _Settings(dict(built_with))
        self.sparkContext = self
        self.built_with = built_with

    def getConf(self) -> _Session:  # noqa: N802  (SparkContext's name)
        return self

    def contains(self, key: str) -> bool:
        return key in self.built_with


def test_little_data_runs_interpreted_and_more_with_generated_code() -> None:
    session = _Session({"spark.master": "local[2]"})
    assert fit_code_generation(session, 999, 1_000) is True  # type: ignore[arg-type]
    assert session.conf.values == {"spark.master": "local[2]", **INTERPRETED}
    # The next stage, or a later run of the same session, on more: Spark's defaults again.
    assert fit_code_generation(session, 1_000, 1_000) is False  # type: ignore[arg-type]
    assert session.conf.values == {"spark.master": "local[2]"}


@pytest.mark.parametrize("pinned", [{"spark.sql.codegen.wholeStage": "false"},
                                    {"spark.sql.codegen.factoryMode": "CODEGEN_ONLY"}, INTERPRETED])
def test_code_generation_the_session_was_built_with_stays(pinned: dict[str, str]) -> None:
    for size in (10, 10_000_000):
        session = _Session(pinned)
        assert fit_code_generation(session, size, 1_000) is (  # type: ignore[arg-type]
            pinned == INTERPRETED)
        assert session.conf.values == pinned


def test_a_run_compares_many_pairs_with_generated_code_and_its_records_interpreted() -> None:
    from datetime import date

    from jobs.pipeline import RunContext
    from jobs.spark import INTERPRETED_PAIRS_BELOW, INTERPRETED_RECORDS_BELOW

    session = _Session({"spark.sql.shuffle.partitions": "8"})
    ctx = RunContext(spark=session, config=None, run_date=date(2026, 12, 7),  # type: ignore[arg-type]
                     run_id="2026-12-07")
    records = INTERPRETED_RECORDS_BELOW - 1
    ctx.fit_to_size(records)  # the block stage
    assert session.conf.values == {"spark.sql.shuffle.partitions": "2", **INTERPRETED}
    ctx.fit_to_pairs(INTERPRETED_PAIRS_BELOW)  # compare and score
    assert session.conf.values == {"spark.sql.shuffle.partitions": "2"}
    ctx.fit_to_size(records)  # cluster and after
    assert session.conf.values == {"spark.sql.shuffle.partitions": "2", **INTERPRETED}


def test_the_test_session_runs_interpreted_whatever_the_size(spark: SparkSession) -> None:
    # Built with TEST_SETTINGS (conftest.py), which name both settings.
    assert fit_code_generation(spark, 10_000_000, 1_000) is True
    assert {key: spark.conf.get(key) for key in INTERPRETED} == INTERPRETED


def test_input_bytes_of_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"x" * 100)
    folder = tmp_path / "parts"
    (folder / "deeper").mkdir(parents=True)
    (folder / "p1.json").write_bytes(b"x" * 30)
    (folder / "deeper" / "p2.json").write_bytes(b"x" * 12)
    assert input_bytes([str(tmp_path / "a.csv"), str(folder)]) == 142
    assert input_bytes([f"file:{tmp_path / 'a.csv'}"]) == 100
    # Unknown sizes keep the configured partitions: a remote or a missing path.
    assert input_bytes([str(tmp_path / "a.csv"), "s3://bucket/registry.csv"]) is None
    assert input_bytes([str(tmp_path / "missing.csv")]) is None


def test_hash_sample_is_the_same_however_the_records_are_partitioned(
    spark: SparkSession
) -> None:
    records = spark.createDataFrame([(f"src/{i}",) for i in range(300)], "record_id string")
    one = {r["record_id"] for r in hash_sample(records.repartition(1), 25, seed=42).collect()}
    seven = {r["record_id"] for r in hash_sample(records.repartition(7), 25, seed=42).collect()}
    other_seed = {r["record_id"] for r in hash_sample(records, 25, seed=43).collect()}
    assert len(one) == 25
    assert one == seven
    assert other_seed != one
    # Asking for more than there is gives every record once.
    assert hash_sample(records, 1_000, seed=42).count() == 300


def test_local_sessions_use_the_parallel_collector_the_directives_and_the_class_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "spark-classes.jsa"
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    monkeypatch.setenv("IDRES_CLASS_ARCHIVE", str(archive))
    directives = (f"-XX:+UnlockDiagnosticVMOptions -XX:CompilerDirectivesFile={COMPILER_DIRECTIVES}"
                  " -XX:+DisplayVMOutputToStderr")
    assert session_settings()["spark.driver.extraJavaOptions"] == (
        f"-XX:+UseParallelGC {directives}")
    archive.write_bytes(b"archive")
    settings = session_settings()
    assert settings["spark.driver.extraJavaOptions"] == (
        f"-XX:+UseParallelGC {directives} -XX:SharedArchiveFile={archive}")
    # Without the directives file (a JVM given a missing one does not start), none.
    monkeypatch.setattr(spark_module, "COMPILER_DIRECTIVES", tmp_path / "missing.json")
    assert session_settings()["spark.driver.extraJavaOptions"] == (
        f"-XX:+UseParallelGC -XX:SharedArchiveFile={archive}")
    # The configuration's own JVM options win (and must name the archive to keep it).
    assert session_settings({"spark.driver.extraJavaOptions": "-Dx=1"})[
        "spark.driver.extraJavaOptions"] == "-Dx=1"
    # Under spark-submit the cluster's JVM options stand: no archive, no local defaults.
    monkeypatch.setenv("PYSPARK_GATEWAY_PORT", "1")
    submitted = session_settings()
    assert "spark.driver.extraJavaOptions" not in submitted
    assert "spark.python.daemon.module" not in submitted


def test_the_python_daemon_module_preloads_and_serves_workers() -> None:
    assert LOCAL_DEFAULTS["spark.python.daemon.module"] == "jobs.spark_daemon"
    daemon = importlib.import_module("jobs.spark_daemon")
    assert daemon.manager is pyspark.daemon.manager
    for module in ("pandas", "pyarrow", "jellyfish", "phonenumbers", "jobs.standardize",
                   "jobs.comparisons"):
        assert module in sys.modules


def test_workers_import_pyspark_from_the_package_not_from_archives(spark: SparkSession) -> None:
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    @F.pandas_udf(StringType())  # type: ignore[call-overload]
    def import_state(ids: pd.Series) -> pd.Series:
        import json
        import os
        import sys
        import zipimport

        import pyspark as worker_pyspark

        archives = [key for key, finder in sys.path_importer_cache.items()
                    if isinstance(finder, zipimport.zipimporter)]
        state = {"archives": archives,
                 "on_path": [p for p in sys.path if p.endswith((".zip", ".jar"))
                             and os.path.exists(p)],
                 "pyspark": os.path.dirname(worker_pyspark.__file__)}
        return pd.Series([json.dumps(state)] * len(ids))

    import json

    row = spark.range(1).select(import_state(F.col("id").cast("string"))).first()
    assert row is not None
    state = json.loads(row[0])
    # Spark puts pyspark.zip, py4j's zip and the spark-core jar first on the workers' path:
    # each would read its whole directory at every task (importlib.invalidate_caches).
    assert state == {"archives": [], "on_path": [],
                     "pyspark": str(Path(pyspark.daemon.__file__).parent)}
