"""A kernel's whole process tree, found through /proc and ended as one.

Killing the kernel's process group is not enough: a cell can start a child in a
new session (`Popen(..., start_new_session=True)`) or daemonize (fork, setsid,
fork). Members of a kernel's tree are found four ways, each alone incomplete:

- descendants of the kernel pid (parent links), while the kernel lives;
- its session (the kernel is a session leader), which keeps the double-forked
  children that did not call setsid after their parent exited;
- a marker in the environment (`RUNT_TUI_KERNEL_TREE=<token>`), inherited by
  every descendant unless it clears its environment: this finds a setsid child
  whose parent has gone;
- everything seen in the tree before (`scan()` runs periodically and right before
  a stop), identified by (pid, start time) so a reused pid is never killed.

A process started before the kernel never qualifies. cgroups would be tighter,
but need a delegated, writable cgroup v2 subtree, which a daemon in a user
session (or a container) cannot count on; Linux's /proc always works. Where
/proc is missing (not Linux), only the process group is ended.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

MARKER = "RUNT_TUI_KERNEL_TREE"
_PROC = Path("/proc")
# tick() records the tree at every this many calls (the kernel watcher polls ~4 times a second).
SCAN_EVERY = 8


@dataclass(frozen=True)
class ProcInfo:
    """What /proc/<pid>/stat says about one process."""

    pid: int
    ppid: int
    pgid: int
    sid: int
    start: int  # clock ticks after boot: with the pid, a process's identity


def read_stat(pid: int) -> ProcInfo | None:
    """Parse /proc/<pid>/stat (None when the process is gone or unreadable)."""
    try:
        raw = (_PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields follow the last ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    try:
        if fields[0] == b"Z":  # a zombie is already dead; its parent reaps it
            return None
        return ProcInfo(pid, int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19]))
    except (IndexError, ValueError):
        return None


def all_processes() -> dict[int, ProcInfo]:
    """Every live process we can see, by pid."""
    procs: dict[int, ProcInfo] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir(_PROC):
            if entry.name.isdigit():
                info = read_stat(int(entry.name))
                if info is not None:
                    procs[info.pid] = info
    return procs


def has_marker(pid: int, token: str) -> bool:
    """True when the process's environment carries our marker with this token."""
    try:
        environ = (_PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return False
    return f"{MARKER}={token}".encode() in environ.split(b"\0")


def descendants(procs: dict[int, ProcInfo], root: int) -> set[int]:
    """Pids below `root` by parent links (root excluded)."""
    children: dict[int, list[int]] = {}
    for info in procs.values():
        children.setdefault(info.ppid, []).append(info.pid)
    found: set[int] = set()
    todo = list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


class ProcessTree:
    """Every process that belongs to one kernel launch: recorded while it runs, ended as one."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex
        self.root_pid: int | None = None
        self.root: ProcInfo | None = None
        self._seen: dict[int, int] = {}  # pid -> start time
        self._ticks = 0
        self._scanning = False

    def env(self) -> dict[str, str]:
        """The variables to add to the kernel's environment."""
        return {MARKER: self.token}

    def set_root(self, pid: int | None) -> None:
        """The kernel process (its pid once launched)."""
        self.root_pid = pid
        self.root = read_stat(pid) if pid is not None else None

    def members(self, *, environ: bool = True) -> list[ProcInfo]:
        """The live processes of this tree, the kernel included; records them for later."""
        root = self.root
        if root is None:
            return []
        procs = all_processes()
        pids: set[int] = set()
        live_root = procs.get(root.pid)
        if live_root is not None and live_root.start == root.start:
            pids.add(root.pid)
            pids |= descendants(procs, root.pid)
        pids |= {p.pid for p in procs.values() if root.pid in (p.sid, p.pgid)}
        pids |= {pid for pid, start in self._seen.items() if pid in procs and procs[pid].start == start}
        if environ:
            pids |= {pid for pid in procs if pid not in pids and has_marker(pid, self.token)}
        me = os.getpid()
        found = [procs[p] for p in pids if p in procs and p != me and procs[p].start >= root.start]
        self._seen.update((p.pid, p.start) for p in found)
        return found

    def scan(self) -> None:
        """Record the tree as it is now (cheap: no environment reads)."""
        self.members(environ=False)

    def scan_soon(self) -> None:
        """Record the tree in a background thread (one scan at a time; /proc reads block)."""
        if self._scanning:
            return
        self._scanning = True

        def run() -> None:
            try:
                self.scan()
            finally:
                self._scanning = False

        threading.Thread(target=run, name="runt-kernel-tree", daemon=True).start()

    def tick(self) -> None:
        """Called at every liveness poll: record the tree now and then."""
        self._ticks += 1
        if self._ticks % SCAN_EVERY == 0:
            self.scan_soon()

    def kill(self) -> list[int]:
        """SIGKILL every member still alive (the process group too); return the pids signalled."""
        if self.root is None:
            # No /proc (not Linux): the kernel's process group is all we can name.
            if self.root_pid is not None:
                with contextlib.suppress(OSError):
                    os.killpg(self.root_pid, signal.SIGKILL)
            return []
        killed: list[int] = []
        for info in self.members():
            # Checked again just before the signal: the pid must still be that process.
            current = read_stat(info.pid)
            if current is not None and current.start == info.start:
                with contextlib.suppress(OSError):
                    os.kill(info.pid, signal.SIGKILL)
                    killed.append(info.pid)
        return killed
