"""Two apps keep editing together across a compaction of the notebook's history (a new epoch)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tui import screen_text, wait_until
from test_daemon_history import big_history
from test_tui_collab import two_apps

from runt_tui.daemon.room import Room


async def test_typing_goes_on_across_a_compaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("runt_tui.daemon.room_history.QUIET", 0.2)
    async with two_apps(tmp_path) as (_a, pa, sa, b, pb, sb):
        room: Room = sa._embedded_daemon.rooms[sa.room]
        first = sb.doc.cell_ids()[0]
        await pa.press("enter", *"abc")  # ann's editor stays open throughout
        await wait_until(pb, lambda: "abcx = 1" in screen_text(b))
        await big_history(room, sb.doc.cell_ids()[1])
        epoch = room.doc.epoch
        for _ in range(20):  # the app's autosave may make the room busy meanwhile: it waits its turn
            await wait_until(pa, lambda: room.quiet(), timeout=30)
            if await room.compact():
                break
        await wait_until(pa, lambda: sa.epoch == sb.epoch == room.doc.epoch != epoch)
        await pa.press(*"def")
        await wait_until(pb, lambda: sb.doc.source(first) == "abcdefx = 1")
        third = sb.doc.cell_ids()[2]
        await pb.press("escape", "j", "j", "enter", *"bob")
        await wait_until(pa, lambda: "bob" in sa.doc.source(third), timeout=10)
        assert room.doc.source(first) == "abcdefx = 1"
        assert room.orphans == {}
