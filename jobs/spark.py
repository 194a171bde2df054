"""The one SparkSession factory: Delta Lake configured, local defaults sized for a small machine."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from pyspark.sql import SparkSession

from jobs.config import local_path

log = logging.getLogger(__name__)

DELTA_VERSION = "4.0.1"
DELTA_PACKAGE = f"io.delta:delta-spark_2.13:{DELTA_VERSION}"
DELTA_JAR_NAMES = (f"delta-spark_2.13-{DELTA_VERSION}.jar", f"delta-storage-{DELTA_VERSION}.jar")

# Defaults for local mode on a 2-core, 24 GB machine. Every key can be overridden from the
# configuration's `spark:` block; on a cluster (spark-submit) the cluster's own settings win.
LOCAL_DEFAULTS: dict[str, str] = {
    "spark.master": "local[2]",
    # The driver is the only executor in local mode: 8 GB leaves room for the Python workers
    # and the OS page cache that Delta and Parquet reads lean on.
    "spark.driver.memory": "8g",
    # 2 cores: a few partitions per core keeps tasks short without drowning in tiny tasks.
    "spark.sql.shuffle.partitions": "8",
    "spark.default.parallelism": "4",
    # Delta computes table state with 50 partitions by default: far too many for local work.
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Delta's default log store for file: paths goes through Hadoop's FileContext, which starts
    # a `readlink` process for every file of every commit (no native Hadoop library in the pip
    # package); the local log store renames with plain FileSystem calls. Both are only atomic
    # within one machine, which is what a local path is.
    "spark.delta.logStore.file.impl": "io.delta.storage.LocalLogStore",
    # Adaptive execution re-plans every query stage after its shuffle: on one machine with the
    # shuffles already sized to the data that bought nothing and cost 4.3 s of a 64 s FEBRL4
    # run (three runs each way, 64.2 s against 59.9 s). On a cluster Spark's default (on)
    # stays, with its skew-join splitting.
    "spark.sql.adaptive.enabled": "false",
    # Python workers are forked from a daemon that has pandas, pyarrow and the job's UDF modules
    # imported already (jobs.spark_daemon), not each importing them anew.
    "spark.python.daemon.module": "jobs.spark_daemon",
}

# The JVM option that maps the class archive jobs.class_archive builds (see class_archive_path).
CLASS_ARCHIVE_OPTION = "-XX:SharedArchiveFile={path}"
# JVM options of local runs. The parallel collector instead of G1: a batch run on two cores
# wants throughput, not short pauses, and G1's concurrent work and write barriers cost CPU the
# JIT and the job need. Whole demo runs, alternating, four each (2026-12-05): 83.8, 86.6, 84.2
# and 86.4 s against 94.1, 95.9, 86.8 and 91.6 s with G1 (benchmarks/README.md, "Sizing").
LOCAL_JAVA_OPTIONS = ("-XX:+UseParallelGC",)
# HotSpot compiler directives of local runs (compiler_directives.json): Spark's generated
# classes and Janino, which compiles them, are compiled by C1 only, not C2. Every query brings
# new generated classes, and C2 spent about a quarter of a run's compiling CPU on them, on the
# two cores the job runs on. 100,000 persons ran in 281 and 300 s against 347 and 317 s; on the
# demo the gain is within the spread of runs (README "Sizing").
COMPILER_DIRECTIVES = Path(__file__).resolve().parent / "compiler_directives.json"
# The JVM announces the directives ("1 compiler directives added") on its standard output,
# which is the job's summary and `lookup`'s JSON: its own messages go to standard error.
COMPILER_DIRECTIVES_OPTION = ("-XX:+UnlockDiagnosticVMOptions -XX:CompilerDirectivesFile={path} "
                              "-XX:+DisplayVMOutputToStderr")

# Settings the job relies on wherever it runs.
ALWAYS: dict[str, str] = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.session.timeZone": "UTC",
    # Arrow makes the vectorized (pandas) UDFs of the comparison stage cheap.
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # Delta writes each file's minimum and maximum values into its transaction log, where an
    # erasure's VACUUM does not reach (jobs.privacy): a person's name or email could stay there
    # as some file's minimum. They serve only data skipping, which these reads do not need
    # (FEBRL4 ran as fast without them, see benchmarks/README.md, "Sizing").
    "spark.databricks.delta.stats.collect": "false",
    # Time stamps written as Parquet's INT64 microseconds with their UTC meaning, which every
    # reader (delta-rs, pandas, a dashboard's engine) reads as instants; Spark's default, the
    # deprecated INT96, reads elsewhere as times without a zone.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # PySpark 4 records the Python call site of every DataFrame and Column call for its error
    # messages: some ten calls into the JVM each, about 50,000 of a run's 87,000 (a 300-person
    # run, cProfile), for a context only a bug's traceback would show. Turn it back on in the
    # `spark:` block to debug.
    "spark.python.sql.dataFrameDebugging.enabled": "false",
}


def project_jars_dir() -> Path:
    """Where `make setup` caches Delta's jars (override with IDRES_JARS_DIR)."""
    env = os.environ.get("IDRES_JARS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / ".jars"


def class_archive_path() -> Path:
    """Where `make setup` writes the JVM class archive local runs start with (see
    jobs.class_archive; override with IDRES_CLASS_ARCHIVE, empty to start without one)."""
    env = os.environ.get("IDRES_CLASS_ARCHIVE")
    if env is not None:
        return Path(env)
    return project_jars_dir() / "spark-classes.jsa"


def under_spark_submit() -> bool:
    """True when spark-submit launched this Python process (its JVM is already running)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def session_settings(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Returns the Spark settings the session will be built with, overrides applied last."""
    settings: dict[str, str] = {}
    if not under_spark_submit():
        settings.update(LOCAL_DEFAULTS)
        # Python workers must run the interpreter that has the job's packages (the venv's),
        # not whatever `python3` is first on the PATH.
        # PySpark reads the worker interpreter from the environment, not from the session conf.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        options = list(LOCAL_JAVA_OPTIONS)
        if COMPILER_DIRECTIVES.is_file():  # a JVM given a missing directives file won't start
            options.append(COMPILER_DIRECTIVES_OPTION.format(path=COMPILER_DIRECTIVES))
        archive = class_archive_path()
        if archive.is_file():
            options.append(CLASS_ARCHIVE_OPTION.format(path=archive))
        settings["spark.driver.extraJavaOptions"] = " ".join(options)
    settings.update(ALWAYS)
    overrides = dict(overrides or {})
    if "spark.jars" not in overrides and "spark.jars.packages" not in overrides:
        jars = [project_jars_dir() / name for name in DELTA_JAR_NAMES]
        if all(jar.is_file() for jar in jars):
            settings["spark.jars"] = ",".join(str(jar) for jar in jars)
        elif not under_spark_submit():
            # No cached jars (not set up with `make`): let Spark resolve them from Maven Central.
            settings["spark.jars.packages"] = DELTA_PACKAGE
    settings.update({key: str(value) for key, value in overrides.items()})
    return settings


# Loggers whose warnings are noise here: FileStreamSink looks for a streaming sink's metadata
# under every path read and, for a pattern (data/part-*.csv), logs a stack trace per source
# read that it found none.
QUIET_LOGGERS = ("org.apache.spark.sql.execution.streaming.FileStreamSink",)


def _quiet_loggers(spark: SparkSession) -> None:
    """Sets QUIET_LOGGERS to errors only, in the JVM's log4j."""
    jvm = spark.sparkContext._jvm
    if jvm is None:
        return
    log4j = jvm.org.apache.logging.log4j
    for name in QUIET_LOGGERS:
        log4j.core.config.Configurator.setLevel(name, log4j.Level.ERROR)


def get_spark(app_name: str = "idres", overrides: Mapping[str, str] | None = None) -> SparkSession:
    """Returns the SparkSession for the job, creating it with Delta Lake configured."""
    builder = SparkSession.builder.appName(app_name)
    for key, value in session_settings(overrides).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    _quiet_loggers(spark)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupted)
        signal.signal(signal.SIGTERM, _interrupted)
    log.info("Spark %s, master %s", spark.version, spark.sparkContext.master)
    return spark


