"""Spark's Python worker daemon, with the workers' libraries imported once before it forks.

Spark starts one daemon per executor and forks a Python worker from it for every concurrent
UDF evaluation. Each worker would otherwise import pandas, pyarrow and the job's modules on its
own (about a second each on a small machine, paid again by every one of the several workers a
query with pandas UDFs starts); forked from a daemon that has them, a worker starts at once.
Selected with `spark.python.daemon.module` (see jobs.spark).
"""

import jellyfish  # noqa: F401
import pandas  # noqa: F401
import phonenumbers  # noqa: F401
import pyarrow  # noqa: F401
import pyspark.sql.pandas.serializers  # noqa: F401
import pyspark.worker  # noqa: F401
from pyspark.daemon import manager

import jobs.comparisons  # noqa: F401
import jobs.standardize  # noqa: F401

if __name__ == "__main__":
    manager()
