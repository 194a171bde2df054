"""Tests of the clustering stage: connected components of the match graph, and cluster sizes."""

from __future__ import annotations

import random

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession

from jobs.clustering import ClusteringError, cluster_size_distribution, connected_components

EDGES = "record_l string, record_r string"
ASSIGNMENTS = "record_id string, component string"


def edges_frame(spark: SparkSession, pairs: list[tuple[str | None, str | None]]) -> DataFrame:
    return spark.createDataFrame(pairs, EDGES)


def assignments_frame(spark: SparkSession, components: dict[str, list[str]]) -> DataFrame:
    """Returns the expected (record_id, component) rows of `components` (component: members)."""
    rows = [(member, component) for component, members in components.items() for member in members]
    return spark.createDataFrame(rows, ASSIGNMENTS)


def assert_assignments(actual: DataFrame, expected: DataFrame) -> None:
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def shuffled_path(length: int, seed: int) -> list[tuple[str, str]]:
    """Returns the edges of a path of `length` nodes whose ids, and each edge's direction, are in
    random order: the component minimum sits somewhere in the middle of the path."""
    rng = random.Random(seed)
    ids = [f"n{i:02d}" for i in range(length)]
    rng.shuffle(ids)
    steps = list(zip(ids, ids[1:], strict=False))
    rng.shuffle(steps)
    return [(a, b) if rng.random() < 0.5 else (b, a) for a, b in steps]