class Terminated(KeyboardInterrupt):
    """SIGTERM, as Airflow sends at a task's timeout or when it is marked failed: handled as
    Ctrl-C is, the lock released, exit 143."""


def _interrupted(signum: int, _frame: object) -> None:
    """Ctrl-C or SIGTERM: stops the command where it is (jobs.cli says what that leaves).
    PySpark's own handler cancels the jobs with a call into the JVM from inside the call it
    interrupts, and py4j logged some 130 lines of tracebacks about that and the connection it
    broke; SIGTERM's default ended the process on the spot, its lock left behind."""
    global _received
    _received = signum
    logging.getLogger().setLevel(logging.CRITICAL)  # py4j logs through the root logger too
    logging.getLogger("py4j").setLevel(logging.CRITICAL)
    # The JVM's logging off before the interrupted call's thread there is interrupted too (a
    # Delta write logs its abort with a stack trace of some 90 lines). From another thread,
    # which py4j gives a connection of its own: not from inside the call cut short.
    quieting = threading.Thread(target=_quiet_jvm_logging, daemon=True)
    quieting.start()
    quieting.join(timeout=5)
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def _quiet_jvm_logging() -> None:
    """Turns every log4j logger of the JVM off (best effort: the JVM may be gone)."""
    from pyspark import SparkContext

    context = SparkContext._active_spark_context
    if context is None or context._jvm is None:
        return
    try:
        log4j = context._jvm.org.apache.logging.log4j
        log4j.core.config.Configurator.setAllLevels(
            log4j.LogManager.getRootLogger().getName(), log4j.Level.OFF)
    except Exception:  # noqa: BLE001 - the JVM may be gone or going: nothing more to quiet
        log.debug("JVM not reachable after the interrupt", exc_info=True)


