"""Cluster: connected components of the match graph, computed on DataFrames.

The graph never comes to the driver: a collect-and-union-find is faster on a laptop but its
memory is bounded by the driver's, and a production match graph has hundreds of millions of
links. GraphFrames would be the usual library, but its jars are not available to this project,
so this module implements the large-star / small-star algorithm of Kiveris et al., "Connected
Components in MapReduce and Beyond" (SoCC 2014): O(log^2 n) rounds of joins and aggregations,
each of which Spark distributes, and in practice a handful of rounds for identity graphs.

Edges are kept oriented between two string record ids under Spark's binary string order, so the
centre each component converges to is its smallest record id: the same id whatever the order of
the input, which makes the result deterministic and easy to test.
"""

from __future__ import annotations

import logging

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

log = logging.getLogger(__name__)

# Internal column names: every intermediate frame is (src, dst) or a per-node statistic.
_SRC, _DST = "src", "dst"
_NODE, _MIN_NBR, _N_SMALLER, _N_LARGER = "node", "min_nbr", "n_smaller", "n_larger"


class ClusteringError(ValueError):
    """Bad arguments to the clustering stage, or a graph that did not converge in time."""


def connected_components(
    edges: DataFrame,
    *,
    src: str = "record_l",
    dst: str = "record_r",
    vertices: DataFrame | None = None,
    vertex_col: str = "record_id",
    max_iterations: int = 100,
    checkpoint_interval: int = 2,
) -> DataFrame:
    """Returns (record_id string, component string): one row per vertex, component = the
    smallest record_id (binary string order) of its connected component.

    Every endpoint of an edge appears, and every vertex of `vertices` if given; a vertex with no
    edge (or only a self-loop) is its own component. Edges are undirected; duplicates, reversed
    duplicates, self-loops and edges with a null endpoint are harmless (null endpoints are
    dropped: a null is not a record). The result is materialized (its lineage cut) before it is
    returned, so the intermediate frames can be released; `edges` and `vertices` are each read
    twice, so persist them first if their lineage is costly.

    Raises ClusteringError on a missing column, a non-positive `max_iterations` or
    `checkpoint_interval`, or if the graph is not settled after `max_iterations` rounds.
    """
    _require_columns(edges, "edges", (src, dst))
    if vertices is not None:
        _require_columns(vertices, "vertices", (vertex_col,))
    if max_iterations < 1:
        raise ClusteringError(f"max_iterations must be at least 1, got {max_iterations}")
    if checkpoint_interval < 1:
        raise ClusteringError(f"checkpoint_interval must be at least 1, got {checkpoint_interval}")

    # The rounds reuse each frame twice, so a printed plan doubles with every reuse: starting
    # from the scoring stage's plan (tens of kilobytes) it outgrows the JVM's largest string
    # within two rounds. Cutting the lineage of the inputs first keeps every round's plan small.
    links = cut_lineage(edges.select(
        F.col(src).cast("string").alias(_SRC), F.col(dst).cast("string").alias(_DST)
    ).where(F.col(_SRC).isNotNull() & F.col(_DST).isNotNull()))

    current = _oriented(links).persist()
    # Frames persisted since the last lineage cut, oldest first. None is released before the
    # next cut: unpersisting a cached frame makes Spark drop the cached data of every cached frame
    # built on it, which would silently recompute whole rounds.
    held: list[DataFrame] = [current]
    previous_count: int | None = None
    iteration = 0
    while True:
        stats = _neighbour_stats(current).persist()
        held.append(stats)
        # One small aggregate per round, never the edges themselves: each edge is counted once,
        # at its smaller endpoint.
        totals = stats.agg(
            F.coalesce(F.sum(_N_LARGER), F.lit(0)).alias("edges"),
            F.coalesce(F.sum(_unsettled().cast("long")), F.lit(0)).alias("unsettled"),
        ).first()
        edge_count, unsettled = (int(totals[0]), int(totals[1])) if totals else (0, 0)
        change = "" if previous_count is None else f" ({edge_count - previous_count:+d})"
        log.info(
            "connected components, round %d: %d edges remaining%s, %d vertices not yet settled",
            iteration, edge_count, change, unsettled,
        )
        if unsettled == 0:
            break
        if iteration == max_iterations:
            _release(held)
            raise ClusteringError(
                f"connected components not settled after {max_iterations} rounds "
                f"({unsettled} vertices still moving): raise max_iterations"
            )
        iteration += 1
        previous_count = edge_count
        large = _large_star(current, stats).persist()  # read twice by the small-star step
        held.append(large)
        following = _small_star(large)
        if iteration % checkpoint_interval == 0:
            # Each round adds two joins and three shuffles to the plan; without a cut, planning
            # time and the recomputation after a lost executor grow with every round.
            following = cut_lineage(following)
            _release(held)
            held = []
        else:
            following = following.persist()
            held.append(following)
        current = following

    # Settled: every vertex with an edge is a centre (no smaller neighbour, so its own minimum)
    # or a leaf with exactly one neighbour, its centre. `stats` already holds the answer.
    assigned = stats.select(F.col(_NODE).alias("record_id"), F.col(_MIN_NBR).alias("component"))
    extra = links.where(F.col(_SRC) == F.col(_DST)).select(F.col(_SRC).alias("record_id"))
    if vertices is not None:
        extra = extra.unionByName(cut_lineage(
            vertices.select(F.col(vertex_col).cast("string").alias("record_id"))
            .where(F.col("record_id").isNotNull())
        ))
    loners = (
        extra.distinct()
        .join(assigned, on="record_id", how="left_anti")
        .select("record_id", F.col("record_id").alias("component"))
    )
    result = cut_lineage(assigned.unionByName(loners))
    _release(held)
    log.info("connected components settled after %d rounds", iteration)
    return result


