"""What the kernel pane shows beyond the queue: history, cancellations and who caused them, the kernel process, its log.

`RoomKernel` calls the small hooks here (an execution finished, executions
were cancelled by someone, the kernel started); `poll()` runs every couple of
seconds while a kernel lives, sampling `/proc` and reading new lines of the
kernel's own log file. Everything is published in the room's runtime state
(`history`, `cancelled`, `kernel_info`, `kernel_log`, protocol/runtime.py),
small and bounded; events carry only the entries added or dropped since the last one.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, TypeVar

from runt_tui.kernel import KernelSession
from runt_tui.protocol.runtime import (
    CancelledEntry,
    ExecutionSummary,
    HistoryEntry,
    KernelInfo,
    QueueEntry,
    Requester,
)

T = TypeVar("T")

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


def cancel_notice(cells: list[str], by: Requester | None, reason: str) -> str:
    """The message a requester gets when their queued cells are dropped."""
    who = by.name if by is not None and by.name else "the kernel"
    names = ", ".join(cells[:8]) + (f" and {len(cells) - 8} more" if len(cells) > 8 else "")
    return f"{'Your cell' if len(cells) == 1 else 'Your cells'} {names} {'was' if len(cells) == 1 else 'were'} cancelled by {who} ({reason})"


class DeltaMap(Generic[T]):
    """Entries that are added and dropped, never changed: the whole map, and what changed since last asked."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: dict[str, T] = {}
        self._sent: set[str] = set()

    def add(self, key: str, value: T) -> None:
        """Add an entry, dropping the oldest beyond the limit."""
        self.items[key] = value
        while len(self.items) > self.limit:
            del self.items[next(iter(self.items))]

    def drop(self, keys: Iterable[str]) -> None:
        """Remove entries."""
        for key in list(keys):
            self.items.pop(key, None)

    def changed(self) -> dict[str, T | None] | None:
        """Entries added since the last call, None for those dropped; None when nothing changed."""
        now = set(self.items)
        out: dict[str, T | None] = {k: None for k in self._sent - now}
        out.update({k: self.items[k] for k in now - self._sent})
        self._sent = now
        return out or None


class QueueLog:
    """History, cancellations, process facts and log lines of one room's kernel."""

    def __init__(self, describe_cell: Callable[[str], str]) -> None:
        # (cell id) -> "#3 first line" as the notebook has it now, for notices.
        self.describe_cell = describe_cell
        self.history: DeltaMap[HistoryEntry] = DeltaMap(HISTORY)
        self.cancelled: DeltaMap[CancelledEntry] = DeltaMap(1000)
        self.log: DeltaMap[str] = DeltaMap(LOG_LINES)
        self.info = KernelInfo()
        self._log_path: Path | None = None
        self._log_offset = 0
        self._log_pending = ""
        self._log_lines = 0
        self._cpu: tuple[float, int] | None = None

    def finished(self, summary: ExecutionSummary) -> None:
        """An execution that ran ended (done, error or cancelled while running)."""
        started, ended = summary.started_at, summary.finished_at
        took = ended - started if started is not None and ended is not None else None
        self.history.add(summary.exec_id, HistoryEntry(
            summary.exec_id, summary.cell, summary.status, summary.requester, summary.execution_count, took, ended,
        ))

    def cancel(self, entries: Iterable[QueueEntry], by: Requester | None, reason: str,
               notify: Callable[[str, str], None]) -> None:
        """Queued executions were dropped by `by`: list them, and tell each requester which of theirs."""
        now = time.time()
        who = by or Requester("", "the kernel")
        per_peer: dict[str, list[str]] = {}
        for e in entries:
            self.cancelled.add(e.exec_id, CancelledEntry(e.exec_id, e.cell, e.requester, who, reason, now))
            per_peer.setdefault(e.requester.peer_id, []).append(self.describe_cell(e.cell))
        for peer, cells in per_peer.items():
            notify(peer, cancel_notice(cells, by, reason))

    def kernel_started(self, log_path: Path, restarted: bool, facts: KernelInfo) -> None:
        """A kernel (re)started: its facts, and its log read from the start (a fresh start truncated it)."""
        self.info = KernelInfo(facts.display_name, facts.language, facts.env, facts.transport, time.time())
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
                cpu = round(cpu_percent(self._cpu, now), 1) if self._cpu is not None else None
                self._cpu = now
                i = self.info
                self.info = KernelInfo(i.display_name, i.language, i.env, i.transport, i.started_at, sample[1], cpu)
                changed = True
        return self._read_log() or changed

    def _prune(self) -> bool:
        old = [k for k, c in self.cancelled.items.items() if time.time() - c.at >= CANCELLED_KEEP]
        self.cancelled.drop(old)
        return bool(old)

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
        for line in lines:
            self.log.add(str(self._log_lines), line)
            self._log_lines += 1
        return bool(lines)


POLL_SECONDS = 2.0


def kernel_facts(session: KernelSession) -> KernelInfo:
    """Display name, language, environment and transport of a started kernel session."""
    spec = session.kernelspec_metadata()
    pid = session.pid
    return KernelInfo(spec.get("display_name"), spec.get("language"), env_of(pid) if pid else None,
                      transport_of(session.connection_file))
