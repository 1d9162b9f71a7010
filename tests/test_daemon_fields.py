"""Every field of every request, made wrong one at a time, gets a proper error; the room serves on.

The all-garbage test in test_daemon_robust.py is rejected by the first check of
each handler; here every other field is valid, so each field's own check (and
whatever lies behind it: Automerge, float(), bytes.fromhex) is reached.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from conftest import HANG_GUARD
from test_daemon_robust import raw

from runt_tui.client import AsyncSession
from runt_tui.daemon.env_handlers import ENV_HANDLERS
from runt_tui.daemon.handlers import HANDLERS
from runt_tui.daemon.kernel_handlers import KERNEL_HANDLERS
from runt_tui.daemon.server import Daemon
from runt_tui.daemon.widget_handlers import WIDGET_HANDLERS
from runt_tui.protocol import ErrorCode, FrameKind, read_frame
from runt_tui.protocol.fields import REQUEST_FIELDS, ROOM_REQUESTS


class Raw:
    """JSON text put into a header verbatim (what our own encoder would never send)."""

    def __init__(self, text: str) -> None:
        self.text = text


# Wrong in some way for most fields; the cases among them.
GARBAGE: list[object] = [
    None, 0, -1, 2**70, 1.5, True, "", "x", "soon", "00", "x" * 5000, "\x00a", [], ["00"], [1, "a", None],
    {"a": [1]}, {"cell": 1}, Raw("1e400"), Raw('"\\ud800"'), Raw('["\\ud800"]'), Raw('{"cell": 1e400}'),
    Raw('{"cell": "\\udfff"}'),
]


class RawClient:
    """Requests written as raw JSON headers on a plain socket, answers read back."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.next_id = 0

    async def request(self, rtype: str, fields: dict[str, object]) -> dict[str, Any]:
        self.next_id += 1
        raws: dict[str, str] = {}

        def placeholder(v: object) -> object:
            if isinstance(v, Raw):
                key = f"@@raw{len(raws)}@@"
                raws[f'"{key}"'] = v.text
                return key
            return v

        header = {"id": self.next_id, "type": rtype, **{k: placeholder(v) for k, v in fields.items()}}
        text = json.dumps(header, ensure_ascii=True)
        for key, value in raws.items():
            text = text.replace(key, value)
        data = text.encode()
        self.writer.write(bytes([FrameKind.REQUEST]) + len(data).to_bytes(4, "big") + (0).to_bytes(4, "big") + data)
        await self.writer.drain()
        while True:
            frame = await asyncio.wait_for(read_frame(self.reader), HANG_GUARD)
            if frame.kind == FrameKind.RESPONSE and frame.header.get("id") == self.next_id:
                return frame.header


def valid(room: str, cell: str, heads: list[str], digest: str) -> dict[str, dict[str, object]]:
    """A valid value for every field of every request type (the baseline each case changes one of)."""
    r = {"room": room}
    return {
        "ping": {}, "hello": {}, "status": {}, "kernelspecs": {},
        "join": {"notebook_id": "fields", "name": "raw", "colour": "#123456", "kind": "script"},
        "leave": r, "save": {**r, "force": False}, "interrupt": r, "clear_queue": r, "restart_kernel": r,
        "shutdown_kernel": r,
        "ack": {**r, "heads": heads, "wait": 5},
        "prepare": {**r, "cells": [cell]},
        "presence": {**r, "presence": {"cell": cell, "cursor": 0, "mode": "edit", "follow": "p1"}, "name": "raw"},
        "blob": {"digest": digest},
        "start_kernel": {**r, "kernel_name": None},
        "execute": {**r, "cell": cell, "heads": heads, "wait": False, "limit": None},
        "input_reply": {**r, "value": "v"},
        "complete": {**r, "code": "pri", "cursor_pos": 3, "wait": 10},
        "inspect": {**r, "code": "print", "cursor_pos": 5, "wait": 10},
        "clear_outputs": {**r, "cells": [cell]},
        "widgets": r,
        "widget_update": {**r, "model_id": "m1", "state": {"value": 1}, "buffers": [], "seq": 1},
        "widget_custom": {**r, "model_id": "m1", "content": {"event": "click"}},
        "widget_request_state": {**r, "model_id": "m1"},
        "comm_info": {**r, "target_name": "jupyter.widget"},
        "env_trust": r, "env_cancel": r, "env_fallback": r,
        "env_approve": {**r, "digest": digest},
        "env_deps": {**r, "add": ["tinypkg>=1"], "remove": ["tinypkg"]},
    }


