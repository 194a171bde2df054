"""Accuracy benchmark: our job against Splink 4 (Spark and DuckDB back ends), same inputs.

    .venv/bin/python benchmarks/bench_accuracy.py [--datasets demo,demo-varied,febrl4,febrl3]
        [--demo-persons 10000] [--tools idres,splink-spark,splink-duckdb]
        [--labelled [NAME=]CONF ...]

For each data set (the synthetic demo sources, the same with varied names and personal IPs,
FEBRL4 as two registries, FEBRL3 as one registry with duplicates, three populations made
without reading the job's code: independent and independent-hard of independent_data.py,
independent-b of independent_data_b.py; see datasets.py, and any
labelled data set of your own given by a job configuration with a `ground_truth:` key) it runs,
each in a subprocess of its own and timed by the wall clock from start to exit:

- idres: `python -m jobs run --conf CONF --run-date 2026-11-22` on a fresh warehouse (the whole
  job: ingest, standardize, resolve, profiles);
- splink-spark, splink-duckdb: splink_run.py on the job's `standardized_records`, so both tools
  see identical cleaned values (start-up, reading, training, prediction and clustering timed).

Then it measures pairwise precision, recall and F1 against the ground truth (overall and per
unordered pair of sources) on the records the job accepted, prints one table and writes it as
JSON to benchmarks/results/accuracy.json. Samples of the job's false links and missed links, with
both records' compared values, go to WORK/<dataset>/errors_idres.csv.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from datasets import Dataset, prepare, prepare_labelled
from deltalake import DeltaTable
from diagnose import error_causes, what_if_thresholds
from metrics import (
    error_pairs,
    labelled_records,
    pairwise_by_source_pair,
    scores,
    seen_through_every_kind,
)

from jobs.config import load_config
from jobs.evaluation import PairwiseAccuracy

log = logging.getLogger("bench")

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATASETS = ("demo", "demo-varied", "febrl4", "febrl3", "independent", "independent-hard",
            "independent-b")
TOOLS = ("idres", "splink-spark", "splink-duckdb")
RUN_DATE = "2026-11-22"
ERROR_COLUMNS = ("first_name_norm", "last_name_norm", "birth_date", "email_sha256", "phone_e164",
                 "postal_code", "house_number", "street_norm", "city_norm", "handle",
                 "ip_address")


@dataclass
class ToolRun:
    tool: str
    seconds: float
    ok: bool
    log_file: Path
    clusters: pd.DataFrame | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _table(warehouse: Path, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    return DeltaTable(str(warehouse / name)).to_pandas(columns=list(columns) if columns else None)


def _timed(command: list[str], log_file: Path) -> tuple[float, int]:
    """Runs `command` from the repository root, output to `log_file`; returns (seconds, exit)."""
    log.info("  $ %s  (log: %s)", " ".join(command), log_file)
    started = time.perf_counter()
    with log_file.open("w", encoding="utf-8") as out:
        done = subprocess.run(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                              check=False)
    return time.perf_counter() - started, done.returncode


def _stage_seconds(log_file: Path) -> dict[str, float]:
    """Returns the job's own time per stage, read from its summary line."""
    text = log_file.read_text(encoding="utf-8", errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("time per stage:")), "")
    return {name: float(value) for name, value in re.findall(r"(\w+) ([0-9.]+)s", line)}


def run_idres(dataset: Dataset) -> ToolRun:
    """Runs the whole job on a fresh warehouse; returns its crosswalk as clusters."""
    shutil.rmtree(dataset.warehouse, ignore_errors=True)
    log_file = dataset.folder / "idres.log"
    command = [sys.executable, "-m", "jobs", "run", "--conf", str(dataset.conf),
               "--run-date", RUN_DATE]
    seconds, code = _timed(command, log_file)
    run = ToolRun("idres", seconds, code == 0, log_file)
    if code != 0:
        log.error("  idres failed (exit %d) after %.0f s; see %s", code, seconds, log_file)
        return run
    crosswalk = _table(dataset.warehouse, "identity_crosswalk", ["record_id", "customer_id"])
    run.clusters = crosswalk.rename(columns={"customer_id": "cluster_id"})
    run.details["stage_seconds"] = _stage_seconds(log_file)
    return run


