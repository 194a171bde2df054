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
    tp = labelled.groupBy("customer_id", "person_id").count().agg(_pairs("count")).first()[0]
    predicted = labelled.groupBy("customer_id").count().agg(_pairs("count")).first()[0]
    actual = labelled.groupBy("person_id").count().agg(_pairs("count")).first()[0]
    labelled.unpersist()
    return PairwiseAccuracy(int(tp or 0), int(predicted or 0), int(actual or 0))
