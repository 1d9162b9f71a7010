"""Large cells through a real daemon: big replacements are cheap and keep the session, and
the long document work (disk merges, preparing cells) never stops other rooms.

The liveness tests hold the long work at a gate the test opens only after another
room's request has been answered: work done on the event loop would block that
request behind the gate, so the order of events (not a duration) is the evidence.
"""

from __future__ import annotations

import asyncio
import random
import threading
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import HANG_GUARD, file_sources, until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.daemon.server import Daemon
from runt_tui.doc import NotebookDoc, write_bytes_atomic


def session(home: Path, name: str, path: Path | None = None, notebook_id: str | None = None) -> AsyncSession:
    return AsyncSession(path=path, notebook_id=notebook_id, name=name, home=home, autostart=False)


def program(lines: int, seed: int) -> str:
    r = random.Random(seed)
    return "".join(f"v{r.randrange(10**9)} = f({r.randrange(1000)})\n" for _ in range(lines))


class Gate:
    """Holds the first call of a document method (on whatever thread makes it) until opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str, cell: str) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        real = getattr(NotebookDoc, name)

        def gated(doc: NotebookDoc, *args: Any) -> Any:
            if cell in str(args[0]) and not self.entered.is_set():
                self.entered.set()
                self.opened.wait(HANG_GUARD / 3)
            return real(doc, *args)

        monkeypatch.setattr(NotebookDoc, name, gated)


def room_of(daemon: Daemon, s: AsyncSession) -> Any:
    return daemon.rooms[s.room]


async def test_other_rooms_are_answered_while_a_big_disk_change_is_merged(
    home: Path, daemon: Daemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb_path = tmp_path / "big.ipynb"
    big = program(2_300, 1)  # ~57k characters, as in the report
    write_notebook(nb_path, [big, "small"])
    async with session(home, "typist", path=nb_path) as s, session(home, "other", notebook_id="other") as other:
        await s.set_source("c0", "# typed live\n" + big)  # edited, then changed on disk
        await until(lambda: file_sources(nb_path)["c0"].startswith("# typed live"), "the autosave")
        gate = Gate(monkeypatch, "set_source", "c0")
        nb = nbformat.read(nb_path, as_version=4)
        lines = nb.cells[0].source.splitlines(keepends=True)
        lines[1000] = "changed_on_disk = True\n"
        nb.cells[0].source = "".join(lines)
        write_bytes_atomic(nb_path, nbformat.writes(nb).encode())
        await until(gate.entered.is_set, "the merge to start writing the big cell")
        await other.request("ping")
        room = room_of(daemon, s)
        merged_before_ping = room.file_state.merged_at is not None
        gate.opened.set()
        await until(lambda: "changed_on_disk = True" in s.doc.source("c0"), "the merge")
        assert not merged_before_ping, "the other room waited for the merge"
        assert s.doc.source("c0").startswith("# typed live\n")


async def test_other_rooms_are_answered_while_many_cells_are_prepared(
    home: Path, daemon: Daemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb_path = tmp_path / "many.ipynb"
    ids = write_notebook(nb_path, [program(300, i) for i in range(12)])  # ~7k characters each
    async with session(home, "a", path=nb_path) as s, session(home, "other", notebook_id="other") as other:
        gate = Gate(monkeypatch, "prepare_sources", "c0")
        prepare = asyncio.create_task(s.prepare_sources(ids))
        await until(gate.entered.is_set, "the prepare to start")
        await other.request("ping")
        prepared_before_ping = room_of(daemon, s).doc.source_editable("c0")
        gate.opened.set()
        await asyncio.wait_for(prepare, HANG_GUARD)
        assert not prepared_before_ping, "the other room waited for the prepare"
        assert all(s.doc.source_editable(c) and s.doc.source_kind(c) == "text" for c in ids)


async def test_a_100k_set_source_is_cheap_and_keeps_the_session(home: Path, daemon: Daemon) -> None:
    async with session(home, "writer", notebook_id="big") as s, session(home, "other", notebook_id="other") as other:
        cid = await s.create_cell("")
        await s.set_source(cid, program(1_600, 2))  # ~40k characters
        peer = s.peer_id
        before = s.doc.heads()
        text = program(4_000, 3)  # ~100k characters, all different
        await asyncio.gather(s.set_source(cid, text), other.request("ping"))
        room = room_of(daemon, s)
        assert room.doc.source(cid) == text and s.doc.source(cid) == text
        assert s.peer_id == peer and peer in room.peers and s.connection_state == "connected"
        # Automerge work of the order of the lines replaced, not of the characters.
        ops = sum(len(c) for c in s.doc.automerge.get_changes(before))
        assert ops < 2 * 4_000 + 1_600
        # Another client joining gets it all.
        async with session(home, "late", notebook_id="big") as late:
            assert late.doc.source(cid) == text
            await late.set_source(cid, text.replace("v", "w", 1))
            await until(lambda: s.doc.source(cid) == text.replace("v", "w", 1), "the late client's edit")


async def test_thirty_large_cells_cost_ops_per_line(home: Path, daemon: Daemon) -> None:
    """The memory report's case (30 cells of 96 KB), measured as Automerge operations,
    which is what the daemon's memory follows (~540 bytes per operation)."""
    async with session(home, "writer", notebook_id="mem") as s:
        sources = [program(4_800, 10 + i) for i in range(30)]  # ~96k characters each
        ids = [await s.create_cell("") for _ in sources]
        before = s.doc.heads()
        for cid, text in zip(ids, sources, strict=True):
            await s.set_source(cid, text)
        room = room_of(daemon, s)
        await until(lambda: all(room.doc.source(c) == t for c, t in zip(ids, sources, strict=True)), "the sources")
        ops = sum(len(c) for c in room.doc.automerge.get_changes(before))
        chars = sum(map(len, sources))
        lines = sum(t.count("\n") for t in sources)
        assert ops < lines + 200 * len(sources)
        assert ops < chars / 15  # as Text: one operation per character
