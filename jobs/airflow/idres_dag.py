"""Airflow DAG: the identity-resolution job, one spark-submit per stage, once per logical date.

Deploy: copy this file into the Airflow dags folder (never point the dags folder at `jobs/`: its
`airflow/` sub-folder would shadow the real package), build the job's wheel (`pip wheel .`) and
put it, `jobs/__main__.py`, the configuration and, beside the configuration, its
`segments.yaml` and `partners.yaml` (the segments and exports stages read them) where the Spark
client can read them, then set the Airflow Variables `idres_wheel`, `idres_main` and
`idres_conf` (the params below are the defaults when a Variable is not set). Partner secrets
and the erasure key reach the Spark driver through its environment or a secret file
(conf/partners.yaml, the configuration's erasure_key), never through this DAG.

Each stage is idempotent per run date (run-scoped tables replace their own run's slice), so a
retry or a cleared task re-runs cleanly. No catch-up: a new deployment runs the latest date
only, not one run per day since `start_date` (each would read today's files under an old date,
and the job refuses a date earlier than one it has run). Dates the scheduler missed are run
with Airflow's backfill, which goes one date at a time and in order (`max_active_runs` 1),
because customer ids carry over from the previous run.

Retraining is deliberate and not a task here: after the configuration's comparisons change,
`resolve` stops with exit 2 ("retrain it with `python -m jobs train --conf ...`"). Run that
once (spark-submit the job with `train --conf ... --run-date <the failed date>`), then clear
the failed task. A retry cannot mend bad input, so a stage that exits with the job's code 2
(bad input: a configuration, source file or model to fix; its log says what) fails at once,
without its retries; other failures (exit 1, a lost executor) are retried. spark-submit passes
the driver's exit code on where the driver runs beside it (client mode, the default); in
cluster mode every failure is retried.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

try:  # Airflow 3
    from airflow.sdk import DAG, Param
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
except ImportError:  # Airflow 2.x
    from airflow import DAG  # type: ignore[attr-defined,no-redef]
    from airflow.exceptions import (  # type: ignore[no-redef]
        AirflowException,
        AirflowFailException,
    )
    from airflow.models.param import Param  # type: ignore[no-redef]

DAG_ID = "idres"
# The job's stages in order, then `maintain` (retention: old rejected rows out, old table versions
# vacuumed; see jobs/maintenance.py).
STAGES = ("ingest", "resolve", "profiles", "segments", "exports", "maintain")
# Keep in step with jobs/spark.py (DELTA_PACKAGE): Delta 4.0.1 is built for Spark 4.0, Scala 2.13.
DELTA_PACKAGE = "io.delta:delta-spark_2.13:4.0.1"
# Read when a task runs, never when the DAG file is parsed: parsing must not touch the database.
WHEEL = "{{ var.value.get('idres_wheel', params.wheel) }}"
MAIN = "{{ var.value.get('idres_main', params.main) }}"
CONF = "{{ var.value.get('idres_conf', params.conf) }}"

# The job's exit code for bad input (jobs.cli.EXIT_BAD_INPUT; this file is deployed without the
# package, so it is repeated here).
EXIT_BAD_INPUT = 2


class StageOperator(SparkSubmitOperator):
    """spark-submit of one stage that fails without retries when the job exits 2 (bad input)."""

    def execute(self, context: Any) -> None:
        try:
            super().execute(context)
        except AirflowException as exc:
            if _exit_code(self) == EXIT_BAD_INPUT:
                raise AirflowFailException(
                    f"the job refused its input (exit {EXIT_BAD_INPUT}); a retry cannot mend "
                    "it: fix what the log above names, then clear this task") from exc
            raise


def _exit_code(operator: SparkSubmitOperator) -> int | None:
    """spark-submit's exit code, where the hook ran it as a local process."""
    process = getattr(getattr(operator, "_hook", None), "_submit_sp", None)
    code = getattr(process, "returncode", None)
    return code if isinstance(code, int) else None


default_args = {
    "owner": "data-platform",
    # A stage needs the previous date's state (stable customer ids): never skip ahead of a failure.
    "depends_on_past": True,
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(hours=1),
    "execution_timeout": timedelta(hours=2),
}

with DAG(
    dag_id=DAG_ID,
    description="Identity resolution into Delta tables: ingest, resolve, profiles, segments, "
                "partner exports, retention",
    schedule="@daily",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,  # see the module's docstring: missed dates by backfill, in order
    max_active_runs=1,
    default_args=default_args,
    params={
        "wheel": Param("/opt/idres/dist/idres-0.1.0-py3-none-any.whl", type="string"),
        "main": Param("/opt/idres/jobs/__main__.py", type="string"),
        "conf": Param("/opt/idres/conf/prod.yaml", type="string"),
    },
    tags=["idres", "spark", "delta"],
    doc_md=__doc__,
) as dag:
    previous = None
    for stage in STAGES:
        task = StageOperator(
            task_id=stage,
            application=MAIN,
            application_args=[stage, "--conf", CONF, "--run-date", "{{ ds }}"],
            py_files=WHEEL,
            packages=DELTA_PACKAGE,
            name=f"idres-{stage}-{{{{ ds }}}}",
            conn_id="spark_default",
        )
        if previous is not None:
            previous >> task
        previous = task
