"""One writing command at a time per warehouse: the lock file, its take-over and the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from jobs import cli
from jobs.config import local_path
from jobs.warehouse_lock import LOCK_FILE, WarehouseBusyError, warehouse_lock


def test_a_second_writer_is_refused_with_the_holder_named_and_may_go_once_the_first_is_done(
    tmp_path: Path,
) -> None:
    warehouse = str(tmp_path / "wh")
    with warehouse_lock(warehouse, "run") as held:
        assert held == tmp_path / "wh" / LOCK_FILE
        holder = json.loads(held.read_text(encoding="utf-8"))
        assert (holder["command"], holder["pid"], holder["host"]) == (
            "run", os.getpid(), socket.gethostname())
        with pytest.raises(WarehouseBusyError) as refused, warehouse_lock(warehouse, "erase"):
            pass
        message = str(refused.value)
        assert f"`run` holds it (process {os.getpid()} on {socket.gethostname()}" in message
        assert str(held) in message  # what to remove if that process is gone
        assert held.is_file()  # the refused command left the holder's lock alone
    assert not (tmp_path / "wh" / LOCK_FILE).exists()
    with warehouse_lock(warehouse, "erase") as again:
        assert json.loads(again.read_text(encoding="utf-8"))["command"] == "erase"


def test_the_lock_is_released_when_the_command_fails(tmp_path: Path) -> None:
    with pytest.raises(ValueError), warehouse_lock(str(tmp_path), "run"):
        raise ValueError("a stage failed")
    assert not (tmp_path / LOCK_FILE).exists()


def _write_lock(folder: Path, pid: int, host: str) -> Path:
    path = folder / LOCK_FILE
    path.write_text(json.dumps({"command": "run", "pid": pid, "host": host,
                                "since": "2026-12-04T02:00:00+00:00"}), encoding="utf-8")
    return path


def test_a_lock_left_by_a_process_of_this_host_that_is_gone_is_taken_over(
    tmp_path: Path,
) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    _write_lock(tmp_path, int(gone.stdout), socket.gethostname())
    with warehouse_lock(str(tmp_path), "erase") as held:
        assert held is not None
        assert json.loads(held.read_text(encoding="utf-8"))["pid"] == os.getpid()


def test_a_lock_of_another_host_or_a_live_process_is_never_taken_over(tmp_path: Path) -> None:
    for pid, host in ((os.getppid(), socket.gethostname()), (1, "another-host")):
        path = _write_lock(tmp_path, pid, host)
        with pytest.raises(WarehouseBusyError, match=f"process {pid} on {host}"), \
                warehouse_lock(str(tmp_path), "erase"):
            pass
        assert json.loads(path.read_text(encoding="utf-8"))["pid"] == pid


def test_only_local_warehouses_are_locked(tmp_path: Path) -> None:
    assert local_path("/data/wh") == Path("/data/wh")
    assert local_path("file:///data/wh") == Path("/data/wh")
    assert local_path("file:/data/wh") == Path("/data/wh")
    assert local_path("s3a://bucket/wh") is None
    with warehouse_lock("s3a://bucket/wh", "run") as held:
        assert held is None


def test_the_cli_refuses_a_writing_command_on_a_busy_warehouse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({
        "warehouse": str(tmp_path / "wh"),
        "sources": [{"name": "crm", "kind": "registry", "format": "csv",
                     "path": str(tmp_path / "crm.csv")}],
    }), encoding="utf-8")
    with warehouse_lock(str(tmp_path / "wh"), "run"):
        code = cli.main(["erase", "--conf", str(conf), "--customer-id", "C1"])
    assert code == cli.EXIT_FAILED
    error = capsys.readouterr().err
    assert error.startswith(f"erase: warehouse {tmp_path / 'wh'} is in use: `run` holds it")


@pytest.mark.parametrize("where", ["file", "under_a_file"])
def test_a_warehouse_that_cannot_be_a_folder_stops_with_its_path(
        tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A warehouse path that is a file, or lies under one, is an input error (exit 2) naming
    it and the configuration, not a stack trace."""
    from jobs import cli

    blocker = tmp_path / "warehouse.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    warehouse = blocker if where == "file" else blocker / "wh"
    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({"warehouse": str(warehouse), "sources": [
        {"name": "web", "kind": "online", "format": "json", "path": str(tmp_path / "w.jsonl")}]}),
        encoding="utf-8")
    assert cli.main(["run", "--conf", str(conf)]) == cli.EXIT_BAD_INPUT
    expected = (f"warehouse {warehouse} is a file, not a folder" if where == "file" else
                f"warehouse {warehouse}: cannot create the folder (Not a directory)")
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"run: {expected} (configuration {conf})")


