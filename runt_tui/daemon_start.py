"""`runt-tui daemon start`, light enough to run before Typer (or anything heavy) is imported.

The console script hands a plain `daemon start [options]` line straight to
`fast_start_args` and `run_start` (cli.py); every other line, help and every
error included, goes through Typer, whose `daemon start` command (cli_daemon.py)
calls the same `run_start`. With no daemon's lock held and no socket on disk
nothing can be running, so the spawn follows at once; otherwise the running
daemon is asked for its status first, as it always was. The spawned daemon says
when its socket listens (daemon_spawn.py): no polling. The daemon is a fork of
this light interpreter (daemon_fork.py), not a second interpreter start.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from runt_tui.daemon_fork import fork_daemon
from runt_tui.daemon_spawn import daemon_locked, log_path
from runt_tui.private import UnsafePath, open_private
from runt_tui.settings import load_settings, state_dir

# `daemon start`'s options that take a value, and how Click converts it (float() or int()).
VALUE_OPTIONS: dict[str, type] = {
    "--save-delay": float,
    "--max-save-interval": float,
    "--room-cleanup-delay": float,
    "--kernel-keepalive": float,
    "--blob-threshold": int,
    "--idle-exit": float,
}
AUTOSAVE = {"--autosave", "--no-autosave"}
FLAG_OPTIONS = ("--foreground", "--json", *sorted(AUTOSAVE))
# How long `daemon start` waits for the daemon to listen.
START_TIMEOUT = 15.0
# Lines of the daemon's log shown when it failed to start.
LOG_LINES = 10


def fast_start_args(argv: list[str]) -> dict[str, Any] | None:
    """`run_start`'s arguments for the options after `daemon start`, or None for Typer to handle.

    Anything unusual (help, an unknown or repeated option, a missing or unconvertible
    value) returns None, so that Typer parses and reports it exactly as before.
    """
    flags: dict[str, Any] = {}
    switches: set[str] = set()
    i = 0
    while i < len(argv):
        key, eq, value = argv[i].partition("=")
        if key in FLAG_OPTIONS and not eq:
            if key in switches or (key in AUTOSAVE and switches & AUTOSAVE):
                return None
            switches.add(key)
        elif key in VALUE_OPTIONS:
            if not eq:
                if i + 1 >= len(argv):
                    return None
                i += 1
                value = argv[i]
            name = key[2:].replace("-", "_")
            if name in flags:
                return None
            try:
                flags[name] = VALUE_OPTIONS[key](value)
            except ValueError:
                return None
        else:
            return None
        i += 1
    if switches & AUTOSAVE:
        flags["autosave"] = "--autosave" in switches
    return {"flags": flags, "as_json": "--json" in switches, "foreground": "--foreground" in switches}


def _say(text: str, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    print(text, file=stream, flush=True)


def started(status: dict[str, Any], as_json: bool, message: str) -> None:
    """Report a running daemon: a sentence, or the JSON an ssh:// client reads its socket from."""
    if as_json:
        _say(json.dumps({k: status.get(k) for k in ("version", "pid", "socket", "home")}))
    else:
        _say(message)


def run_start(flags: dict[str, Any], as_json: bool = False, foreground: bool = False) -> int:
    """Start the daemon (detached unless `foreground`) and wait until it listens; the exit code."""
    try:
        load_settings(None, **flags)
    except ValueError as e:
        _say(f"runt-tui: {e}", err=True)
        return 2
    args: list[str] = []
    for k, v in flags.items():
        if v is not None:
            args += ["--set", f"{k}={v}"]
    home = state_dir()
    if maybe_running(home):
        status = get_status(home)
        if status.get("running"):
            started(status, as_json, f"daemon already running (pid {status.get('pid')})")
            return 0
    if foreground:
        from runt_tui.daemon.lifecycle import main as daemon_main

        return daemon_main([*args, "--foreground"])
    return _spawn_and_wait(home, args, as_json)


def maybe_running(home: Path) -> bool:
    """False only when no daemon can be running: nobody holds the lock and no socket is on disk."""
    try:
        return daemon_locked(home) or os.path.lexists(home / "daemon.sock")
    except (OSError, UnsafePath):
        return True  # let the status request find out and say why


def _spawn_and_wait(home: Path, args: list[str], as_json: bool) -> int:
    """Spawn the daemon, wait for its ready line, report; on failure show the log it wrote."""
    log = log_path(home)
    try:
        log_start = log.stat().st_size
    except OSError:
        log_start = 0
    try:
        start = fork_daemon(home, args, _daemon_main)
    except (UnsafePath, OSError) as e:
        _say(f"runt-tui: {e}", err=True)
        return 2
    info = start.wait_ready(START_TIMEOUT)
    if info is None and start.settled:
        # It exited before listening: failed, or another daemon won the lock (and answers).
        status = get_status(home)
        info = status if status.get("running") else None
    if info is not None:
        started(info, as_json, f"daemon started (pid {info.get('pid')}, socket {info.get('socket')})")
        return 0
    _say(f"runt-tui: the daemon did not start; see {log}", err=True)
    tail = log_tail(log, log_start, LOG_LINES)
    if tail:
        _say("\n".join(f"  {line}" for line in tail), err=True)
    return 1


def _daemon_main(args: list[str]) -> int:
    """The daemon's entry, run in the forked child (its imports happen there)."""
    from runt_tui.daemon.lifecycle import main

    return main(args)


def log_tail(path: Path, offset: int, lines: int) -> list[str]:
    """The last `lines` lines written to `path` after `offset`, controls stripped (the log quotes files)."""
    try:
        with os.fdopen(open_private(path, os.O_RDONLY), "rb") as f:  # a planted symlink is not followed
            f.seek(offset)
            text = f.read()[-64 * 1024:].decode("utf-8", errors="replace")
    except (OSError, UnsafePath):
        return []
    from runt_tui.render.sanitize import strip_controls

    return [strip_controls(line) for line in text.splitlines() if line.strip()][-lines:]


async def _status(home: Path) -> dict[str, Any]:
    from runt_tui.client.link import (
        DaemonClient,
        DaemonUnavailable,
        UnsafeDaemon,
        open_connection,
    )

    try:
        conn = await open_connection(home, autostart=False)
    except DaemonUnavailable as e:
        from runt_tui.daemon.lifecycle import read_pid

        refused = {"refused": str(e)} if isinstance(e, UnsafeDaemon) else {}
        return {"running": False, "pid": read_pid(home), "socket": str(home / "daemon.sock"), "rooms": [], **refused}
    client = DaemonClient(conn)
    try:
        header, _ = await client.request("status", timeout=10)
    finally:
        await client.close()
    return {k: v for k, v in header.items() if k not in ("id", "ok")}


def get_status(home: Path | None = None) -> dict[str, Any]:
    """The daemon's status, or `running: false`."""
    import asyncio

    return asyncio.run(_status(home or state_dir()))
