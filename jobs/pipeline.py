"""The job's stages wired together: each reads its inputs and writes its Delta tables.

Stage functions take the Spark session and configuration from a RunContext and record metrics
in it; the logic they call (ingest, standardize, blocking, comparisons, model, clustering,
identity, profiles) is pure DataFrame transformations.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs import tables
from jobs.blocking import (
    blocking_keys,
    oversized_from_keys,
    pairs_from_keys,
    with_blocking_columns,
)
from jobs.clustering import cluster_size_distribution, connected_components, cut_lineage
from jobs.comparisons import (
    DEFAULT_COMPARISONS,
    Comparison,
    compare_pairs,
    comparison_specs,
    pair_side,
    pairs_with_records,
    with_comparison_features,
)
from jobs.config import Config, ConfigError, MatchingConfig, link_decision_problem, local_path
from jobs.erasure_keys import ErasureKeying, configured_keying
from jobs.evaluation import accuracy_by_source_pair, pairwise_accuracy, read_ground_truth
from jobs.guards import (
    CONFLICT_REASONS,
    MUST_LINK_WEIGHT,
    apply_guards,
    birth_dates_are_reliable,
    conflicts_between,
    decision_pairs,
    members_of,
)
from jobs.identity import assign_stable_ids, build_crosswalk, previous_ids
from jobs.ingest import (
    DROPPED_VALUES,
    IngestedSource,
    ingest_source,
    reject_erased,
    reject_orphan_orders,
)
from jobs.link_rules import (
    CONTACT_COLUMNS,
    DECISIVE_MIN_PROBABILITY,
    EMAIL_NAMES_ANOTHER_COLUMN,
    GENDER_SHOWN_COLUMN,
    HOUSEHOLD_EMAIL,
    IP_SHARED_COLUMN,
    LINK_RULE_COLUMNS,
    NAMESAKES_ANYWHERE_COLUMN,
    NAMESAKES_COLUMN,
    NOT_CORROBORATED,
    PERSONAL_IP_MAX_RECORDS,
    PERSONAL_IP_MIN_PROBABILITY,
    VETO_REASONS,
    Levels,
    corroborated,
    decisive_email,
    guard_vetoes,
    household_emails,
    how_names_were_read,
    initial_year_handle,
    ip_sharing,
    ips_are_personal,
    link_rule,
    personal_ip,
    rare_full_name_anywhere,
    rare_full_name_in_one_city,
    role_mailbox,
    shared_handle,
    with_email_naming_another,
    with_expected_namesakes,
    with_handle_initial_year,
    with_handle_stem_accounts,
    with_household_emails,
    with_ip_use,
    with_name_genders,
    with_names_split_as_others,
    without_phrase_names,
)
from jobs.model import (
    ModelParameters,
    count_agreement_patterns,
    estimate_m_by_sessions,
    estimate_u_from_patterns,
    explain_pair,
    score_pairs,
    term_frequencies,
    with_term_frequency_adjustments,
)
from jobs.privacy import erased_record_keys
from jobs.profiles import build_identifier_index, build_profiles
from jobs.report import (
    ReportFigures,
    precision_recall_by_threshold,
    render_report,
    weight_histogram,
)
from jobs.run_history import accepted_rows, previous_run
from jobs.schemas import table_schema
from jobs.source_files import SourceReadError, reads_month_first
from jobs.spark import (
    BYTES_PER_RECORD,
    INTERPRETED_PAIRS_BELOW,
    INTERPRETED_RECORDS_BELOW,
    fit_code_generation,
    fit_shuffle_partitions,
    input_bytes,
)
from jobs.standardize import STANDARDIZE_DROPS, names_an_organisation, standardize

log = logging.getLogger(__name__)

MODEL_FILE = "model/model.json"
# Beside the model: the comparisons it was trained with, conditions and parameters included.
COMPARISONS_FILE = "comparisons.json"


class ReconciliationError(RuntimeError):
    """Read rows do not equal accepted plus rejected rows: something was lost."""


@dataclass
class RunContext:
    spark: SparkSession
    config: Config
    run_date: date
    run_id: str
    metrics: list[tuple[str, str, str, float]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)
    configured_partitions: int | None = None
    # Sources that may read no rows, or under half the rows, the previous run accepted
    # (--allow-empty, --allow-shrink).
    allow_empty: tuple[str, ...] = ()
    # How erasure keys are made (jobs.erasure_keys); None: as the configuration says.
    erasure_keying: ErasureKeying | None = None

    def metric(self, stage: str, metric: str, value: float, source: str = "") -> None:
        self.metrics.append((stage, source, metric, float(value)))

    def value(self, stage: str, metric: str, source: str = "") -> float | None:
        for s, src, m, v in self.metrics:
            if (s, src, m) == (stage, source, metric):
                return v
        return None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        log.info("stage %s: started", name)
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.timings[name] = self.timings.get(name, 0.0) + elapsed
        self.metric(name, "seconds", elapsed)
        log.info("stage %s: done in %.1f s", name, elapsed)

    def fit_to_size(self, records: int) -> None:
        """Sizes shuffles for `records` records, never above the configured partitions (as the
        session had them before the first fit), and runs queries interpreted on few records
        (jobs.spark.fit_code_generation)."""
        if self.configured_partitions is None:
            self.configured_partitions = int(
                self.spark.conf.get("spark.sql.shuffle.partitions", "8") or 8)
        partitions = fit_shuffle_partitions(self.spark, records, self.configured_partitions)
        interpreted = fit_code_generation(self.spark, records, INTERPRETED_RECORDS_BELOW)
        log.info("%d records: %d shuffle partitions, queries %s", records, partitions,
                 _run_as(interpreted))

    def fit_to_pairs(self, pairs: int) -> None:
        """Runs the comparing and scoring of `pairs` candidate pairs interpreted when they are
        few; `fit_to_size` goes back to the records' way."""
        interpreted = fit_code_generation(self.spark, pairs, INTERPRETED_PAIRS_BELOW)
        log.info("%d candidate pairs: queries %s", pairs, _run_as(interpreted))

    @property
    def warehouse(self) -> str:
        return self.config.warehouse


def _run_as(interpreted: bool) -> str:
    return "interpreted" if interpreted else "with generated code"


def _conform(df: DataFrame, table: str) -> DataFrame:
    """Returns df with exactly the declared columns of `table`, in order and declared types."""
    schema = table_schema(table)
    return df.select(*[F.col(c).cast(schema.data_type(c)).alias(c) for c in schema.column_names])


