"""Fellegi–Sunter scoring: u from random pairs, m and the prior by EM, scores as Spark columns.

Levels follow the comparison stage's contract: -1 = null (one side missing, neutral), 0 = "else",
1..k-1 = increasingly strong agreement, k-1 = exact. Training runs on grouped agreement-pattern
counts (a tiny pandas table whatever the number of pairs); only scoring touches every pair.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

log = logging.getLogger(__name__)

NULL_LEVEL = -1
# Sums of probabilities read back from JSON or computed in floating point are 1 only up to this.
_SUM_TOLERANCE = 1e-6


class ModelError(ValueError):
    """Model parameters or inputs that do not fit the model (missing column, unknown level...)."""


@dataclass(frozen=True)
class ComparisonSpec:
    """One comparison: `name` (column `gamma_<name>`) and the labels of levels 0..k-1."""

    name: str
    levels: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(self.levels))  # a list from YAML stays hashable
        if not self.name.isidentifier():
            raise ModelError(f"comparison name {self.name!r} must be usable in a column name")
        if len(self.levels) < 2:
            raise ModelError(f"comparison {self.name!r} needs an 'else' and an exact level")

    @property
    def gamma_column(self) -> str:
        return f"gamma_{self.name}"


@dataclass(frozen=True)
class ModelParameters:
    """A trained model. `m`/`u` map a comparison name to one probability per level (index = level).

    `prior` is λ, P(match) for two records drawn at random: the prior that `score_pairs` uses.
    `prior_candidates` is P(match) among the blocked candidate pairs, as estimated by EM.
    """

    comparisons: tuple[ComparisonSpec, ...]
    m: dict[str, tuple[float, ...]]
    u: dict[str, tuple[float, ...]]
    prior: float
    prior_candidates: float
    trained_at: str
    em_iterations: int
    converged: bool

    def __post_init__(self) -> None:
        by_name = {spec.name: spec for spec in self.comparisons}
        if len(by_name) != len(self.comparisons):
            raise ModelError("comparison names must be unique")
        for label, probs in (("m", self.m), ("u", self.u)):
            if set(probs) != set(by_name):
                raise ModelError(f"{label} has {sorted(probs)}, comparisons are {sorted(by_name)}")
            for name, values in probs.items():
                _check_distribution(f"{label}[{name}]", values, len(by_name[name].levels))
        for label, p in (("prior", self.prior), ("prior_candidates", self.prior_candidates)):
            if not 0.0 < p < 1.0:
                raise ModelError(f"{label} must be in (0, 1), got {p}")

    def spec(self, name: str) -> ComparisonSpec:
        """Returns the comparison called `name`; raises ModelError if the model has none."""
        for spec in self.comparisons:
            if spec.name == name:
                return spec
        raise ModelError(f"no comparison {name!r} in the model")

    def bayes_factor(self, name: str, level: int) -> float:
        """Returns m/u for the level (1.0 for the null level -1, which is neutral)."""
        if level == NULL_LEVEL:
            return 1.0
        if not 0 <= level < len(self.spec(name).levels):
            raise ModelError(f"comparison {name!r} has no level {level}")
        return self.m[name][level] / self.u[name][level]

    def partial_weight(self, name: str, level: int) -> float:
        """Returns log2(m/u) for the level: the pair's match weight contribution (0 for null)."""
        return math.log2(self.bayes_factor(name, level))

    def to_json(self) -> str:
        """Returns the model as indented JSON; keys in a fixed order so stored models diff well."""
        doc = {
            "prior": self.prior,
            "prior_candidates": self.prior_candidates,
            "trained_at": self.trained_at,
            "em_iterations": self.em_iterations,
            "converged": self.converged,
            "comparisons": [
                {"name": s.name, "levels": list(s.levels),
                 "m": list(self.m[s.name]), "u": list(self.u[s.name])}
                for s in self.comparisons
            ],
        }
        return json.dumps(doc, indent=2)

    @classmethod
    def from_json(cls, text: str) -> ModelParameters:
        """Returns the model stored by `to_json`; raises ModelError if it is incomplete."""
        try:
            doc = json.loads(text)
            items = doc["comparisons"]
            return cls(
                comparisons=tuple(ComparisonSpec(c["name"], tuple(c["levels"])) for c in items),
                m={c["name"]: tuple(float(x) for x in c["m"]) for c in items},
                u={c["name"]: tuple(float(x) for x in c["u"]) for c in items},
                prior=float(doc["prior"]),
                prior_candidates=float(doc["prior_candidates"]),
                trained_at=str(doc["trained_at"]),
                em_iterations=int(doc["em_iterations"]),
                converged=bool(doc["converged"]),
            )
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ModelError(f"not a stored model: {exc!r}") from exc

    def to_rows(self) -> list[dict[str, Any]]:
        """Returns one dict per comparison level, the rows of the `model_parameters` table."""
        return [
            {"comparison": spec.name, "level": level, "label": label,
             "m": self.m[spec.name][level], "u": self.u[spec.name][level],
             "bayes_factor": self.bayes_factor(spec.name, level),
             "match_weight": self.partial_weight(spec.name, level),
             "prior": self.prior, "trained_at": self.trained_at}
            for spec in self.comparisons
            for level, label in enumerate(spec.levels)
        ]


