"""What a misbehaving client cannot do to the daemon, its private files, status and idle exit."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HANG_GUARD, InProcessDaemons, file_sources, until, write_notebook
from support.sleeper import joined_sleeper

from runt_tui.client import AsyncSession, DaemonError
from runt_tui.client.link import DaemonClient, open_connection
from runt_tui.daemon.server import Daemon
from runt_tui.protocol import (
    ErrorCode,
    FrameKind,
    greeting,
    read_frame,
)

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def session(home: Path, notebook_id: str = "robust", name: str = "t") -> AsyncSession:
    return AsyncSession(notebook_id=notebook_id, name=name, home=home, autostart=False)


async def raw(home: Path, handshake: bool = True) -> Streams:
    reader, writer = await asyncio.open_unix_connection(str(home / "daemon.sock"))
    if handshake:
        writer.write(greeting())
        await writer.drain()
        assert await reader.readexactly(6) == greeting()
    return reader, writer


async def read_until_eof(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.read(), HANG_GUARD)


async def expect_error_then_close(reader: asyncio.StreamReader, code: ErrorCode) -> None:
    frame = await asyncio.wait_for(read_frame(reader), HANG_GUARD)
    assert frame.kind == FrameKind.ERROR
    assert frame.header["code"] == code.value
    assert await read_until_eof(reader) == b""


async def still_serving(home: Path, a: AsyncSession, marker: str) -> None:
    """The established client still edits, and a new client sees it."""
    cid = await a.create_cell(marker)
    async with session(home, name="checker") as b:
        assert b.get_cell(cid).source == marker


async def test_garbage_oversized_and_wrong_version_do_not_hurt_others(
    home: Path, daemon: Daemon
) -> None:
    a = session(home, name="good")
    await a.connect()
    try:
        # Not our protocol at all: closed without a word.
        r, w = await raw(home, handshake=False)
        w.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + os.urandom(256))
        assert await read_until_eof(r) == b""
        w.close()
        await still_serving(home, a, "after http")

        # Wrong protocol version: our version, a BAD_VERSION error, then close.
        r, w = await raw(home, handshake=False)
        w.write(b"RUNT" + struct.pack(">H", 999))
        assert await r.readexactly(6) == greeting()
        frame = await asyncio.wait_for(read_frame(r), HANG_GUARD)
        assert frame.kind == FrameKind.ERROR
        assert frame.header["code"] == ErrorCode.BAD_VERSION.value
        assert frame.header["client_version"] == 999
        assert await read_until_eof(r) == b""
        w.close()

        # A frame declaring a 4 GiB body: refused on its prefix, connection closed.
        r, w = await raw(home)
        w.write(struct.pack(">BII", FrameKind.SYNC, 0xFFFFFFFF, 0xFFFFFFFF))
        await expect_error_then_close(r, ErrorCode.TOO_LARGE)
        w.close()

        # An unknown frame kind.
        r, w = await raw(home)
        w.write(struct.pack(">BII", 0x7F, 2, 0) + b"{}")
        await expect_error_then_close(r, ErrorCode.BAD_REQUEST)
        w.close()

        # A header that is not JSON.
        r, w = await raw(home)
        w.write(struct.pack(">BII", FrameKind.REQUEST, 8, 0) + b"\xff\xfe{oops}")
        await expect_error_then_close(r, ErrorCode.BAD_REQUEST)
        w.close()

        # Random bytes after a good handshake, and a connection cut inside a frame.
        for blob in (os.urandom(4096), struct.pack(">BII", FrameKind.REQUEST, 100, 0) + b'{"id":'):
            r, w = await raw(home)
            w.write(blob)
            await w.drain()
            w.close()
            await read_until_eof(r)

        # A silent connection that never finishes its handshake does not block anyone.
        _, w_idle = await raw(home, handshake=False)
        await still_serving(home, a, "after garbage")
        w_idle.close()
    finally:
        await a.close()


async def test_bad_requests_get_errors_and_connection_stays(home: Path, daemon: Daemon) -> None:
    client = DaemonClient(await open_connection(home, autostart=False))
    try:
        with pytest.raises(DaemonError) as err:
            await client.request("no-such-request")
        assert err.value.code == ErrorCode.UNKNOWN_TYPE.value
        with pytest.raises(DaemonError) as err:
            await client.request("join")  # neither path nor notebook_id
        assert err.value.code == ErrorCode.BAD_REQUEST.value
        with pytest.raises(DaemonError) as err:
            await client.request("join", path="/no/such/dir/x.ipynb")
        assert err.value.code == ErrorCode.NOT_FOUND.value
        with pytest.raises(DaemonError) as err:
            await client.request("save", room="not-joined")
        assert err.value.code == ErrorCode.NOT_JOINED.value
        with pytest.raises(DaemonError) as err:
            await client.request("ack", room="x", heads="zz")
        assert err.value.code == ErrorCode.NOT_JOINED.value
        header, _ = await client.request("join", notebook_id="rq")
        room = header["room"]
        with pytest.raises(DaemonError) as err:
            await client.request("ack", room=room, heads=["not hex"])
        assert err.value.code == ErrorCode.BAD_REQUEST.value
        with pytest.raises(DaemonError) as err:
            await client.request("blob", digest="00" * 32)
        assert err.value.code == ErrorCode.NOT_FOUND.value
        # A sync message that is not Automerge, and one for a room we never joined: error events.
        events: list[dict[str, object]] = []
        client.event_handlers.append(lambda h, p: events.append(h))
        client.send_sync(room, b"\x00garbage sync message")
        client.send_sync("nowhere", b"\x42")
        await until(
            lambda: len([e for e in events if e.get("type") == "error"]) >= 2, "two error events"
        )
        header, _ = await client.request("ping")
        assert header["pong"] is True
    finally:
        await client.close()


async def test_a_bad_notebook_file_is_an_error_not_a_crash(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    nb = tmp_path / "bad.ipynb"
    nb.write_text("this is not json", encoding="utf-8")
    s = AsyncSession(path=nb, home=home, autostart=False)
    with pytest.raises(DaemonError) as err:
        await s.connect()
    assert str(nb.resolve()) in err.value.message
    assert nb.read_text(encoding="utf-8") == "this is not json"
    # The failed session does not keep retrying in the background.
    await asyncio.sleep(0.3)
    assert s.connection_state != "reconnecting"
    await s.close()
    async with session(home) as ok:
        assert ok.get_cells() == []


async def test_state_dir_0700_and_socket_0600(home: Path, daemons: InProcessDaemons) -> None:
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    await daemons.start()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    sock = home / "daemon.sock"
    st = sock.stat()
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE((home / "rooms").stat().st_mode) == 0o700


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNT_TUI_")}
    env["RUNT_TUI_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-c", "from runt_tui.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=HANG_GUARD,
        check=False,
    )


async def test_status_json(home: Path, daemons: InProcessDaemons, tmp_path: Path) -> None:
    down = await asyncio.to_thread(cli, home, "daemon", "status", "--json")
    assert down.returncode == 0, down.stderr
    st = json.loads(down.stdout)
    assert st["running"] is False
    assert {"running", "pid", "socket", "rooms"} <= set(st)

    await daemons.start()
    nb = tmp_path / "st.ipynb"
    write_notebook(nb, ["x"])
    async with AsyncSession(path=nb, name="watcher", home=home, autostart=False):
        up = await asyncio.to_thread(cli, home, "daemon", "status", "--json")
        assert up.returncode == 0, up.stderr
        st = json.loads(up.stdout)
        assert st["running"] is True
        assert st["pid"] == os.getpid()
        assert st["socket"] == str(home / "daemon.sock")
        assert [r["path"] for r in st["rooms"]] == [str(nb.resolve())]
        assert [p["name"] for p in st["rooms"][0]["peers"]] == ["watcher"]
        ps = await asyncio.to_thread(cli, home, "ps")
        assert ps.returncode == 0, ps.stderr
        assert str(nb.resolve()) in ps.stdout
        assert "watcher" in ps.stdout


async def test_idle_exit_saves_and_stops(
    home: Path, daemons: InProcessDaemons, tmp_path: Path
) -> None:
    d = await daemons.start(
        idle_exit=0.3, room_cleanup_delay=0.1, save_delay=30.0, heartbeat_interval=0.1
    )
    served = asyncio.get_running_loop().create_task(d.serve())
    nb = tmp_path / "idle.ipynb"
    write_notebook(nb, ["before"])
    async with AsyncSession(path=nb, home=home, autostart=False) as s:
        await s.set_source("c0", "after")
        await asyncio.sleep(0.5)
        assert not served.done()  # a client is in a room: no idle exit
    await asyncio.wait_for(served, HANG_GUARD)
    assert file_sources(nb) == {"c0": "after"}  # saved on the way out
    assert not (home / "daemon.sock").exists()


GARBAGE: list[object] = [None, 0, -1, 2**70, 1.5, True, "", "x" * 5000, "\x00\ud800", [], [1, "a", None], {"a": [1]}]
FIELDS = ("path", "notebook_id", "name", "colour", "kind", "heads", "wait", "cells", "cell", "digest", "presence",
          "kernel_name", "limit", "value", "code", "cursor_pos", "text", "model_id", "state", "content", "buffers",
          "seq", "target_name")


@pytest.mark.parametrize("value", GARBAGE, ids=lambda v: type(v).__name__)
async def test_every_request_type_with_garbage_fields_gets_an_answer(home: Path, daemon: Daemon, value: object) -> None:
    from runt_tui.daemon.handlers import HANDLERS
    from runt_tui.daemon.kernel_handlers import KERNEL_HANDLERS
    from runt_tui.daemon.widget_handlers import WIDGET_HANDLERS

    # Not "stop" (it stops the daemon, as asked) nor the requests that start a kernel.
    types = sorted((set(HANDLERS) | set(KERNEL_HANDLERS) | set(WIDGET_HANDLERS)) - {"stop", "start_kernel", "restart_kernel"})
    client = DaemonClient(await open_connection(home, autostart=False))
    try:
        header, _ = await client.request("join", notebook_id="garbage")
        room = header["room"]
        for rtype in types:
            fields = {k: value for k in FIELDS}
            try:
                await client.request(rtype, timeout=10, room=room, **fields)
            except DaemonError as e:
                assert e.code != ErrorCode.INTERNAL.value, (rtype, e)  # a handler that raised
        header, _ = await client.request("ping")
        assert header["pong"] is True
    finally:
        await client.close()


async def test_a_suspended_client_with_unread_data_leaves_presence(home: Path, daemons: InProcessDaemons) -> None:
    await daemons.start(heartbeat_interval=0.2, heartbeat_timeout=1.0)
    async with joined_sleeper(home, "stopped", HANG_GUARD) as proc, session(home, notebook_id="stopped", name="awake") as s:
        assert sorted(p["name"] for p in s.peers()) == ["awake", "sleeper"]
        os.kill(proc.pid, signal.SIGSTOP)
        # Megabytes the suspended client never reads: its connection cannot flush.
        cid = await s.create_cell("")
        await s.set_cell_metadata(cid, {"blob": os.urandom(3 * 1024 * 1024).hex()})
        await until(lambda: [p["name"] for p in s.peers()] == ["awake"], "the suspended peer to be dropped")
        marker = await s.create_cell("after the drop")
        async with session(home, notebook_id="stopped", name="checker") as b:
            assert b.get_cell(marker).source == "after the drop"
