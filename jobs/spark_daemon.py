"""Spark's Python worker daemon, with the workers' libraries imported once before it forks.

Spark starts one daemon per executor and forks a Python worker from it for every concurrent
UDF evaluation. Each worker would otherwise import pandas, pyarrow and the job's modules on its
own (about a second each on a small machine, paid again by every one of the several workers a
query with pandas UDFs starts); forked from a daemon that has them, a worker starts at once.
Selected with `spark.python.daemon.module` (see jobs.spark).

It also imports PySpark from the installed package rather than from the archives Spark puts
first on the workers' PYTHONPATH (see _without_spark_archives).
"""

import importlib.machinery
import os
import sys


def _without_spark_archives() -> None:
    """Drops the archives that Spark puts on the workers' PYTHONPATH from the import path when
    they are the installed pyspark package's own files (local mode: Spark's home is that
    package): python/lib/pyspark.zip, py4j's zip and the spark-core jar, which holds no
    Python module at all.

    Every task a worker runs starts with importlib.invalidate_caches() (PySpark 4.0's
    setup_spark_files), and on Python 3.10 and 3.11 that makes each archive on the path read
    its whole directory again: pyspark.zip lists 1,220 files and the jar 5,264. A demo run's
    standardize queries spent 9 of their 10 s of Python CPU there, beside some 0.7 s in the
    UDFs themselves (py-spy, 2026-12-05). The installed package holds the same build as plain
    files, so nothing else changes."""
    if any(name == "pyspark" or name.startswith(("pyspark.", "py4j")) for name in sys.modules):
        return  # already imported from wherever it was found first: leave the path alone
    installed = importlib.machinery.PathFinder.find_spec(
        "pyspark", [p for p in sys.path if not p.endswith((".zip", ".jar"))])
    if installed is None or installed.origin is None:
        return
    package = os.path.dirname(os.path.abspath(installed.origin)) + os.sep
    archives = {p for p in sys.path if p.endswith((".zip", ".jar"))
                and os.path.abspath(p).startswith(package)}
    rest = [p for p in sys.path if p not in archives]
    if not archives or importlib.machinery.PathFinder.find_spec("py4j", rest) is None:
        return
    sys.path[:] = rest
    for key in list(sys.path_importer_cache):
        if any(key == a or key.startswith(a + os.sep) for a in archives):
            del sys.path_importer_cache[key]


_without_spark_archives()

import jellyfish  # noqa: E402, F401
import pandas  # noqa: E402, F401
import phonenumbers  # noqa: E402, F401
import pyarrow  # noqa: E402, F401
import pyspark.sql.pandas.serializers  # noqa: E402, F401
import pyspark.worker  # noqa: E402, F401
from pyspark.daemon import manager  # noqa: E402

import jobs.comparisons  # noqa: E402, F401
import jobs.standardize  # noqa: E402, F401

if __name__ == "__main__":
    manager()
