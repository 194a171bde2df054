"""Tests of the Fellegi–Sunter model: training on simulated pattern counts, scoring inline rows."""

from __future__ import annotations

import itertools
import json
import logging

import numpy as np
import pandas as pd
import pytest
from chispa import assert_df_equality
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from jobs.model import (
    ComparisonSpec,
    ModelError,
    ModelParameters,
    count_agreement_patterns,
    estimate_m_by_em,
    estimate_m_by_sessions,
    estimate_u_from_patterns,
    explain_pair,
    score_pairs,
)

FIRST_NAME = ComparisonSpec("first_name", ("else", "jaro_winkler_0.88", "exact"))
LAST_NAME = ComparisonSpec("last_name", ("else", "jaro_winkler_0.88", "exact"))
BIRTH_DATE = ComparisonSpec("birth_date", ("else", "damerau_levenshtein_1", "exact"))
EMAIL = ComparisonSpec("email", ("else", "exact"))
SIMULATED = (FIRST_NAME, LAST_NAME, BIRTH_DATE, EMAIL)

# The model the simulation draws from: (m, u, share of pairs with one side null).
TRUE_MODEL = {
    "first_name": ((0.05, 0.15, 0.80), (0.90, 0.07, 0.03), 0.05),
    "last_name": ((0.10, 0.10, 0.80), (0.95, 0.03, 0.02), 0.02),
    "birth_date": ((0.05, 0.10, 0.85), (0.97, 0.02, 0.01), 0.20),
    "email": ((0.30, 0.70), (0.999, 0.001), 0.50),
}
TRUE_PRIOR_CANDIDATES = 0.2


def simulate_patterns(n_pairs: int, prior: float, seed: int) -> pd.DataFrame:
    """Returns pattern counts of `n_pairs` pairs drawn from TRUE_MODEL (P(match) = `prior`)."""
    levels = [range(-1, len(spec.levels)) for spec in SIMULATED]
    patterns = list(itertools.product(*levels))
    probabilities = []
    for pattern in patterns:
        p_match = p_non_match = 1.0
        for spec, level in zip(SIMULATED, pattern, strict=True):
            m, u, null_rate = TRUE_MODEL[spec.name]
            p_match *= null_rate if level == -1 else (1 - null_rate) * m[level]
            p_non_match *= null_rate if level == -1 else (1 - null_rate) * u[level]
        probabilities.append(prior * p_match + (1 - prior) * p_non_match)
    counts = np.random.default_rng(seed).multinomial(n_pairs, probabilities)
    frame = pd.DataFrame(patterns, columns=[spec.gamma_column for spec in SIMULATED])
    return frame.assign(n=counts)


@pytest.fixture(scope="module")
def random_pair_patterns() -> pd.DataFrame:
    # Random record pairs are all but never matches: the prior is 0 for the simulation.
    return simulate_patterns(500_000, prior=0.0, seed=1)


@pytest.fixture(scope="module")
def candidate_patterns() -> pd.DataFrame:
    return simulate_patterns(300_000, prior=TRUE_PRIOR_CANDIDATES, seed=2)


def assert_recovers_true_model(params: ModelParameters, tolerance: float = 0.02) -> None:
    for spec in SIMULATED:
        m, u, _ = TRUE_MODEL[spec.name]
        assert params.m[spec.name] == pytest.approx(m, abs=tolerance), spec.name
        assert params.u[spec.name] == pytest.approx(u, abs=tolerance), spec.name
    assert params.prior_candidates == pytest.approx(TRUE_PRIOR_CANDIDATES, abs=tolerance)


def test_u_from_random_pairs_recovers_true_u(random_pair_patterns: pd.DataFrame) -> None:
    u = estimate_u_from_patterns(random_pair_patterns, SIMULATED)
    for spec in SIMULATED:
        assert u[spec.name] == pytest.approx(TRUE_MODEL[spec.name][1], abs=0.005)