def cluster_sizes(assignments: DataFrame) -> DataFrame:
    """Returns (component, size): the number of records in each component of `assignments`."""
    _require_columns(assignments, "assignments", ("record_id", "component"))
    return assignments.groupBy("component").agg(F.count("*").alias("size"))


def cluster_size_distribution(assignments: DataFrame) -> DataFrame:
    """Returns (size, clusters): how many components have each size (unordered)."""
    return cluster_sizes(assignments).groupBy("size").agg(F.count("*").alias("clusters"))


def _oriented(links: DataFrame) -> DataFrame:
    """Returns the distinct undirected edges as (src < dst); self-loops carry no connectivity."""
    return (
        links.where(F.col(_SRC) != F.col(_DST))
        .select(
            F.least(_SRC, _DST).alias(_SRC),
            F.greatest(_SRC, _DST).alias(_DST),
        )
        .distinct()
    )


def _neighbour_stats(oriented: DataFrame) -> DataFrame:
    """Returns per vertex: the minimum of itself and its neighbours, and how many neighbours are
    smaller and larger than it (enough both for the large-star step and the convergence test)."""
    both_ways = oriented.select(
        F.col(_SRC).alias(_NODE), F.col(_DST).alias("nbr"), F.lit(0).alias("smaller")
    ).unionByName(
        oriented.select(
            F.col(_DST).alias(_NODE), F.col(_SRC).alias("nbr"), F.lit(1).alias("smaller")
        )
    )
    return both_ways.groupBy(_NODE).agg(
        # src < dst always, so a vertex's smaller neighbours are exactly those it is the dst of.
        F.least(F.col(_NODE), F.min("nbr")).alias(_MIN_NBR),
        F.sum("smaller").alias(_N_SMALLER),
        F.sum(1 - F.col("smaller")).alias(_N_LARGER),
    )


def _unsettled() -> Column:
    """True for a vertex that is neither a centre (no smaller neighbour) nor a leaf (exactly one
    smaller neighbour and no larger one). When no vertex is unsettled the edges form stars
    centred on each component's minimum: the algorithm's fixed point, tested exactly."""
    return (F.col(_N_SMALLER) > 1) | ((F.col(_N_SMALLER) == 1) & (F.col(_N_LARGER) > 0))


def _large_star(oriented: DataFrame, stats: DataFrame) -> DataFrame:
    """Large-star: links every neighbour larger than u to the minimum of u's neighbourhood.

    Returns (src > dst) edges. A hub's edges all land in one join partition; adaptive execution's
    skew-join handling (on by default on a cluster) splits such partitions, and size caps
    upstream keep hubs rare.
    """
    return (
        oriented.join(stats, oriented[_SRC] == stats[_NODE])
        .select(F.col(_DST).alias(_SRC), F.col(_MIN_NBR).alias(_DST))
        .distinct()
    )


def _small_star(reversed_edges: DataFrame) -> DataFrame:
    """Small-star: links u and every neighbour smaller than u to the smallest of them.

    Takes (src > dst) edges, so each src's smaller neighbours are its dsts; returns (src < dst).
    """
    smallest = reversed_edges.groupBy(F.col(_SRC).alias(_NODE)).agg(
        F.min(_DST).alias(_MIN_NBR)
    )
    to_min = (
        reversed_edges.join(smallest, reversed_edges[_SRC] == smallest[_NODE])
        .select(F.col(_MIN_NBR).alias(_SRC), F.col(_DST))
        .where(F.col(_SRC) != F.col(_DST))
    )
    self_to_min = smallest.select(F.col(_MIN_NBR).alias(_SRC), F.col(_NODE).alias(_DST))
    return to_min.unionByName(self_to_min).distinct()


def cut_lineage(frame: DataFrame) -> DataFrame:
    """Returns `frame` materialized with a short lineage: a reliable checkpoint when the session
    has a checkpoint directory (survives a lost executor), else a local one (needs no storage)."""
    if frame.sparkSession.sparkContext.getCheckpointDir():
        return frame.checkpoint(eager=True)
    return frame.localCheckpoint(eager=True)


def _release(frames: list[DataFrame]) -> None:
    """Unpersists `frames` (oldest first), newest first: no cached frame outlives its inputs'
    cache entries, so Spark has no dependent cache to invalidate and rebuild."""
    for frame in reversed(frames):
        frame.unpersist()


def _require_columns(frame: DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ClusteringError(f"{name} lack column(s) {missing}; they have {frame.columns}")