def test_a_run_id_that_cannot_name_a_file_is_refused_before_anything_runs(
        capsys: pytest.CaptureFixture[str]) -> None:
    from jobs import cli

    with pytest.raises(SystemExit) as stopped:
        cli.main(["run", "--conf", "any.yaml", "--run-id", "nightly/7"])
    assert stopped.value.code == 2
    assert "argument --run-id: 'nightly/7': expected letters, digits" in capsys.readouterr().err


@pytest.mark.parametrize(("persons", "problem"), [("50", "at least 100 persons, got 50"),
                                                  ("ten", "'ten' is not a whole number")])
def test_too_few_demo_persons_are_refused_by_the_arguments(
        persons: str, problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    from jobs import cli

    with pytest.raises(SystemExit) as stopped:
        cli.main(["demo-data", "--out", "unused", "--persons", persons])
    assert stopped.value.code == 2
    assert f"argument --persons: {problem}" in capsys.readouterr().err


@pytest.mark.parametrize(("signum", "code", "how"), [(2, 130, "interrupted"),
                                                     (15, 143, "terminated (SIGTERM)")],
                         ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("landing", ["in Python", "in a py4j call"])
def test_ctrl_c_or_sigterm_stops_with_one_line_and_releases_the_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        signum: int, code: int, how: str, landing: str) -> None:
    """SIGINT (Ctrl-C) or SIGTERM (Airflow's timeout) during a command: jobs.spark's handler
    turns the JVM's logging off from another thread and raises KeyboardInterrupt, and the
    command ends with exit code 130 or 143, one line, and its lock released. An interrupt
    landing while py4j waits for the JVM comes out of py4j as its own error: the same."""
    import logging
    import signal

    from jobs import cli, spark

    quieted: list[str] = []
    monkeypatch.setattr(spark, "_quiet_jvm_logging", lambda: quieted.append("logging"))
    monkeypatch.setattr(spark, "quiet_after_interrupt", lambda: quieted.append("jobs"))
    monkeypatch.setattr(spark, "_received", None)

    conf = tmp_path / "conf.yaml"
    conf.write_text(json.dumps({"warehouse": str(tmp_path / "wh"), "sources": [
        {"name": "web", "kind": "online", "format": "json", "path": str(tmp_path / "w.jsonl")}]}),
        encoding="utf-8")

    def interrupted(*_args: object) -> int:
        assert (tmp_path / "wh" / LOCK_FILE).is_file()
        # The handler cli installed for SIGTERM is jobs.spark's.
        assert signal.getsignal(signal.SIGTERM) is spark._interrupted
        if landing == "in Python":
            spark._interrupted(signum, None)
            raise AssertionError("not reached")
        try:
            spark._interrupted(signum, None)
        except KeyboardInterrupt:
            raise RuntimeError("Answer from Java side is empty") from None  # as py4j does
        raise AssertionError("not reached")

    monkeypatch.setattr(cli, "_writing_command", interrupted)
    root = logging.getLogger().level
    before = signal.getsignal(signal.SIGTERM)
    try:
        assert cli.main(["ingest", "--conf", str(conf)]) == code
    finally:
        signal.signal(signal.SIGTERM, before)
        logging.getLogger().setLevel(root)
        logging.getLogger("py4j").setLevel(logging.NOTSET)
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"ingest: {how}. Each table keeps its last complete Delta commit; run the command "
        "again to finish (the lock is released)")
    assert not (tmp_path / "wh" / LOCK_FILE).exists()
    assert quieted == ["logging", "jobs"]
