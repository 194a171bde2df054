"""One writer at a time per warehouse: a lock file that the writing commands hold.

Two commands writing one warehouse at once lose work or, worse, undo an erasure: a run that
read its sources before `erase` would write the person back. Every command that writes the
warehouse (the stages, `run`, `train`, `erase`) holds `<warehouse>/_idres.lock` while it works;
a second one stops at once with an error naming the holder. Read-only commands (`lookup`,
`explain`) take no lock.

The lock is a file created with O_EXCL, atomic on a local or mounted file system. On object
stores (s3://, abfss://, gs://) no such primitive exists for files, and there the scheduler must
keep runs apart (the Airflow DAG runs one date at a time, `max_active_runs=1`).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from jobs.config import local_path

log = logging.getLogger(__name__)

LOCK_FILE = "_idres.lock"


class WarehouseBusyError(RuntimeError):
    """Another command holds the warehouse's lock."""


class WarehouseUnusableError(RuntimeError):
    """The warehouse is a file, or its folder cannot be created or written."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _holder(path: Path) -> dict[str, object]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _is_stale(holder: dict[str, object]) -> bool:
    """True when the holder ran on this host and its process is gone (killed, machine
    restarted): nothing else could release the lock."""
    pid = holder.get("pid")
    return holder.get("host") == socket.gethostname() and isinstance(pid, int) \
        and pid != os.getpid() and not _alive(pid)


def _describe(holder: dict[str, object], path: Path) -> str:
    if not holder:
        return f"{path} exists but cannot be read"
    return (f"`{holder.get('command', '?')}` holds it (process {holder.get('pid', '?')} on "
            f"{holder.get('host', '?')}, since {holder.get('since', '?')})")


@contextmanager
def warehouse_lock(warehouse: str, command: str) -> Iterator[Path | None]:
    """Holds the warehouse's lock while the block runs; yields the lock file (None where the
    warehouse is not a local folder and no lock is taken). Raises WarehouseBusyError when
    another live command holds it; a lock left by a process of this host that is gone is
    taken over, with a warning."""
    folder = local_path(warehouse)
    if folder is None:
        log.info("no warehouse lock on %s (not a local folder): the scheduler must keep "
                 "writing commands apart", warehouse)
        yield None
        return
    if folder.exists() and not folder.is_dir():
        raise WarehouseUnusableError(f"warehouse {warehouse} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseUnusableError(
            f"warehouse {warehouse}: cannot create the folder ({exc.strerror})") from None
    path = folder / LOCK_FILE
    mine = json.dumps({"command": command, "pid": os.getpid(), "host": socket.gethostname(),
                       "since": datetime.now(UTC).isoformat(timespec="seconds")})
    for _attempt in range(2):
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if _is_stale(holder):
                log.warning("taking over the warehouse lock %s: %s, and that process is gone",
                            path, _describe(holder, path))
                path.unlink(missing_ok=True)
                continue
            raise WarehouseBusyError(
                f"warehouse {warehouse} is in use: {_describe(holder, path)}. Wait for it to "
                f"finish; if that process is gone (another machine), remove {path}") from None
        except OSError as exc:  # read-only, no permission, no space
            raise WarehouseUnusableError(
                f"warehouse {warehouse}: cannot write its lock file {path} ({exc.strerror})"
            ) from None
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(mine)
        break
    else:
        raise WarehouseBusyError(f"warehouse {warehouse}: could not take the lock {path}")
    try:
        yield path
    finally:
        if _holder(path).get("pid") == os.getpid():
            path.unlink(missing_ok=True)
