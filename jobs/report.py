"""The run report: one self-contained HTML file per run (no scripts, no external files).

It shows the match-weight distribution of the scored pairs, the m and u of every comparison
level, the cluster-size distribution and, where ground truth exists, pair precision and recall
by match-probability threshold. The figures are gathered with small Spark aggregates
(`report_figures`); `render_report` only formats them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.model import ModelParameters

THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999)


@dataclass(frozen=True)
class ReportFigures:
    run_id: str
    weight_histogram: list[tuple[int, int]]  # (weight bucket, pairs)
    cluster_sizes: list[tuple[int, int]]  # (size, clusters)
    by_threshold: list[tuple[str, float | None, float | None, int]] = field(
        default_factory=list)  # (threshold or rule, precision, recall, linked true pairs)
    summary: list[tuple[str, str]] = field(default_factory=list)


def weight_histogram(scored: DataFrame) -> list[tuple[int, int]]:
    """Returns (bucket, pairs) with buckets of one bit of match weight."""
    rows = scored.groupBy(F.floor("match_weight").cast("int").alias("bucket")).count().collect()
    return sorted((int(r["bucket"]), int(r["count"])) for r in rows)


# The label of the link rule's row in the table by threshold.
BY_THE_LINK_RULE = "link rule"


def precision_recall_by_threshold(scored: DataFrame, truth: DataFrame, true_pairs: int,
                                  thresholds: Sequence[float] = THRESHOLDS,
                                  linked: str | None = None
                                  ) -> list[tuple[str, float | None, float | None, int]]:
    """Returns, per threshold, the precision and recall of the scored pairs at or above it
    (pairs, before clustering), against ground truth (record_id, person_id); first, with
    `linked` (a boolean column: the link rule's verdict), those of the pairs it links."""
    left = truth.select(F.col("record_id").alias("record_l"), F.col("person_id").alias("p_l"))
    right = truth.select(F.col("record_id").alias("record_r"), F.col("person_id").alias("p_r"))
    labelled = scored.join(left, "record_l").join(right, "record_r").select(
        "match_probability", (F.col("p_l") == F.col("p_r")).alias("match"),
        (F.col(linked) if linked else F.lit(False)).alias("_linked"))
    rows = ([(BY_THE_LINK_RULE, F.col("_linked"))] if linked else []) + [
        (str(threshold), F.col("match_probability") >= threshold) for threshold in thresholds]
    aggregates = []
    for i, (_label, taken) in enumerate(rows):
        aggregates += [F.sum(F.when(taken, 1).otherwise(0)).alias(f"n{i}"),
                       F.sum(F.when(taken & F.col("match"), 1).otherwise(0)).alias(f"t{i}")]
    row = labelled.agg(*aggregates).first()
    result = []
    for i, (label, _taken) in enumerate(rows):
        taken_pairs = int(row[f"n{i}"] or 0) if row else 0
        correct = int(row[f"t{i}"] or 0) if row else 0
        result.append((label, correct / taken_pairs if taken_pairs else None,
                       correct / true_pairs if true_pairs else None, correct))
    return result


def _bars(rows: Sequence[tuple[str, float]], width: int = 520, bar_height: int = 16,
          log_scale: bool = False) -> str:
    """Returns an inline SVG horizontal bar chart of (label, value)."""
    if not rows:
        return "<p>(nothing to show)</p>"
    scale = [math.log10(v + 1) if log_scale else v for _label, v in rows]
    top = max(scale) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 220}" '
             f'height="{bar_height * len(rows) + 4}" role="img">']
    for i, ((label, value), scaled) in enumerate(zip(rows, scale, strict=True)):
        y = i * bar_height + 2
        length = max(1, int(width * scaled / top)) if value else 0
        parts.append(f'<text x="0" y="{y + bar_height - 4}" font-size="12">'
                     f'{html.escape(label)}</text>')
        parts.append(f'<rect x="90" y="{y}" width="{length}" height="{bar_height - 3}" '
                     f'fill="#4a78b5"/>')
        parts.append(f'<text x="{95 + length}" y="{y + bar_height - 4}" font-size="11">'
                     f'{value:,.0f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_report(figures: ReportFigures, params: ModelParameters) -> str:
    """Returns the report as one HTML document."""
    levels = [
        (spec.name, level, label, f"{params.m[spec.name][level]:.4g}",
         f"{params.u[spec.name][level]:.4g}", f"{params.partial_weight(spec.name, level):+.2f}")
        for spec in params.comparisons for level, label in enumerate(spec.levels)
    ]
    sections = [
        f"<h1>Identity resolution: run {html.escape(figures.run_id)}</h1>",
        _table(("figure", "value"), figures.summary),
        "<h2>Match weight of the scored pairs (one bar per bit, log scale)</h2>",
        _bars([(f"{b:+d}", float(n)) for b, n in figures.weight_histogram], log_scale=True),
        f"<h2>Model (trained {html.escape(params.trained_at)}, prior λ {params.prior:.3g})</h2>",
        _table(("comparison", "level", "label", "m", "u", "weight"), levels),
        "<h2>Cluster sizes</h2>",
        _bars([(f"size {s}", float(n)) for s, n in figures.cluster_sizes], log_scale=True),
    ]
    if figures.by_threshold:
        sections += [
            "<h2>Pairs against ground truth, by match-probability threshold</h2>",
            "<p>Pairs, before clustering. The first row: the pairs the link rule links (the "
            "threshold, the identity guard's vetoes, which refuse a pair at any score, and the "
            "rules that link some below it), before link decisions and the cluster checks. "
            "The others: each scored pair taken as linked where its probability reaches the "
            "threshold, by the score alone.</p>",
            _table(("threshold", "precision", "recall", "true pairs linked"), [
                (t, "-" if p is None else f"{p:.4f}", "-" if r is None else f"{r:.4f}", n)
                for t, p, r, n in figures.by_threshold]),
        ]
    style = ("body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:"
             "collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;"
             "text-align:right}th{background:#eee}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>run "
            f"{html.escape(figures.run_id)}</title><style>{style}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")
