"""Why our job missed true links and made false ones: every error pair put in one bucket.

A missed pair (one person, two clusters) is
- `not_blocked`: no blocking rule has all its columns filled and equal on both records;
- `not_scored`: a rule blocks it but it is not in match_pairs (the key value was shared by more
  than max_block_size records, or the weight fell under the store floor);
- `below_threshold`: scored under the link threshold;
- `above_threshold_not_linked`: scored at or above it, yet the records ended apart (a guard
  vetoed the link or a cluster check split it).

A false pair (one cluster, two persons) is `direct` when the pair itself is a link above the
threshold, else `transitive` (joined through other records).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def _blocked(pairs: pd.DataFrame, records: pd.DataFrame, rules: Sequence[Sequence[str]]
             ) -> pd.Series:
    """Returns, per pair, whether any rule's columns are all filled and equal on both sides."""
    values = records.set_index("record_id")
    left = values.reindex(pairs["record_l"]).reset_index(drop=True)
    right = values.reindex(pairs["record_r"]).reset_index(drop=True)
    blocked = pd.Series(False, index=range(len(pairs)))
    for rule in rules:
        if not all(column in values.columns for column in rule):
            continue
        agree = pd.Series(True, index=range(len(pairs)))
        for column in rule:
            a, b = left[column].astype("string"), right[column].astype("string")
            agree &= (a.notna() & b.notna() & (a.str.strip() != "") & (a == b)).fillna(False)
        blocked |= agree
    blocked.index = pairs.index
    return blocked


def _all_pairs_within(labelled: pd.DataFrame, key: str, differ: str) -> pd.DataFrame:
    sized = labelled.groupby(key)[differ].transform("nunique")
    mixed = labelled[sized > 1]
    joined = mixed.merge(mixed, on=key, suffixes=("_l", "_r"))
    joined = joined[(joined["record_id_l"] < joined["record_id_r"])
                    & (joined[f"{differ}_l"] != joined[f"{differ}_r"])]
    return joined[["record_id_l", "record_id_r", "source_l", "source_r"]].rename(
        columns={"record_id_l": "record_l", "record_id_r": "record_r"}).reset_index(drop=True)


def error_causes(labelled: pd.DataFrame, records: pd.DataFrame, scored: pd.DataFrame | None,
                 rules: Sequence[Sequence[str]], threshold: float) -> dict[str, dict[str, int]]:
    """Returns {"missed": {bucket: pairs}, "false": {bucket: pairs}} (see the module doc)."""
    probability = (scored.set_index(["record_l", "record_r"])["match_probability"]
                   if scored is not None else pd.Series(dtype="float64"))

    def scores(pairs: pd.DataFrame) -> pd.Series:
        index = pd.MultiIndex.from_frame(pairs[["record_l", "record_r"]])
        return pd.Series(probability.reindex(index).to_numpy(), index=pairs.index)

    missed = _all_pairs_within(labelled, "person_id", "cluster_id")
    p_missed = scores(missed)
    blocked = _blocked(missed, records, rules)
    # A scored pair was blocked whatever the check above says (rules on derived columns, such as
    # handle keys, are not replayed here).
    unscored = p_missed.isna()
    missed_causes = {
        "not_blocked": int((unscored & ~blocked).sum()),
        "not_scored": int((unscored & blocked).sum()),
        "below_threshold": int((p_missed < threshold).sum()),
        "above_threshold_not_linked": int((p_missed >= threshold).sum()),
    }
    false = _all_pairs_within(labelled, "cluster_id", "person_id")
    p_false = scores(false)
    false_causes = {
        "direct": int((p_false >= threshold).sum()),
        "transitive": int((~(p_false >= threshold)).sum()),
    }
    return {"missed": missed_causes, "false": false_causes}


def components(record_ids: pd.Series, links: pd.DataFrame) -> pd.DataFrame:
    """Returns (record_id, cluster_id): connected components of the (record_l, record_r) links,
    every record of `record_ids` included (union-find; the links of a benchmark fit in memory)."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        path = []
        while parent.get(node, node) != node:
            path.append(node)
            node = parent[node]
        for step in path:
            parent[step] = node
        return node

    for left, right in zip(links["record_l"], links["record_r"], strict=True):
        a, b = root(left), root(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    ids = record_ids.astype(str)
    return pd.DataFrame({"record_id": ids, "cluster_id": [root(r) for r in ids]})


def what_if_thresholds(scored: pd.DataFrame, record_ids: pd.Series,
                       thresholds: tuple[float, ...]) -> dict[float, pd.DataFrame]:
    """Returns, per threshold, the clusters that plain connected components of match_pairs would
    give: no first-name guard, no cluster checks. It shows what those guards cost or save."""
    return {t: components(record_ids, scored[scored["match_probability"] >= t])
            for t in thresholds}