def _check_distribution(label: str, values: Sequence[float], n_levels: int) -> None:
    if len(values) != n_levels:
        raise ModelError(f"{label} has {len(values)} values for {n_levels} levels")
    # A zero m or u would make a level's weight infinite: one field could veto or force a match.
    if any(not 0.0 < v <= 1.0 for v in values):
        raise ModelError(f"{label} must be in (0, 1], got {list(values)}")
    if abs(sum(values) - 1.0) > _SUM_TOLERANCE:
        raise ModelError(f"{label} must sum to 1, got {sum(values)}")


def _require_columns(present: Sequence[str], wanted: Sequence[str]) -> None:
    if missing := [c for c in wanted if c not in present]:
        raise ModelError(f"input lacks columns {missing}; it has {list(present)}")


def _gamma_matrix(patterns: pd.DataFrame, comparisons: Sequence[ComparisonSpec]) -> np.ndarray:
    """Returns the patterns' levels as an int matrix (pattern x comparison), checked."""
    _require_columns(list(patterns.columns), [s.gamma_column for s in comparisons] + ["n"])
    gammas = patterns[[s.gamma_column for s in comparisons]].to_numpy(dtype=np.int64)
    for j, spec in enumerate(comparisons):
        bad = (gammas[:, j] < NULL_LEVEL) | (gammas[:, j] >= len(spec.levels))
        if bad.any():
            raise ModelError(f"{spec.gamma_column} has levels {sorted(set(gammas[bad, j]))} "
                             f"outside -1..{len(spec.levels) - 1}")
    return gammas


def count_agreement_patterns(
    gammas: DataFrame, comparisons: Sequence[ComparisonSpec]
) -> pd.DataFrame:
    """Returns one row per distinct gamma pattern with its count `n`, sorted by pattern.

    The result has at most Π(k+1) rows whatever the number of pairs, so it is collected.
    """
    columns = [s.gamma_column for s in comparisons]
    _require_columns(gammas.columns, columns)
    counts: pd.DataFrame = gammas.groupBy(*columns).agg(F.count(F.lit(1)).alias("n")).toPandas()
    return counts.sort_values(columns, ignore_index=True)


def _level_frequencies(levels: np.ndarray, weights: np.ndarray, k: int, alpha: float) -> np.ndarray:
    """Returns P(level) over non-null levels, each count raised by `alpha` so none is 0."""
    keep = levels >= 0
    counts = np.bincount(levels[keep], weights=weights[keep], minlength=k)
    return (counts + alpha) / (counts.sum() + alpha * k)


def estimate_u_from_patterns(
    random_pair_patterns: pd.DataFrame,
    comparisons: Sequence[ComparisonSpec],
    smoothing: float = 1.0,
    exclude_when_exact: Sequence[Sequence[str]] = (),
) -> dict[str, tuple[float, ...]]:
    """Returns u per comparison: level frequencies among random record pairs.

    Random pairs are nearly all non-matches, so their level frequencies estimate u. Pairs null
    on a comparison are left out of that comparison's denominator; `smoothing` is added to
    every level's count (Laplace) so that a level never seen among random pairs keeps u > 0.
    Random pairs exact on every comparison of one of `exclude_when_exact` (a shared login
    email, say) are taken for the matches they almost surely are and left out: in a small
    population they are frequent enough to inflate u of the strongest identifiers tenfold.
    """
    if smoothing <= 0:
        raise ModelError(f"smoothing must be > 0, got {smoothing}")
    by_name = {spec.name: spec for spec in comparisons}
    keep = np.ones(len(random_pair_patterns), dtype=bool)
    for rule in exclude_when_exact:
        exact = np.ones(len(random_pair_patterns), dtype=bool)
        for name in rule:
            spec = by_name[name]
            exact &= random_pair_patterns[spec.gamma_column].to_numpy() == len(spec.levels) - 1
        keep &= ~exact
    random_pair_patterns = random_pair_patterns[keep]
    gammas = _gamma_matrix(random_pair_patterns, comparisons)
    n = random_pair_patterns["n"].to_numpy(dtype=float)
    frequencies = (_level_frequencies(g, n, len(s.levels), smoothing)
                   for g, s in zip(gammas.T, comparisons, strict=True))
    return {s.name: tuple(map(float, f)) for s, f in zip(comparisons, frequencies, strict=True)}


