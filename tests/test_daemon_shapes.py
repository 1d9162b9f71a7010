"""The daemon and the typed message shapes, over a real socket: what does not fit is refused, never fatal."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import HANG_GUARD
from test_daemon_robust import raw

from runt_tui.client import AsyncSession, DaemonError, KernelState, RuntimeState
from runt_tui.daemon.handlers import HANDLERS, Header, Reply
from runt_tui.daemon.server import ClientConn, Daemon
from runt_tui.protocol import ErrorCode, Frame, FrameKind, RemoteError, encode_frame, read_frame
from runt_tui.protocol import fields as request_fields
from runt_tui.protocol.codec import decode
from runt_tui.protocol.requests import Execute


async def test_a_request_that_does_not_fit_its_shape_is_refused_and_the_connection_serves_on(
    daemon: Daemon, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def probe(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
        decode(Execute, {"cell": 3}, "execute")  # what a field the checks let through would meet
        return {}, b""

    monkeypatch.setitem(HANDLERS, "shape_probe", probe)
    monkeypatch.setitem(request_fields.REQUEST_FIELDS, "shape_probe", {})
    async with AsyncSession(notebook_id="shapes", name="p", home=home, autostart=False) as s:
        with pytest.raises(DaemonError) as err:
            await s.request("shape_probe")
        assert err.value.code == ErrorCode.BAD_REQUEST.value
        assert "execute.cell must be a string" in err.value.message
        await s.request("ping")


async def test_a_request_id_that_is_not_an_integer_gets_an_error_not_silence(daemon: Daemon, home: Path) -> None:
    reader, writer = await raw(home)
    try:
        for bad_id in (True, "7", 1.5, None):
            writer.write(encode_frame(Frame(FrameKind.REQUEST, {"id": bad_id, "type": "ping"})))
            await writer.drain()
            frame = await asyncio.wait_for(read_frame(reader), HANG_GUARD)
            assert frame.kind == FrameKind.RESPONSE and frame.header["id"] == 0
            assert frame.header["ok"] is False and frame.header["error"]["code"] == ErrorCode.BAD_REQUEST.value
        writer.write(encode_frame(Frame(FrameKind.REQUEST, {"id": 5, "type": "ping"})))
        await writer.drain()
        frame = await asyncio.wait_for(read_frame(reader), HANG_GUARD)
        assert frame.header == {"id": 5, "ok": True, "pong": True}
    finally:
        writer.close()


async def test_the_session_reads_typed_state_and_one_error_class(daemon: Daemon, home: Path) -> None:
    async with AsyncSession(notebook_id="typed", name="t", home=home, autostart=False) as s:
        assert isinstance(s.state, RuntimeState) and s.state.kernel == KernelState()
        assert s.runtime == s.state.to_json() and s.runtime["kernel"]["status"] == "none"
        assert [p.name for p in s.peer_list] == ["t"] and s.peers()[0]["name"] == "t"
        assert DaemonError is RemoteError
        with pytest.raises(DaemonError) as err:
            await s.request("no_such_request")
        assert err.value.code == ErrorCode.UNKNOWN_TYPE.value
