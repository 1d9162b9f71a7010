"""Starting the user's daemon process, light enough to run before anything heavy is imported.

Only the standard library, settings and private are imported here: `runt-tui
NOTEBOOK` spawns the daemon as its first act (cli.py), so that the daemon's start
runs on the other core while this process imports Textual and the app. The
client's `open_connection` then waits for that same process instead of spawning
another (`spawned`).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

from runt_tui.private import UnsafePath, check_private_entry, open_private
from runt_tui.settings import ensure_private_dir

# The daemon processes this process started, by state dir.
_spawned: dict[Path, subprocess.Popen[bytes]] = {}


def lock_path(home: Path) -> Path:
    """The lock file whose holder is the one daemon of this state dir."""
    return home / "daemon.lock"


def log_path(home: Path) -> Path:
    """The daemon's log file."""
    return home / "daemon.log"


def pid_path(home: Path) -> Path:
    """The file holding the running daemon's pid."""
    return home / "daemon.pid"


def spawn_daemon(home: Path, extra_args: list[str] | None = None) -> subprocess.Popen[bytes]:
    """Start a detached daemon from this same installation (same interpreter)."""
    ensure_private_dir(home)
    for path in (lock_path(home), pid_path(home), log_path(home)):
        check_private_entry(path)  # refused here, the caller hears why (not just an exit code)
    env = dict(os.environ)
    env["RUNT_TUI_HOME"] = str(home)
    with os.fdopen(open_private(log_path(home), os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab") as logf:
        proc = subprocess.Popen(
            [sys.executable, "-m", "runt_tui.daemon", *(extra_args or [])],
            stdin=subprocess.DEVNULL,
            stdout=logf,
            stderr=logf,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    # Reap it whenever it exits: a long-lived client (TUI, Jupyter kernel) that started the
    # daemon would otherwise keep a zombie, which `daemon stop` waits on as if still alive.
    threading.Thread(target=proc.wait, name="runt-daemon-reaper", daemon=True).start()
    _spawned[home] = proc
    return proc


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


def spawned(home: Path) -> subprocess.Popen[bytes] | None:
    """The daemon process this process started for `home`, while it still runs."""
    proc = _spawned.get(home)
    return proc if proc is not None and proc.poll() is None else None
