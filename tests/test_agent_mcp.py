"""`runt-tui mcp` driven through the MCP SDK's own client over stdio, against a real daemon and ipykernel."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from agent_support import RUNT_TUI, agent, call, call_error, daemon_home
from conftest import HANG_GUARD, file_sources, sigkill, start_daemon_process, until, write_notebook
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from support.tui import png

from runt_tui.client import AsyncSession
from runt_tui.client.link import DaemonClient, open_connection
from runt_tui.doc import Edit

Join = Callable[[Path], Awaitable[AsyncSession]]

PNG_1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
# Large enough to live in the daemon's blob store, not in the document.
PNG_BIG = png(48, 32, noise=True)
PNG_BIG_BYTES = len(base64.b64decode(PNG_BIG))


@pytest.fixture(scope="module")
def shared_home() -> Iterator[Path]:
    """One daemon process for the module (every test uses its own notebooks)."""
    with daemon_home() as home:
        yield home


@pytest.fixture
async def alice_of(shared_home: Path) -> AsyncIterator[Join]:
    """Open Sessions named alice on notebooks of the shared daemon; closed at the end."""
    sessions: list[AsyncSession] = []

    async def join(path: Path) -> AsyncSession:
        s = AsyncSession(path=path, name="alice", home=shared_home, autostart=False)
        await s.connect()
        sessions.append(s)
        return s

    yield join
    for s in sessions:
        await s.close()


async def test_two_notebooks_never_get_each_others_edits(shared_home: Path, tmp_path: Path, alice_of: Join) -> None:
    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    write_notebook(a, ["x = 1", "y = 2"])
    write_notebook(b, ["x = 1", "y = 2"])
    sa, sb = await alice_of(a), await alice_of(b)
    async with agent(shared_home) as c:
        # Interleaved calls, each naming its notebook: no "current notebook" to go astray.
        await call(c, "set_cell_source", notebook=str(a), cell_id="c0", source="x = 'A'")
        await call(c, "set_cell_source", notebook=str(b), cell_id="c0", source="x = 'B'")
        await call(c, "replace_in_cell", notebook=str(a), cell_id="c1", old="2", new="20")
        made = await call(c, "create_cell", notebook=str(b), source="z = 3", after_cell_id="c0")
        assert made["index"] == 1
        await call(c, "delete_cell", notebook=str(a), cell_id="c1")
        cells_a = (await call(c, "get_cells", notebook=str(a)))["cells"]
        cells_b = (await call(c, "get_cells", notebook=str(b)))["cells"]
        assert [x["source"] for x in cells_a] == ["x = 'A'"]
        assert [x["source"] for x in cells_b] == ["x = 'B'", "z = 3", "y = 2"]
        await call(c, "save", notebook=str(a))
        await call(c, "save", notebook=str(b))
    await until(lambda: [x.source for x in sa.get_cells()] == ["x = 'A'"], "alice's a.ipynb to converge")
    await until(lambda: [x.source for x in sb.get_cells()] == ["x = 'B'", "z = 3", "y = 2"], "alice's b.ipynb to converge")
    assert file_sources(a) == {"c0": "x = 'A'"}
    assert list(file_sources(b).values()) == ["x = 'B'", "z = 3", "y = 2"]
    # A person's edits after the agent's persist as before (jupyter-mcp-server #146).
    await sa.set_source("c0", "x = 'A, then alice'")
    await sa.save()
    assert file_sources(a) == {"c0": "x = 'A, then alice'"}


async def test_replace_in_cell_keeps_concurrent_typing(shared_home: Path, tmp_path: Path, alice_of: Join) -> None:
    path = tmp_path / "nb.ipynb"
    write_notebook(path, ["value = 0\ntotal = value * 2\n# alice: "])
    s = await alice_of(path)
    await s.prepare_sources(["c0"])
    typed: list[str] = []
    async with agent(shared_home) as c:
        await call(c, "open_notebook", notebook=str(path))
        agent_done = asyncio.Event()

        async def type_at_end() -> None:
            # Alice keeps typing at the end of the cell, key by key, while the agent edits its start.
            while not agent_done.is_set() or len(typed) < 20:
                ch = "abcdefghijklmnopqrstuvwxyz"[len(typed) % 26]
                s.edit(lambda d, ch=ch: d.splice_source("c0", [Edit(len(d.source("c0")), 0, ch)]))
                typed.append(ch)
                await asyncio.sleep(0.001)

        typing = asyncio.create_task(type_at_end())
        for n in range(1, 16):
            await call(c, "replace_in_cell", notebook=str(path), cell_id="c0", old=f"value = {n - 1}\n", new=f"value = {n}\n")
        await call(c, "replace_in_cell", notebook=str(path), cell_id="c0", old=r"total = (\w+) \* 2", new=r"total = \1 * 3", regex=True)
        agent_done.set()
        await typing
        await s.sync_now()
        want = "value = 15\ntotal = value * 3\n# alice: " + "".join(typed)
        await until(lambda: s.get_cell("c0").source == want, "alice's replica to hold both")
        await until(lambda: _agent_sees(c, path, want), "the agent's replica to hold both")


async def test_execute_returns_outputs_and_errors_as_text(shared_home: Path, tmp_path: Path, alice_of: Join) -> None:
    path = tmp_path / "run.ipynb"
    write_notebook(path, [
        "print('hello')\nfor i in range(100):\n    print('line', i)",
        f"from IPython.display import display\ndisplay({{'image/png': '{PNG_1x1}'}}, raw=True)\n6 * 7",
        f"display({{'image/png': '{PNG_BIG}', 'text/plain': '<plot>'}}, raw=True)",
        "def f():\n    return 1 / 0\nf()",
        "import time\ntime.sleep(60)",
    ])
    s = await alice_of(path)
    async with agent(shared_home) as c:
        out = await call(c, "execute_cell", notebook=str(path), cell_id="c0", max_output_lines=10)
        assert out["status"] == "done" and out["error"] is None
        assert out["outputs"].startswith("hello\nline 0\n")
        assert out["outputs"].endswith("… 91 more lines")
        full = await call(c, "get_cell", notebook=str(path), cell_id="c0")
        assert "line 99" in full["outputs"]
        capped = (await call(c, "get_cells", notebook=str(path), max_output_lines=5))["cells"][0]
        assert capped["outputs"].endswith("… 96 more lines")

        out = await call(c, "execute_cell", notebook=str(path), cell_id="c1")
        assert out["outputs"] == "[image/png 1x1, 70 B]\n42"
        out = await call(c, "execute_cell", notebook=str(path), cell_id="c2")
        assert out["outputs"] == f"<plot>\n[image/png 48x32, {PNG_BIG_BYTES / 1024:.1f} KB]"

        out = await call(c, "execute_cell", notebook=str(path), cell_id="c3")
        assert out["status"] == "error"
        err = out["error"]
        assert err["ename"] == "ZeroDivisionError" and err["evalue"] == "division by zero"
        assert "return 1 / 0" in err["traceback"] and "\x1b" not in err["traceback"]
        assert "ZeroDivisionError" in out["outputs"] and "\x1b" not in out["outputs"]
        # The kernel did colour it: the cell's stored traceback has ANSI codes.
        assert any("\x1b[" in line for line in s.get_cell("c3").outputs[0]["traceback"])

        msg = await call_error(c, "execute_cell", notebook=str(path), cell_id="c4", timeout=1)
        assert "still running after 1 s" in msg
        state = await call(c, "get_kernel_state", notebook=str(path))
        assert state["status"] == "busy"
        assert state["queue"] == [{"cell": "c4", "status": "running", "queued_by": "claude"}]
        await call(c, "interrupt", notebook=str(path))
        await until(lambda: s.kernel_status() == "idle", "the interrupt to stop the cell")
        assert (s.runtime.get("executions") or {})["c4"]["requester"]["name"] == "claude"
        out = await call(c, "execute_cell", notebook=str(path), cell_id="c1")
        assert out["status"] == "done"
    big = f"<plot>\n[image/png 48x32, {PNG_BIG_BYTES / 1024:.1f} KB]"
    assert PNG_BIG_BYTES > 1024
    async with agent(shared_home, name="second") as c:
        # A fresh server fetches the image from the blob store before describing it.
        assert (await call(c, "get_cell", notebook=str(path), cell_id="c2"))["outputs"] == big
        assert (await call(c, "get_cells", notebook=str(path)))["cells"][2]["outputs"] == big


async def test_run_all_and_restart(shared_home: Path, tmp_path: Path, alice_of: Join) -> None:
    path = tmp_path / "all.ipynb"
    write_notebook(path, ["a = 1", "b = a + 1", "raise ValueError('stop here')", "c = 3"])
    async with agent(shared_home) as c:
        res = await call(c, "run_all", notebook=str(path))
        assert res["ok"] is False and res["ran"] == 3
        assert res["results"][2]["error"]["ename"] == "ValueError"
        await call(c, "set_cell_type", notebook=str(path), cell_id="c2", cell_type="markdown")
        await call(c, "move_cell", notebook=str(path), cell_id="c3", index=0)
        order = [x["id"] for x in (await call(c, "get_cells", notebook=str(path)))["cells"]]
        assert order == ["c3", "c0", "c1", "c2"]
        state = await call(c, "restart_kernel", notebook=str(path))
        assert state["kernel"]["status"] == "idle"
        res = await call(c, "run_all", notebook=str(path))
        assert res["ok"] is True and res["ran"] == 3


async def test_the_agent_is_a_named_peer_with_presence(shared_home: Path, tmp_path: Path, alice_of: Join) -> None:
    path = tmp_path / "peer.ipynb"
    write_notebook(path, ["x = 1", "y = 2"])
    s = await alice_of(path)
    async with agent(shared_home, name="claude") as c:
        await call(c, "set_cell_source", notebook=str(path), cell_id="c1", source="y = 3")

        def claude() -> dict[str, object] | None:
            return next((p for p in s.peers() if p.get("name") == "claude"), None)

        await until(lambda: (claude() or {}).get("cell") == "c1", "the agent's presence on c1")
        peer = claude()
        assert peer is not None and peer["kind"] == "agent" and peer["colour"]
        assert peer["colour"] != next(p for p in s.peers() if p["name"] == "alice")["colour"]
        assert peer["cursor"] == len("y = 3")
        listed = (await call(c, "list_notebooks"))["notebooks"]
        mine = next(n for n in listed if n["notebook"] == str(path.resolve()))
        assert {p["name"] for p in mine["peers"]} == {"alice", "claude"} and mine["open_here"] is True
    await until(lambda: claude() is None, "the agent to leave when its server stops")


async def test_errors_are_clear_and_the_server_keeps_serving(shared_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "err.ipynb"
    write_notebook(path, ["x = x + 1", "x = 1"])
    nb = str(path)
    async with agent(shared_home) as c:
        msg = await call_error(c, "get_cell", notebook=nb, cell_id="nope")
        assert "no cell 'nope'" in msg and "c0, c1" in msg
        assert "no notebook file at" in await call_error(c, "get_cells", notebook=str(tmp_path / "missing.ipynb"))
        assert "no open notebook has the id 'ghost'" in await call_error(c, "get_cells", notebook="id:ghost")
        bad = tmp_path / "bad.ipynb"
        bad.write_text("this is not a notebook")
        msg = await call_error(c, "get_cells", notebook=str(bad))
        assert msg.startswith(f"cannot open {bad}") and "JSON" in msg
        assert bad.read_text() == "this is not a notebook"
        assert "occurs 2 times" in await call_error(c, "replace_in_cell", notebook=nb, cell_id="c0", old="x", new="y", replace_all=False)
        assert "does not occur" in await call_error(c, "replace_in_cell", notebook=nb, cell_id="c0", old="zzz", new="y")
        assert "bad regex" in await call_error(c, "replace_in_cell", notebook=nb, cell_id="c0", old="(", new="y", regex=True)
        assert "cell_type must be" in await call_error(c, "set_cell_type", notebook=nb, cell_id="c0", cell_type="sql")
        assert "no cell 'gone'" in await call_error(c, "create_cell", notebook=nb, after_cell_id="gone")
        # A notebook without a file, opened on request, then closed: later calls say so.
        await call(c, "open_notebook", notebook="id:scratch-err", create=True)
        assert "has no file" in await call_error(c, "save", notebook="id:scratch-err")
        await call(c, "close_notebook", notebook="id:scratch-err")
        await until(lambda: _room_gone(shared_home, "scratch-err"), "the room to close")
        assert "no open notebook has the id" in await call_error(c, "get_cells", notebook="id:scratch-err")
        # ...and the server still serves.
        got = await call(c, "replace_in_cell", notebook=nb, cell_id="c0", old="1", new="2")
        assert got["source"] == "x = x + 2"


async def _agent_sees(c: Client, path: Path, source: str) -> bool:
    return bool((await call(c, "get_cell", notebook=str(path), cell_id="c0"))["source"] == source)


async def _room_gone(home: Path, notebook_id: str) -> bool:
    client = DaemonClient(await open_connection(home, autostart=False))
    try:
        header, _ = await client.request("status")
    finally:
        await client.close()
    return all(r.get("notebook_id") != notebook_id for r in header["rooms"])


async def test_http_transport_needs_the_token(shared_home: Path, tmp_path: Path) -> None:
    info = tmp_path / "mcp.json"
    env = {**os.environ, "RUNT_TUI_HOME": str(shared_home)}
    proc = subprocess.Popen([RUNT_TUI, "mcp", "--http", "--name", "web", "--token-file", str(info)],
                            env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        await until(lambda: (info.exists() and info.read_text().endswith("\n")) or proc.poll() is not None, "the token file")
        assert proc.poll() is None
        assert info.stat().st_mode & 0o777 == 0o600
        conf = json.loads(info.read_text())
        url, token = conf["url"], conf["token"]
        assert url.startswith("http://127.0.0.1:")
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        headers = {"accept": "application/json, text/event-stream"}
        async with httpx2.AsyncClient() as h:
            assert (await h.post(url, json=body, headers=headers)).status_code == 401
            wrong = {**headers, "authorization": "Bearer not-the-token"}
            assert (await h.post(url, json=body, headers=wrong)).status_code == 401
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=HANG_GUARD) as h,
            Client(streamable_http_client(url, http_client=h)) as c,
        ):
            names = {t.name for t in (await c.list_tools()).tools}
            assert {"list_notebooks", "execute_cell", "replace_in_cell"} <= names
            assert "notebooks" in await call(c, "list_notebooks")
    finally:
        proc.terminate()
        proc.wait(timeout=HANG_GUARD)
        assert proc.stderr is not None
        stderr = proc.stderr.read().decode()
    assert token not in stderr and str(info) in stderr
    assert not info.exists()


async def test_no_daemon_is_a_clear_error_and_the_server_keeps_serving(tmp_path: Path) -> None:
    # A state dir whose socket path is too long for Unix sockets: no daemon can start there.
    home = tmp_path / ("d" * 110) / "home"
    async with agent(home) as c:
        assert (await call(c, "list_notebooks"))["notebooks"] == []  # listing starts no daemon
        for _ in range(2):
            msg = await call_error(c, "open_notebook", notebook=str(tmp_path / "new.ipynb"), create=True)
            assert "the runt-tui daemon is not reachable" in msg and "daemon.log" in msg
        assert "no notebook file" in await call_error(c, "get_cells", notebook=str(tmp_path / "none.ipynb"))


async def test_a_killed_daemon_is_replaced_and_the_agent_carries_on(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "k.ipynb"
    write_notebook(path, ["x = 1"])
    proc = await start_daemon_process(home)
    async with agent(home) as c:
        await call(c, "set_cell_source", notebook=str(path), cell_id="c0", source="x = 'before'")
        sigkill(proc)
        # The next calls fail clearly or (once a new daemon is up) succeed: never a crash.
        for _ in range(50):
            r = await c.call_tool("replace_in_cell", {"notebook": str(path), "cell_id": "c0", "old": "before", "new": "after"})
            if not r.is_error:
                break
            text = " ".join(getattr(x, "text", "") for x in r.content)
            assert "not reachable" in text or "refused" in text, text
        got = await call(c, "get_cell", notebook=str(path), cell_id="c0")
        assert got["source"] == "x = 'after'"
        await call(c, "save", notebook=str(path))
    assert file_sources(path) == {"c0": "x = 'after'"}


def test_http_on_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        env = {**os.environ, "RUNT_TUI_HOME": str(tmp_path / "home")}
        done = subprocess.run([RUNT_TUI, "mcp", "--http", "--port", str(port), "--token-file", str(tmp_path / "t.json")],
                              env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=HANG_GUARD)
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "t.json").exists()