def ensure_standardized(dataset: Dataset) -> bool:
    """Makes sure the warehouse holds standardized_records (runs `jobs ingest` if needed)."""
    if (dataset.warehouse / "standardized_records" / "_delta_log").is_dir():
        return True
    log.info("  no standardized_records yet: running the job's ingest stage (not timed)")
    command = [sys.executable, "-m", "jobs", "ingest", "--conf", str(dataset.conf),
               "--run-date", RUN_DATE]
    _seconds, code = _timed(command, dataset.folder / "ingest.log")
    return code == 0


def run_splink(dataset: Dataset, backend: str, threshold: float, spark_conf: dict[str, str],
               location: str) -> ToolRun:
    """Runs splink_run.py with one back end on the job's standardized records."""
    out = dataset.folder / f"splink-{backend}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log_file = dataset.folder / f"splink-{backend}.log"
    command = [sys.executable, str(HERE / "splink_run.py"), "--backend", backend,
               "--warehouse", str(dataset.warehouse), "--out", str(out),
               "--threshold", str(threshold), "--location", location]
    if backend == "spark":
        command += [f"--spark-conf={key}={value}" for key, value in spark_conf.items()]
    seconds, code = _timed(command, log_file)
    run = ToolRun(f"splink-{backend}", seconds, code == 0, log_file)
    if code != 0:
        log.error("  splink %s failed (exit %d); see %s", backend, code, log_file)
        return run
    run.clusters = pd.read_parquet(out / "clusters.parquet")
    info = json.loads((out / "splink.json").read_text(encoding="utf-8"))
    run.details = {k: info[k] for k in ("link_type", "compared_columns", "em_sessions", "links",
                                        "threshold_match_probability", "location",
                                        "phases_seconds")}
    return run


