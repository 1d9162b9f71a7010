"""`runt-tui daemon ...` and `runt-tui ps`: start, stop, inspect the per-user daemon."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from typing import Annotated

import typer

from runt_tui.daemon_start import get_status, run_start
from runt_tui.settings import load_settings, state_dir

daemon_app = typer.Typer(help="Manage the per-user sync daemon.", no_args_is_help=True)


@daemon_app.command("start")
def start(
    foreground: Annotated[bool, typer.Option("--foreground", help="Run in this terminal.")] = False,
    save_delay: Annotated[float | None, typer.Option(help="Seconds of quiet before autosave.")] = None,
    max_save_interval: Annotated[float | None, typer.Option(help="Longest gap between saves while busy.")] = None,
    autosave: Annotated[bool | None, typer.Option("--autosave/--no-autosave", help="Save .ipynb files automatically.")] = None,
    room_cleanup_delay: Annotated[float | None, typer.Option(help="Seconds a room stays open after its last client.")] = None,
    kernel_keepalive: Annotated[float | None, typer.Option(help="Seconds a kernel outlives its last client.")] = None,
    blob_threshold: Annotated[int | None, typer.Option(help="Output payloads above this many bytes go to the blob store.")] = None,
    idle_exit: Annotated[float | None, typer.Option(help="Seconds with no rooms before the daemon exits.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print version, pid and socket as JSON (for ssh://).")] = False,
) -> None:
    """Start the daemon (detached unless --foreground)."""
    flags = {
        "save_delay": save_delay,
        "max_save_interval": max_save_interval,
        "autosave": autosave,
        "room_cleanup_delay": room_cleanup_delay,
        "kernel_keepalive": kernel_keepalive,
        "blob_threshold": blob_threshold,
        "idle_exit": idle_exit,
    }
    # The same code runs without Typer for a plain command line (cli.main, daemon_start.py).
    code = run_start({k: v for k, v in flags.items() if v is not None}, as_json, foreground)
    if code:
        raise typer.Exit(code)


@daemon_app.command("stop")
def stop() -> None:
    """Save every notebook and stop the daemon."""
    from runt_tui.client.link import DaemonClient, DaemonUnavailable, open_connection

    home = state_dir()

    async def _stop() -> int | None:
        try:
            conn = await open_connection(home, autostart=False)
        except DaemonUnavailable:
            return None
        client = DaemonClient(conn)
        try:
            header, _ = await client.request("status", timeout=10)
            await client.request("stop", timeout=10)
        finally:
            await client.close()
        pid = header.get("pid")
        return pid if isinstance(pid, int) else 0

    pid = asyncio.run(_stop())
    if pid is None:
        typer.echo("no daemon running")
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            typer.echo(f"daemon stopped (pid {pid})")
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGTERM)
    typer.echo(f"daemon (pid {pid}) did not stop in time; sent SIGTERM")


@daemon_app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show whether the daemon runs, its rooms and the settings in force."""
    st = get_status()
    if as_json:
        typer.echo(json.dumps(st, indent=2))
        return
    if not st.get("running"):
        typer.echo(f"daemon: not running (socket {st['socket']})")
        if st.get("refused"):
            typer.echo(f"runt-tui: {st['refused']}", err=True)
        typer.echo("settings (would apply at start):")
        st["settings"] = load_settings().as_dict()
    else:
        typer.echo(f"daemon: running, pid {st['pid']}, version {st.get('version')}")
        typer.echo(f"socket: {st['socket']}")
        typer.echo(f"rooms: {len(st['rooms'])}, clients: {st.get('clients', 0)}")
        typer.echo("settings:")
    for k, v in st["settings"].items():
        typer.echo(f"  {k} = {v}")


@daemon_app.command("logs")
def logs(follow: Annotated[bool, typer.Option("-f", "--follow", help="Keep printing new lines.")] = False) -> None:
    """Print the daemon's log."""
    path = state_dir() / "daemon.log"
    if not path.exists():
        typer.echo(f"no log yet at {path}")
        return
    from runt_tui.render.sanitize import strip_controls  # the log quotes notebooks and kernels

    with open(path, encoding="utf-8", errors="replace") as f:
        typer.echo(strip_controls(f.read()), nl=False)
        while follow:
            line = f.readline()
            if line:
                typer.echo(strip_controls(line), nl=False)
            else:
                time.sleep(0.2)


def ps() -> None:
    """List open notebooks, their peers and kernel state."""
    from runt_tui.render.sanitize import strip_controls

    st = get_status()
    if not st.get("running"):
        typer.echo("no daemon running")
        return
    rooms = st.get("rooms", [])
    if not rooms:
        typer.echo("no open notebooks")
    for r in rooms:
        where = r.get("path") or f"id:{r.get('notebook_id')}"
        kernel = (r.get("kernel") or {}).get("status", "none")
        save = (r.get("save") or {}).get("state", "")
        peers = ", ".join(str(p.get("name")) for p in r.get("peers", [])) or "-"
        line = f"{where}\n  cells {r.get('cells')}  kernel {kernel}  save {save}  peers: {peers}"
        env = (r.get("env") or {}).get("env")
        if env:
            line += f"\n  env {env.get('kind')}  python {env.get('python_version')}  {env.get('path')}"
        typer.echo(strip_controls(line))  # names and paths come from peers and files
