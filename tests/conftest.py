"""One Spark session for the whole suite, tuned for tiny inline data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

from jobs.spark import get_spark

TEST_SETTINGS = {
    # Tiny inputs: one shuffle partition avoids scheduling hundreds of empty tasks per test.
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    # Adaptive execution re-plans tiny joins for no gain and makes plans differ between runs.
    "spark.sql.adaptive.enabled": "false",
    # The UI server is never looked at in tests and costs start-up time and a port.
    "spark.ui.enabled": "false",
    # Tests start one JVM; 2 GB is ample for inline rows and the end-to-end sample.
    "spark.driver.memory": "2g",
    "spark.databricks.delta.snapshotPartitions": "1",
    # Tiny inputs again: compiling each query's generated Java (whole stages and expressions,
    # by Janino, then by the JIT) costs more than running it interpreted over a few rows. A
    # 200-person run took 26.5 to 32.1 s warm against 37.0 to 44.6 s (benchmarks/README.md).
    # The job does the same on few records or pairs (jobs.spark.fit_code_generation); named
    # here, the tests' session runs interpreted whatever the size (a session's own settings
    # win). Generated code is run by `make run` (the demo's 221,000 pairs are compared and
    # scored with it) and the benchmarks on larger data sets.
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}

# Test files that take minutes, slowest first (per-file sums of --durations=0, 2026-12-08:
# 619, 520, 245, 222, 192, 117, 88, 65 and 55 s). pytest-xdist hands whole files to its workers
# (--dist loadfile) in collection order: these go first and the quick files fill in around
# them, instead of the slowest arriving last.
SLOW_FILES = ("test_privacy.py", "test_end_to_end.py", "test_exports.py", "test_incremental.py",
              "test_run_guards.py", "test_ingest.py", "test_maintenance.py", "test_clustering.py",
              "test_guards.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES)))


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    session = get_spark("idres-tests", TEST_SETTINGS)
    yield session
    session.stop()
