"""Builds the JVM class archive that makes local runs start faster (`make setup` runs it).

    python -m jobs.class_archive [OUT]      (default: .jars/spark-classes.jsa)

A local run spends its first seconds loading and verifying some twenty thousand classes of
Spark, Delta Lake and their libraries from jars, and pays that again in every run. Java's class
data sharing keeps them parsed and verified in an archive the JVM maps at start-up. This runs
the whole job once on a small generated demo data set with `-XX:ArchiveClassesAtExit`, so the
archive holds the classes a run loads; jobs.spark then starts local sessions with
`-XX:SharedArchiveFile`. A JVM that cannot use the archive (another Java build, another class
path) says so in a warning and runs without it: the archive is an accelerator, never a
requirement. On a cluster (spark-submit) it is not used.
"""

from __future__ import annotations

import logging
import secrets
import sys
import tempfile
import time
from pathlib import Path

from pyspark import SparkContext
from pyspark.sql import SparkSession

from jobs.spark import CLASS_ARCHIVE_OPTION, class_archive_path, fit_code_generation

log = logging.getLogger(__name__)

# Enough records for every stage to run its real plans (pairs, links, clusters, profiles).
PERSONS = 300
# How long to wait for the JVM to write the archive once the run is over.
WRITE_TIMEOUT_SECONDS = 300


def _demo_config(folder: Path, archive: Path) -> Path:
    """Writes demo data for PERSONS persons and a configuration that reads it in a JVM writing
    its loaded classes to `archive`; returns the configuration's path."""
    from jobs.demo_data import generate_demo_data

    data = folder / "data"
    generate_demo_data(data, persons=PERSONS, seed=7)
    template = (Path(__file__).resolve().parent.parent / "conf" / "demo.yaml").read_text(
        encoding="utf-8")
    conf = folder / "conf" / "demo.yaml"
    conf.parent.mkdir(parents=True)
    key = folder / "erasure.key"
    key.write_text(secrets.token_hex(32), encoding="utf-8")
    conf.write_text(
        template.replace("../demo/data/", f"{data}/")
        .replace("../demo/warehouse", str(folder / "warehouse"))
        .replace("../demo/secrets/erasure", str(key))
        + f"\nspark:\n  spark.driver.extraJavaOptions: \"-XX:ArchiveClassesAtExit={archive}\"\n",
        encoding="utf-8")
    return conf


def _load_code_generation_classes(spark: SparkSession) -> None:
    """Runs a join and an aggregate with generated code. The demo run above is small enough to
    run its queries interpreted (jobs.spark.fit_code_generation); larger runs generate code
    (compare and score on the demo's pairs), and this loads the classes that takes (the code
    generator, Janino), for the archive."""
    from pyspark.sql import functions as F

    fit_code_generation(spark, 0, bound=0)  # nothing is below 0: generated code
    keys = spark.range(7).withColumnRenamed("id", "key")
    spark.range(1_000).withColumn("key", F.col("id") % 7).join(keys, "key").groupBy("key") \
        .agg(F.sum("id"), F.max(F.concat_ws("-", F.col("id").cast("string")))).collect()


def build(out: Path) -> None:
    """Runs the job on small demo data in a JVM that writes its loaded classes to `out`."""
    from jobs.cli import main as run_job

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="idres-class-archive-") as tmp:
        conf = _demo_config(Path(tmp), partial)
        exit_code = run_job(["run", "--conf", str(conf), "--run-date", "2026-01-01"])
        if exit_code != 0:
            raise RuntimeError(f"the demo run for the class archive failed (exit {exit_code})")
        session = SparkSession.getActiveSession()
        if session is not None:
            _load_code_generation_classes(session)
            session.stop()
    # The JVM writes the archive as it exits, which it does when its stdin closes.
    process = getattr(SparkContext._gateway, "proc", None)
    if process is None:
        raise RuntimeError("the JVM was not started by this process: no archive written")
    started = time.monotonic()
    process.stdin.close()
    process.wait(timeout=WRITE_TIMEOUT_SECONDS)
    if not partial.is_file():
        raise RuntimeError(f"the JVM wrote no class archive to {partial} "
                           f"(exit {process.returncode}); local runs start without one")
    partial.replace(out)
    log.info("class archive written to %s (%.0f MB) in %.0f s", out,
             out.stat().st_size / 1e6, time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    out = Path(args[0]) if args else class_archive_path()
    if out.suffix != ".jsa":
        log.error("class archive: %s must end in .jsa", out)
        return 2
    build(out.resolve())
    log.info("local runs now start with %s", CLASS_ARCHIVE_OPTION.format(path=out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
