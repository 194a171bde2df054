"""Pairwise precision, recall and F1 of a clustering against ground truth, overall and per pair
of sources, counted from group sizes (no pair is ever listed).

A record pair is predicted when both records are in one cluster and true when both belong to one
person. Pairs are counted per unordered pair of sources (`magazine-cable`; `magazine-magazine`
for pairs inside one source). Only records that are both clustered (accepted by the job) and in
the ground truth count; a record missing from the clustering counts as a cluster of its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobs.evaluation import PairwiseAccuracy


def scores(counts: PairwiseAccuracy) -> dict[str, float | int]:
    """Returns the pair counts and the three scores, as the results file names them."""
    return {"true_positive": counts.true_positive_pairs, "predicted": counts.predicted_pairs,
            "true": counts.true_pairs, "precision": counts.precision, "recall": counts.recall,
            "f1": counts.f1}


def _pairs_by_source(groups: pd.Series, sources: pd.Series, names: list[str]
                     ) -> dict[tuple[str, str], int]:
    """Returns, per unordered source pair, the number of record pairs that share a group."""
    counts = pd.crosstab(groups, sources).reindex(columns=names, fill_value=0)
    matrix = counts.to_numpy(dtype=np.int64)
    cross = matrix.T @ matrix  # [a, b] = sum over groups of n_a * n_b
    result: dict[tuple[str, str], int] = {}
    for i, a in enumerate(names):
        result[(a, a)] = int((cross[i, i] - matrix[:, i].sum()) // 2)
        for j in range(i + 1, len(names)):
            result[(a, names[j])] = int(cross[i, j])
    return result


def labelled_records(clusters: pd.DataFrame, truth: pd.DataFrame, accepted: pd.Series
                     ) -> pd.DataFrame:
    """Returns (record_id, source, cluster_id, person_id) for accepted records with a truth.

    `clusters` has record_id and cluster_id; `truth` has source, source_record_id, person_id;
    `accepted` holds the record ids ("source/source_record_id") the job accepted.
    """
    labelled = truth.assign(record_id=truth["source"] + "/" + truth["source_record_id"])
    labelled = labelled[labelled["record_id"].isin(set(accepted))]
    labelled = labelled.merge(clusters[["record_id", "cluster_id"]], on="record_id", how="left")
    alone = labelled["cluster_id"].isna()
    labelled.loc[alone, "cluster_id"] = "singleton:" + labelled.loc[alone, "record_id"]
    return labelled[["record_id", "source", "cluster_id", "person_id"]]


def pairwise_by_source_pair(labelled: pd.DataFrame) -> dict[str, PairwiseAccuracy]:
    """Returns pair counts per source pair ("a-b", source order of first appearance) and under
    "all" for every pair."""
    names = list(dict.fromkeys(labelled["source"]))
    sources = labelled["source"]
    both = labelled["cluster_id"].astype(str) + "\u241f" + labelled["person_id"].astype(str)
    tp = _pairs_by_source(both, sources, names)
    predicted = _pairs_by_source(labelled["cluster_id"], sources, names)
    true = _pairs_by_source(labelled["person_id"], sources, names)
    result = {f"{a}-{b}": PairwiseAccuracy(tp[(a, b)], predicted[(a, b)], true[(a, b)])
              for a, b in tp}
    result["all"] = PairwiseAccuracy(sum(tp.values()), sum(predicted.values()), sum(true.values()))
    return result


def error_pairs(labelled: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns random samples (fixed seed) of up to `limit` false-positive pairs (one cluster,
    two persons) and false-negative pairs (one person, two clusters), as (record_l, record_r)
    frames, for inspection."""
    def pairs_within(key: str, differ: str) -> pd.DataFrame:
        sized = labelled.groupby(key)[differ].transform("nunique")
        mixed = labelled[sized > 1]
        joined = mixed.merge(mixed, on=key, suffixes=("_l", "_r"))
        joined = joined[(joined["record_id_l"] < joined["record_id_r"])
                        & (joined[f"{differ}_l"] != joined[f"{differ}_r"])]
        pairs = joined[["record_id_l", "record_id_r"]].rename(
            columns={"record_id_l": "record_l", "record_id_r": "record_r"})
        return pairs.sample(n=min(limit, len(pairs)), random_state=0).sort_values(
            ["record_l", "record_r"])

    return pairs_within("cluster_id", "person_id"), pairs_within("person_id", "cluster_id")


def seen_through_every_kind(labelled: pd.DataFrame, kind_of_record: pd.Series,
                            ordering_records: set[str]) -> pd.DataFrame:
    """Returns the rows of `labelled` whose person is seen through all four kinds of source: a
    registry record with orders, an online profile and a social account (the population on
    which a 360-degree profile matters most).

    `kind_of_record` maps record_id to its source kind; `ordering_records` holds the registry
    record ids that have at least one order.
    """
    kinds = labelled["record_id"].map(kind_of_record)
    ordering = labelled["record_id"].isin(ordering_records)
    persons = labelled.assign(kind=kinds, orders=ordering).groupby("person_id").agg(
        registry=("kind", lambda k: (k == "registry").any()),
        online=("kind", lambda k: (k == "online").any()),
        social=("kind", lambda k: (k == "social").any()),
        orders=("orders", "any"),
    )
    every = persons[persons[["registry", "online", "social", "orders"]].all(axis=1)].index
    return labelled[labelled["person_id"].isin(set(every))]
