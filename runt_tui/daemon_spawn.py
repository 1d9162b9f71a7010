"""Starting the user's daemon process, light enough to run before anything heavy is imported.

Only the standard library, settings and private are imported here: `runt-tui
NOTEBOOK` spawns the daemon as its first act (cli.py), so that the daemon's start
runs on the other core while this process imports Textual and the app. The
client's `open_connection` then waits for that same process instead of spawning
another (`spawned`).

Readiness is signalled, not polled: the daemon inherits the write end of a pipe
(its number in READY_FD_ENV) and writes one JSON line (version, pid, socket,
home) once its socket listens. End of file without that line means it exited
before listening: it failed, or another daemon won the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from runt_tui.private import UnsafePath, check_private_entry, open_private
from runt_tui.settings import ensure_private_dir

# The environment variable naming the daemon's end of the readiness pipe.
READY_FD_ENV = "RUNT_TUI_READY_FD"


class DaemonStart:
    """A daemon process this process started, and the read end of its readiness pipe.

    `proc` is the spawned process; a daemon forked from this interpreter (daemon_fork.py)
    has only its `pid`.
    """

    def __init__(self, proc: subprocess.Popen[bytes] | None, ready_fd: int, pid: int | None = None) -> None:
        self.proc = proc
        self.pid = proc.pid if proc is not None else pid
        self.ready_fd: int | None = ready_fd
        self._buf = b""
        # What the daemon said once it listened (None: not yet, or it never will).
        self.info: dict[str, object] | None = None

    @property
    def settled(self) -> bool:
        """True once the daemon said it listens, or closed the pipe without saying so."""
        return self.ready_fd is None

    def read_ready(self) -> bool:
        """Consume what the pipe holds without blocking; True once settled."""
        while self.ready_fd is not None:
            try:
                chunk = os.read(self.ready_fd, 4096)
            except BlockingIOError:
                return False
            if not chunk:
                self._settle()
                break
            self._buf += chunk
            if b"\n" in self._buf:
                self._settle()
        return True

    def _settle(self) -> None:
        line = self._buf.split(b"\n", 1)[0]
        if line:
            try:
                info = json.loads(line)
            except ValueError:
                info = None
            self.info = info if isinstance(info, dict) else None
        if self.ready_fd is not None:
            os.close(self.ready_fd)
            self.ready_fd = None

    def wait_ready(self, timeout: float) -> dict[str, object] | None:
        """Block until the daemon listens (its ready line) or exits first (None), at most `timeout` s."""
        deadline = time.monotonic() + timeout
        while not self.read_ready() and self.ready_fd is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            select.select([self.ready_fd], [], [], left)
        return self.info


# The daemon processes this process started, by state dir.
_spawned: dict[Path, DaemonStart] = {}


def lock_path(home: Path) -> Path:
    """The lock file whose holder is the one daemon of this state dir."""
    return home / "daemon.lock"


def log_path(home: Path) -> Path:
    """The daemon's log file."""
    return home / "daemon.log"


def pid_path(home: Path) -> Path:
    """The file holding the running daemon's pid."""
    return home / "daemon.pid"


def spawn_daemon(home: Path, extra_args: list[str] | None = None) -> DaemonStart:
    """Start a detached daemon from this same installation (same interpreter)."""
    ensure_private_dir(home)
    for path in (lock_path(home), pid_path(home), log_path(home)):
        check_private_entry(path)  # refused here, the caller hears why (not just an exit code)
    env = dict(os.environ)
    env["RUNT_TUI_HOME"] = str(home)
    read_fd, write_fd = os.pipe()
    env[READY_FD_ENV] = str(write_fd)
    try:
        with os.fdopen(open_private(log_path(home), os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab") as logf:
            proc = subprocess.Popen(
                [sys.executable, "-m", "runt_tui.daemon", *(extra_args or [])],
                stdin=subprocess.DEVNULL,
                stdout=logf,
                stderr=logf,
                env=env,
                start_new_session=True,
                close_fds=True,
                pass_fds=(write_fd,),
            )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)  # the daemon holds the only write end: its exit ends the pipe
    os.set_blocking(read_fd, False)
    # Reap it whenever it exits: a long-lived client (TUI, Jupyter kernel) that started the
    # daemon would otherwise keep a zombie, which `daemon stop` waits on as if still alive.
    threading.Thread(target=proc.wait, name="runt-daemon-reaper", daemon=True).start()
    old = _spawned.get(home)
    if old is not None and old.ready_fd is not None:
        os.close(old.ready_fd)  # nobody waits for that one any more
        old.ready_fd = None
    start = _spawned[home] = DaemonStart(proc, read_fd)
    return start


def signal_ready(info: dict[str, object]) -> None:
    """In the daemon: tell the process that spawned it that the socket listens (once; no-op otherwise)."""
    raw = os.environ.pop(READY_FD_ENV, None)
    if raw is None:
        return
    try:
        fd = int(raw)
    except ValueError:
        return
    # OSError: the spawner is gone (or the number was not our pipe): nobody waits.
    with contextlib.suppress(OSError):
        os.write(fd, json.dumps(info).encode() + b"\n")
    with contextlib.suppress(OSError):
        os.close(fd)


def daemon_locked(home: Path) -> bool:
    """True when some process holds the daemon lock (a daemon runs, starts or stops)."""
    try:
        fd = open_private(lock_path(home), os.O_RDWR)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        # A daemon starting meanwhile waits for this brief hold to end (run_daemon).
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def spawn_early(home: Path) -> None:
    """Start the daemon now when none holds the lock; never raises (connecting reports problems)."""
    try:
        if spawned(home) is None and not daemon_locked(home):
            spawn_daemon(home)
    except (OSError, UnsafePath, ValueError):
        pass  # open_connection tries again and says why


def spawned(home: Path) -> DaemonStart | None:
    """The daemon process this process started for `home`, while it still runs."""
    start = _spawned.get(home)
    return start if start is not None and start.proc is not None and start.proc.poll() is None else None