def estimate_m_by_em(
    candidate_patterns: pd.DataFrame,
    comparisons: Sequence[ComparisonSpec],
    u: Mapping[str, Sequence[float]],
    *,
    initial_prior: float = 0.1,
    max_iterations: int = 100,
    tolerance: float = 1e-6,
    fix_u: bool = True,
    smoothing: float = 1.0,
    total_pairs: int | None = None,
    trained_at: str | None = None,
) -> ModelParameters:
    """Returns the model fitted by expectation-maximisation on candidate-pair pattern counts.

    E-step: posterior P(match | pattern). M-step: m (and u unless `fix_u`) per level from
    posterior-weighted counts, nulls left out of that comparison's denominator, `smoothing`
    (a pseudo-count of pairs) added to every level; `prior_candidates` = mean posterior.
    Stops when no parameter moves more than `tolerance`.

    λ (`prior`) = expected matches among candidates / `total_pairs` (the number of record pairs
    in the whole comparison space), assuming blocking keeps the true matches; without
    `total_pairs` the candidate prior is used, with a warning, since it overstates λ.
    `trained_at` defaults to now (UTC); pass the run's timestamp for reproducible re-runs.
    """
    if smoothing <= 0 or not 0 < initial_prior < 1 or max_iterations < 1:
        raise ModelError("need smoothing > 0, 0 < initial_prior < 1 and max_iterations >= 1")
    _require_columns(list(candidate_patterns.columns), [s.gamma_column for s in comparisons])
    # Sorted patterns make the floating-point sums, hence the result, independent of input order.
    patterns = candidate_patterns.sort_values([s.gamma_column for s in comparisons])
    gammas, n = _gamma_matrix(patterns, comparisons), patterns["n"].to_numpy(dtype=float)
    if n.sum() <= 0:
        raise ModelError("no candidate pairs to train on")
    for spec in comparisons:
        _check_distribution(f"u[{spec.name}]", tuple(u.get(spec.name, ())), len(spec.levels))
    # Start m rising with the level (weights 4^level): it breaks the symmetry between the two
    # classes so that EM's "match" class is the one that agrees.
    m_est = {s.name: 4.0 ** np.arange(len(s.levels)) for s in comparisons}
    m_est = {k: v / v.sum() for k, v in m_est.items()}
    u_est = {s.name: np.asarray(u[s.name], dtype=float) for s in comparisons}
    prior, converged, iteration = initial_prior, False, 0
    for iteration in range(1, max_iterations + 1):
        log_odds = np.full(len(n), math.log(prior / (1.0 - prior)))
        for level, spec in zip(gammas.T, comparisons, strict=True):
            ratio = np.log(m_est[spec.name]) - np.log(u_est[spec.name])
            log_odds += np.where(level >= 0, ratio[np.maximum(level, 0)], 0.0)
        posterior = np.exp(-np.logaddexp(0.0, -log_odds))  # logistic, without overflow
        new_prior = float(np.clip((n * posterior).sum() / n.sum(), 1e-12, 1 - 1e-12))
        change = abs(new_prior - prior)
        for level, spec in zip(gammas.T, comparisons, strict=True):
            updates = [(m_est, n * posterior)] + ([] if fix_u else [(u_est, n * (1 - posterior))])
            for estimate, weights in updates:
                new = _level_frequencies(level, weights, len(spec.levels), smoothing)
                change = max(change, float(np.abs(new - estimate[spec.name]).max()))
                estimate[spec.name] = new
        prior = new_prior
        log.debug("EM iteration %d: prior_candidates %.6f, change %.3g", iteration, prior, change)
        if converged := change < tolerance:
            break
    if not converged:
        log.warning("EM stopped after %d iterations without converging", iteration)
    else:
        log.info("EM converged in %d iterations: prior_candidates %.6f", iteration, prior)
    n_candidates = float(n.sum())
    if total_pairs is None:
        log.warning("total_pairs not given: λ taken as the candidate prior, which overstates it")
        random_prior = prior
    elif total_pairs < n_candidates:
        raise ModelError(f"total_pairs {total_pairs} is below the {n_candidates:.0f} candidates")
    else:
        random_prior = prior * n_candidates / total_pairs
    params = ModelParameters(
        comparisons=tuple(comparisons),
        m={k: tuple(float(x) for x in v) for k, v in m_est.items()},
        u={k: tuple(float(x) for x in v) for k, v in u_est.items()},
        prior=random_prior,
        prior_candidates=prior,
        trained_at=trained_at or datetime.now(UTC).isoformat(timespec="seconds"),
        em_iterations=iteration,
        converged=converged,
    )
    _warn_on_level_order(params)
    return params


