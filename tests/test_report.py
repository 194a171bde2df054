"""The run report's precision and recall against ground truth, and how it shows them."""

from __future__ import annotations

from pyspark.sql import SparkSession

from jobs.model import ModelParameters
from jobs.report import ReportFigures, precision_recall_by_threshold, render_report


def test_precision_and_recall_by_the_link_rule_and_by_threshold(spark: SparkSession) -> None:
    # P1's two records scored 0.99 and linked; P2's 0.6, linked by a rule below the threshold;
    # P1 and P2 0.96 (vetoed) and 0.85; P3's two records never scored (a true pair missed).
    scored = spark.createDataFrame(
        [("a1", "a2", 0.99, True), ("a1", "b1", 0.96, False), ("b1", "b2", 0.6, True),
         ("a2", "b2", 0.85, False)],
        "record_l string, record_r string, match_probability double, linked boolean")
    truth = spark.createDataFrame(
        [("a1", "P1"), ("a2", "P1"), ("b1", "P2"), ("b2", "P2"), ("c1", "P3"), ("c2", "P3")],
        "record_id string, person_id string")
    rows = precision_recall_by_threshold(scored, truth, 3, (0.5, 0.9, 0.99, 0.999),
                                         linked="linked")
    assert rows == [("link rule", 1.0, 2 / 3, 2), ("0.5", 0.5, 2 / 3, 2),
                    ("0.9", 0.5, 1 / 3, 1), ("0.99", 1.0, 1 / 3, 1), ("0.999", None, 0.0, 0)]
    assert precision_recall_by_threshold(scored, truth, 3, (0.9,)) == [("0.9", 0.5, 1 / 3, 1)]

    params = ModelParameters(comparisons=(), m={}, u={}, prior=0.001, prior_candidates=0.1,
                             trained_at="2026-12-07", em_iterations=3, converged=True)
    page = render_report(ReportFigures("r1", [(-3, 2), (5, 1)], [(1, 4), (2, 1)], rows,
                                       [("links", "2")]), params)
    assert ("<tr><th>threshold</th><th>precision</th><th>recall</th><th>true pairs linked</th>"
            "</tr><tr><td>link rule</td><td>1.0000</td><td>0.6667</td><td>2</td></tr>"
            "<tr><td>0.5</td><td>0.5000</td><td>0.6667</td><td>2</td></tr>") in page
    assert "<tr><td>0.999</td><td>-</td><td>0.0000</td><td>0</td></tr>" in page
    assert "<tr><td>links</td><td>2</td></tr>" in page
