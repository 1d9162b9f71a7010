"""A fresh daemon listens and answers before it loads its heavy layers (issue 18: start ≤ 0.25 s).

Counted in fresh interpreters, not timed: which modules the daemon's entry and
its first answers load. The document, kernel and environment layers come with
the first room (or the warm-up after the first answer); rooms, kernels and
environments working after that change are covered by tests/test_daemon*.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from runt_tui.daemon.basic_handlers import BASIC_HANDLERS
from runt_tui.daemon.warmup import WARM_MODULES
from runt_tui.protocol.fields import REQUEST_FIELDS, ROOM_REQUESTS

# Loaded by a room, a kernel or an environment; none is needed to listen and say hello.
HEAVY = (
    "automerge", "nbformat", "jsonschema", "fastjsonschema", "jupyter_client", "jupyter_core", "zmq",
    "tornado", "traitlets", "watchfiles", "anyio", "typer", "click", "rich", "textual",
    "runt_tui.doc", "runt_tui.kernel", "runt_tui.env", "runt_tui.client", "runt_tui.cli",
    "runt_tui.daemon.room", "runt_tui.daemon.handlers", "runt_tui.protocol.requests",
    "runt_tui.protocol.payloads",
)

_ENTRY = """
import sys
import runt_tui.daemon.lifecycle
from runt_tui.daemon.lifecycle import spawn_daemon, main
print("\\n".join(sorted(sys.modules)))
"""

# A real daemon on a real socket in this interpreter; a raw client says hello, asks for its
# status, then joins a scratch room; the modules loaded at each step are printed as JSON.
_SERVE = """
import asyncio, json, sys
from pathlib import Path
import runt_tui.daemon.server as server

async def no_warm_up(answered):
    return None

server.warm_up = no_warm_up  # this test counts what the requests themselves load

from runt_tui.protocol import Connection, Frame, FrameKind, client_handshake
from runt_tui.settings import Settings

async def ask(conn, rid, rtype, **fields):
    conn.send(Frame(FrameKind.REQUEST, {"id": rid, "type": rtype, **fields}))
    while True:
        frame = await conn.recv()
        if frame.kind == FrameKind.RESPONSE and frame.header.get("id") == rid:
            return frame.header

async def main():
    home = Path(sys.argv[1])
    daemon = server.Daemon(home, Settings(idle_exit=600.0))
    await daemon.start()
    out = {"listening": sorted(sys.modules)}
    reader, writer = await asyncio.open_unix_connection(str(home / "daemon.sock"))
    await client_handshake(reader, writer, timeout=10)
    conn = Connection(reader, writer)
    out["hello"] = await ask(conn, 1, "hello")
    out["after_hello"] = sorted(sys.modules)
    out["status"] = await ask(conn, 2, "status")
    out["after_status"] = sorted(sys.modules)
    out["join"] = await ask(conn, 3, "join", notebook_id="scratch", name="t")
    conn.close()
    daemon.request_stop()
    await daemon.serve()
    print(json.dumps(out))

asyncio.run(main())
"""

_WARM = """
import asyncio, json, sys
from runt_tui.daemon.warmup import WARM_MODULES, warm_up

async def main():
    answered = asyncio.Event()
    task = asyncio.get_running_loop().create_task(warm_up(answered))
    await asyncio.sleep(0.05)
    before = [m for m in WARM_MODULES if m in sys.modules]
    answered.set()
    await task
    print(json.dumps({"before": before, "after": [m for m in WARM_MODULES if m in sys.modules]}))

asyncio.run(main())
"""


def _heavy(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def _run(code: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_daemon_entry_loads_no_heavy_layer() -> None:
    # What `python -m runt_tui.daemon` and a client that spawns a daemon import first.
    loaded = _run(_ENTRY).split()
    assert "runt_tui.daemon.lifecycle" in loaded
    assert _heavy(loaded) == []
    assert "runt_tui.daemon.server" not in loaded  # a spawning client never loads the server


def test_a_fresh_daemon_answers_hello_and_status_without_loading_its_layers(home: Path) -> None:
    home.mkdir(mode=0o700)
    out = json.loads(_run(_SERVE, str(home)).strip().splitlines()[-1])
    assert out["hello"]["ok"] is True and isinstance(out["hello"]["pid"], int)
    assert out["status"]["ok"] is True and out["status"]["running"] is True and out["status"]["rooms"] == []
    assert _heavy(out["listening"]) == []
    assert _heavy(out["after_hello"]) == []
    # The status answer is built from its payload shapes, still without a room's layers.
    assert _heavy(out["after_status"]) == ["runt_tui.protocol.payloads"]
    # The first room loads what it needs, and works.
    assert out["join"]["ok"] is True, out["join"]


def test_the_basic_requests_have_no_fields_and_no_room() -> None:
    # dispatch skips the field and room checks for these (so it need not load their tables).
    assert set(BASIC_HANDLERS) == {"hello", "ping", "status", "stop"}
    for rtype in BASIC_HANDLERS:
        assert REQUEST_FIELDS[rtype] == {}, rtype
        assert rtype not in ROOM_REQUESTS


def test_the_warm_up_waits_for_the_first_answer_then_loads_the_layers() -> None:
    out = json.loads(_run(_WARM))
    assert out["before"] == []
    assert out["after"] == list(WARM_MODULES)
