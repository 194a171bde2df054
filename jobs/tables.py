"""All Delta Lake I/O of the job: one writer, one reader, table names in one place."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from functools import partial
from typing import TypeVar

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

log = logging.getLogger(__name__)
T = TypeVar("T")

# Names and locations live in a Spark-free module (the look-ups must not import pyspark).
from jobs.table_names import (  # noqa: E402,F401  (re-exported: one place for table names)
    ALL_TABLES,
    CUSTOMER_ID_EVENTS,
    CUSTOMER_PROFILES,
    ERASURES,
    IDENTIFIER_INDEX,
    IDENTITY_CROSSWALK,
    LINK_DECISIONS,
    MATCH_PAIRS,
    MODEL_PARAMETERS,
    ORDERS,
    PARTNER_EXPORTS,
    REJECTED_RECORDS,
    RUN_METRICS,
    RUN_SCOPED,
    SEGMENT_MEMBERSHIPS,
    STANDARDIZED_RECORDS,
    run_commit,
    table_path,
    version_before_run,
)


def table_exists(spark: SparkSession, warehouse: str, table: str) -> bool:
    """Returns True when `table` is a Delta table in the warehouse."""
    return DeltaTable.isDeltaTable(spark, table_path(warehouse, table))


def read_table(spark: SparkSession, warehouse: str, table: str) -> DataFrame | None:
    """Returns the current version of `table`, or None when it does not exist yet."""
    if not table_exists(spark, warehouse, table):
        return None
    return spark.read.format("delta").load(table_path(warehouse, table))


def read_table_before_run(spark: SparkSession, warehouse: str, table: str, run_id: str
                          ) -> DataFrame | None:
    """Returns `table` as it was before `run_id` last wrote it (the current version when the run
    has not written it yet), or None when no earlier version exists."""
    if not table_exists(spark, warehouse, table):
        return None
    path = table_path(warehouse, table)
    history = DeltaTable.forPath(spark, path).history().select(
        "version", "userMetadata", "operation")
    version = version_before_run(
        (row.asDict() for row in history.orderBy(F.desc("version")).collect()), run_id)
    if version is None:
        return None
    return spark.read.format("delta").option("versionAsOf", version).load(path)


def written_by_run(spark: SparkSession, warehouse: str, table: str, run_id: str) -> bool:
    """Returns whether `run_id` has written `table` (a commit of its own in the table's
    history): a run that wrote no row is told apart from one that has not run."""
    if not table_exists(spark, warehouse, table):
        return False
    history = DeltaTable.forPath(spark, table_path(warehouse, table)).history()
    return not history.where(F.col("userMetadata") == run_commit(run_id)).isEmpty()


def write_table(df: DataFrame, warehouse: str, table: str, *, run_id: str | None = None,
                stages: tuple[str, ...] = (), partition_by: tuple[str, ...] = ()) -> None:
    """Writes `df` as the new state of `table` in one Delta commit.

    Run-scoped tables replace only the rows of `run_id` (so re-running a run is idempotent and
    earlier runs stay), and with `stages` only that run's rows of those stages (a stage re-run
    on its own keeps the other stages' rows); every other table is replaced whole, its schema
    with it.
    """
    path = table_path(warehouse, table)
    writer = df.write.format("delta").mode("overwrite")
    if table in RUN_SCOPED:
        if run_id is None:
            raise ValueError(f"table {table} is run-scoped: a run_id is needed to write it")
        if "run_id" not in df.columns:
            raise ValueError(f"table {table}: the rows to write have no run_id column")
        condition = f"run_id = {sql_string(run_id)}"
        if stages:
            condition += f" AND {sql_in('stage', stages)}"
        writer = writer.option("replaceWhere", condition)
        if not DeltaTable.isDeltaTable(df.sparkSession, path):
            writer = df.write.format("delta").mode("append")
    else:
        writer = writer.option("overwriteSchema", "true")
    if run_id is not None:
        # Each commit says which run made it: a re-run can find the state before itself.
        writer = writer.option("userMetadata", run_commit(run_id))
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.save(path)
    log.info("wrote Delta table %s", table)


def sql_string(value: str) -> str:
    """Returns `value` as a Spark SQL string literal."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def sql_in(expression: str, values: Iterable[str]) -> str:
    """Returns the SQL condition that `expression` (SQL text) is one of `values` (false for
    none). Written as text, a list of any length costs one call into the JVM, and Spark looks
    it up in a hash set; `Column.isin` makes a literal Column per value, one call each (about
    0.3 to 0.8 ms here: seconds for thousands of values)."""
    listed = ", ".join(sql_string(value) for value in values)
    return f"({expression} IN ({listed}))" if listed else "false"


