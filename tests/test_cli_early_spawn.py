"""`runt-tui NOTEBOOK` starts the daemon before its heavy imports, and the client waits for that one."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import HANG_GUARD, daemon_processes, until, wait_for_daemon, write_notebook

from runt_tui import daemon_spawn
from runt_tui.client.link import open_connection

# Run as `runt-tui NB`; when the daemon is spawned, say which heavy modules were already
# imported, then leave (the detached daemon lives on; the `home` fixture kills it).
PROBE = """
import subprocess, sys, os
real = subprocess.Popen.__init__
def spy(self, args, *a, **k):
    real(self, args, *a, **k)
    if "runt_tui.daemon" in args:
        heavy = ("textual", "runt_tui.client", "runt_tui.daemon.server", "runt_tui.doc", "automerge")
        print("loaded:", ",".join(m for m in heavy if m in sys.modules), flush=True)
        os._exit(0)
subprocess.Popen.__init__ = spy
sys.argv = ["runt-tui", sys.argv[1]]
from runt_tui.cli import main
main()
"""


async def test_the_cli_spawns_the_daemon_before_importing_the_app_or_the_client(home: Path, tmp_path: Path) -> None:
    nb = tmp_path / "n.ipynb"
    write_notebook(nb, ["x = 1"])
    done = subprocess.run([sys.executable, "-c", PROBE, str(nb)], capture_output=True, text=True,
                          timeout=HANG_GUARD, stdin=subprocess.DEVNULL)
    assert done.stdout.strip() == "loaded:", done.stdout + done.stderr
    await wait_for_daemon(home)


async def test_connecting_waits_for_the_early_daemon_instead_of_spawning_another(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawns: list[Any] = []
    real = daemon_spawn.subprocess.Popen

    def counting(*args: Any, **kwargs: Any) -> Any:
        spawns.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(daemon_spawn.subprocess, "Popen", counting)
    daemon_spawn.spawn_early(home)
    assert len(spawns) == 1
    daemon_spawn.spawn_early(home)  # started already: not again
    assert len(spawns) == 1
    conn = await open_connection(home)
    conn.close()
    assert len(spawns) == 1
    await until(lambda: len(daemon_processes(home)) == 1, "one daemon")
    daemon_spawn.spawn_early(home)  # one runs (holds the lock): nothing to start
    assert len(spawns) == 1


async def test_the_start_does_not_wait_for_a_join_while_no_daemon_socket_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runt_tui.tui import startup

    monkeypatch.setattr(startup, "_PUMP_SECONDS", 10 * HANG_GUARD)  # only the missing socket can end it
    never = asyncio.get_running_loop().create_task(asyncio.Event().wait())
    try:
        await asyncio.wait_for(startup._pump(never, tmp_path / "daemon.sock"), HANG_GUARD)
    finally:
        never.cancel()
