"""Starting the daemon by forking this interpreter: one interpreter start fewer than a spawn.

`runt-tui daemon start` runs in a light interpreter (no Typer, no asyncio, no
threads: daemon_start.py), so a fork of it is a clean start for the daemon. The
child leaves the terminal's session, points its standard streams at the log,
closes every other inherited descriptor (as a spawn's close_fds would), then
runs `run` (the daemon's entry, handed down by the layer that may import it) and
exits without running this process's exit handlers. Readiness comes over the
same pipe as a spawned daemon's (daemon_spawn.py). The app's own auto-start
keeps spawning: a process that has loaded more (or started threads) must not fork.

Until the child has left the terminal's session, a key's signal (Ctrl-C is sent to the
whole foreground process group) would reach it too: a KeyboardInterrupt raised in the
child's copy of this command, which would then print a traceback or "Aborted!" a second
time on the terminal. The fork is made with those signals blocked; the child drops any
that came meanwhile once it has its own session, and the command gets its own as usual.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

from runt_tui.daemon_spawn import READY_FD_ENV, DaemonStart, lock_path, log_path, pid_path
from runt_tui.private import check_private_entry, open_private
from runt_tui.settings import ensure_private_dir

# What the terminal's keys send to the foreground process group (Ctrl-C, Ctrl-\, Ctrl-Z).
TERMINAL_SIGNALS = frozenset({signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP})


def fork_daemon(home: Path, extra_args: list[str], run: Callable[[list[str]], int]) -> DaemonStart:
    """Fork a detached daemon running `run(extra_args)`; refused (RuntimeError) once threads run."""
    if threading.active_count() > 1:
        raise RuntimeError("fork_daemon needs a single-threaded process")
    ensure_private_dir(home)
    for path in (lock_path(home), pid_path(home), log_path(home)):
        check_private_entry(path)  # refused here, the caller hears why
    log_fd = open_private(log_path(home), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        os.close(log_fd)
        raise
    sys.stdout.flush()
    sys.stderr.flush()
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, TERMINAL_SIGNALS)
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(_child(home, extra_args, run, log_fd, write_fd, mask))  # never returns to the caller
        os.set_blocking(read_fd, False)
        start = DaemonStart(None, read_fd, pid)
    finally:
        os.close(write_fd)
        os.close(log_fd)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a Ctrl-C that came meanwhile is this process's now
    return start


def _child(home: Path, extra_args: list[str], run: Callable[[list[str]], int], log_fd: int, write_fd: int,
           mask: set[int | signal.Signals]) -> int:
    """The daemon's side of the fork: detach, redirect, run; the exit code."""
    try:
        _leave_terminal(mask)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.closerange(3, write_fd)  # the pipe's end is the one descriptor the daemon keeps
        os.closerange(write_fd + 1, _max_fd())
        os.environ["RUNT_TUI_HOME"] = str(home)
        os.environ[READY_FD_ENV] = str(write_fd)
        return run(extra_args)
    except BaseException:  # the log is the only place left to say why
        traceback.print_exc()
        return 1
    finally:
        with contextlib.suppress(Exception):  # exiting anyway
            sys.stdout.flush()
            sys.stderr.flush()


def _leave_terminal(mask: set[int | signal.Signals]) -> None:
    """Start a session of our own, drop the terminal's signals that came before, restore `mask`."""
    os.setsid()
    for sig in TERMINAL_SIGNALS:
        handler = signal.signal(sig, signal.SIG_IGN)  # ignoring a blocked, pending signal discards it
        signal.signal(sig, signal.SIG_DFL if handler is None else handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _max_fd() -> int:
    try:
        return max(os.sysconf("SC_OPEN_MAX"), 256)
    except (OSError, ValueError):
        return 65536
