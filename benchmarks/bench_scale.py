"""How the job's time and memory grow with its input: the whole `run` command on demo
populations of several sizes, one after another in one benchmark run, each in its own process.

    .venv/bin/python benchmarks/bench_scale.py [--persons 10000 100000] [--name-variety 10]
        [--work benchmarks/work/scale]

For each size the demo data is generated into `<work>/<persons>/data` (kept and reused by later
runs while the generator is unchanged) and configured like conf/demo.yaml, the job runs on a
fresh warehouse beside it, and the resident memory of the job's
processes (the JVM, the Python driver and its workers) is read from /proc every half second.
One table is printed: records, candidate pairs, wall time, the stage times, the JVM's peak
resident memory, precision and recall. A second table shows where the CPU time went: the JVM's
JIT compilers, Spark's task threads, its garbage collector and its other threads (the driver's
query planning among them), and the Python processes. The figures also go to
`benchmarks/results/scale.json`.

`--name-variety 10` (the default) draws names from lists ten times as long as the demo's, as
varied as a real register's: with the demo's short lists a population of 100,000 would be
mostly namesakes, which says more about the lists than about the job.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from datasets import prepare_demo
from deltalake import DeltaTable

ROOT = Path(__file__).resolve().parent.parent
RUN_DATE = "2026-11-22"
SAMPLE_SECONDS = 0.5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class ScaleResult:
    persons: int
    exit_code: int
    wall_seconds: float
    peak_jvm_rss_mb: float
    peak_python_rss_mb: float
    records: float | None = None
    candidate_pairs: float | None = None
    precision: float | None = None
    recall: float | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)


def _stat(path: Path) -> tuple[str, list[str]]:
    """Returns (name, the fields after it) of a process's or thread's /proc stat file."""
    text = path.read_text()
    # The name is in parentheses and may hold spaces and parentheses of its own.
    return text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 1:].split()


def _children(pid: int) -> list[int]:
    """Returns the process ids below `pid` (Linux /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(entry / "stat")[1]
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        below = parents.get(todo.pop(), [])
        found += below
        todo += below
    return found


def _rss_mb(pid: int) -> tuple[str, float]:
    """Returns (command name, resident memory in MB) of a process, ("", 0) once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "", 0.0
    name = rss = ""
    for line in status.splitlines():
        if line.startswith("Name:"):
            name = line.split()[1]
        elif line.startswith("VmRSS:"):
            rss = line.split()[1]
    return name, int(rss) / 1024 if rss else 0.0


# JVM threads by what they do, from the names the JVM and Spark give them (Linux truncates a
# thread's name to 15 characters): the JIT compilers, Spark's task threads, the garbage
# collector; everything else (the driver's planning on Py4J's threads, the scheduler) is "other".
THREAD_KINDS = (("C1 CompilerThre", "jit"), ("C2 CompilerThre", "jit"),
                ("Executor task l", "tasks"), ("GC Thread", "gc"), ("G1 ", "gc"))
CPU_KINDS = ("jit", "tasks", "gc", "other", "python")


def thread_kind(name: str) -> str:
    """Returns what a JVM thread named `name` does: one of CPU_KINDS but "python"."""
    for prefix, kind in THREAD_KINDS:
        if name.startswith(prefix):
            return kind
    return "other"


def _cpu_seconds(stat: Path) -> tuple[str, float]:
    """Returns (name, user + system CPU seconds) of a process or thread from its stat file."""
    name, fields = _stat(stat)
    return name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class MemorySampler(threading.Thread):
    """Samples the peak resident memory of a process tree: the JVM apart from the Python
    processes (the driver and Spark's Python workers, summed); and the CPU time of its JVM
    threads by kind (thread_kind) and of its Python processes, as last seen."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.stopped = threading.Event()
        self.peak_jvm = self.peak_python = 0.0
        self.cpu_seen: dict[tuple[int, int], tuple[str, float]] = {}

    def cpu_seconds(self) -> dict[str, float]:
        """Returns the CPU seconds seen per kind (CPU_KINDS); a thread's or process's time
        after its last sample is not counted."""
        totals = dict.fromkeys(CPU_KINDS, 0.0)
        for kind, seconds in self.cpu_seen.values():
            totals[kind] += seconds
        return {kind: round(seconds, 1) for kind, seconds in totals.items()}

    def _sample_cpu(self, pid: int, thread_kinds: bool) -> None:
        """Records the CPU time of a process: of each of its threads by kind (the JVM), or of
        the whole process as "python"."""
        try:
            if thread_kinds:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    thread, seconds = _cpu_seconds(task / "stat")
                    self.cpu_seen[(pid, int(task.name))] = (thread_kind(thread), seconds)
            else:
                self.cpu_seen[(pid, 0)] = ("python", _cpu_seconds(Path(f"/proc/{pid}/stat"))[1])
        except (OSError, ValueError):
            pass  # the process or thread ended between listing and reading

    def run(self) -> None:
        while not self.stopped.is_set():
            jvm = python = 0.0
            for pid in [self.pid, *_children(self.pid)]:
                name, rss = _rss_mb(pid)
                if name == "java":
                    jvm += rss
                    self._sample_cpu(pid, thread_kinds=True)
                elif name.startswith("python"):
                    python += rss
                    self._sample_cpu(pid, thread_kinds=False)
            self.peak_jvm = max(self.peak_jvm, jvm)
            self.peak_python = max(self.peak_python, python)
            self.stopped.wait(SAMPLE_SECONDS)


def _metrics(warehouse: Path) -> dict[tuple[str, str], float]:
    """Returns the run's run-wide metrics, (stage, metric) -> value, in the order recorded."""
    rows = DeltaTable(str(warehouse / "run_metrics")).to_pyarrow_table(
        columns=["stage", "source", "metric", "value"]).to_pylist()
    return {(r["stage"], r["metric"]): r["value"] for r in rows if not r["source"]}


def measure(persons: int, name_variety: int, work: Path) -> ScaleResult:
    """Generates (or reuses) the data for `persons`, runs the job once and measures it."""
    dataset = prepare_demo(work / str(persons), persons, name_variety=name_variety,
                           evaluate=True)
    warehouse = dataset.warehouse
    shutil.rmtree(warehouse, ignore_errors=True)
    log = dataset.folder / "run.log"
    print(f"{persons:,} persons: running the job (log in {log})", flush=True)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs", "run", "--conf", str(dataset.conf),
             "--run-date", RUN_DATE],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        sampler = MemorySampler(process.pid)
        sampler.start()
        code = process.wait()
        sampler.stopped.set()
        sampler.join()
    result = ScaleResult(persons, code, round(time.perf_counter() - started, 1),
                         round(sampler.peak_jvm), round(sampler.peak_python),
                         cpu_seconds=sampler.cpu_seconds())
    if code == 0:
        metrics = _metrics(warehouse)
        result.records = metrics.get(("block", "records"))
        result.candidate_pairs = metrics.get(("block", "candidate_pairs"))
        result.precision = metrics.get(("evaluate", "precision"))
        result.recall = metrics.get(("evaluate", "recall"))
        result.stage_seconds = {stage: round(value, 1)
                                for (stage, metric), value in metrics.items()
                                if metric == "seconds"}
    return result


def _figure(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def table(results: list[ScaleResult]) -> str:
    """Returns the results as one Markdown table, a row per size: each stage that any run
    timed, in the order the runs timed them."""
    stages = list(dict.fromkeys(stage for r in results for stage in r.stage_seconds))
    header = ["persons", "records", "candidate pairs", "wall s", *stages, "JVM peak MB",
              "precision", "recall"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        cells = [f"{r.persons:,}", _figure(r.records), _figure(r.candidate_pairs),
                 f"{r.wall_seconds:.1f}" + ("" if r.exit_code == 0 else f" (exit {r.exit_code})"),
                 *(_figure(r.stage_seconds.get(stage), 1) for stage in stages),
                 _figure(r.peak_jvm_rss_mb), _figure(r.precision, 4), _figure(r.recall, 4)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_table(results: list[ScaleResult]) -> str:
    """Returns where the CPU time went, a row per size: seconds per kind of thread (CPU_KINDS)
    and their share of the total."""
    header = ["persons", "CPU s", *(f"{kind} s" for kind in CPU_KINDS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        total = sum(r.cpu_seconds.values())
        share = {kind: r.cpu_seconds.get(kind, 0.0) / total if total else 0.0
                 for kind in CPU_KINDS}
        cells = [f"{r.persons:,}", f"{total:.1f}",
                 *(f"{r.cpu_seconds.get(kind, 0.0):.1f} ({share[kind]:.0%})" for kind in CPU_KINDS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--name-variety", type=int, default=10)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "scale")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    results = [measure(n, args.name_variety, args.work) for n in args.persons]
    print(table(results))
    print()
    print(cpu_table(results))
    out = ROOT / "benchmarks" / "results" / "scale.json"
    out.write_text(json.dumps({
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv), "name_variety": args.name_variety,
        "cpus": os.cpu_count(), "results": [asdict(r) for r in results],
    }, indent=2) + "\n", encoding="utf-8")
    print(f"results: {out}")
    if any(r.exit_code != 0 for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