# The signal _interrupted handled, if any.
_received: int | None = None


def interruption() -> KeyboardInterrupt | None:
    """The interrupt this process received (Terminated for SIGTERM), None when none came. An
    interrupt that lands while py4j waits for the JVM's answer comes out of it as py4j's own
    error (an empty answer): the command was interrupted all the same."""
    if _received is None:
        return None
    return Terminated() if _received == signal.SIGTERM else KeyboardInterrupt()


def quiet_after_interrupt() -> None:
    """After Ctrl-C or SIGTERM: cancels the JVM's jobs, its logging off, so that the tasks the
    interrupt cut short (and the JVM's shutdown) add no stack traces after the one line that
    says what happened. Best effort: the connection to the JVM may be gone."""
    from pyspark import SparkContext

    _quiet_jvm_logging()
    context = SparkContext._active_spark_context
    if context is None:
        return
    try:
        context.cancelAllJobs()
    except Exception:  # noqa: BLE001 - the JVM may be gone or going
        log.debug("JVM not reachable after the interrupt", exc_info=True)


def handle_termination() -> None:
    """From now on, SIGTERM stops the command as Ctrl-C does (see _interrupted)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupted)


# Records a shuffle partition should hold before another one pays for its overhead: each task
# costs tens of milliseconds of scheduling and Python-worker round trips whatever its size, so
# ten thousand records spread over eight partitions run slower than in one.
RECORDS_PER_PARTITION = 25_000
# A rough size of one source row on disk, to guess the records of a source before reading it.
BYTES_PER_RECORD = 250


def input_bytes(paths: list[str]) -> int | None:
    """Returns the total size of local input files or folders (None when a path is remote or
    missing: the caller then keeps the configured partitions)."""
    total = 0
    for path in paths:
        local = local_path(path)
        if local is None:
            return None
        if local.is_file():
            total += local.stat().st_size
        elif local.is_dir():
            total += sum(f.stat().st_size for f in local.rglob("*") if f.is_file())
        else:
            return None
    return total


# Below these sizes a stage's queries run interpreted: Spark then generates and compiles no
# Java for them (whole-stage code generation and generated expressions off). On little data the
# compiling (Janino, then the JVM's JIT, on the same two cores) costs more than the generated
# code saves. The stages over records (ingest, standardize, block, cluster, profiles) go by the
# records; compare and score, whose work grows with the candidate pairs, by the pairs.
# Measured 2026-12-07 (benchmarks/README.md, "Sizing"), alternating with generated code:
# - records: ingest and standardize took 22.6 and 11.6 s against 27.2 and 16.5 s on the demo's
#   20,406 records, and 28.6 and 16.8 s against 30.8 and 22.2 s on 51,000 (25,000 persons),
#   the gain shrinking;
# - pairs: compare and score took 2.0 and 15.2 s against 2.9 and 14.9 s on FEBRL4's 16,759
#   pairs, but 11.9 and 25.8 s against 9.6 and 18.5 s on the demo's 221,137.
INTERPRETED_RECORDS_BELOW = 50_000
INTERPRETED_PAIRS_BELOW = 25_000
INTERPRETED: dict[str, str] = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


def fit_code_generation(spark: SparkSession, size: int, bound: int) -> bool:
    """Runs the session's next queries interpreted when `size` (records or pairs) is below
    `bound`, and as Spark's defaults have it (generated code) from there; returns whether they
    run interpreted. Settings the session was built with (the configuration's `spark:` block,
    spark-submit's `--conf`) win: then nothing changes."""
    built_with = spark.sparkContext.getConf()
    if any(built_with.contains(key) for key in INTERPRETED):
        return all(spark.conf.get(key) == value for key, value in INTERPRETED.items())
    interpreted = size < bound
    for key, value in INTERPRETED.items():
        if interpreted:
            spark.conf.set(key, value)
        else:
            spark.conf.unset(key)
    return interpreted


def fit_shuffle_partitions(spark: SparkSession, records: int, ceiling: int) -> int:
    """Sets spark.sql.shuffle.partitions for `records` records (one partition per
    RECORDS_PER_PARTITION, at least 1, at most `ceiling`, the configured value) and returns it."""
    partitions = max(1, min(ceiling, -(-records // RECORDS_PER_PARTITION)))
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    return partitions
