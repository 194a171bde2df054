"""Splink 4 on the job's standardized records, with its Spark or its DuckDB back end.

Run by bench_accuracy.py in a subprocess of its own (one Spark session per process):

    python benchmarks/splink_run.py --backend spark|duckdb --warehouse W --out DIR

Reads the `standardized_records` Delta table the job wrote (so Splink sees exactly the cleaned
values the job compared), trains a model the way Splink's documentation teaches (prior from
deterministic rules, u by random sampling, m by EM in sessions blocked on a couple of columns),
predicts over the same blocking rules as the job, clusters at a match-probability threshold and
writes `clusters.parquet` (record_id, cluster_id) and `splink.json` (settings, trained model,
phase timings) into DIR.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger("bench.splink")

# The standardized columns Splink compares or blocks on; `source` tells the input tables apart.
COLUMNS = (
    "record_id", "source", "first_name_norm", "last_name_norm", "birth_date", "email_sha256",
    "phone_e164", "postal_code", "street_norm", "house_number", "city_norm", "ip_address",
)
# A column filled in fewer records than this share is left out: EM cannot train its levels.
MIN_FILLED_SHARE = 0.01


def filled_columns(frame: pd.DataFrame) -> set[str]:
    """Returns the columns filled in at least MIN_FILLED_SHARE of the records (pandas)."""
    share = frame.notna().mean()
    return {str(column) for column, value in share.items() if value >= MIN_FILLED_SHARE}


def job_blocking_rules() -> tuple[tuple[str, ...], ...]:
    """Returns the job's default blocking rules (jobs.config.BlockingConfig)."""
    from jobs.config import BlockingConfig

    return BlockingConfig().rules


def comparisons(filled: set[str], combined_location: bool = False) -> list[Any]:
    """Returns the comparisons a careful Splink user would write for these columns."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    chosen: list[Any] = []
    for name in ("first_name_norm", "last_name_norm"):
        if name in filled:
            # Exact, Jaro-Winkler 0.92 / 0.88 / 0.7, else; common names weigh less.
            chosen.append(cl.NameComparison(name).configure(term_frequency_adjustments=True))
    if "birth_date" in filled:
        # Exact, one character off, within a month, a year, ten years, else.
        chosen.append(cl.DateOfBirthComparison("birth_date", input_is_string=True))
    if "email_sha256" in filled:
        # Compared as hashes (the web knows only those): no fuzzy level can apply.
        chosen.append(cl.ExactMatch("email_sha256"))
    if "phone_e164" in filled:
        chosen.append(cl.ExactMatch("phone_e164").configure(term_frequency_adjustments=True))
    location = [c for c in ("street_norm", "postal_code", "city_norm") if c in filled]
    if location and combined_location:
        # One comparison for street, postal code and city, most specific level first: they are
        # correlated, and as three comparisons a shared address (a household) counts three
        # times. Term frequencies cannot apply to a combined comparison.
        chosen.append(cl.CustomComparison(
            output_column_name="location",
            comparison_description="street and house number, postal code, city",
            comparison_levels=_location_levels(location),
        ))
    elif location:
        # As in Splink's FEBRL tutorials: each address part on its own, common values weigh less.
        if "street_norm" in location:
            chosen.append(cl.CustomComparison(
                output_column_name="street",
                comparison_description="street and house number",
                comparison_levels=[
                    cll.NullLevel("street_norm"),
                    cll.And(cll.ExactMatchLevel("street_norm"),
                            cll.ExactMatchLevel("house_number")),
                    cll.And(cll.JaroWinklerLevel("street_norm", 0.9),
                            cll.ExactMatchLevel("house_number")),
                    cll.ExactMatchLevel("street_norm"),
                    cll.ElseLevel(),
                ],
            ))
        for name in ("postal_code", "city_norm"):
            if name in location:
                chosen.append(cl.ExactMatch(name).configure(term_frequency_adjustments=True))
    if "ip_address" in filled:
        # A public Wi-Fi address is shared by hundreds: term frequencies weigh it down.
        chosen.append(cl.ExactMatch("ip_address").configure(term_frequency_adjustments=True))
    return chosen


def _location_levels(columns: list[str]) -> list[Any]:
    import splink.comparison_level_library as cll

    street = cll.ExactMatchLevel("street_norm")
    house = cll.ExactMatchLevel("house_number")
    postal = cll.ExactMatchLevel("postal_code")
    levels: list[Any] = [cll.And(*[cll.NullLevel(c) for c in columns])]
    if "street_norm" in columns:
        levels.append(cll.And(street, house, postal) if "postal_code" in columns
                      else cll.And(street, house))
        levels.append(cll.And(cll.JaroWinklerLevel("street_norm", 0.9), house))
    if "postal_code" in columns:
        levels.append(postal)
    if "city_norm" in columns:
        levels.append(cll.ExactMatchLevel("city_norm"))
    levels.append(cll.ElseLevel())
    return levels


def settings(link_type: str, filled: set[str], combined_location: bool = False) -> Any:
    """Returns the Splink settings: the job's blocking rules, the comparisons above."""
    from splink import SettingsCreator, block_on

    rules = [block_on(*rule) for rule in job_blocking_rules() if set(rule) <= filled]
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=rules,
        comparisons=comparisons(filled, combined_location),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def deterministic_rules(filled: set[str]) -> list[Any]:
    """Returns rules whose pairs are nearly all matches, for the prior (recall set below)."""
    from splink import block_on

    candidates = [("first_name_norm", "last_name_norm", "birth_date"), ("email_sha256",),
                  ("phone_e164", "first_name_norm")]
    return [block_on(*rule) for rule in candidates if set(rule) <= filled]