def estimate_prior_by_em(
    candidate_patterns: pd.DataFrame,
    comparisons: Sequence[ComparisonSpec],
    m: Mapping[str, Sequence[float]],
    u: Mapping[str, Sequence[float]],
    *,
    initial_prior: float = 0.1,
    max_iterations: int = 200,
    tolerance: float = 1e-9,
) -> float:
    """Returns P(match) among the candidate pairs, by EM on the prior alone (m and u fixed)."""
    gammas, n = _gamma_matrix(candidate_patterns, comparisons), \
        candidate_patterns["n"].to_numpy(dtype=float)
    weights = np.zeros(len(n))
    for level, spec in zip(gammas.T, comparisons, strict=True):
        ratio = np.log(np.asarray(m[spec.name])) - np.log(np.asarray(u[spec.name]))
        weights += np.where(level >= 0, ratio[np.maximum(level, 0)], 0.0)
    prior = initial_prior
    for _ in range(max_iterations):
        log_odds = weights + math.log(prior / (1.0 - prior))
        posterior = np.exp(-np.logaddexp(0.0, -log_odds))
        new_prior = float(np.clip((n * posterior).sum() / n.sum(), 1e-12, 1 - 1e-12))
        if abs(new_prior - prior) < tolerance:
            return new_prior
        prior = new_prior
    return prior