def union_find_components(pairs: list[tuple[str, str]], vertices: list[str]) -> dict[str, str]:
    """Returns record_id -> smallest record_id of its component: the plain-Python reference."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in pairs:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            # Keeping the smaller id as the root makes every root its component's minimum.
            parent[max(root_a, root_b)] = min(root_a, root_b)
    for vertex in vertices:
        find(vertex)
    return {node: find(node) for node in parent}


def test_chain_joins_at_its_smallest_id_wherever_it_sits(spark: SparkSession) -> None:
    edges = edges_frame(spark, [("m", "z"), ("z", "b"), ("b", "q"), ("q", "k")])
    expected = assignments_frame(spark, {"b": ["b", "k", "m", "q", "z"]})
    assert_assignments(connected_components(edges), expected)


def test_star_whose_hub_is_not_the_smallest(spark: SparkSession) -> None:
    edges = edges_frame(spark, [("h", "x"), ("c", "h"), ("h", "z"), ("a", "h")])
    expected = assignments_frame(spark, {"a": ["a", "c", "h", "x", "z"]})
    assert_assignments(connected_components(edges), expected)


def test_two_components_stay_apart(spark: SparkSession) -> None:
    edges = edges_frame(spark, [("crm/2", "web/1"), ("web/1", "pos/9"), ("crm/7", "pos/3")])
    expected = assignments_frame(
        spark, {"crm/2": ["crm/2", "web/1", "pos/9"], "crm/7": ["crm/7", "pos/3"]}
    )
    assert_assignments(connected_components(edges), expected)


def test_duplicate_reversed_and_self_loop_edges_are_harmless(spark: SparkSession) -> None:
    edges = edges_frame(
        spark,
        [("a", "b"), ("b", "a"), ("a", "b"), ("b", "b"), ("b", "c"), ("c", "b"), ("s", "s")],
    )
    # A vertex whose only edge is a self-loop is still a record: its own component.
    expected = assignments_frame(spark, {"a": ["a", "b", "c"], "s": ["s"]})
    assert_assignments(connected_components(edges), expected)


def test_edges_with_a_null_endpoint_are_dropped(spark: SparkSession) -> None:
    edges = edges_frame(spark, [("b", None), (None, "c"), (None, None), ("c", "b"), ("d", "e")])
    expected = assignments_frame(spark, {"b": ["b", "c"], "d": ["d", "e"]})
    assert_assignments(connected_components(edges), expected)


def test_vertices_without_edges_are_their_own_components(spark: SparkSession) -> None:
    edges = edges_frame(spark, [("b", "a")])
    vertices = spark.createDataFrame(
        [("a",), ("b",), ("z",), ("z",), ("y",), (None,)], "record_id string"
    )
    expected = assignments_frame(spark, {"a": ["a", "b"], "y": ["y"], "z": ["z"]})
    assert_assignments(connected_components(edges, vertices=vertices), expected)


def test_no_edges_gives_one_component_per_vertex(spark: SparkSession) -> None:
    vertices = spark.createDataFrame([("p",), ("q",)], "id string")
    assigned = connected_components(edges_frame(spark, []), vertices=vertices, vertex_col="id")
    assert_assignments(assigned, assignments_frame(spark, {"p": ["p"], "q": ["q"]}))


def test_component_is_smallest_in_binary_string_order(spark: SparkSession) -> None:
    # Integer ids are compared as strings ("10" < "9"), upper case before lower case.
    numeric = spark.createDataFrame([(9, 10), (100, 9)], "from_id bigint, to_id bigint")
    assigned = connected_components(numeric, src="from_id", dst="to_id")
    assert_assignments(assigned, assignments_frame(spark, {"10": ["10", "100", "9"]}))
    cased = edges_frame(spark, [("a", "B"), ("b", "a")])
    assert_assignments(
        connected_components(cased), assignments_frame(spark, {"B": ["B", "a", "b"]})
    )


def test_long_shuffled_path_converges_over_several_rounds(spark: SparkSession) -> None:
    pairs = shuffled_path(40, seed=7)
    expected = assignments_frame(spark, {"n00": [f"n{i:02d}" for i in range(40)]})
    # Every round takes a lineage cut, so the cut-and-release path runs on each round.
    assigned = connected_components(edges_frame(spark, pairs), checkpoint_interval=1)
    assert_assignments(assigned, expected)


def test_not_settled_within_max_iterations_raises(spark: SparkSession) -> None:
    edges = edges_frame(spark, shuffled_path(40, seed=7))
    with pytest.raises(ClusteringError, match="not settled after 1 rounds"):
        connected_components(edges, max_iterations=1)


@pytest.mark.parametrize(
    "arguments",
    [{"max_iterations": 0}, {"checkpoint_interval": 0}],
    ids=["max_iterations", "checkpoint_interval"],
)
def test_non_positive_limits_raise(spark: SparkSession, arguments: dict[str, int]) -> None:
    with pytest.raises(ClusteringError, match="must be at least 1"):
        connected_components(edges_frame(spark, [("a", "b")]), **arguments)


def test_missing_columns_raise(spark: SparkSession) -> None:
    edges = edges_frame(spark, [("a", "b")])
    with pytest.raises(ClusteringError, match=r"edges lack column\(s\) \['record_r'\]"):
        connected_components(edges.select("record_l"))
    with pytest.raises(ClusteringError, match=r"edges lack column\(s\) \['left', 'right'\]"):
        connected_components(edges, src="left", dst="right")
    vertices = spark.createDataFrame([("a",)], "id string")
    with pytest.raises(ClusteringError, match=r"vertices lack column\(s\) \['record_id'\]"):
        connected_components(edges, vertices=vertices)
    with pytest.raises(ClusteringError, match=r"assignments lack column\(s\) \['component'\]"):
        cluster_size_distribution(vertices.withColumnRenamed("id", "record_id"))


def test_cluster_size_distribution_counts_components_per_size(spark: SparkSession) -> None:
    assignments = assignments_frame(
        spark, {"a": ["a", "b", "c"], "d": ["d", "e"], "f": ["f", "g"], "h": ["h"], "i": ["i"]}
    )
    expected = spark.createDataFrame([(3, 1), (2, 2), (1, 2)], "size bigint, clusters bigint")
    assert_df_equality(
        cluster_size_distribution(assignments), expected,
        ignore_row_order=True, ignore_nullable=True,
    )


def test_random_graph_matches_union_find(spark: SparkSession) -> None:
    rng = random.Random(20240611)
    ids = [f"r{rng.randrange(10**6):06d}" for _ in range(400)]
    # Sparse enough (about one edge per vertex) to leave many components of assorted sizes,
    # including isolated vertices that only `vertices` brings in.
    pairs = [(rng.choice(ids), rng.choice(ids)) for _ in range(300)]
    expected = union_find_components(pairs, ids)
    assert len(set(expected.values())) > 50, "the random graph should have many components"
    vertices = spark.createDataFrame([(v,) for v in ids], "record_id string")
    assigned = connected_components(edges_frame(spark, pairs), vertices=vertices)
    assert_assignments(assigned, spark.createDataFrame(sorted(expected.items()), ASSIGNMENTS))
