"""Starting and stopping the daemon: the lock that makes it one per user, detached spawn, signals."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from runt_tui import __version__
from runt_tui.daemon_spawn import (
    daemon_locked,
    lock_path,
    log_path,
    pid_path,
    signal_ready,
    spawn_daemon,
)
from runt_tui.private import (
    UnsafePath,
    open_private,
    read_private,
    write_private,
)
from runt_tui.settings import Settings, ensure_private_dir, load_settings

log = logging.getLogger("runt_tui.daemon")

# spawn_daemon (daemon_spawn.py) is re-exported: `daemon start` and tests find it here.
__all__ = ["daemon_lock", "lock_path", "log_path", "main", "pid_path", "read_pid", "run_daemon", "spawn_daemon"]


@contextlib.contextmanager
def daemon_lock(home: Path) -> Iterator[bool]:
    """Hold the daemon lock for the duration; yields False when another process holds it."""
    ensure_private_dir(home)
    fd = open_private(lock_path(home), os.O_RDWR | os.O_CREAT)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        write_private(pid_path(home), str(os.getpid()).encode())
        try:
            yield True
        finally:
            with contextlib.suppress(OSError):
                if read_private(pid_path(home)).strip() == str(os.getpid()).encode():
                    pid_path(home).unlink()
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read_pid(home: Path) -> int | None:
    """The pid of the daemon holding the lock, or None when none does."""
    if not daemon_locked(home):  # a lock or pid file that is not ours names no daemon of ours
        return None
    try:
        return int(read_private(pid_path(home)).strip())
    except (OSError, ValueError):
        return None


def setup_logging(home: Path, foreground: bool = False) -> None:
    """Log to daemon.log (and stderr in the foreground)."""
    log_file = os.fdopen(open_private(log_path(home), os.O_WRONLY | os.O_APPEND | os.O_CREAT), "a", encoding="utf-8")
    handlers: list[logging.Handler] = [logging.StreamHandler(log_file)]
    if foreground:
        handlers.append(logging.StreamHandler())
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )


def _socket_listening(home: Path) -> bool:
    """True when something accepts connections on the daemon socket."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(home / "daemon.sock"))
        return True
    return False


async def run_daemon(home: Path, settings: Settings, lock_wait: float = 30.0) -> int:
    """Run a daemon in this process until it stops; 0 also when another daemon already runs.

    When the lock is held but nobody listens, the holder is either starting (it will listen
    soon) or shutting down (saving rooms, socket already gone): wait, and take over once it
    has gone, so that a client starting at that moment is not left without a daemon.
    """
    deadline = time.monotonic() + lock_wait
    while True:
        with daemon_lock(home) as acquired:
            if acquired:
                return await _serve_locked(home, settings)
        if _socket_listening(home) or time.monotonic() > deadline:
            log.info("another daemon holds %s; exiting", lock_path(home))
            return 0
        await asyncio.sleep(0.05)


async def _serve_locked(home: Path, settings: Settings) -> int:
    """Serve until stopped, the daemon lock being held."""
    from runt_tui.daemon.server import Daemon  # not loaded by clients that only spawn a daemon

    daemon = Daemon(home, settings)
    await daemon.start()
    signal_ready({"version": __version__, "pid": os.getpid(), "socket": str(daemon.socket_path), "home": str(home)})
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, daemon.request_stop, f"signal {sig.name}")
    await daemon.serve()
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m runt_tui.daemon [--foreground] [--set key=value ...]`."""
    from runt_tui.settings import state_dir

    args = list(sys.argv[1:] if argv is None else argv)
    foreground = "--foreground" in args
    overrides: dict[str, str] = {}
    for i, a in enumerate(args):
        if a == "--set" and i + 1 < len(args):
            k, _, v = args[i + 1].partition("=")
            overrides[k] = v
    home = state_dir()
    try:
        ensure_private_dir(home)
        setup_logging(home, foreground)
    except UnsafePath as e:
        print(f"runt-tui daemon: {e}", file=sys.stderr)
        return 2
    try:
        settings = load_settings(None, **overrides)
    except ValueError as e:
        log.error("bad settings: %s", e)
        return 2
    try:
        return asyncio.run(run_daemon(home, settings))
    except UnsafePath as e:
        log.error("%s", e)
        print(f"runt-tui daemon: {e}", file=sys.stderr)
        return 2
