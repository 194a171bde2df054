"""Tests of how the job sizes Spark work to the data: shuffle partitions and the u sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from jobs.pipeline import hash_sample
from jobs.spark import RECORDS_PER_PARTITION, fit_shuffle_partitions, input_bytes


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