def ingest_stage(ctx: RunContext) -> None:
    """Reads every source, standardizes, and writes standardized_records, orders and rejects."""
    with ctx.stage("ingest"):
        spark, config = ctx.spark, ctx.config
        size = input_bytes([s.path for s in config.sources])
        if size is not None:
            ctx.fit_to_size(size // BYTES_PER_RECORD)
        ingested: dict[str, IngestedSource] = {
            s.name: ingest_source(spark, s, ctx.run_id, ctx.run_date.year, ctx.run_date)
            for s in config.sources
        }
        erased = erased_record_keys(spark, ctx.warehouse,
                                    ctx.erasure_keying or configured_keying(config))
        if erased:
            ingested = {name: reject_erased(part, erased) for name, part in ingested.items()}
        for source in config.sources_of("orders"):
            registry = ingested[source.registry or ""].accepted
            ingested[source.name] = reject_orphan_orders(ingested[source.name], registry)
        # Both halves are kept from the counting query on: the rejects are then written and the
        # accepted rows standardized without reading and validating the files again.
        for part in ingested.values():
            part.accepted.persist()
            part.rejected.persist()
        counts = _ingest_counts(ingested)
        rejected_frames = []
        for name, part in ingested.items():
            accepted = counts.get((name, "accepted"), 0)
            reasons = _by_reason(counts, name, "rejected")
            rejected = sum(reasons.values())
            read = accepted + rejected
            ctx.metric("ingest", "read", read, name)
            ctx.metric("ingest", "accepted", accepted, name)
            ctx.metric("ingest", "rejected", rejected, name)
            ctx.metric("ingest", "missing_columns", len(part.missing_columns), name)
            ctx.notes.setdefault("missing_columns", {})[name] = list(part.missing_columns)  # type: ignore[index]
            ctx.notes.setdefault("unused_columns", {})[name] = list(part.unused_columns)  # type: ignore[index]
            if reads_month_first(part.source):
                ctx.notes.setdefault("month_first", []).append(name)  # type: ignore[attr-defined]
            for reason, n in reasons.items():
                ctx.metric("ingest", f"rejected:{reason}", n, name)
            dropped = _by_reason(counts, name, "dropped")
            for reason, n in dropped.items():
                ctx.metric("ingest", f"dropped:{reason}", n, name)
            rejected_frames.append(part.rejected)
            log.info("source %s: %d read, %d accepted, %d rejected", name, read, accepted,
                     rejected)
            if dropped:
                log.warning("source %s: unreadable values left out of accepted records: %s",
                            name, ", ".join(f"{r} {n}" for r, n in sorted(dropped.items())))
        # A registry delivered empty is named before its orders, which then have no subscriber.
        _stop_on_vanished_sources(ctx, counts)
        _stop_on_unusable_sources(ctx, counts)
        rejected_all = rejected_frames[0]
        for frame in rejected_frames[1:]:
            rejected_all = rejected_all.unionByName(frame)
        tables.write_table(_conform(rejected_all, tables.REJECTED_RECORDS), ctx.warehouse,
                           tables.REJECTED_RECORDS, run_id=ctx.run_id)
        for part in ingested.values():
            part.rejected.unpersist()
        erased.release()
        _check_reconciliation(ctx, counts)
    with ctx.stage("standardize"):
        frames = [standardize(part.accepted, part.source.kind, ctx.run_date.year,
                              reads_month_first(part.source), part.source.default_country)
                  for part in ingested.values()
                  if part.source.kind != "orders"]
        records = frames[0]
        for frame in frames[1:]:
            records = records.unionByName(frame)
        tables.write_table(_conform(records, tables.STANDARDIZED_RECORDS), ctx.warehouse,
                           tables.STANDARDIZED_RECORDS, run_id=ctx.run_id)
        _count_standardize_drops(ctx)
        orders = [
            part.accepted.withColumn("registry_source", F.lit(part.source.registry))
            .withColumn("record_id", F.concat_ws("/", F.lit(part.source.registry),
                                                 F.col("subscriber_id")))
            .withColumnRenamed("source_record_id", "order_key")
            for part in ingested.values() if part.source.kind == "orders"
        ]
        if orders:
            all_orders = orders[0]
            for frame in orders[1:]:
                all_orders = all_orders.unionByName(frame)
            tables.write_table(_conform(all_orders, tables.ORDERS), ctx.warehouse, tables.ORDERS,
                               run_id=ctx.run_id)
        for part in ingested.values():
            part.accepted.unpersist()


def _count_standardize_drops(ctx: RunContext) -> None:
    """Records, per source, the contact values and countries standardizing left out of the
    records just written (STANDARDIZE_DROPS; metrics `standardize`, `dropped:<reason>`)."""
    written = tables.read_table(ctx.spark, ctx.warehouse, tables.STANDARDIZED_RECORDS)
    assert written is not None
    counts = (written.where(F.col("run_id") == ctx.run_id)
              .select("source", F.explode("dropped_values").alias("reason"))
              .where(F.expr(tables.sql_in("reason", STANDARDIZE_DROPS)))
              .groupBy("source", "reason").count().collect())
    per_source: dict[str, list[str]] = {}
    for row in sorted(counts, key=lambda r: (r["source"], r["reason"])):
        ctx.metric("standardize", f"dropped:{row['reason']}", row["count"], row["source"])
        per_source.setdefault(row["source"], []).append(f"{row['reason']} {row['count']}")
    for source, dropped in per_source.items():
        log.warning("source %s: values left out of records: %s", source, ", ".join(dropped))


# A CSV source with more unparseable rows than this share of its rows gets _MULTILINE_HINT (the
# demo's few broken rows, 3 in 9,000, do not).
UNPARSEABLE_SHARE_TO_WARN = 0.005
# A hint for a CSV source with rows that could not be parsed.
_MULTILINE_HINT = ("a CSV whose quoted fields hold line breaks (as spreadsheets export an "
                   "address) needs the source's options: {multiLine: true}")


def _stop_on_unusable_sources(ctx: RunContext, counts: dict[tuple[str, str], int]) -> None:
    """Raises SourceReadError naming each source that has rows but none usable (a JSON file
    that is neither JSON lines nor an array, another encoding or separator, orders whose
    subscribers the registry writes otherwise): a run would go on without the source's people,
    or their orders, and exit 0. Warns of a CSV source's unparseable rows past
    UNPARSEABLE_SHARE_TO_WARN (see _MULTILINE_HINT)."""
    unusable = []
    for source in ctx.config.sources:
        reasons = _by_reason(counts, source.name, "rejected")
        rejected = sum(reasons.values())
        unparseable = reasons.get("unparseable_row", 0)
        hint = f"; {_MULTILINE_HINT}" if source.format == "csv" and unparseable else ""
        registry = source.registry
        if rejected and registry is not None and not counts.get((registry, "accepted"), 0):
            # Orders of a registry that accepted no rows have no subscriber to belong to.
            if registry not in ctx.allow_empty:
                unusable.append(f"source {source.name!r} ({source.path}): none of its "
                                f"{rejected} rows could be used: its registry {registry!r} "
                                "accepted no rows; check the registry's files, or if it is "
                                f"empty on purpose, run with --allow-empty {registry}")
        elif rejected and not counts.get((source.name, "accepted"), 0):
            top = ", ".join(f"{reason} {n}" for n, reason in
                            sorted(((n, r) for r, n in reasons.items()), reverse=True)[:3])
            unusable.append(f"source {source.name!r} ({source.path}): none of its {rejected} "
                            f"rows could be used ({top}): check its format, encoding and "
                            f"options{hint}")
        elif hint and unparseable > UNPARSEABLE_SHARE_TO_WARN * (
                rejected + counts.get((source.name, "accepted"), 0)):
            log.warning("source %s: %d rows could not be parsed%s", source.name, unparseable,
                        hint)
    if unusable:
        raise SourceReadError("; ".join(unusable))


# A source accepting fewer rows than this share of the previous run's stops the run (a
# truncated export): its missing rows' customer ids would end, and new ones be made when the
# rows come back.
SHRINK_SHARE_TO_STOP = 0.5


def _stop_on_vanished_sources(ctx: RunContext, counts: dict[tuple[str, str], int]) -> None:
    """Raises SourceReadError naming each source that read no rows though the previous run
    accepted some, or accepted under SHRINK_SHARE_TO_STOP of the previous run's rows, unless it
    is in ctx.allow_empty (--allow-empty, --allow-shrink): an empty or truncated export, or a
    file not delivered, would drop its people's customers and give them new ids when it comes
    back."""
    previous = previous_run(ctx.warehouse, ctx.run_id, ctx.run_date)
    if previous is None:
        return
    before = accepted_rows(ctx.warehouse, previous)
    vanished = [source for source in ctx.config.sources
                if before.get(source.name, 0) and source.name not in ctx.allow_empty
                and not counts.get((source.name, "accepted"), 0)
                and not _by_reason(counts, source.name, "rejected")]
    if vanished:
        raise SourceReadError(
            "; ".join(f"source {s.name!r} ({s.path}) read no rows, where run {previous} "
                      f"accepted {before[s.name]:,}" for s in vanished)
            + ". Without its rows, its people's customers would go, and come back with new "
            "ids; check the files, or if it is empty on purpose, run with "
            + " ".join(f"--allow-empty {s.name}" for s in vanished))
    shrunk = [source for source in ctx.config.sources
              if source.name not in ctx.allow_empty
              and 0 < counts.get((source.name, "accepted"), 0)
              < SHRINK_SHARE_TO_STOP * before.get(source.name, 0)]
    if shrunk:
        raise SourceReadError(
            "; ".join(f"source {s.name!r} ({s.path}) accepted {counts[(s.name, 'accepted')]:,} "
                      f"rows, where run {previous} accepted {before[s.name]:,}" for s in shrunk)
            + f": under {SHRINK_SHARE_TO_STOP:.0%}. A file cut short or a part not delivered "
            "would drop the missing rows' customers, which come back with new ids; check the "
            "files, or if it shrank on purpose, run with "
            + " ".join(f"--allow-shrink {s.name}" for s in shrunk))


def _by_reason(counts: dict[tuple[str, str], int], source: str, what: str) -> dict[str, int]:
    """Returns a source's counts of `what` (rejected, dropped) by reason, from _ingest_counts'
    `<what>:<reason>` entries."""
    prefix = f"{what}:"
    return {key.removeprefix(prefix): n for (name, key), n in counts.items()
            if name == source and key.startswith(prefix)}


def _ingest_counts(ingested: dict[str, IngestedSource]) -> dict[tuple[str, str], int]:
    """Returns (source, what) -> rows, `what` being `read` (records in the files, as read
    before validation), `accepted`, `rejected:<reason>` or `dropped:<reason>` (values left out
    of accepted records): every source's counts in one query,
    not three per source (each Spark job costs far more than counting a small source)."""
    tallies = []
    for name, part in ingested.items():
        source = F.lit(name).alias("source")
        tallies += [
            part.read.select(source, F.lit("read").alias("what")),
            part.accepted.select(source, F.lit("accepted").alias("what")),
            part.rejected.select(source, F.concat(F.lit("rejected:"), F.col("reason"))
                                 .alias("what")),
        ]
        if DROPPED_VALUES in part.accepted.columns:
            tallies.append(
                part.accepted.select(source, F.explode(DROPPED_VALUES).alias("_reason"))
                .select("source", F.concat(F.lit("dropped:"), "_reason").alias("what")))
    union = tallies[0]
    for frame in tallies[1:]:
        union = union.unionByName(frame)
    return {(row["source"], row["what"]): int(row["count"])
            for row in union.groupBy("source", "what").count().collect()}


def _check_reconciliation(ctx: RunContext, counts: dict[tuple[str, str], int]) -> None:
    """Checks, per source, that the records read from the files equal accepted plus rejected
    rows (validation neither lost nor duplicated a row)."""
    for source in ctx.config.sources:
        name = source.name
        raw_count = counts.get((name, "read"), 0)
        accepted = ctx.value("ingest", "accepted", name) or 0
        rejected = ctx.value("ingest", "rejected", name) or 0
        ctx.metric("ingest", "rows_in_files", raw_count, name)
        if raw_count != accepted + rejected:
            raise ReconciliationError(
                f"source {name!r}: {raw_count} rows read but {accepted:.0f} accepted + "
                f"{rejected:.0f} rejected"
            )


def _model_path(ctx: RunContext) -> str:
    return model_path(ctx.config)


def model_path(config: Config) -> str:
    """Where the model is stored: a readable file in the warehouse."""
    return f"{config.warehouse.rstrip('/')}/{MODEL_FILE}"


class StaleModelError(RuntimeError):
    """The stored model was trained with other comparisons than the configuration's."""


def comparisons_of(config: Config) -> tuple[Comparison, ...]:
    """Returns the comparisons the configuration asks for (the defaults unless overridden)."""
    return tuple(config.comparisons) if config.comparisons is not None else DEFAULT_COMPARISONS


def load_model(ctx: RunContext) -> ModelParameters | None:
    """Returns the stored model, or None when none has been trained yet; raises
    StaleModelError when its comparisons or levels differ from the configured ones."""
    return stored_model(ctx.config)


def _retrain(config: Config) -> str:
    """How to retrain the model of `config`: the command, whole."""
    return f"retrain it with `python -m jobs train --conf {config.file}`"


def stored_model(config: Config) -> ModelParameters | None:
    """load_model without Spark: what a run checks before it starts (a stale model had stopped
    it only after ingest had replaced the records)."""
    path = Path(model_path(config))
    if not path.is_file():
        return None
    params = ModelParameters.from_json(path.read_text(encoding="utf-8"))
    configured = comparisons_of(config)
    if params.comparisons != comparison_specs(configured):
        raise StaleModelError(
            f"the model stored in {path} was trained with other comparisons or levels than "
            f"the configuration's: {_retrain(config)}")
    # Same labels are not the same levels: a changed threshold or condition moves pairs between
    # levels, and m and u (and the levels stored in match_pairs) no longer describe them.
    conditions = path.with_name(COMPARISONS_FILE)
    if conditions.is_file():
        # The labels check above has made the names and their order the same.
        trained = {t["name"]: t for t in json.loads(conditions.read_text(encoding="utf-8"))}
        changed = [c.name for c in configured if trained.get(c.name) != c.as_data()]
        if changed:
            raise StaleModelError(
                f"the model stored in {path} was trained with other level conditions than the "
                f"configuration's (comparisons {', '.join(changed)}; see {conditions}): "
                f"{_retrain(config)}")
    else:
        log.warning("%s is missing: cannot check the model's level conditions against the "
                    "configuration's (a model trained before they were recorded)", conditions)
    return params


def _record_count(ctx: RunContext, records: DataFrame) -> int:
    """Returns the number of standardized records: the block stage's count when it has run."""
    counted = ctx.value("block", "records")
    return int(counted) if counted is not None else records.count()


def hash_sample(records: DataFrame, n: int, seed: int) -> DataFrame:
    """Returns the record ids of the `n` records with the smallest seeded hash of their id: a
    random sample that does not depend on how Spark partitioned the records, so the same records
    give the same sample (and the same u) on any machine."""
    return (records.select("record_id")
            .orderBy(F.xxhash64("record_id", F.lit(seed)), "record_id").limit(n))


def _random_pair_gammas(ctx: RunContext, records: DataFrame) -> DataFrame:
    """Returns comparison levels of about `u_random_pairs` random record pairs (for u)."""
    matching = ctx.config.matching
    side = max(2, int(matching.u_random_pairs ** 0.5) + 1)
    # Each side's few hundred records are looked up once, then crossed: joining the records to
    # the crossed pairs instead would shuffle all of them into one partition.
    left, right = (pair_side(hash_sample(records, side, seed).join(records, "record_id"), name)
                   for seed, name in ((matching.seed, "l"), (matching.seed + 1, "r")))
    pairs = (
        left.crossJoin(right).where(F.col("record_l") != F.col("record_r"))
        # `limit` leaves one partition: the pairs compared by one core while the others idle.
        # Spreading them changes no pair, and their pattern counts do not depend on order.
        .repartition(ctx.spark.sparkContext.defaultParallelism)
    )
    return compare_pairs(pairs, comparisons_of(ctx.config))


def train_model(ctx: RunContext, records: DataFrame, gammas: DataFrame) -> ModelParameters:
    """Estimates u from random pairs and m by EM on candidate patterns; stores the model."""
    matching, specs = ctx.config.matching, comparison_specs(comparisons_of(ctx.config))
    u = estimate_u_from_patterns(
        count_agreement_patterns(_random_pair_gammas(ctx, records), specs), specs,
        exclude_when_exact=matching.u_exclude_when_exact,
    )
    patterns = count_agreement_patterns(gammas, specs)
    total = _record_count(ctx, records)
    # The prior the scores use is the share of matches among all record pairs (what a random
    # pair of records is), not among the candidates.
    params = estimate_m_by_sessions(
        patterns, specs, u, matching.training_sessions,
        max_iterations=matching.em_max_iterations, tolerance=matching.em_tolerance,
        total_pairs=max(total * (total - 1) // 2, int(patterns["n"].sum())),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    prior = params.prior
    path = Path(_model_path(ctx))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(params.to_json(), encoding="utf-8")
    path.with_name(COMPARISONS_FILE).write_text(
        json.dumps([c.as_data() for c in comparisons_of(ctx.config)], indent=2) + "\n",
        encoding="utf-8")
    schema = table_schema(tables.MODEL_PARAMETERS)
    rows = ctx.spark.createDataFrame(
        [tuple(row[c] for c in schema.column_names) for row in params.to_rows()], schema.struct())
    tables.write_table(rows, ctx.warehouse, tables.MODEL_PARAMETERS, run_id=ctx.run_id)
    ctx.metric("train", "prior", prior)
    ctx.metric("train", "em_iterations", params.em_iterations)
    return params


def _fingerprint(records: DataFrame) -> DataFrame:
    """Returns (record_id, fingerprint): a hash of everything a record says but the run id."""
    schema = table_schema(tables.STANDARDIZED_RECORDS)
    # A table written before a column was added reads it as null (as it would be written now
    # for a record that does not use it), so an upgrade alone changes no fingerprint.
    columns = [(F.col(c) if c in records.columns else F.lit(None).cast(schema.data_type(c)))
               .alias(c) for c in schema.column_names if c != "run_id"]
    return records.select("record_id", F.sha2(F.to_json(F.struct(*columns)), 256)
                          .alias("fingerprint"))


def _changed_records(ctx: RunContext, records: DataFrame) -> DataFrame | None:
    """Returns the record ids that are new or changed since the previous run (None when there
    is no previous run to compare with)."""
    previous = tables.read_table_before_run(ctx.spark, ctx.warehouse,
                                            tables.STANDARDIZED_RECORDS, ctx.run_id)
    if previous is None:
        return None
    # `records` are comparison_records: social display names read as matching reads them (a
    # phrase is no name, a name split as the registers split it). The previous run's records
    # are read the same way, or every account so read would count as changed on every run.
    previous = with_names_split_as_others(without_phrase_names(previous))
    return _fingerprint(records).join(_fingerprint(previous), ["record_id", "fingerprint"],
                                      "left_anti").select("record_id")


def _scoring_columns(gammas: DataFrame) -> list[str]:
    """The columns scoring reads: pair, levels, and the values term frequencies look up."""
    values = [f"{c}_{side}" for c in _RECORD_VALUES_SCORED for side in ("l", "r")]
    return ["record_l", "record_r", *[c for c in gammas.columns if c.startswith("gamma_")],
            *values]


def _stored_gammas(ctx: RunContext, records: DataFrame, changed: DataFrame) -> DataFrame | None:
    """Returns the previous run's stored pairs between records that are still there unchanged,
    with their levels and the values scoring needs (nothing is compared again); None when there
    are none, or when they lack a configured comparison's levels (stored by an older version
    or configuration: every pair is then compared again)."""
    previous = tables.read_table_before_run(ctx.spark, ctx.warehouse, tables.MATCH_PAIRS,
                                            ctx.run_id)
    if previous is None:
        return None
    missing = [c.name for c in comparisons_of(ctx.config)
               if f"gamma_{c.name}" not in previous.columns]
    if missing:
        log.warning("the stored match_pairs have no levels for %s: comparing every pair again",
                    ", ".join(missing))
        return None
    unchanged = records.join(changed, "record_id", "left_anti")
    values = list(_RECORD_VALUES_SCORED)
    left = unchanged.select(F.col("record_id").alias("record_l"),
                            *[F.col(c).alias(f"{c}_l") for c in values])
    right = unchanged.select(F.col("record_id").alias("record_r"),
                             *[F.col(c).alias(f"{c}_r") for c in values])
    levels = [c for c in previous.columns if c.startswith("gamma_")]
    return previous.select("record_l", "record_r", *levels).join(left, "record_l") \
        .join(right, "record_r")


def resolve_stage(ctx: RunContext, *, retrain: bool = False, incremental: bool = False,
                  on_its_own: bool = False) -> None:
    """Blocks, compares, scores and clusters the standardized records; writes the crosswalk.
    `on_its_own` (the `resolve` command): the records must be this run's, not those an
    earlier run ingested (`train`, which a stale model asks for before the run ingests, takes
    the records there are).

    Incremental: only pairs with a new or changed record are compared; the other pairs keep
    the levels stored in match_pairs by the previous run. Scores, links and clusters are then
    built over all pairs exactly as in a full run, so both give the same clusters.
    """
    spark, config = ctx.spark, ctx.config
    stored = tables.read_table(spark, ctx.warehouse, tables.STANDARDIZED_RECORDS)
    if stored is None:
        raise RuntimeError("standardized_records does not exist yet: run the ingest stage first")
    if on_its_own:
        _stop_unless_this_runs(ctx, stored, "run_id", "standardized_records was ingested",
                               "ingest", "a crosswalk from another run's records would miss "
                               "the changes since, and stamp them with this run")
    # Preparing the records is timed as the block stage's work (it was left out of the stage
    # times, some 8 s of the demo's run and 22 s at 200,000 records).
    with ctx.stage("block"):
        # Materialized with its lineage cut: every later plan reads the records several times,
        # and the name-frequency aggregates behind them would be printed (and held as a string)
        # each time. Cached while the records are derived: their plan reads the table seven
        # times (names and cities counted for the namesake figures), and each Delta scan lists
        # the table's files anew.
        stored = stored.persist()
        records = cut_lineage(comparison_records(stored))
        stored.unpersist()
        record_count = records.count()
        ctx.metric("block", "records", record_count)
        ctx.fit_to_size(record_count)
        changed = _changed_records(ctx, records) if incremental and not retrain else None
        reused = _stored_gammas(ctx, records, changed) if changed is not None else None
        if incremental and (reused is None or load_model(ctx) is None):
            log.warning("incremental run without a previous run's pairs to reuse or a stored "
                        "model: resolving fully")
            changed = reused = None
        # Materialized, not cached: the plans reading it four times (the block sizes, both
        # sides of the pairs) found the cached frame once and derived the keys again for the
        # rest (at 100,000 persons the pairs took 29 s instead of 20 s).
        keys = cut_lineage(blocking_keys(records, config.blocking.rules))
        pairs = pairs_from_keys(keys, config.blocking.max_block_size)
        if changed is not None:
            changed = changed.persist()
            ctx.metric("block", "changed_records", changed.count())
            touched = changed.select(F.col("record_id").alias("record_l")).join(
                pairs, "record_l").unionByName(changed.select(
                    F.col("record_id").alias("record_r")).join(pairs, "record_r"),
                allowMissingColumns=False).select(*pairs.columns).distinct()
            pairs = touched
        pairs = pairs.persist()
        candidates = pairs.count()
        ctx.metric("block", "candidate_pairs", candidates)
        ctx.metric("block", "oversized_blocks",
                   oversized_from_keys(keys, config.blocking.max_block_size).count())
    ctx.fit_to_pairs(candidates)
    with ctx.stage("compare"):
        # Kept with only what scoring reads: the records' other compared values made the kept
        # frame twice as wide (at 100,000 persons keeping it took 75 s instead of 57 s).
        gammas = compare_pairs(pairs_with_records(pairs, records), comparisons_of(config))
        gammas = gammas.select(*_scoring_columns(gammas))
        if reused is not None:
            gammas = gammas.unionByName(reused)
        gammas = gammas.persist()
        # The candidate pairs were counted by the block stage: the same frame, the same count.
        ctx.metric("compare", "compared_pairs", candidates)
        ctx.metric("compare", "scored_pairs", gammas.count())
    with ctx.stage("score"):
        params = None if retrain else load_model(ctx)
        if params is None:
            params = train_model(ctx, records, gammas)
        frequencies = _term_frequencies(records)
        scored = score_pairs(with_term_frequency_adjustments(gammas, frequencies, params),
                             params)
        contacts = contact_sources(records)
        ctx.notes["contact_sources"] = contacts
        reliable = _birth_dates_reliable(params)
        _ips, _shared, personal = _ip_sharing(ctx, records)
        # Found from the pairs' levels, before any is scored.
        shared_emails = _household_emails(ctx, gammas, records, params)
        # The scored pairs with the link rule's verdict, kept with what the later steps read
        # of them (not the records' values they were judged on): scored and judged once for
        # match_pairs, the links and the report.
        level_columns = [c for c in scored.columns if c.startswith(("gamma_", "bf_"))]
        judged = with_household_emails(scored, shared_emails).select(
            "record_l", "record_r", "match_weight", "match_probability", *level_columns,
            link_rule(config.matching, params.comparisons, contacts, reliable, personal,
                      household_emails=True).alias(_BY_RULE)).persist()
        above_floor = F.col("match_weight") >= config.matching.store_floor_weight
        ctx.metric("score", "stored_pairs", judged.where(above_floor).count())
        gammas.unpersist()
        decisions = link_decisions(ctx.spark, ctx.config)
        warn_of_unknown_decisions(records, decisions)
        must = decision_pairs(decisions, judged, "must_link")
        cannot = decision_pairs(decisions, judged, "cannot_link").persist()
        # Human decisions win over the model: declared-apart pairs never link directly, and
        # declared-together pairs link whatever their score.
        links = judged.where(F.col(_BY_RULE)).select("record_l", "record_r", "match_weight") \
            .join(cannot, ["record_l", "record_r"], "left_anti").unionByName(
                must.withColumn("match_weight", F.lit(MUST_LINK_WEIGHT))).persist()
        tables.write_table(
            with_link_flag(judged, must, cannot).where(above_floor).select(
                "record_l", "record_r", "match_weight", "match_probability", LINKED,
                *level_columns, F.lit(ctx.run_id).alias("run_id")),
            ctx.warehouse, tables.MATCH_PAIRS, run_id=ctx.run_id,
        )
        ctx.metric("score", "links", links.count())
        ctx.metric("score", "must_link_decisions", must.count())
        ctx.metric("score", "cannot_link_decisions", cannot.count())
    ctx.fit_to_size(record_count)
    with ctx.stage("cluster"):
        components = connected_components(
            links, vertices=records.select("record_id"),
            max_iterations=config.clustering.max_iterations,
        )
        ctx.metric("cluster", "birth_date_guard", float(reliable))
        guarded = apply_guards(components, links, records, cannot,
                               config.clustering.max_cluster_size, check_birth_dates=reliable,
                               contact_details=bool(contacts))
        assignments = guarded.assignments.persist()
        ctx.metric("cluster", "clusters_reexamined", guarded.flagged_clusters)
        ctx.metric("cluster", "clusters_split_by_guards", guarded.clusters_split)
        previous = tables.read_table_before_run(spark, ctx.warehouse, tables.IDENTITY_CROSSWALK,
                                                ctx.run_id)
        stable = assign_stable_ids(assignments, previous_ids(previous, records), ctx.run_id)
        crosswalk = build_crosswalk(records, stable.crosswalk, ctx.run_id)
        tables.write_table(_conform(crosswalk, tables.IDENTITY_CROSSWALK), ctx.warehouse,
                           tables.IDENTITY_CROSSWALK, run_id=ctx.run_id)
        # Kept while written and counted: the rows written are this run's events, no need to
        # read the table back.
        events = stable.events.persist()
        tables.write_table(_conform(events, tables.CUSTOMER_ID_EVENTS), ctx.warehouse,
                           tables.CUSTOMER_ID_EVENTS, run_id=ctx.run_id)
        for row in events.groupBy("event").count().collect():
            ctx.metric("cluster", f"ids_{row['event']}", row["count"])
        events.unpersist()
        distribution = cluster_size_distribution(assignments).collect()
        ctx.notes["cluster_sizes"] = sorted((int(r["size"]), int(r["clusters"]))
                                            for r in distribution)
        ctx.metric("cluster", "clusters", sum(int(r["clusters"]) for r in distribution))
        assignments.unpersist()
    with ctx.stage("report"):
        write_run_report(ctx, judged, params)
    for frame in (links, judged, pairs, records):
        frame.unpersist()


def _ip_sharing(ctx: RunContext, records: DataFrame) -> tuple[int, int, bool]:
    """Measures how often an IP carries two people's logins (jobs.link_rules.ip_sharing) and
    records it; returns the IPs seen with two logins, those of two people among them, and
    whether a shared IP may link on its own."""
    row = ip_sharing(records, ctx.config.blocking.max_block_size).first()
    ips, shared = (int(row["ips"]), int(row["shared"])) if row else (0, 0)
    personal = ips_are_personal(ips, shared, ctx.config.matching.max_ip_sharing)
    ctx.metric("score", "ips_with_two_logins", ips)
    ctx.metric("score", "ips_with_two_login_emails", shared)
    ctx.metric("score", "personal_ip_links", float(personal))
    ctx.notes["ip_sharing"] = (ips, shared, personal)
    return ips, shared, personal


# match_pairs' column: the pair is one of the links clusters are built from (see with_link_flag).
LINKED = "linked"
# The link rule's verdict on a scored pair, before human decisions.
_BY_RULE = "_linked_by_rule"


def with_link_flag(judged: DataFrame, must: DataFrame, cannot: DataFrame) -> DataFrame:
    """Returns the judged pairs (with the link rule's verdict in _BY_RULE) with LINKED: a
    must-link decision links the pair, a cannot-link decision keeps it apart, and otherwise the
    link rule (threshold and identity guard, jobs/link_rules.py) decides. A linked pair's records
    can still end in two customers when the cluster checks (jobs/guards.py) split them."""
    # A pair declared both ways links, as in the links clusters are built from.
    decided = must.select("record_l", "record_r", F.lit(True).alias("_decided")).unionByName(
        cannot.join(must, ["record_l", "record_r"], "left_anti")
        .select("record_l", "record_r", F.lit(False).alias("_decided")))
    return judged.join(F.broadcast(decided), ["record_l", "record_r"], "left").select(
        *judged.columns, F.coalesce(F.col("_decided"), F.col(_BY_RULE)).alias(LINKED))


def _household_emails(ctx: RunContext, pairs: DataFrame, records: DataFrame,
                      params: ModelParameters) -> DataFrame:
    """Returns the emails two people share (jobs.link_rules.household_emails), counted in the
    run metrics: a small frame of the values themselves, collected once. Kept as a cached
    frame, the plans that joined it did not find it in the cache and computed it again from
    the candidate pairs (the comparisons' Python functions among them): some 40 s for each of
    match_pairs and the links at 100,000 persons (3.5 million pairs)."""
    emails = sorted(row["email_sha256"] for row in
                    household_emails(pairs, records, Levels(params.comparisons)).collect())
    ctx.metric("score", "household_emails", len(emails))
    return tables.values_frame(ctx.spark, "email_sha256", emails)


def _birth_dates_reliable(params: ModelParameters) -> bool:
    """True when the model finds true matches rarely disagreeing on birth dates: a clear
    disagreement then vetoes a link and splits a cluster (jobs.guards)."""
    return "birth_date" not in params.m or birth_dates_are_reliable(params.m["birth_date"][0])


def write_run_report(ctx: RunContext, scored: DataFrame, params: ModelParameters) -> None:
    """Writes <warehouse>/reports/run-<run id>.html (local or mounted warehouses only)."""
    warehouse = local_path(ctx.warehouse)
    if warehouse is None:
        log.info("run report skipped: the warehouse %s is not a local folder", ctx.warehouse)
        return
    by_threshold = []
    if ctx.config.ground_truth:
        truth = read_ground_truth(ctx.spark, ctx.config.ground_truth).select(
            F.concat_ws("/", "source", "source_record_id").alias("record_id"), "person_id")
        counts = truth.groupBy("person_id").count()
        row = counts.agg(F.sum(F.col("count") * (F.col("count") - 1) / 2)).first()
        true_pairs = int(row[0] or 0) if row else 0
        by_threshold = precision_recall_by_threshold(scored, truth, true_pairs,
                                                     linked=_BY_RULE)
    sizes = ctx.notes.get("cluster_sizes")
    figures = ReportFigures(
        run_id=ctx.run_id,
        weight_histogram=weight_histogram(scored),
        cluster_sizes=sizes if isinstance(sizes, list) else [],
        by_threshold=by_threshold,
        summary=[(label, f"{ctx.value(stage, metric) or 0:,.0f}") for stage, metric, label in (
            ("block", "records", "standardized records"),
            ("block", "candidate_pairs", "candidate pairs"),
            ("score", "links", "links"),
            ("cluster", "clusters", "clusters"),
        )] + [("link threshold", str(ctx.config.matching.link_threshold))],
    )
    folder = warehouse / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"run-{ctx.run_id}.html"
    path.write_text(render_report(figures, params), encoding="utf-8")
    ctx.notes["report"] = str(path)
    log.info("run report written to %s", path)


# Comparisons whose exact agreement is weighed by how common the agreed value is, and the
# standardized column each compares.
TERM_FREQUENCY_COLUMNS = {"first_name": "first_name_norm", "last_name": "last_name_norm",
                          "ip_address": "ip_address"}


# Record values that scoring and the link rule read from a pair (_l and _r), beyond its levels.
_RECORD_VALUES_SCORED = tuple(dict.fromkeys((*TERM_FREQUENCY_COLUMNS.values(),
                                             *LINK_RULE_COLUMNS)))


def comparison_records(stored: DataFrame) -> DataFrame:
    """Returns the standardized records with everything blocking, comparisons and the link
    rule read.

    The name counts behind the namesake figures and the name genders read the records seven
    and three times, and each read would carry the whole plan that derived them: Spark's
    analyzer then spent seconds on every step's plan (and ran the derivation again for each
    read). So the records are materialized before each of those two steps: on the demo data
    the features take about 5 s instead of 10 (jobs.clustering.cut_lineage; see
    benchmarks/README.md, "Sizing")."""
    features = with_handle_initial_year(with_handle_stem_accounts(with_comparison_features(
        with_blocking_columns(with_email_naming_another(
            with_names_split_as_others(without_phrase_names(stored)))))))
    features = with_ip_use(features)
    return with_name_genders(cut_lineage(with_expected_namesakes(cut_lineage(features))))


def _term_frequencies(records: DataFrame) -> dict[str, DataFrame]:
    return {name: term_frequencies(records, column)
            for name, column in TERM_FREQUENCY_COLUMNS.items()}


def link_decisions(spark: SparkSession, config: Config) -> list[tuple[str, str, str]]:
    """Returns the must-link / cannot-link decisions: the configuration's, then those of the
    warehouse's `link_decisions` Delta table (record_l, record_r, decision) if there is one.
    Raises ConfigError (naming the table, or the configuration and the table) for a row whose
    decision is none of the two, a record paired with itself, or a pair declared both ways:
    `run` checks this before its first stage writes."""
    decisions = list(config.link_decisions)
    stored = tables.read_table(spark, config.warehouse, tables.LINK_DECISIONS)
    if stored is None:
        return decisions
    rows = [(r["record_l"], r["record_r"], r["decision"])
            for r in stored.select("record_l", "record_r", "decision").collect()]
    table = f"{config.warehouse.rstrip('/')}/{tables.LINK_DECISIONS}"
    orders = {s.name for s in config.sources_of("orders")}
    for left, right, _ in rows:
        for record in (left, right):
            if (record or "").partition("/")[0] in orders:
                raise ConfigError(table, "record_l" if record == left else "record_r",
                                  f"the row ({left}, {right}): {record!r} is an order, which is "
                                  "no record; a decision pairs two customers' records")
    problem = link_decision_problem(
        [(*d, f"link_decisions[{i}] of {config.file}") for i, d in enumerate(decisions)]
        + [(left, right, decision, f"the table's row ({left}, {right})")
           for left, right, decision in rows])
    if problem:
        raise ConfigError(table, "decision", problem)
    return decisions + rows


def warn_of_unknown_decisions(records: DataFrame, decisions: list[tuple[str, str, str]]) -> None:
    """Warns of link decisions naming records that no source holds (a mistyped id, or a record
    gone from its source): they apply to nothing, which a run would otherwise not say."""
    named = sorted({record for left, right, _ in decisions for record in (left, right)})
    if not named:
        return
    found = {row["record_id"] for row in records.where(F.expr(tables.sql_in("record_id", named)))
             .select("record_id").collect()}
    unknown = [record for record in named if record not in found]
    if unknown:
        log.warning("link decisions name %d records that no source holds, and apply to "
                    "nothing there: %s%s", len(unknown), ", ".join(unknown[:5]),
                    " ..." if len(unknown) > 5 else "")


def contact_sources(records: DataFrame) -> list[str]:
    """Returns the sources whose records hold contact details or genders (see
    jobs.link_rules.identity_guard: their people are told apart by first name)."""
    present = [c for c in CONTACT_COLUMNS if c in records.columns]
    if not present:
        return []
    condition = F.lit(False)
    for column in present:
        condition = condition | F.col(column).isNotNull()
    return sorted(r["source"] for r in records.where(condition).select("source").distinct()
                  .collect())


def _stop_unless_this_runs(ctx: RunContext, table: DataFrame, column: str, made: str,
                           stage: str, why: str) -> None:
    """A stage run on its own reads what an earlier stage of the same run wrote: raises
    RuntimeError when `table`'s rows were written (`column`) by another run."""
    runs = sorted(row[column] for row in table.select(column).distinct().collect())
    if runs and runs != [ctx.run_id]:
        raise RuntimeError(f"{made} by run {', '.join(runs)}, not {ctx.run_id}: run the "
                           f"{stage} stage for this run first ({why})")


def profiles_stage(ctx: RunContext, on_its_own: bool = False) -> None:
    """Builds customer_profiles and identifier_index from the records and the crosswalk.
    `on_its_own` (the `profiles` command): the crosswalk must be this run's, not one that an
    earlier run resolved from other records."""
    with ctx.stage("profiles"):
        spark = ctx.spark
        records = tables.read_table(spark, ctx.warehouse, tables.STANDARDIZED_RECORDS)
        crosswalk = tables.read_table(spark, ctx.warehouse, tables.IDENTITY_CROSSWALK)
        if records is None or crosswalk is None:
            raise RuntimeError("run the ingest and resolve stages before profiles")
        if on_its_own:
            _stop_unless_this_runs(ctx, crosswalk, "assigned_run_id",
                                   "identity_crosswalk was resolved", "resolve",
                                   "profiles from another run's crosswalk would miss or "
                                   "misplace the records ingested since")
        orders = tables.read_table(spark, ctx.warehouse, tables.ORDERS)
        if orders is None:
            orders = spark.createDataFrame([], table_schema(tables.ORDERS).struct())
        # Kept while written, indexed and counted: the index is built from the rows written,
        # without reading the table back.
        profiles = build_profiles(records, crosswalk, orders, ctx.run_date, ctx.run_id,
                                  ctx.config.survivorship).persist()
        tables.write_table(profiles, ctx.warehouse, tables.CUSTOMER_PROFILES, run_id=ctx.run_id)
        tables.write_table(_conform(build_identifier_index(profiles), tables.IDENTIFIER_INDEX),
                           ctx.warehouse, tables.IDENTIFIER_INDEX, run_id=ctx.run_id)
        ctx.metric("profiles", "customers", profiles.count())
        profiles.unpersist()


def evaluate_stage(ctx: RunContext) -> None:
    """Measures pairwise precision, recall and F1 when a ground-truth file is configured."""
    if not ctx.config.ground_truth:
        return
    with ctx.stage("evaluate"):
        crosswalk = tables.read_table(ctx.spark, ctx.warehouse, tables.IDENTITY_CROSSWALK)
        assert crosswalk is not None
        accuracy = pairwise_accuracy(crosswalk, read_ground_truth(ctx.spark,
                                                                  ctx.config.ground_truth))
        ctx.metric("evaluate", "precision", accuracy.precision)
        ctx.metric("evaluate", "recall", accuracy.recall)
        ctx.metric("evaluate", "f1", accuracy.f1)
        ctx.metric("evaluate", "true_pairs", accuracy.true_pairs)
        ctx.metric("evaluate", "predicted_pairs", accuracy.predicted_pairs)
        by_pair = accuracy_by_source_pair(
            crosswalk, read_ground_truth(ctx.spark, ctx.config.ground_truth)).collect()
        rows = []
        for row in sorted(by_pair, key=lambda r: (r["source_a"], r["source_b"])):
            pair = f"{row['source_a']}~{row['source_b']}"
            for metric in ("precision", "recall", "true_pairs", "predicted_pairs"):
                if row[metric] is not None:
                    ctx.metric("evaluate", metric, row[metric], pair)
            rows.append((pair, row["precision"], row["recall"], row["true_pairs"]))
        ctx.notes["accuracy_by_source_pair"] = rows


def record_metrics(ctx: RunContext) -> None:
    """Writes the run's metrics to run_metrics (replacing this run id's earlier rows)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        (ctx.run_id, ctx.run_date, stage, source, metric, value, now)
        for stage, source, metric, value in ctx.metrics
    ]
    df = ctx.spark.createDataFrame(rows, table_schema(tables.RUN_METRICS).struct())
    stages = tuple(sorted({stage for stage, _source, _metric, _value in ctx.metrics}))
    tables.write_table(df, ctx.warehouse, tables.RUN_METRICS, run_id=ctx.run_id, stages=stages)


def no_standardized_record(record: str) -> str:
    """What `explain` says of a record id the warehouse holds no record of."""
    return (f"no standardized record {record!r}: the last run accepted no row of that id (a "
            "row it refused is in rejected_records)")


def explain_records(ctx: RunContext, record_a: str, record_b: str) -> str:
    """Returns a readable account of why two records are (not) linked: each comparison's level,
    m, u and partial weight under the stored model, the total and the decision."""
    records = tables.read_table(ctx.spark, ctx.warehouse, tables.STANDARDIZED_RECORDS)
    params = load_model(ctx)
    if records is None or params is None:
        raise RuntimeError("no standardized records or no stored model: run the job first")
    # Features of all records: how common a name is depends on every record. Kept once: the
    # pair below reads the two records twice, and the cluster checks' reasons (_kept_apart)
    # read their customers' records; each read would count all names again.
    features = comparison_records(records).persist()
    wanted = cut_lineage(features.where(F.col("record_id").isin(record_a, record_b)))
    # Whether each record's email is a role's mailbox, and the names as compared, for the
    # reasons printed below.
    role = F.expr(role_mailbox()) if "email" in wanted.columns else F.lit(False)
    found = {row["record_id"]: row.asDict() for row in wanted.select(
        "record_id", role.alias("_role"), "first_name_norm", "last_name_norm").collect()}
    for record in (record_a, record_b):
        if record not in found:
            raise KeyError(no_standardized_record(record))
    left, right = sorted((record_a, record_b))
    # The names as standardized, to tell how matching read a social display name.
    business = names_an_organisation(F.col("display_name")).alias("_business")
    shown = {row["record_id"]: row.asDict() for row in records
             .where(F.col("record_id").isin(left, right))
             .select("record_id", "source_kind", "display_name", "first_name_norm",
                     "last_name_norm", business).collect()}
    pair = ctx.spark.createDataFrame([(left, right)], "record_l string, record_r string")
    compared = compare_pairs(pairs_with_records(pair, wanted), comparisons_of(ctx.config))
    # Read from the records as resolve reads them (display names split as matching splits
    # them): the name frequencies from the raw records gave other weights than the run's.
    contacts = contact_sources(features)
    ips, shared, personal_ips = _ip_sharing(ctx, features)
    levels, reliable = Levels(params.comparisons, True), _birth_dates_reliable(params)
    vetoes = guard_vetoes(levels, contacts, reliable)
    # Household emails are found among the stored pairs of the last run, with the genders
    # their records show (the pairs are stored with their levels only).
    stored = tables.read_table(ctx.spark, ctx.warehouse, tables.MATCH_PAIRS)
    genders = features.select("record_id", GENDER_SHOWN_COLUMN)
    shared_emails = (household_emails(
        stored.join(genders.toDF("record_l", f"{GENDER_SHOWN_COLUMN}_l"), "record_l", "left")
        .join(genders.toDF("record_r", f"{GENDER_SHOWN_COLUMN}_r"), "record_r", "left"),
        features, levels) if stored is not None else records.select("email_sha256").limit(0))
    scored = with_household_emails(score_pairs(with_term_frequency_adjustments(
        compared, _term_frequencies(features), params), params), shared_emails).select(
        "*", corroborated(levels, contacts, reliable).alias("_corroborated"),
        *(veto.alias(f"_veto_{name}") for name, veto in vetoes.items()),
        rare_full_name_in_one_city(levels, ctx.config.matching.max_expected_namesakes)
        .alias("_rare_name"),
        rare_full_name_anywhere(levels, ctx.config.matching.max_namesakes_anywhere)
        .alias("_rare_anywhere"),
        personal_ip(levels).alias("_same_ip"),
        (levels.top("ip_address") & F.coalesce(F.col(f"{IP_SHARED_COLUMN}_l"), F.lit(False)))
        .alias("_busy_ip"),
        shared_handle(levels).alias("_shared_handle"),
        (levels.top("handle") & initial_year_handle()).alias("_initial_year"),
        (levels.top("first_name") & levels.top("last_name")).alias("_full_name"),
        decisive_email(levels, ctx.config.matching.exact_email_links).alias("_email_decides"),
        link_rule(ctx.config.matching, params.comparisons, contacts, reliable, personal_ips,
                  household_emails=True).alias("_linked")).first()
    assert scored is not None
    threshold = ctx.config.matching.link_threshold
    lines = [f"{record_a}  vs  {record_b}", "",
             f"{'comparison':<19}{'level':<26}{'m':>10}{'u':>10}{'weight':>9}"]
    for item in explain_pair(scored.asDict(), params):
        m = "" if item["m"] is None else f"{item['m']:.4f}"
        u = "" if item["u"] is None else f"{item['u']:.5f}"
        lines.append(f"{item['comparison']:<19}{item['label']:<26}{m:>10}{u:>10}"
                     f"{item['partial_weight']:>+9.2f}")
    prior_weight = math.log2(params.prior / (1 - params.prior))
    refusals = [name for name in vetoes if scored[f"_veto_{name}"]]
    # identity_guard: no veto (each known false) and corroborated.
    guard = bool(scored["_corroborated"]) \
        and all(scored[f"_veto_{name}"] is False for name in vetoes)
    linked = bool(scored["_linked"])
    lines += [
        f"{'prior':<19}{'':<26}{'':>10}{'':>10}{prior_weight:>+9.2f}",
        "",
        f"match weight {scored['match_weight']:+.2f}, probability "
        f"{scored['match_probability']:.6f} (link threshold {threshold})",
    ]
    for record in (left, right):
        reading = how_names_were_read(shown[record], found[record], shown[record]["_business"])
        if reading:
            lines.append(f"{record}: {reading}")
    vetoed = bool(refusals)
    if not guard and (vetoed or not linked):
        reasons = [VETO_REASONS[name] for name in refusals]
        if not scored["_corroborated"]:
            reasons.append(NOT_CORROBORATED)
        lines.append("the identity guard (jobs/link_rules.py) refuses the link: "
                     + "; ".join(reasons))
    elif not guard:
        lines.append("the identity guard (jobs/link_rules.py) would not link it above the "
                     f"threshold: {NOT_CORROBORATED}; a rule below links it without that")
    shared_email = scored["email_sha256_l"] is not None \
        and scored["email_sha256_l"] == scored["email_sha256_r"]
    naming = [record for record, side in ((left, "l"), (right, "r"))
              if scored[f"{EMAIL_NAMES_ANOTHER_COLUMN}_{side}"]]
    roles = [record for record in naming if found[record]["_role"]]
    if shared_email and roles:
        lines.append(f"the shared email is a role's mailbox (on {' and '.join(roles)}): whoever "
                     "answers it, not one person, so it counts as no evidence")
    elif shared_email and naming:
        lines.append(f"the shared email is a family's: on {' and '.join(naming)} it names "
                     "another person's first name, a family, a couple or two surnames, so it "
                     "counts as no evidence")
    elif shared_email and scored[HOUSEHOLD_EMAIL]:
        lines.append("the shared email is a family's: two records with it disagree on first "
                     "name and on birth date or gender, so it counts as no evidence")
    if scored["_email_decides"]:
        lines.append(
            "the same email on both, the records' own (no family's or role's mailbox), and no "
            "first name or birth date against it: "
            + _links_at(None, vetoed, "a shared email"))
    lines += _namesake_reasons(scored.asDict(), ctx.config.matching, linked, vetoed)
    if scored["_shared_handle"]:
        lines.append(
            "one handle of one person's making on both accounts (two digits in a row, and "
            "either its letters carried by no other account of either platform with first "
            "names not against it, or one first name on both that shows a gender): "
            + _links_at(DECISIVE_MIN_PROBABILITY, vetoed))
    if scored["_initial_year"]:
        lines.append(
            "one handle on both accounts, but made of a first name, a surname's initial and a "
            "year (tobias_k54): people of that first name born that year whose surnames start "
            "alike share it, so it does not link alone")
    if scored["_same_ip"]:
        lines.append(
            f"the same IP, nothing against it: {shared} of {ips} IPs seen with two logins carry "
            f"two people's, so a shared IP {'links' if personal_ips else 'does not link'} "
            f"alone (at probability {PERSONAL_IP_MIN_PROBABILITY} or more)"
            + (", but the guard's veto above refuses it" if personal_ips and vetoed else ""))
    if scored["_busy_ip"] and personal_ips:
        lines.append(f"the same IP, but more than {PERSONAL_IP_MAX_RECORDS} records or two "
                     "login emails use it (an office's, a café's): it does not link alone")
    # The last run stored every candidate pair at or above store_floor_weight: a pair scoring
    # that much that is not stored was never proposed by a blocking rule, never scored.
    if stored is not None and scored["match_weight"] >= ctx.config.matching.store_floor_weight \
            and stored.where(((F.col("record_l") == left) & (F.col("record_r") == right))
                             | ((F.col("record_l") == right) & (F.col("record_r") == left))
                             ).isEmpty():
        linked = False
        lines.append(
            "not a candidate pair: no blocking rule proposed it in the last run (the records "
            "share no value of one, or only values more records share than "
            f"max_block_size {ctx.config.blocking.max_block_size}), so it was never scored; the "
            "figures above are what it would score")
    # A human decision on the pair wins over the score, the rules and candidacy (as in runs).
    decisions = link_decisions(ctx.spark, ctx.config)
    decided = {(min(a, b), max(a, b)): decision for a, b, decision in decisions}.get((left, right))
    if decided is not None:
        linked = decided == "must_link"
        lines.append(f"a human decision, {decided} (link_decisions), "
                     + ("links it" if linked else "keeps it apart")
                     + ": it wins over the score and the rules above")
    crosswalk = tables.read_table(ctx.spark, ctx.warehouse, tables.IDENTITY_CROSSWALK)
    same = None
    if crosswalk is not None:
        ids = {r["record_id"]: r["customer_id"] for r in crosswalk.where(
            F.col("record_id").isin(left, right)).select("record_id", "customer_id").collect()}
        same = len(ids) == 2 and ids[left] == ids[right]
        if linked and len(ids) == 2 and not same:
            lines.append(_kept_apart(ctx, features, crosswalk, stored, (ids[left], ids[right]),
                                     frozenset((left, right)), reliable, bool(contacts),
                                     decisions))
    lines.append(f"decision: {'LINKED' if linked else 'not linked'} directly"
                 + ("" if same is None else
                    f"; same customer in the crosswalk: {'yes' if same else 'no'}"))
    return "\n".join(lines)


def _links_at(probability: float | None, vetoed: bool, subject: str = "it") -> str:
    """How a rule below the threshold links a pair (at `probability` or more, or at any), or,
    where one of the guard's vetoes refuses the pair, that it would."""
    bound = ("at any probability" if probability is None
             else f"at probability {probability} or more")
    if vetoed:
        return f"{subject} would link {bound}, but the guard's veto above refuses it"
    return f"{subject} links {bound}"


def _namesake_reasons(scored: Mapping[str, Any], matching: MatchingConfig,
                      linked: bool, vetoed: bool = False) -> list[str]:
    """`explain`'s lines on how rare the pair's full name is: the rule of a rare full name in one
    city or in all the data that links it, or why both names agreeing did not. A side's figure
    is "not counted" where it has none (a social account showing a first name only, its
    surname in its handle)."""
    def figure(column: str, side: str, digits: int = 4) -> str:
        value = scored[f"{column}_{side}"]
        return "not counted" if value is None else f"{value:.{digits}f}"

    lines = []
    if scored["_rare_name"]:
        expected = " and ".join(figure(NAMESAKES_COLUMN, side) for side in ("l", "r"))
        lines.append(
            f"a rare full name in one city: {expected} people expected to share it there "
            f"(max_expected_namesakes {matching.max_expected_namesakes}); "
            + _links_at(DECISIVE_MIN_PROBABILITY, vetoed))
    if scored["_rare_anywhere"]:
        expected = " and ".join(figure(NAMESAKES_ANYWHERE_COLUMN, side, 5) for side in ("l", "r"))
        lines.append(
            f"a rare full name: {expected} records expected to carry it in all the data "
            f"(max_namesakes_anywhere {matching.max_namesakes_anywhere}); "
            + _links_at(DECISIVE_MIN_PROBABILITY, vetoed))
    rare = scored["_rare_name"] or scored["_rare_anywhere"]
    if scored["_full_name"] and not linked and not rare:
        lines.append(
            "both names agree, but the full name is not rare enough to link alone: "
            f"{figure(NAMESAKES_COLUMN, 'l')} and {figure(NAMESAKES_COLUMN, 'r')} people "
            f"expected to share it in the city (max_expected_namesakes "
            f"{matching.max_expected_namesakes}, and the same city needed), "
            f"{figure(NAMESAKES_ANYWHERE_COLUMN, 'l')} and "
            f"{figure(NAMESAKES_ANYWHERE_COLUMN, 'r')} records in all the data "
            f"(max_namesakes_anywhere {matching.max_namesakes_anywhere})")
    return lines


# How many conflicting pairs of records `explain` names when cluster checks kept a link out.
_CONFLICTS_SHOWN = 3


def _kept_apart(ctx: RunContext, features: DataFrame, crosswalk: DataFrame,
                stored: DataFrame | None, customers: tuple[str, str], pair: frozenset[str],
                birth_dates_reliable: bool, contact_details: bool,
                decisions: Sequence[tuple[str, str, str]]) -> str:
    """Returns why the cluster checks (jobs.guards) kept two linked records' customers apart:
    the records of one that cannot be one person with records of the other. `features`: every
    record's comparison_records; `stored`: the last run's match_pairs, whose linked pairs
    between the two customers count as linked directly, as when the cluster was rebuilt."""
    members = {c: {r["record_id"] for r in crosswalk.where(F.col("customer_id") == c)
                   .select("record_id").collect()} for c in customers}
    wanted = set().union(*members.values())
    rows = members_of(features.where(F.col("record_id").isin(*wanted)))
    groups = [[m for m in rows if m.record_id in members[c]] for c in customers]
    direct = {pair}
    if stored is not None and LINKED in stored.columns:
        direct |= {frozenset((r["record_l"], r["record_r"])) for r in stored.where(
            F.col(LINKED) & F.col("record_l").isin(*wanted) & F.col("record_r").isin(*wanted))
            .select("record_l", "record_r").collect()}
    found = conflicts_between(groups[0], groups[1], direct, birth_dates_reliable,
                              contact_details)
    def size(customer: str) -> str:
        n = len(members[customer])
        return f"{n} record{'' if n == 1 else 's'}"

    head = (f"the cluster checks (jobs/guards.py) keep customers {customers[0]} "
            f"({size(customers[0])}) and {customers[1]} ({size(customers[1])}) apart")
    # Human decisions between the two come first: they win over every check.
    apart = sorted(tuple(sorted((a, b))) for a, b, decision in decisions
                   if decision == "cannot_link"
                   and {a, b} & members[customers[0]] and {a, b} & members[customers[1]])
    if apart:
        shown = "; ".join(f"{a} and {b}" for a, b in apart[:_CONFLICTS_SHOWN])
        more = len(apart) - _CONFLICTS_SHOWN
        return (f"{head}: a cannot_link decision (link_decisions) keeps {shown} apart"
                + (f" (and {more} more pairs)" if more > 0 else ""))
    if not found:
        return (f"{head}: no two of their records conflict, so the size cap "
                f"(max_cluster_size {ctx.config.clustering.max_cluster_size}) or a cannot-link "
                f"decision refused the link")
    shown = "; ".join(f"{a} and {b}: {CONFLICT_REASONS[reason]}"
                      for a, b, reason in found[:_CONFLICTS_SHOWN])
    more = len(found) - _CONFLICTS_SHOWN
    return f"{head}: {shown}" + (f" (and {more} more pairs)" if more > 0 else "")
