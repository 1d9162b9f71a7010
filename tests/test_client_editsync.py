"""Live text editing of a cell (client/editsync.py, no UI) against a real daemon: cells prepared on first edit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import HANG_GUARD, InProcessDaemons, offline_session, until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.client.editsync import EditBuffer, UndoHistory
from runt_tui.daemon.server import Daemon
from runt_tui.doc import Edit


def session(home: Path, path: Path, name: str) -> AsyncSession:
    return AsyncSession(path=path, name=name, home=home, autostart=False)


async def test_keystrokes_before_the_cell_is_prepared_are_kept_and_committed(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    nb = tmp_path / "k.ipynb"
    write_notebook(nb, ["one", "two"])
    async with session(home, nb, "a") as a, session(home, nb, "b") as b:
        applied: list[Edit] = []
        buffer = EditBuffer(a, "c1", UndoHistory(), applied.extend, batch=0.005)
        assert not buffer.ready
        # Typed at once, before the daemon has answered.
        for i, ch in enumerate("!?"):
            buffer.local(Edit(3 + i, 0, ch), "")
        await until(lambda: b.doc.source("c1") == "two!?", "the typing in the other client")
        assert buffer.ready and a.doc.source_editable("c1")
        assert applied == []  # nothing came back to the editor: it already shows that text
        buffer.close()


async def test_typing_in_an_unprepared_cell_while_the_daemon_is_away_lands_on_reconnect(
    home: Path, daemons: InProcessDaemons, tmp_path: Path
) -> None:
    nb = tmp_path / "o.ipynb"
    write_notebook(nb, ["one", "two"])
    async with offline_session(home, daemons, nb) as a:
        buffer = EditBuffer(a, "c1", UndoHistory(), lambda edits: None, batch=0.005)
        buffer.local(Edit(3, 0, " typed offline"), "")
        await asyncio.sleep(0.2)
        assert a.doc.source("c1") == "two"  # kept in the editor until the daemon prepares the cell
        assert buffer.text == "two typed offline"
        await daemons.start()
        await until(lambda: a.doc.source("c1") == "two typed offline", "the edit after reconnecting")
        await a.sync_now()
        async with session(home, nb, "b") as b:
            assert b.doc.source("c1") == "two typed offline"
        buffer.close()


async def test_cell_rewritten_on_disk_while_being_prepared_merges_both(
    home: Path, daemons: InProcessDaemons, tmp_path: Path
) -> None:
    nb = tmp_path / "m.ipynb"
    write_notebook(nb, ["one", "line a\nline b\n"])
    async with offline_session(home, daemons, nb) as a:
        applied: list[Edit] = []
        buffer = EditBuffer(a, "c1", UndoHistory(), applied.extend, batch=0.005)
        buffer.local(Edit(6, 0, " TYPED"), "")
        # The file changes in another line while the daemon is away.
        write_notebook(nb, ["one", "line a\nline b FROM DISK\n"])
        await daemons.start()
        expected = "line a TYPED\nline b FROM DISK\n"
        await until(lambda: a.doc.source("c1") == expected, "the merged text")
        await until(lambda: buffer.text == expected, "the editor to catch up")
        assert applied  # the disk's line reached the editor as edits
        buffer.close()


async def test_first_edit_of_a_burst_goes_out_at_once_and_the_rest_as_one_batch(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    nb = tmp_path / "lead.ipynb"
    write_notebook(nb, ["one", "two"])
    async with session(home, nb, "a") as a, session(home, nb, "b") as b:
        await a.prepare_sources(["c1"])
        writes: list[object] = []
        real_edit = a.edit

        def counting_edit(fn: object) -> object:
            writes.append(fn)
            return real_edit(fn)  # type: ignore[arg-type]

        a.edit = counting_edit  # type: ignore[assignment,method-assign]
        # A batch window far longer than the test may wait: only the leading edge can send.
        buffer = EditBuffer(a, "c1", UndoHistory(), lambda edits: None, batch=3 * HANG_GUARD)
        assert buffer.ready
        buffer.local(Edit(3, 0, "!"), "")
        # Written and sent before local() returns: before the editor spends its time on the key.
        assert a.doc.source("c1") == "two!" and len(writes) == 1
        await until(lambda: b.doc.source("c1") == "two!", "the first key in the other client")
        assert len(writes) == 1
        # The rest of the burst waits for the window, then goes as one change.
        for i, ch in enumerate("abc"):
            buffer.local(Edit(4 + i, 0, ch), "")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert a.doc.source("c1") == "two!" and len(writes) == 1
        assert buffer._timer is not None  # the window is open
        buffer._timer.cancel()
        buffer._on_timer()  # the window ends
        assert len(writes) == 2
        await until(lambda: b.doc.source("c1") == "two!abc", "the rest of the burst in the other client")
        buffer.close()


async def test_a_first_edit_waits_a_turn_when_a_remote_change_must_be_merged_into_the_editor(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    nb = tmp_path / "merge.ipynb"
    write_notebook(nb, ["one", "two"])
    async with session(home, nb, "a") as a, session(home, nb, "b") as b:
        await a.prepare_sources(["c1"])
        applied: list[Edit] = []
        buffer = EditBuffer(a, "c1", UndoHistory(), applied.extend, batch=3 * HANG_GUARD)
        await b.sync_now()
        await until(lambda: b.doc.source_editable("c1"), "the prepared cell in b")
        b.edit(lambda d: d.splice_source("c1", [Edit(0, 0, ">")]))
        await until(lambda: a.doc.source("c1") == ">two", "b's edit in a (not yet in the editor)")
        # The editor still shows "two": a merge changes its text, never from inside its own edit.
        buffer.local(Edit(3, 0, "!"), "")
        assert a.doc.source("c1") == ">two" and applied == []
        await until(lambda: a.doc.source("c1") == ">two!", "the merged edit")
        assert buffer.text == ">two!" and applied == [Edit(0, 0, ">")]
        buffer.close()