def test_u_smoothing_leaves_no_level_at_zero_and_ignores_nulls() -> None:
    patterns = pd.DataFrame(
        {"gamma_first_name": [0, 1, -1], "gamma_email": [0, -1, 0], "n": [90, 6, 4]}
    )
    u = estimate_u_from_patterns(patterns, (FIRST_NAME, EMAIL), smoothing=1.0)
    # first_name: 96 non-null pairs, levels counted 90, 6, 0, each raised by 1 over 96 + 3.
    assert u["first_name"] == pytest.approx((91 / 99, 7 / 99, 1 / 99))
    # email: 94 non-null pairs, all "else"; exact was never seen but keeps 1 / (94 + 2).
    assert u["email"] == pytest.approx((95 / 96, 1 / 96))


def test_em_with_fixed_u_recovers_m_and_prior(
    random_pair_patterns: pd.DataFrame, candidate_patterns: pd.DataFrame
) -> None:
    u = estimate_u_from_patterns(random_pair_patterns, SIMULATED)
    n_candidates = int(candidate_patterns["n"].sum())
    params = estimate_m_by_em(
        candidate_patterns, SIMULATED, u, total_pairs=100 * n_candidates, trained_at="2024-05-01"
    )
    assert params.converged
    assert_recovers_true_model(params)
    assert params.u == u
    # λ: the expected matches among candidates spread over all 100x as many record pairs.
    assert params.prior == pytest.approx(params.prior_candidates / 100)
    assert params.trained_at == "2024-05-01"


def test_em_estimating_u_too_recovers_the_model(candidate_patterns: pd.DataFrame) -> None:
    uninformed_u = {spec.name: (0.9,) + (0.1 / (len(spec.levels) - 1),) * (len(spec.levels) - 1)
                    for spec in SIMULATED}
    params = estimate_m_by_em(
        candidate_patterns, SIMULATED, uninformed_u, fix_u=False, max_iterations=500
    )
    assert params.converged
    assert_recovers_true_model(params)


def test_em_is_deterministic_whatever_the_pattern_order(candidate_patterns: pd.DataFrame) -> None:
    u = {spec.name: TRUE_MODEL[spec.name][1] for spec in SIMULATED}
    shuffled = candidate_patterns.sample(frac=1.0, random_state=3)
    first = estimate_m_by_em(candidate_patterns, SIMULATED, u, trained_at="t")
    second = estimate_m_by_em(shuffled, SIMULATED, u, trained_at="t")
    assert first == second


def test_em_reports_no_convergence_when_stopped_early(candidate_patterns: pd.DataFrame) -> None:
    u = {spec.name: TRUE_MODEL[spec.name][1] for spec in SIMULATED}
    params = estimate_m_by_em(candidate_patterns, SIMULATED, u, max_iterations=1)
    assert (params.converged, params.em_iterations) == (False, 1)


def test_em_warns_when_exact_level_is_not_the_strongest(caplog: pytest.LogCaptureFixture) -> None:
    # Pairs agreeing on names never share an email: the email exact level ends up as evidence
    # against a match, which points at miswired levels or households.
    patterns = pd.DataFrame(
        {"gamma_first_name": [2, 0, 0], "gamma_email": [0, 0, 1], "n": [300, 600, 100]}
    )
    u = {"first_name": (0.9, 0.08, 0.02), "email": (0.5, 0.5)}
    with caplog.at_level(logging.WARNING, logger="jobs.model"):
        estimate_m_by_em(patterns, (FIRST_NAME, EMAIL), u, total_pairs=10_000)
    assert "comparison email: exact level m/u" in caplog.text


def test_em_rejects_patterns_with_unknown_levels() -> None:
    patterns = pd.DataFrame({"gamma_first_name": [3], "gamma_email": [0], "n": [10]})
    u = {"first_name": (0.9, 0.08, 0.02), "email": (0.5, 0.5)}
    with pytest.raises(ModelError, match="gamma_first_name has levels"):
        estimate_m_by_em(patterns, (FIRST_NAME, EMAIL), u)