def _true_pairs(truth: pd.DataFrame) -> int:
    sizes = truth.groupby("person_id").size()
    return int((sizes * (sizes - 1) // 2).sum())


def rejected_summary(dataset: Dataset, accepted: pd.DataFrame, truth: pd.DataFrame
                     ) -> dict[str, Any]:
    """Returns how many rows the job rejected (by source and reason) and the true pairs lost."""
    rejected = _table(dataset.warehouse, "rejected_records", ["source", "reason"])
    by_reason = rejected.groupby(["source", "reason"]).size()
    kept = truth[(truth["source"] + "/" + truth["source_record_id"]).isin(
        set(accepted["record_id"]))]
    true_all, true_kept = _true_pairs(truth), _true_pairs(kept)
    per_source = accepted.groupby("source").size()
    return {
        "accepted": {str(k): int(v) for k, v in per_source.items()},
        "rejected": {f"{s}:{r}": int(n) for (s, r), n in by_reason.items()},
        "true_pairs_in_input": true_all,
        "true_pairs_lost_to_rejects": true_all - true_kept,
    }


def write_error_samples(dataset: Dataset, labelled: pd.DataFrame, records: pd.DataFrame,
                        limit: int) -> Path:
    """Writes sample false links and missed links of the job, with both records' values and the
    job's scores of the pair (when the pair was scored), for whoever improves the model."""
    false_links, missed = error_pairs(labelled, limit)
    pairs = pd.concat([false_links.assign(error="false_link"), missed.assign(error="missed")])
    values = records.set_index("record_id")
    wide = pairs.join(values.add_suffix("_l"), on="record_l").join(
        values.add_suffix("_r"), on="record_r")
    scored = _match_pairs(dataset)
    if scored is not None:
        keep = ["record_l", "record_r", "match_weight", "match_probability",
                *[c for c in scored.columns if c.startswith("gamma_")]]
        wide = wide.merge(scored[keep], on=["record_l", "record_r"], how="left")
    ordered = ["error", "record_l", "record_r",
               *[c for c in wide.columns if c.startswith(("match_", "gamma_"))]]
    for column in ERROR_COLUMNS:
        ordered += [f"{column}_l", f"{column}_r"]
    path = dataset.folder / "errors_idres.csv"
    wide[[c for c in ordered if c in wide.columns]].to_csv(path, index=False)
    return path


def _match_pairs(dataset: Dataset) -> pd.DataFrame | None:
    path = dataset.warehouse / "match_pairs"
    if not (path / "_delta_log").is_dir():
        return None
    return DeltaTable(str(path)).to_pandas()


def diagnose_idres(dataset: Dataset, labelled: pd.DataFrame, stored: pd.DataFrame
                   ) -> dict[str, dict[str, int]]:
    """Returns the job's missed and false pairs bucketed by cause (see diagnose.py)."""
    config = load_config(dataset.conf)
    scored = _match_pairs(dataset)
    return error_causes(labelled, stored, scored, config.blocking.rules,
                        config.matching.link_threshold)


WHAT_IF_THRESHOLDS = (0.5, 0.9, 0.99, 0.999, 0.9999)


def unguarded_scores(dataset: Dataset, truth: pd.DataFrame, record_ids: pd.Series
                     ) -> list[dict[str, Any]]:
    """Returns precision, recall and F1 of plain connected components of the job's scored pairs
    at several thresholds (no guards): what the guards and the threshold cost or save."""
    scored = _match_pairs(dataset)
    if scored is None:
        return []
    result = []
    for threshold, clusters in what_if_thresholds(scored, record_ids,
                                                  WHAT_IF_THRESHOLDS).items():
        counts = pairwise_by_source_pair(labelled_records(clusters, truth, record_ids))["all"]
        result.append({"threshold": threshold, **scores(counts)})
        log.info("  idres scores without guards, threshold %s: precision %.4f recall %.4f "
                 "F1 %.4f", threshold, counts.precision, counts.recall, counts.f1)
    return result


EVERY_KIND = "seen via all 4 kinds"


def _every_kind_filter(dataset: Dataset, stored: pd.DataFrame
                       ) -> Callable[[pd.DataFrame], pd.DataFrame] | None:
    """Returns a filter keeping the records of persons seen through every kind of source
    (registry with orders, online, social), or None when the data set lacks a kind."""
    kinds = stored.set_index("record_id")["source_kind"]
    orders_path = dataset.warehouse / "orders"
    if not {"registry", "online", "social"} <= set(kinds) or not (
            orders_path / "_delta_log").is_dir():
        return None
    ordering = set(_table(dataset.warehouse, "orders", ["record_id"])["record_id"])
    return lambda labelled: seen_through_every_kind(labelled, kinds, ordering)


def _row(dataset: str, tool: str, scope: str, counts: PairwiseAccuracy, seconds: float | None
         ) -> dict[str, Any]:
    return {"dataset": dataset, "tool": tool, "scope": scope, **scores(counts),
            "wall_seconds": seconds}


def benchmark_dataset(dataset: Dataset, tools: Sequence[str], threshold: float | None,
                      error_samples: int, spark_conf: dict[str, str], splink_location: str
                      ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Runs the tools on one data set; returns the table rows and the data set's notes."""
    if threshold is None:
        threshold = load_config(dataset.conf).matching.link_threshold
    runs: list[ToolRun] = []
    if "idres" in tools:
        log.info("[%s] idres: the whole job", dataset.name)
        runs.append(run_idres(dataset))
        log.info("  idres: %.1f s wall", runs[-1].seconds)
    else:
        # Splink alone: standardized records from this data set's files, not a stale warehouse.
        shutil.rmtree(dataset.warehouse, ignore_errors=True)
    notes: dict[str, Any] = {"conf": str(dataset.conf)}
    if not ensure_standardized(dataset):
        log.error("[%s] no standardized records: Splink cannot run", dataset.name)
        return [], notes
    for backend in ("spark", "duckdb"):
        if f"splink-{backend}" in tools:
            log.info("[%s] splink-%s", dataset.name, backend)
            runs.append(run_splink(dataset, backend, threshold, spark_conf, splink_location))
            log.info("  splink-%s: %.1f s wall", backend, runs[-1].seconds)

    stored = _table(dataset.warehouse, "standardized_records")
    stored = stored.drop(columns=[c for c in ("interests",) if c in stored.columns])
    records = stored[["record_id", "source", *[c for c in ERROR_COLUMNS if c in stored]]]
    records = records.assign(birth_date=records["birth_date"].astype(str))
    truth = pd.read_csv(dataset.ground_truth, dtype=str, keep_default_na=False)
    notes.update(rejected_summary(dataset, records, truth))
    every_kind = _every_kind_filter(dataset, stored)
    rows: list[dict[str, Any]] = []
    for run in runs:
        notes[run.tool] = {"ok": run.ok, "log": str(run.log_file), **run.details}
        if run.clusters is None:
            continue
        labelled = labelled_records(run.clusters, truth, records["record_id"])
        by_pair = pairwise_by_source_pair(labelled)
        rows.append(_row(dataset.name, run.tool, "all", by_pair.pop("all"), run.seconds))
        pairs = {scope: counts for scope, counts in by_pair.items()
                 if counts.predicted_pairs or counts.true_pairs}
        if len(pairs) > 1:  # one pair of sources only: its row would repeat the ALL row
            rows += [_row(dataset.name, run.tool, scope, counts, None)
                     for scope, counts in pairs.items()]
        if every_kind is not None:
            population = every_kind(labelled)
            rows.append(_row(dataset.name, run.tool, EVERY_KIND,
                             pairwise_by_source_pair(population)["all"], None))
        if run.tool == "idres":
            notes["idres"]["error_causes"] = diagnose_idres(dataset, labelled, stored)
            log.info("  idres error causes: %s", notes["idres"]["error_causes"])
            notes["idres"]["unguarded"] = unguarded_scores(dataset, truth, stored["record_id"])
            if error_samples:
                path = write_error_samples(dataset, labelled, records, error_samples)
                notes["idres"]["error_samples"] = str(path)
                log.info("  idres: sample false and missed links in %s", path)
    return rows, notes


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """Returns the results as a fixed-width text table."""
    head = (f"{'dataset':<8} {'tool':<14} {'source pair':<22} {'precision':>9} {'recall':>7} "
            f"{'F1':>7} {'TP':>8} {'pred':>8} {'true':>8} {'wall s':>7}")
    lines = [head, "-" * len(head)]
    for r in rows:
        scope = {"all": "ALL", EVERY_KIND: EVERY_KIND}.get(r["scope"], "  " + r["scope"])
        wall = "" if r["wall_seconds"] is None else f"{r['wall_seconds']:.1f}"
        lines.append(
            f"{r['dataset']:<8} {r['tool']:<14} {scope:<22} {r['precision']:>9.4f} "
            f"{r['recall']:>7.4f} {r['f1']:>7.4f} {r['true_positive']:>8} {r['predicted']:>8} "
            f"{r['true']:>8} {wall:>7}"
        )
    return "\n".join(lines)


def _demo_generator_ready() -> bool:
    from jobs import demo_data

    return hasattr(demo_data, "generate_demo_data")


def _names(text: str, allowed: Sequence[str], what: str, allow_none: bool = False
           ) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(allowed))
    if unknown or not (names or allow_none):
        raise argparse.ArgumentTypeError(f"unknown {what} {unknown}; expected some of {allowed}")
    return names


def _labelled(text: str) -> tuple[str, Path]:
    name, sep, path = text.rpartition("=")
    conf = Path(path)
    return (name.strip() if sep and name.strip() else conf.resolve().parent.name), conf


def _setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        type=lambda t: _names(t, DATASETS, "data sets", allow_none=True))
    parser.add_argument("--tools", default=",".join(TOOLS),
                        type=lambda t: _names(t, TOOLS, "tools"))
    parser.add_argument("--demo-persons", type=int, default=10_000)
    parser.add_argument("--demo-seed", type=int, default=42,
                        help="seed of the demo populations (another seed, another population)")
    parser.add_argument("--splink-threshold", type=float, default=None,
                        help="match probability at which Splink clusters (default: the job's "
                             "configured link_threshold, so both tools link at the same "
                             "probability)")
    parser.add_argument("--splink-location", choices=("separate", "combined"),
                        default="separate",
                        help="Splink compares street, postal code and city as three comparisons "
                             "(its tutorials' way) or as one with ordered levels (our job's way)")
    parser.add_argument("--work-dir", type=Path, default=HERE / "work",
                        help="where the data sets, warehouses and logs go")
    parser.add_argument("--results", type=Path, default=HERE / "results" / "accuracy.json")
    parser.add_argument("--spark-conf", action="append", default=[], type=_setting,
                        metavar="KEY=VALUE",
                        help="a Spark setting for both our job (its configuration's spark: "
                             "block) and Splink's Spark session; repeatable")
    parser.add_argument("--labelled", action="append", default=[], type=_labelled,
                        metavar="[NAME=]CONF",
                        help="also benchmark a labelled data set of your own: a job "
                             "configuration with a ground_truth: key (NAME defaults to the "
                             "configuration's folder name); repeatable. --datasets '' runs "
                             "only these")
    parser.add_argument("--error-samples", type=int, default=200,
                        help="false and missed links of the job written per kind (0: none)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.datasets and not args.labelled:
        parser.error("nothing to run: name --datasets or a --labelled configuration")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s: %(message)s")
    rows: list[dict[str, Any]] = []
    notes: dict[str, Any] = {}
    spark_conf = dict(args.spark_conf)
    # The labelled data sets are checked before anything runs: a wrong path or a missing
    # ground_truth: key should not surface after the built-in data sets' runs.
    labelled = []
    taken = set(args.datasets)
    for name, conf in args.labelled:
        if name in taken:
            log.error("labelled data set %r: the name is taken; give NAME=CONF", name)
            return 2
        taken.add(name)
        try:
            labelled.append(prepare_labelled(name, conf, args.work_dir.resolve(), spark_conf))
        except (OSError, ValueError, yaml.YAMLError) as exc:
            log.error("%s", exc)
            return 2
    for name in args.datasets:
        if name.startswith("demo") and not _demo_generator_ready():
            log.warning("[demo] skipped: jobs.demo_data has no generate_demo_data yet")
            continue
        log.info("[%s] preparing the data set under %s", name, args.work_dir / name)
        dataset = prepare(name, args.work_dir.resolve(), args.demo_persons, spark_conf,
                          args.demo_seed)
        dataset_rows, notes[name] = benchmark_dataset(dataset, args.tools, args.splink_threshold,
                                                      args.error_samples, spark_conf,
                                                      args.splink_location)
        rows += dataset_rows
        log.info("[%s] done\n%s", name, format_table(dataset_rows))
    for dataset in labelled:
        name = dataset.name
        dataset_rows, notes[name] = benchmark_dataset(dataset, args.tools, args.splink_threshold,
                                                      args.error_samples, spark_conf,
                                                      args.splink_location)
        rows += dataset_rows
        log.info("[%s] done\n%s", name, format_table(dataset_rows))
    table = format_table(rows)
    print(table)
    for name, note in notes.items():
        if "rejected" in note:
            print(f"{name}: rejected by the job {note['rejected'] or 'none'}; true pairs lost "
                  f"with them {note['true_pairs_lost_to_rejects']} of "
                  f"{note['true_pairs_in_input']} (not counted above)")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "run_date": RUN_DATE,
        "spark_conf": spark_conf,
        "splink_location": args.splink_location,
        "demo_persons": args.demo_persons if "demo" in notes else None,
        "demo_seed": args.demo_seed if "demo" in notes else None,
        "rows": rows,
        "datasets": notes,
    }
    args.results.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    log.info("results written to %s", args.results)
    failed = [f"{d}/{t}" for d, n in notes.items() for t in TOOLS if t in n and not n[t]["ok"]]
    if failed:
        log.error("failed runs: %s", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