DETERMINISTIC_RECALL = 0.7
EM_SESSIONS = (("first_name_norm", "last_name_norm"), ("birth_date",), ("postal_code",))


def train(linker: Any, filled: set[str], seed: int) -> None:
    """Prior from deterministic rules, u by random sampling, m by EM in blocked sessions."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        deterministic_rules(filled), recall=DETERMINISTIC_RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)
    for columns in EM_SESSIONS:
        if set(columns) <= filled:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True)


def read_records_pandas(warehouse: Path) -> pd.DataFrame:
    """Returns the standardized records' compared columns, dates as ISO text (DuckDB path)."""
    from deltalake import DeltaTable

    table = DeltaTable(str(warehouse / "standardized_records"))
    frame = table.to_pandas(columns=list(COLUMNS))
    frame["birth_date"] = frame["birth_date"].map(
        lambda d: d.isoformat() if d is not None and not pd.isna(d) else None)
    return frame


def _by_source(frame: Any, sources: Sequence[str], select: Any) -> tuple[list[Any], list[str]]:
    tables = [select(frame, source) for source in sources]
    return tables, list(sources)


def run(backend: str, warehouse: Path, out: Path, threshold: float, seed: int,
        spark_conf: dict[str, str] | None = None, combined_location: bool = False
        ) -> dict[str, Any]:
    """Trains, predicts and clusters; writes clusters.parquet; returns what happened."""
    from splink import Linker

    phases: dict[str, float] = {}
    started = time.perf_counter()
    spark = None
    if backend == "spark":
        from pyspark.sql import functions as F
        from splink.backends.spark import SparkAPI, similarity_jar_location

        from jobs.spark import DELTA_JAR_NAMES, get_spark, project_jars_dir

        jars = [str(project_jars_dir() / name) for name in DELTA_JAR_NAMES]
        # The job's one session factory: the same local settings as the job, plus Splink's jar.
        spark = get_spark("splink-bench", {**(spark_conf or {}), "spark.jars": ",".join(
            [*jars, similarity_jar_location()])})
        spark.sparkContext.setCheckpointDir(str(out / "checkpoints"))
        records = (spark.read.format("delta").load(str(warehouse / "standardized_records"))
                   .select(*COLUMNS).withColumn("birth_date", F.col("birth_date").cast("string"))
                   .persist())
        compared = [c for c in COLUMNS if c not in ("record_id", "source")]
        counts = records.select(F.count(F.lit(1)).alias("_all"),
                                *[F.count(c).alias(c) for c in compared]).first()
        assert counts is not None
        filled = {c for c in compared if counts[c] >= MIN_FILLED_SHARE * max(counts["_all"], 1)}
        sources = sorted({str(row["source"]) for row in records.select("source").distinct()
                          .collect()})
        keep = ["record_id", *sorted(filled)]
        tables, aliases = _by_source(records, sources,
                                     lambda f, s: f.where(F.col("source") == s).select(*keep))

        db_api: Any = SparkAPI(spark_session=spark)
    else:
        from splink import DuckDBAPI

        records_pd = read_records_pandas(warehouse)
        filled = filled_columns(records_pd.drop(columns=["record_id", "source"]))
        sources = sorted(records_pd["source"].unique())
        keep = ["record_id", *sorted(filled)]
        tables, aliases = _by_source(records_pd, sources,
                                     lambda f, s: f.loc[f["source"] == s, keep].copy())
        db_api = DuckDBAPI()
    phases["load"] = time.perf_counter() - started
    link_type = "link_and_dedupe" if len(sources) > 1 else "dedupe_only"
    log.info("splink %s: %s over %s; compared columns %s", backend, link_type, aliases,
             sorted(filled))

    mark = time.perf_counter()
    model = settings(link_type, filled, combined_location)
    linker = Linker(tables if len(tables) > 1 else tables[0], model, db_api,
                    input_table_aliases=aliases if len(tables) > 1 else aliases[0])
    train(linker, filled, seed)
    phases["train"] = time.perf_counter() - mark

    mark = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    phases["predict"] = time.perf_counter() - mark

    mark = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold)
    if spark is not None:
        frame = clusters.as_spark_dataframe().select("record_id", "cluster_id").toPandas()
        links = predictions.as_spark_dataframe().where(
            f"match_probability >= {threshold}").count()
    else:
        frame = clusters.as_pandas_dataframe()[["record_id", "cluster_id"]]
        links = int(linker.misc.query_sql(
            f"select count(*) as n from {predictions.physical_name} "
            f"where match_probability >= {threshold}")["n"].iloc[0])
    phases["cluster"] = time.perf_counter() - mark
    frame = frame.astype({"record_id": str, "cluster_id": str})
    frame.to_parquet(out / "clusters.parquet", index=False)
    info = {
        "backend": backend,
        "link_type": link_type,
        "sources": aliases,
        "compared_columns": sorted(filled),
        "threshold_match_probability": threshold,
        "location": "combined" if combined_location else "separate",
        "deterministic_rules_recall": DETERMINISTIC_RECALL,
        "em_sessions": [list(s) for s in EM_SESSIONS if set(s) <= filled],
        "links": links,
        "phases_seconds": phases,
        "model": linker.misc.save_model_to_json(),
    }
    (out / "splink.json").write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
    if spark is not None:
        spark.stop()
    return info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("spark", "duckdb"), required=True)
    parser.add_argument("--warehouse", type=Path, required=True,
                        help="the job's warehouse, with standardized_records")
    parser.add_argument("--out", type=Path, required=True, help="folder for the results")
    parser.add_argument("--threshold", type=float, default=0.99,
                        help="match probability at which pairs are clustered")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--location", choices=("separate", "combined"), default="separate",
                        help="street, postal code and city as three comparisons (Splink's "
                             "tutorials) or as one with ordered levels (as our job does)")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                        help="an extra Spark setting (spark back end); repeatable")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    spark_conf = dict(item.split("=", 1) for item in args.spark_conf)
    info = run(args.backend, args.warehouse, args.out, args.threshold, args.seed, spark_conf,
               combined_location=args.location == "combined")
    log.info("splink %s: %d links, phases %s", args.backend, info["links"],
             {k: round(v, 1) for k, v in info["phases_seconds"].items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