def test_sessions_that_leave_no_estimate_stop_with_what_was_skipped_and_the_remedies() -> None:
    # Names agree on 500 pairs, but only 3 share an email: the email session, the only one
    # that leaves the names out, cannot estimate their m.
    patterns = pd.DataFrame(
        [(2, 2, 2, 0, 500), (2, 2, 2, 1, 3), (0, 0, 0, 0, 200)],
        columns=[*(spec.gamma_column for spec in SIMULATED), "n"])
    u = {name: TRUE_MODEL[name][1] for name in TRUE_MODEL}
    with pytest.raises(ModelError) as error:
        estimate_m_by_sessions(patterns, SIMULATED, u, [["email"], ["first_name", "last_name"]],
                               total_pairs=10_000)
    assert str(error.value) == (
        "no training session estimated m for ['first_name', 'last_name']: every session that "
        "leaves them out had fewer than 10 candidate pairs agreeing on its comparisons "
        "(skipped: ['email'] 3). Train on a larger data set, or copy a model trained on one "
        "(its warehouse's model/ folder) into this warehouse, and `run` reuses it; or add a "
        "session in matching.training_sessions on comparisons these sources share")


def test_count_agreement_patterns_groups_pairs(spark: SparkSession) -> None:
    gammas = spark.createDataFrame(
        [("a", "b", 2, 1), ("a", "c", 2, 1), ("b", "c", -1, 0), ("c", "d", 0, 0)],
        "record_l string, record_r string, gamma_first_name int, gamma_email int",
    )
    expected = pd.DataFrame(
        {"gamma_first_name": [-1, 0, 2], "gamma_email": [0, 0, 1], "n": [1, 1, 2]}
    )
    counted = count_agreement_patterns(gammas, (FIRST_NAME, EMAIL))
    pd.testing.assert_frame_equal(counted, expected, check_dtype=False)


# Chosen so that every weight is a whole number of bits and floating point stays exact:
# first_name log2(m/u) = -2, 0, 1; email -2, 2; prior 0.2 gives log2 prior odds = -2.
SMALL = ModelParameters(
    comparisons=(FIRST_NAME, EMAIL),
    m={"first_name": (0.125, 0.125, 0.75), "email": (0.2, 0.8)},
    u={"first_name": (0.5, 0.125, 0.375), "email": (0.8, 0.2)},
    prior=0.2,
    prior_candidates=0.5,
    trained_at="2024-05-01T00:00:00+00:00",
    em_iterations=7,
    converged=True,
)
INPUT_SCHEMA = "record_l string, record_r string, gamma_first_name int, gamma_email int"
SCORED_SCHEMA = (
    f"{INPUT_SCHEMA}, bf_first_name double, bf_email double,"
    " match_weight double, match_probability double"
)


