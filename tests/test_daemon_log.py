"""daemon.log tells what happened: rooms, clients, kernels, saves, merges, refusals; no watcher chatter."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import pytest
from conftest import sigkill, start_daemon_process, until, write_notebook

from runt_tui.client import AsyncSession, DaemonError
from runt_tui.client.link import DaemonClient, open_connection


async def test_the_daemon_log_tells_the_story_of_a_session(home: Path, tmp_path: Path) -> None:
    nb = tmp_path / "story.ipynb"
    write_notebook(nb, ["x = 1"])
    proc = await start_daemon_process(home, save_delay=0.1, room_cleanup_delay=0.2, kernel_keepalive=0.2)
    log_file = home / "daemon.log"
    try:
        async with AsyncSession(path=nb, name="alice", home=home, autostart=False) as s:
            await s.set_source("c0", "x = 2")
            await s.save()
            kernel = await s.start_kernel()
            pid = kernel["pid"]
            sleeper = await s.create_cell("import time; time.sleep(60)")
            await s.queue_execution(sleeper)
            await until(lambda: (s.runtime.get("executions") or {}).get(sleeper, {}).get("status") == "running", "the run")
            await s.interrupt()
            restarted = await s.restart_kernel()
            os.kill(int(restarted["pid"]), signal.SIGKILL)
            await until(lambda: (s.runtime.get("kernel") or {}).get("status") == "dead", "the kernel's death")
            await s.start_kernel()
            data = json.loads(nb.read_text(encoding="utf-8"))
            data["cells"][0]["source"] = "x = 3"
            nb.write_text(json.dumps(data), encoding="utf-8")
            await until(lambda: s.get_cell("c0").source == "x = 3", "the disk change to merge")
            with pytest.raises(DaemonError):
                await s.request("ack", heads=["00"])
            await s.shutdown_kernel()
        client = DaemonClient(await open_connection(home, autostart=False))
        try:

            async def no_rooms() -> bool:
                status, _ = await client.request("status")
                return not status["rooms"]

            await until(no_rooms, "the room to close")
            # The room leaves the status before its close (a save) ends and is logged.
            await until(lambda: ": closed " in log_file.read_text(), "the room's close to be logged")
        finally:
            await client.close()
    finally:
        sigkill(proc)
    text = log_file.read_text()
    key = re.escape(s.room)
    path = re.escape(str(nb.resolve()))
    expected = {
        "room open": rf"room {key}: opened {path} \(1 cells, \d+ ms\)",
        "join": rf"room {key}: alice joined \(script, client \d+, peer \w+\)",
        "save": rf"room {key}: saved {path} \(\d+ bytes, \d+ ms, asked\)",
        "autosave": rf"room {key}: saved {path} \(\d+ bytes, \d+ ms\)",
        "kernel start": rf"room {key}: kernel python3 started \(pid {pid}\)",
        "interrupt": rf"room {key}: kernel python3 interrupted \(pid {pid}\)",
        "restart": rf"room {key}: kernel python3 restarted \(pid \d+\)",
        "death": rf"room {key}: kernel python3 died \(pid {restarted['pid']}\)",
        "merge": rf"room {key}: merged changes from disk: {path}",
        "refused": r"client \d+ \(alice\): refused ack: 'heads' must be a list of change hashes",
        "kernel stop": rf"room {key}: kernel python3 shut down \(pid \d+\)",
        "leave": rf"room {key}: alice left",
        "room close": rf"room {key}: closed {path}",
    }
    missing = [what for what, pattern in expected.items() if not re.search(pattern, text)]
    assert missing == [], f"{missing} not in the log:\n{text}"
    assert "watchfiles" not in text, "watcher chatter in the log"
    assert "Traceback" not in text