def estimate_m_by_sessions(
    candidate_patterns: pd.DataFrame,
    comparisons: Sequence[ComparisonSpec],
    u: Mapping[str, Sequence[float]],
    sessions: Sequence[Sequence[str]],
    *,
    max_iterations: int = 100,
    tolerance: float = 1e-6,
    total_pairs: int,
    trained_at: str | None = None,
) -> ModelParameters:
    """Returns a model whose m come from EM sessions, each on the candidate pairs that agree
    exactly on the session's comparisons, with those comparisons left out of that session.

    Candidate pairs agree far more often than random pairs on whatever blocked them: with u from
    random pairs, a single EM over all candidates takes the blocked-on agreement for evidence
    and calls every pair a match. Leaving a session's own comparisons out (as Splink's training
    sessions do) removes that bias; each comparison's m is the mean over the sessions that
    estimated it. The prior among candidates is then estimated with m and u fixed.
    """
    by_name = {spec.name: spec for spec in comparisons}
    estimates: dict[str, list[np.ndarray]] = {name: [] for name in by_name}
    iterations, converged = 0, True
    skipped: list[str] = []
    for session in sessions:
        unknown = [name for name in session if name not in by_name]
        if unknown:
            raise ModelError(f"training session {list(session)} names unknown comparisons "
                             f"{unknown}")
        top = np.ones(len(candidate_patterns), dtype=bool)
        for name in session:
            spec = by_name[name]
            top &= candidate_patterns[spec.gamma_column].to_numpy() == len(spec.levels) - 1
        subset = candidate_patterns[top]
        others = [spec for spec in comparisons if spec.name not in session]
        if subset["n"].sum() < 10 or not others:
            log.warning("training session %s: too few pairs (%d), skipped", list(session),
                        int(subset["n"].sum()))
            skipped.append(f"{list(session)} {int(subset['n'].sum())}")
            continue
        fitted = estimate_m_by_em(subset, others, {s.name: u[s.name] for s in others},
                                  max_iterations=max_iterations, tolerance=tolerance,
                                  total_pairs=total_pairs, trained_at=trained_at)
        iterations += fitted.em_iterations
        converged &= fitted.converged
        log.info("training session %s: %d pairs, %.1f%% matches", list(session),
                 int(subset["n"].sum()), 100 * fitted.prior_candidates)
        for spec in others:
            estimates[spec.name].append(np.asarray(fitted.m[spec.name]))
    missing = [name for name, found in estimates.items() if not found]
    if len(missing) == len(estimates):
        raise ModelError(
            f"too few candidate pairs to train the model ({int(candidate_patterns['n'].sum())}; "
            "each training session needs at least 10 that agree on its comparisons): train on "
            "a larger data set, or copy a model trained on one (its warehouse's model/ folder) "
            "into this warehouse; `run` then reuses it")
    if missing:
        raise ModelError(
            f"no training session estimated m for {missing}: every session that leaves them "
            f"out had fewer than 10 candidate pairs agreeing on its comparisons (skipped: "
            f"{'; '.join(skipped)}). "
            "Train on a larger data set, or copy a model trained on one (its warehouse's model/ "
            "folder) into this warehouse, and `run` reuses it; or add a session in "
            "matching.training_sessions on comparisons these sources share")
    m = {name: tuple(float(x) for x in np.mean(found, axis=0) / np.mean(found, axis=0).sum())
         for name, found in estimates.items()}
    u_final = {spec.name: tuple(float(x) for x in u[spec.name]) for spec in comparisons}
    prior_candidates = estimate_prior_by_em(candidate_patterns, comparisons, m, u_final)
    n_candidates = float(candidate_patterns["n"].sum())
    params = ModelParameters(
        comparisons=tuple(comparisons), m=m, u=u_final,
        prior=min(0.5, max(1e-12, prior_candidates * n_candidates / max(total_pairs, 1))),
        prior_candidates=min(max(prior_candidates, 1e-9), 1 - 1e-9),
        trained_at=trained_at or datetime.now(UTC).isoformat(timespec="seconds"),
        em_iterations=iterations, converged=converged,
    )
    _warn_on_level_order(params)
    return params


def _warn_on_level_order(params: ModelParameters) -> None:
    # An exact agreement that is not the strongest evidence usually means EM found the wrong
    # classes (households, shared devices) or the levels are miswired in the comparison stage.
    for spec in params.comparisons:
        factors = [params.bayes_factor(spec.name, level) for level in range(len(spec.levels))]
        if factors[-1] <= max(factors[:-1]):
            log.warning("comparison %s: exact level m/u %.3g is not the highest (%s)",
                        spec.name, factors[-1], ", ".join(f"{f:.3g}" for f in factors))


def _partial_weight(spec: ComparisonSpec, params: ModelParameters, columns: list[str]) -> Column:
    gamma = F.col(spec.gamma_column)
    weight = F.when(gamma == NULL_LEVEL, F.lit(0.0))
    for level in range(len(spec.levels)):
        weight = weight.when(gamma == level, F.lit(params.partial_weight(spec.name, level)))
    # Fail the job rather than score a level the model has no parameters for.
    weight = weight.otherwise(F.raise_error(F.concat(
        F.lit(f"{spec.gamma_column} not in -1..{len(spec.levels) - 1}: "), gamma.cast("string"))))
    tf_column = f"tf_adj_{spec.name}"
    if tf_column in columns:
        tf_adj = F.coalesce(F.col(tf_column).cast("double"), F.lit(0.0))
        weight = weight + F.when(gamma == len(spec.levels) - 1, tf_adj).otherwise(F.lit(0.0))
    return weight.cast("double")