def test_score_pairs_adds_partial_weights_and_probability(spark: SparkSession) -> None:
    gammas = spark.createDataFrame(
        [("a", "b", 2, 1), ("a", "c", 0, 0), ("b", "c", -1, 1), ("c", "d", 1, -1)], INPUT_SCHEMA
    )
    expected = spark.createDataFrame(
        [
            ("a", "b", 2, 1, 1.0, 2.0, 1.0, 2 / 3),  # -2 + 1 + 2
            ("a", "c", 0, 0, -2.0, -2.0, -6.0, 1 / 65),  # -2 - 2 - 2
            ("b", "c", -1, 1, 0.0, 2.0, 0.0, 0.5),  # -2 + 0 + 2
            ("c", "d", 1, -1, 0.0, 0.0, -2.0, 0.2),  # -2 + 0 + 0
        ],
        SCORED_SCHEMA,
    )
    assert_df_equality(
        score_pairs(gammas, SMALL), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_null_levels_are_neutral_and_leave_the_prior(spark: SparkSession) -> None:
    gammas = spark.createDataFrame([("a", "b", -1, -1)], INPUT_SCHEMA)
    expected = spark.createDataFrame([("a", "b", -1, -1, 0.0, 0.0, -3.0, 1 / 9)], SCORED_SCHEMA)
    # The prior given here (odds 1/8) replaces the model's λ.
    scored = score_pairs(gammas, SMALL, prior=1 / 9)
    assert_df_equality(scored, expected, ignore_row_order=True, ignore_nullable=True)


def test_term_frequency_adjustment_applies_to_exact_level_only(spark: SparkSession) -> None:
    schema = f"{INPUT_SCHEMA}, tf_adj_first_name double"
    gammas = spark.createDataFrame(
        [("a", "b", 2, 1, 1.0), ("a", "c", 1, 1, 1.0), ("b", "c", 2, 0, None)], schema
    )
    expected = spark.createDataFrame(
        [
            ("a", "b", 2, 1, 1.0, 2.0, 2.0, 2.0, 0.8),  # exact: 1 + 1 (rare name)
            ("a", "c", 1, 1, 1.0, 0.0, 2.0, 0.0, 0.5),  # fuzzy level: adjustment ignored
            ("b", "c", 2, 0, None, 1.0, -2.0, -3.0, 1 / 9),  # no adjustment known: 0
        ],
        f"{schema}, bf_first_name double, bf_email double,"
        " match_weight double, match_probability double",
    )
    assert_df_equality(
        score_pairs(gammas, SMALL), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_score_pairs_fails_on_missing_column_and_unknown_level(spark: SparkSession) -> None:
    no_email = spark.createDataFrame([("a", "b", 2)], "l string, r string, gamma_first_name int")
    with pytest.raises(ModelError, match="gamma_email"):
        score_pairs(no_email, SMALL)
    with pytest.raises(PySparkException, match="gamma_first_name not in -1..2"):
        score_pairs(spark.createDataFrame([("a", "b", 5, 0)], INPUT_SCHEMA), SMALL).collect()


def test_json_round_trip_is_equal_and_readable() -> None:
    text = SMALL.to_json()
    assert ModelParameters.from_json(text) == SMALL
    assert text.startswith('{\n  "prior": 0.2,\n  "prior_candidates": 0.5,')
    assert [c["name"] for c in json.loads(text)["comparisons"]] == ["first_name", "email"]
    with pytest.raises(ModelError, match="not a stored model"):
        ModelParameters.from_json('{"prior": 0.2}')


def test_to_rows_gives_one_row_per_level() -> None:
    common = {"prior": 0.2, "trained_at": "2024-05-01T00:00:00+00:00"}
    assert SMALL.to_rows() == [
        {"comparison": "first_name", "level": 0, "label": "else", "m": 0.125, "u": 0.5,
         "bayes_factor": 0.25, "match_weight": -2.0, **common},
        {"comparison": "first_name", "level": 1, "label": "jaro_winkler_0.88", "m": 0.125,
         "u": 0.125, "bayes_factor": 1.0, "match_weight": 0.0, **common},
        {"comparison": "first_name", "level": 2, "label": "exact", "m": 0.75, "u": 0.375,
         "bayes_factor": 2.0, "match_weight": 1.0, **common},
        {"comparison": "email", "level": 0, "label": "else", "m": 0.2, "u": 0.8,
         "bayes_factor": 0.25, "match_weight": -2.0, **common},
        {"comparison": "email", "level": 1, "label": "exact", "m": 0.8, "u": 0.2,
         "bayes_factor": 4.0, "match_weight": 2.0, **common},
    ]


def test_explain_pair_lists_each_comparison() -> None:
    row = {"record_l": "a", "record_r": "b", "gamma_first_name": 2, "gamma_email": -1,
           "tf_adj_first_name": 0.5}
    assert explain_pair(row, SMALL) == [
        {"comparison": "first_name", "level": 2, "label": "exact", "m": 0.75, "u": 0.375,
         "tf_adjustment": 0.5, "partial_weight": 1.5},
        {"comparison": "email", "level": -1, "label": "null", "m": None, "u": None,
         "tf_adjustment": 0.0, "partial_weight": 0.0},
    ]


def test_model_rejects_zero_probabilities() -> None:
    with pytest.raises(ModelError, match=r"u\[email\] must be in \(0, 1\]"):
        ModelParameters(
            comparisons=(EMAIL,), m={"email": (0.5, 0.5)}, u={"email": (1.0, 0.0)}, prior=0.1,
            prior_candidates=0.1, trained_at="t", em_iterations=1, converged=True,
        )