async def test_each_field_wrong_alone_gets_a_proper_error_and_the_room_serves_on(
    home: Path, daemon: Daemon, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)
    async with AsyncSession(notebook_id="fields", name="owner", home=home, autostart=False) as s:
        await s.start_kernel()
        cell = await s.create_cell("print(6 * 7)")
        heads = [h.hex() for h in s.doc.heads()]
        client = RawClient(*await raw(home))
        joined = await client.request("join", valid("", "", [], "")["join"])
        assert joined["ok"], joined
        baseline = valid(joined["room"], cell, heads, "0" * 64)
        assert set(baseline) == set(REQUEST_FIELDS) - {"stop"}
        assert set(REQUEST_FIELDS) == set(HANDLERS) | set(KERNEL_HANDLERS) | set(WIDGET_HANDLERS) | set(ENV_HANDLERS)  # every type has its fields
        answers: dict[str, int] = {}
        for rtype, fields in baseline.items():
            names = list(REQUEST_FIELDS[rtype]) + (["room"] if rtype in ROOM_REQUESTS else [])
            for name in names:
                for value in GARBAGE:
                    answer = await client.request(rtype, {**fields, name: value})
                    code = answer.get("error", {}).get("code") if not answer["ok"] else "ok"
                    assert code != ErrorCode.INTERNAL.value, (rtype, name, value, answer)
                    answers[code] = answers.get(code, 0) + 1
        assert answers.get(ErrorCode.BAD_REQUEST.value, 0) > 500, answers
        # The cases the issue found, each refused as a bad request.
        r = joined["room"]
        for rtype, fields in [
            ("ack", {"room": r, "heads": ["00"]}),
            ("ack", {"room": r, "heads": heads, "wait": "x"}),
            ("execute", {"room": r, "cell": cell, "wait": True, "limit": "soon"}),
            ("execute", {"room": r, "cell": Raw('"\\ud800"')}),
            ("presence", {"room": r, "presence": Raw('{"cell": 1e400}')}),
        ]:
            answer = await client.request(rtype, fields)
            assert answer["error"]["code"] == ErrorCode.BAD_REQUEST.value, (rtype, fields, answer)
        # Nobody was dropped, the room and its kernel still serve.
        assert len(s.peers()) == 2
        result = await s.execute_cell(await s.create_cell("print(6 * 7)"))
        assert result.stdout == "42\n"
        client.writer.close()
    traced = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage() or "panick" in r.getMessage()]
    assert traced == []
    err = capfd.readouterr().err
    assert "panicked" not in err and "Traceback" not in err
    assert any("refused execute" in r.getMessage() for r in caplog.records)


async def test_a_panic_in_the_document_layer_fails_one_request_or_execution_only(
    home: Path, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runt_tui.protocol import fields as schema

    async def panics(d: Daemon, c: Any, h: dict[str, Any], p: bytes) -> tuple[dict[str, Any], bytes]:
        d.rooms[h["room"]].doc.cell("\ud800")  # Automerge panics on a lone surrogate key
        return {}, b""

    monkeypatch.setitem(HANDLERS, "panic_probe", panics)
    monkeypatch.setitem(schema.REQUEST_FIELDS, "panic_probe", {})
    monkeypatch.setattr(schema, "ROOM_REQUESTS", schema.ROOM_REQUESTS | {"panic_probe"})
    monkeypatch.setattr("runt_tui.daemon.dispatch.ROOM_REQUESTS", schema.ROOM_REQUESTS, raising=False)
    async with AsyncSession(notebook_id="panic", name="p", home=home, autostart=False) as s:
        await s.start_kernel()
        with pytest.raises(Exception) as err:
            await s.request("panic_probe")
        assert getattr(err.value, "code", None) == ErrorCode.BAD_REQUEST.value
        # The room's queue worker meets the same panic (a cell id that reached the kernel queue).
        room = daemon.rooms[s.room]
        ex = room.kernel.execute("\ud800", [], {"peer_id": "none", "name": "probe"})
        result = await asyncio.wait_for(ex.wait(), HANG_GUARD)
        assert result["status"] == "error"
        # Both survive: the connection, the room, its queue and kernel.
        ok = await s.execute_cell(await s.create_cell("print('after')"))
        assert ok.stdout == "after\n"
