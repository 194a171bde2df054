"""Pairwise precision, recall and F1 of a clustering against ground truth, without listing pairs."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

GROUND_TRUTH_SCHEMA = StructType(
    [
        StructField("source", StringType(), False),
        StructField("source_record_id", StringType(), False),
        StructField("person_id", StringType(), False),
    ]
)


@dataclass(frozen=True)
class PairwiseAccuracy:
    true_positive_pairs: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positive_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_ground_truth(spark: SparkSession, path: str) -> DataFrame:
    """Returns the ground truth (source, source_record_id, person_id) read from a CSV file."""
    return spark.read.option("header", True).schema(GROUND_TRUTH_SCHEMA).csv(path)


def _pairs(column: str) -> F.Column:
    return F.sum(F.col(column) * (F.col(column) - 1) / 2)


def pairwise_accuracy(crosswalk: DataFrame, truth: DataFrame) -> PairwiseAccuracy:
    """Returns pairwise accuracy over the records present in both the crosswalk and the truth.

    Counting within groups (cluster x person) gives the pair counts without enumerating pairs.
    """
    labelled = crosswalk.select("source", "source_record_id", "customer_id").join(
        truth, ["source", "source_record_id"]
    ).cache()
    def pair_count(*group: str) -> int:
        row = labelled.groupBy(*group).count().agg(_pairs("count")).first()
        return int(row[0] or 0) if row is not None else 0

    tp = pair_count("customer_id", "person_id")
    predicted = pair_count("customer_id")
    actual = pair_count("person_id")
    labelled.unpersist()
    return PairwiseAccuracy(tp, predicted, actual)


def _pairs_by_source_pair(counts: DataFrame, group: str) -> DataFrame:
    """Returns (source_a, source_b, pairs): record pairs within `group`, per unordered pair of
    sources, from per-(group, source) record counts `n`."""
    left = counts.select(group, F.col("source").alias("source_a"), F.col("n").alias("n_a"))
    right = counts.select(group, F.col("source").alias("source_b"), F.col("n").alias("n_b"))
    joined = left.join(right, group).where(F.col("source_a") <= F.col("source_b"))
    pairs = F.when(F.col("source_a") == F.col("source_b"), F.col("n_a") * (F.col("n_a") - 1) / 2) \
        .otherwise(F.col("n_a") * F.col("n_b"))
    return joined.groupBy("source_a", "source_b").agg(F.sum(pairs).cast("long").alias("pairs"))


def accuracy_by_source_pair(crosswalk: DataFrame, truth: DataFrame) -> DataFrame:
    """Returns (source_a, source_b, true_positive_pairs, predicted_pairs, true_pairs, precision,
    recall): pairwise accuracy per unordered pair of sources (a pair of one source included)."""
    labelled = crosswalk.select("source", "source_record_id", "customer_id").join(
        truth, ["source", "source_record_id"])
    by = {
        "true_positive_pairs": labelled.withColumn("cell", F.concat_ws("|", "customer_id",
                                                                        "person_id")),
        "predicted_pairs": labelled.withColumn("cell", F.col("customer_id")),
        "true_pairs": labelled.withColumn("cell", F.col("person_id")),
    }
    result = None
    for name, frame in by.items():
        counts = frame.groupBy("cell", "source").agg(F.count(F.lit(1)).alias("n"))
        pairs = _pairs_by_source_pair(counts, "cell").withColumnRenamed("pairs", name)
        result = pairs if result is None else result.join(pairs, ["source_a", "source_b"],
                                                          "full_outer")
    assert result is not None
    result = result.fillna(0, subset=list(by))
    return result.select(
        "source_a", "source_b", *by,
        F.when(F.col("predicted_pairs") > 0,
               F.col("true_positive_pairs") / F.col("predicted_pairs")).alias("precision"),
        F.when(F.col("true_pairs") > 0,
               F.col("true_positive_pairs") / F.col("true_pairs")).alias("recall"),
    )
