"""Loads jobs/airflow in a real Airflow (DagBag) and checks the DAG's shape.

Not a pytest module (the project's venv has no Airflow); run it with an Airflow environment:

    python3 -m venv /tmp/af
    /tmp/af/bin/pip install "apache-airflow==3.3.2" "apache-airflow-providers-apache-spark==6.3.4"
    /tmp/af/bin/python tests/airflow_dagbag_check.py

Exits 0 when every check passes, 1 otherwise, after a closing line "N passed, M failed".
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

# Before Airflow is imported: a throw-away home (its config and SQLite file), removed at exit,
# and no examples.
if "AIRFLOW_HOME" not in os.environ:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="idres-airflow-")
    atexit.register(shutil.rmtree, os.environ["AIRFLOW_HOME"], ignore_errors=True)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

from airflow.models import DagBag  # noqa: E402
from airflow.providers.apache.spark.operators.spark_submit import (  # noqa: E402
    SparkSubmitOperator,
)

DAG_FOLDER = Path(__file__).resolve().parent.parent / "jobs" / "airflow"
STAGES = ["ingest", "resolve", "profiles", "segments", "exports", "maintain"]


def main() -> int:
    # include_examples follows AIRFLOW__CORE__LOAD_EXAMPLES (Airflow 3.3 dropped the argument).
    bag = DagBag(dag_folder=str(DAG_FOLDER))
    dag = bag.dags.get("idres")
    checks: list[tuple[str, Callable[[], None]]] = []

    def check(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
        def register(function: Callable[[], None]) -> Callable[[], None]:
            checks.append((name, function))
            return function
        return register

    @check("the DAG folder imports without errors")
    def _imports() -> None:
        assert not bag.import_errors, bag.import_errors
        assert sorted(bag.dag_ids) == ["idres"], bag.dag_ids

    @check("one task per stage, in pipeline order")
    def _order() -> None:
        assert dag is not None
        assert [t.task_id for t in dag.topological_sort()] == STAGES
        for upstream, downstream in zip(STAGES, STAGES[1:], strict=False):
            assert dag.get_task(upstream).downstream_task_ids == {downstream}
        assert dag.get_task(STAGES[-1]).downstream_task_ids == set()

    @check("each task spark-submits the job's stage for the logical date")
    def _commands() -> None:
        assert dag is not None
        for stage in STAGES:
            task = dag.get_task(stage)
            assert isinstance(task, SparkSubmitOperator), type(task)
            args = task.application_args
            assert args[0] == stage and args[-2:] == ["--run-date", "{{ ds }}"], args
            assert args[1] == "--conf", args
            assert task.application.endswith("params.main) }}"), task.application
            assert "idres_wheel" in task.py_files, task.py_files
            assert task.packages == "io.delta:delta-spark_2.13:4.0.1", task.packages

    @check("templates render, the params standing in for unset Variables")
    def _templates() -> None:
        assert dag is not None
        task = dag.get_task("segments")

        class Unset:  # `var.value` when no Variable is set: get() returns the default
            def get(self, _name: str, default: str) -> str:
                return default

        env = dag.get_template_env()
        context = {"ds": "2025-03-04", "params": {k: v.value for k, v in dag.params.items()},
                   "var": {"value": Unset()}}
        rendered = [env.from_string(a).render(**context) for a in task.application_args]
        assert rendered == ["segments", "--conf", "/opt/idres/conf/prod.yaml", "--run-date",
                            "2025-03-04"], rendered
        wheel = env.from_string(task.py_files).render(**context)
        assert wheel.endswith(".whl"), wheel

    @check("retries with exponential back-off and a timeout")
    def _retries() -> None:
        assert dag is not None
        for task in dag.tasks:
            assert task.retries >= 1 and task.retry_exponential_backoff, task.task_id
            assert task.execution_timeout == timedelta(hours=2), task.execution_timeout
            assert task.depends_on_past, task.task_id

    @check("no catch-up from the start date; one date at a time")
    def _catchup() -> None:
        assert dag is not None
        assert dag.catchup is False and dag.max_active_runs == 1

    @check("exit 2 (bad input) fails the task without retries; exit 1 is retried")
    def _bad_input() -> None:
        assert dag is not None
        outcomes = {code: _submit_exiting(dag.get_task("ingest"), code) for code in (0, 1, 2)}
        assert outcomes == {0: None, 1: "AirflowException", 2: "AirflowFailException"}, outcomes

    passed = failed = 0
    for name, function in checks:
        try:
            function()
        except AssertionError as exc:
            failed += 1
            print(f"FAILED {name}: {exc}")
        else:
            passed += 1
            print(f"ok     {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def _submit_exiting(task: Any, code: int) -> str | None:
    """Runs `task` (a copy, its Jinja left unrendered) with a stand-in spark-submit on PATH that
    exits with `code`; returns the exception's class name, None when it succeeded."""
    folder = Path(tempfile.mkdtemp(prefix="idres-spark-submit-"))
    try:
        binary = folder / "spark-submit"
        binary.write_text(f"#!/bin/sh\necho stand-in spark-submit\nexit {code}\n",
                          encoding="utf-8")
        binary.chmod(0o755)
        copy = task.prepare_for_execution()
        copy.application, copy.application_args = "job.py", ["ingest"]
        copy.py_files = copy.packages = None
        saved = {k: os.environ.get(k) for k in ("PATH", "AIRFLOW_CONN_SPARK_DEFAULT")}
        os.environ["PATH"] = f"{folder}{os.pathsep}{saved['PATH'] or ''}"
        os.environ["AIRFLOW_CONN_SPARK_DEFAULT"] = "spark://local"
        try:
            copy.execute({})
        except Exception as exc:  # the class is the outcome
            return type(exc).__name__
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