def values_frame(spark: SparkSession, column: str, values: Iterable[str]) -> DataFrame:
    """Returns `values` as a frame of one text column, `column`: values collected to the driver
    (a few ids, emails, words) made a small frame that a query joins."""
    return spark.createDataFrame([(value,) for value in values], f"{column} string")


@contextmanager
def session_settings(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
    """Within: the session has `settings`; after, each has its earlier value again."""
    before = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, previous in before.items():
            if previous is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, previous)


# Delta refuses a VACUUM retention under this many hours unless its check is turned off.
DELTA_MIN_RETENTION_HOURS = 168
# Tables worked on at once (see concurrently).
CONCURRENT_TABLES = 4


def concurrently(tasks: Sequence[Callable[[], T]], workers: int = CONCURRENT_TABLES
                 ) -> list[T]:
    """Runs the tasks (each on tables no other one touches) on `workers` threads, one Spark job
    after another in each; returns their results in order, once all have ended, and raises the
    first task's error, if any, after that. A vacuum or a delete of a small table is mostly
    the driver's work (reading the table's log, listing its files, planning), which leaves the
    executors idle: an erasure's eight deletes and eleven vacuums took 16 and 23 s one after
    another on the privacy test's warehouse."""
    if len(tasks) <= 1 or workers <= 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        futures = [pool.submit(task) for task in tasks]
        wait(futures)
    return [future.result() for future in futures]


def vacuum(spark: SparkSession, warehouse: str, names: Sequence[str],
           retention_hours: float) -> int:
    """Removes the files of the tables (those that exist) that their versions of the last
    `retention_hours` do not use, files of failed writes included (older versions become
    unreadable); returns the files removed."""
    settings = {
        # VACUUM lists a table's folder with a Spark job of this many tasks (10,000 by
        # default): 20 to 30 s a table here against 3 to 5 s with 4.
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": "4",
        # Delta records each VACUUM as two commits of its own (START and END), which the
        # job's history reads pass over (table_names.version_before_run) and an erasure
        # records itself (the erasures table): an erasure's eleven vacuums took 7.5 s
        # without them against 10.7 s with them, warm, alternating, five rounds.
        "spark.databricks.delta.vacuum.logging.enabled": "false",
    }
    if retention_hours < DELTA_MIN_RETENTION_HOURS:
        settings["spark.databricks.delta.retentionDurationCheck.enabled"] = "false"

    def vacuum_one(table: str) -> int:
        if not table_exists(spark, warehouse, table):
            return 0
        path = table_path(warehouse, table)
        before = _data_files(spark, path)
        DeltaTable.forPath(spark, path).vacuum(retention_hours)
        return before - _data_files(spark, path)

    with session_settings(spark, settings), _jvm_stdout_to_stderr(spark):
        return sum(concurrently([partial(vacuum_one, table) for table in names]))


@contextmanager
def _jvm_stdout_to_stderr(spark: SparkSession) -> Iterator[None]:
    """Within: the JVM's standard output goes to its standard error. Delta's VACUUM prints
    "Deleted N files and directories ..." per table there, into the summary `erase` and
    `maintain` print."""
    system = spark.sparkContext._jvm.java.lang.System  # type: ignore[union-attr]
    out = system.out
    system.setOut(system.err)
    try:
        yield
    finally:
        system.setOut(out)


def _data_files(spark: SparkSession, path: str) -> int:
    """Counts the Parquet files under a table's folder (in use or not)."""
    jvm = spark.sparkContext._jvm  # type: ignore[attr-defined]
    assert jvm is not None
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())  # type: ignore[union-attr]
    files = fs.listFiles(hadoop_path, True)
    count = 0
    while files.hasNext():
        name = files.next().getPath().toString()
        if name.endswith(".parquet") and "/_delta_log/" not in name:
            count += 1
    return count