def with_term_frequency_adjustments(
    pairs: DataFrame, frequencies: Mapping[str, DataFrame], params: ModelParameters,
    *, min_frequency: float = 1e-5,
) -> DataFrame:
    """Returns `pairs` with `tf_adj_<comparison>` = log2(u_exact / tf(value)) per comparison
    in `frequencies` (comparison -> DataFrame(value, tf) over the `<column>` the comparison
    compares, the pairs holding it as `<column>_l`).

    Agreeing on a rare surname is stronger evidence than agreeing on a common one: at the exact
    level the Bayes factor becomes m / tf(value) instead of m / u (score_pairs adds the
    adjustment only there). `min_frequency` bounds the bonus a singleton value can earn.
    """
    for name, table in frequencies.items():
        column = table.columns[0]
        u_exact = params.u[name][-1]
        tf = table.select(F.col(column).alias(f"_tf_value_{name}"),
                          F.greatest(F.col("tf"), F.lit(min_frequency)).alias(f"_tf_{name}"))
        pairs = (
            pairs.join(F.broadcast(tf), pairs[f"{column}_l"] == tf[f"_tf_value_{name}"], "left")
            # Only for a value both sides hold: an exact level reached otherwise (first and
            # last names swapped) has no single value whose frequency would tell.
            .withColumn(f"tf_adj_{name}", F.when(
                pairs[f"{column}_l"] == pairs[f"{column}_r"],
                F.log2(F.lit(u_exact)) - F.log2(F.col(f"_tf_{name}"))))
            .drop(f"_tf_value_{name}", f"_tf_{name}")
        )
    return pairs


def term_frequencies(records: DataFrame, column: str) -> DataFrame:
    """Returns (`column`, tf): each non-null value's share of the records that have one."""
    present = records.where(F.col(column).isNotNull())
    counts = present.groupBy(column).agg(F.count(F.lit(1)).alias("n"))
    total = present.count()
    return counts.select(column, (F.col("n") / F.lit(max(total, 1))).alias("tf"))


def score_pairs(
    gammas: DataFrame, params: ModelParameters, *, prior: float | None = None
) -> DataFrame:
    """Returns `gammas` with `bf_<name>` per comparison, `match_weight` and `match_probability`.

    `bf_<name>` is the pair's partial match weight log2(m/u) at its level (0.0 for null, -1).
    `match_weight` = log2(prior / (1 - prior)) + Σ partial weights, where `prior` defaults to
    the model's λ (P(match) for random record pairs); `match_probability` = 2^w / (1 + 2^w).

    Term-frequency hook: if the input has a double column `tf_adj_<name>`, it is added to that
    comparison's partial weight when the pair is at the exact (top) level, and ignored otherwise
    (null counts as 0). It is a log2 adjustment, typically log2(u / tf(value)): agreeing on a
    rare surname is stronger evidence than agreeing on a common one.
    """
    chosen = params.prior if prior is None else prior
    if not 0.0 < chosen < 1.0:
        raise ModelError(f"prior must be in (0, 1), got {chosen}")
    _require_columns(gammas.columns, [s.gamma_column for s in params.comparisons])
    scored = gammas.withColumns(
        {f"bf_{s.name}": _partial_weight(s, params, gammas.columns) for s in params.comparisons}
    )
    weight = F.lit(math.log2(chosen / (1.0 - chosen)))
    for spec in params.comparisons:
        weight = weight + F.col(f"bf_{spec.name}")
    # 1 / (1 + 2^-w) equals 2^w / (1 + 2^w) but cannot overflow to inf/inf for large w.
    probability = F.lit(1.0) / (F.lit(1.0) + F.pow(F.lit(2.0), -F.col("match_weight")))
    return scored.withColumn("match_weight", weight).withColumn("match_probability", probability)


def explain_pair(row: Mapping[str, Any], params: ModelParameters) -> list[dict[str, Any]]:
    """Returns, per comparison, the pair's level, its label, m, u and partial weight.

    `row` is a mapping (a Spark Row's `asDict()`) with the pair's `gamma_<name>` values, and
    `tf_adj_<name>` if scored with them; m and u are None for the null level. The weights are
    those `score_pairs` adds up.
    """
    explained = []
    for spec in params.comparisons:
        if spec.gamma_column not in row:
            raise ModelError(f"pair lacks {spec.gamma_column}")
        level = int(row[spec.gamma_column])
        weight = params.partial_weight(spec.name, level)  # raises on a level the model lacks
        null = level == NULL_LEVEL
        is_top = level == len(spec.levels) - 1
        tf_adj = float(row.get(f"tf_adj_{spec.name}") or 0.0) if is_top else 0.0
        explained.append({
            "comparison": spec.name, "level": level,
            "label": "null" if null else spec.levels[level],
            "m": None if null else params.m[spec.name][level],
            "u": None if null else params.u[spec.name][level],
            "tf_adjustment": tf_adj,
            "partial_weight": weight + tf_adj,
        })
    return explained
