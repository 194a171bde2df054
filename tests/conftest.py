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
}


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    session = get_spark("idres-tests", TEST_SETTINGS)
    yield session
    session.stop()
