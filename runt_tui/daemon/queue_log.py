"""What the kernel pane shows beyond the queue: history, cancellations and who caused them, the kernel process, its log.

`RoomKernel` calls the small hooks here (an execution finished, executions
were cancelled by someone, the kernel started); `poll()` runs every couple of
seconds while a kernel lives, sampling `/proc` and reading new lines of the
kernel's own log file. Everything is published in the room's runtime state
(`history`, `cancelled`, `kernel_info`, `kernel_log`), small and bounded.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HISTORY = 30
LOG_LINES = 200
LOG_LINE_CHARS = 500
LOG_READ_BYTES = 64 * 1024
# Cancelled entries stay listed this long ("cancelled by <who>").
CANCELLED_KEEP = 120.0
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def proc_sample(pid: int) -> tuple[int, int] | None:
    """(CPU ticks used, resident bytes) of a process from /proc, None when unreadable."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
        with open(f"/proc/{pid}/statm", "rb") as f:
            statm = f.read().split()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    fields = stat[stat.rfind(")") + 2:].split()
    try:
        return int(fields[11]) + int(fields[12]), int(statm[1]) * _PAGE
    except (IndexError, ValueError):
        return None


def cpu_percent(before: tuple[float, int], after: tuple[float, int]) -> float:
    """CPU use between two (wall time, ticks) samples, in percent of one core."""
    wall = after[0] - before[0]
    return max(0.0, (after[1] - before[1]) / _TICKS / wall * 100) if wall > 0 else 0.0


def env_of(pid: int) -> str | None:
    """The environment a kernel runs in: the prefix of its interpreter (…/.venv), else the executable."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    parent = Path(exe).parent
    return str(parent.parent) if parent.name == "bin" else exe


def transport_of(connection_file: str | None) -> str | None:
    """The kernel's ZMQ transport as its connection file says (ipc: no TCP port open)."""
    if not connection_file:
        return None
    try:
        with open(connection_file, encoding="utf-8") as f:
            info = json.load(f)
    except (OSError, ValueError):
        return None
    transport = info.get("transport") if isinstance(info, dict) else None
    return str(transport) if transport else None


def split_log(pending: str, data: str) -> tuple[list[str], str]:
    """Complete lines of `pending + data`, and the partial last line to keep."""
    text = pending + data
    *lines, rest = text.split("\n")
    return [ln.rstrip("\r")[:LOG_LINE_CHARS] for ln in lines], rest[-LOG_LINE_CHARS:]


def cancel_notice(cells: list[str], by: dict[str, Any] | None, reason: str) -> str:
    """The message a requester gets when their queued cells are dropped."""
    who = str((by or {}).get("name") or "the kernel")
    names = ", ".join(cells[:8]) + (f" and {len(cells) - 8} more" if len(cells) > 8 else "")
    return f"{'Your cell' if len(cells) == 1 else 'Your cells'} {names} {'was' if len(cells) == 1 else 'were'} cancelled by {who} ({reason})"


@dataclass
class QueueLog:
    """History, cancellations, process facts and log lines of one room's kernel."""

    # (cell id) -> "#3 first line" as the notebook has it now, for notices.
    describe_cell: Callable[[str], str]
    history: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    cancelled: list[dict[str, Any]] = field(default_factory=list)
    log: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    info: dict[str, Any] = field(default_factory=dict)
    _log_path: Path | None = None
    _log_offset: int = 0
    _log_pending: str = ""
    _cpu: tuple[float, int] | None = None

    def finished(self, summary: dict[str, Any]) -> None:
        """An execution ended (done, error or cancelled): newest first in the history."""
        started, ended = summary.get("started_at"), summary.get("finished_at")
        took = ended - started if isinstance(started, float) and isinstance(ended, float) else None
        self.history.appendleft({
            "exec_id": summary.get("exec_id"), "cell": summary.get("cell"), "status": summary.get("status"),
            "requester": summary.get("requester"), "execution_count": summary.get("execution_count"),
            "duration": took, "finished_at": ended,
        })

    def cancel(self, entries: Iterable[dict[str, Any]], by: dict[str, Any] | None, reason: str,
               notify: Callable[[str, str], None]) -> None:
        """Queued executions were dropped by `by`: list them, and tell each requester which of theirs."""
        now = time.time()
        per_peer: dict[str, list[str]] = {}
        for e in entries:
            self.cancelled.append({"exec_id": e.get("exec_id"), "cell": e.get("cell"), "requester": e.get("requester"),
                                   "by": by, "reason": reason, "at": now})
            peer = (e.get("requester") or {}).get("peer_id")
            if isinstance(peer, str):
                per_peer.setdefault(peer, []).append(self.describe_cell(str(e.get("cell"))))
        for peer, cells in per_peer.items():
            notify(peer, cancel_notice(cells, by, reason))

    def kernel_started(self, log_path: Path, restarted: bool, facts: dict[str, Any]) -> None:
        """A kernel (re)started: its facts, and its log read from the start (a fresh start truncated it)."""
        self.info = {**facts, "started_at": time.time()}
        self._cpu = None
        if not restarted:
            self._log_path, self._log_offset, self._log_pending = log_path, 0, ""

    def poll(self, pid: int | None) -> bool:
        """Sample the kernel process and read new log lines; True when anything shown changed."""
        changed = self._prune()
        if pid is not None:
            sample = proc_sample(pid)
            if sample is not None:
                now = (time.time(), sample[0])
                if self._cpu is not None:
                    self.info["cpu"] = round(cpu_percent(self._cpu, now), 1)
                self._cpu = now
                self.info["rss"] = sample[1]
                changed = True
        return self._read_log() or changed

    def _prune(self) -> bool:
        keep = [c for c in self.cancelled if time.time() - c["at"] < CANCELLED_KEEP]
        changed = len(keep) != len(self.cancelled)
        self.cancelled = keep
        return changed

    def _read_log(self) -> bool:
        path = self._log_path
        if path is None:
            return False
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size < self._log_offset:  # truncated by a fresh start
                    self._log_offset, self._log_pending = 0, ""
                f.seek(self._log_offset)
                data = f.read(LOG_READ_BYTES)
        except OSError:
            return False
        if not data:
            return False
        self._log_offset += len(data)
        lines, self._log_pending = split_log(self._log_pending, data.decode("utf-8", "replace"))
        self.log.extend(lines)
        return bool(lines)

    def runtime_parts(self) -> dict[str, Callable[[], Any]]:
        """The runtime-state entries this log publishes."""
        return {
            "history": lambda: list(self.history),
            "cancelled": lambda: [dict(c) for c in self.cancelled],
            "kernel_info": lambda: dict(self.info),
            "kernel_log": lambda: list(self.log),
        }


POLL_SECONDS = 2.0


def kernel_facts(session: Any) -> dict[str, Any]:
    """Display name, language, environment and transport of a started kernel session."""
    spec = session.kernelspec_metadata()
    pid = session.pid
    return {
        "display_name": spec.get("display_name"), "language": spec.get("language"),
        "env": env_of(pid) if pid else None, "transport": transport_of(session.connection_file),
    }
