"""A room's history stays bounded: outputs rewritten run after run, and changes whose dependencies never come.

Real in-process daemons, real kernels and clients; sizes are compared with a
baseline measured in the same test (never a time).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

import pytest
from conftest import InProcessDaemons, until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.client.link import DaemonClient, open_connection
from runt_tui.daemon.room import Room
from runt_tui.doc import NotebookDoc
from runt_tui.doc.history import changes_message

PRINT_1MB = "import os\nprint('\\n'.join(os.urandom(50).hex() for _ in range(10_000)))"


def session(home: Path, name: str, notebook_id: str = "history") -> AsyncSession:
    return AsyncSession(notebook_id=notebook_id, name=name, home=home, autostart=False)


def settled(room: Room) -> bool:
    """Nothing queued or running, everything on disk."""
    kernel = room.kernel
    return kernel is not None and kernel.current is None and not kernel.queue and room.persisted_seq >= room.seq


def persisted(home: Path, key: str) -> int:
    """Bytes of the room's document in the state dir (snapshot and change log)."""
    return sum((home / "rooms" / f"{key}{ext}").stat().st_size for ext in (".am", ".log"))


async def test_rerunning_a_big_output_keeps_the_stored_history_bounded(
    home: Path, daemons: InProcessDaemons, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("runt_tui.daemon.room_history.QUIET", 1.0)  # seconds without edits before compacting
    daemon = await daemons.start(history_limit=1 << 20)
    async with session(home, "a") as a, session(home, "b") as b:
        await a.start_kernel()
        cid = await a.create_cell(PRINT_1MB)
        first_epoch = a.epoch
        room = daemon.rooms[a.room]

        async def run_once() -> None:
            result = await a.execute_cell(cid)
            assert result.success and len(result.stdout) > 1_000_000
            await until(lambda: settled(room), "the run to be on disk")

        await run_once()
        one_run = persisted(home, a.room)
        for _ in range(5):
            await run_once()
        await until(lambda: persisted(home, a.room) <= 4 * one_run, "the stored history to be compacted")
        # Both clients moved to the compacted document and still edit together.
        await until(lambda: a.epoch == b.epoch == room.doc.epoch != first_epoch, "both clients to adopt it")
        assert a.get_cell(cid).outputs == b.get_cell(cid).outputs
        assert len(a.get_cell(cid).outputs[0]["text"]) > 1_000_000
        await a.set_source(cid, "print('edited after compaction')")
        await until(lambda: b.get_cell(cid).source == "print('edited after compaction')", "b to see a's edit")
        await b.create_cell("b's cell")
        await until(lambda: [c.source for c in a.get_cells()][-1] == "b's cell", "a to see b's cell")
        assert room.orphans == {}
    # A new daemon reads the compacted store back whole.
    await daemons.stop_all()
    await daemons.start()
    async with session(home, "c") as c:
        assert [x.source for x in c.get_cells()] == ["print('edited after compaction')", "b's cell"]
        assert len(c.get_cell(cid).outputs[0]["text"]) > 1_000_000


async def big_history(room: Room, cid: str) -> None:
    """Outputs rewritten ten times (what reruns do), written by the daemon as a kernel would."""
    for _ in range(10):
        room.doc.set_outputs(cid, [{"output_type": "stream", "name": "stdout", "text": os.urandom(100_000).hex()}], 1)
        room.local_changed()
        await asyncio.sleep(0.05)


async def test_an_edit_racing_the_compaction_is_kept_once(
    home: Path, daemons: InProcessDaemons, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("runt_tui.daemon.room_history.QUIET", 0.2)
    daemon = await daemons.start(history_limit=1 << 40)  # no compaction but the one asked for here
    async with session(home, "a", "race") as a, session(home, "b", "race") as b:
        cid = await a.create_cell("start")
        room = daemon.rooms[a.room]
        await big_history(room, cid)
        await until(lambda: a.get_cell(cid).outputs == b.get_cell(cid).outputs != [], "the outputs to reach both")
        await until(lambda: room.quiet(), "the room to be quiet")
        # a types; the change has not left a's replica when the daemon compacts.
        a.doc.set_source(cid, "start typed")
        assert await room.compact()
        # a syncs before it has seen the new epoch: its sync names the old epoch and is
        # ignored, its ack is refused (EPOCH_CHANGED); by then a has adopted the new
        # document and replayed the edit, and asks again.
        assert a.epoch != room.doc.epoch
        await a.sync_now()
        assert a.epoch == room.doc.epoch
        await until(lambda: b.get_cell(cid).source == "start typed", "the racing edit to reach b")
        assert b.epoch == room.doc.epoch
        assert room.doc.source(cid) == "start typed"
        assert room.orphans == {}
        cid2 = await b.create_cell("after")
        await until(lambda: cid2 in [c.id for c in a.get_cells()], "a to see b's new cell")


async def test_changes_missing_their_dependencies_are_bounded_and_dropped(
    home: Path, daemons: InProcessDaemons, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    daemon = await daemons.start()
    # A chain of 3,001 changes of which the daemon never gets the first.
    foreign = NotebookDoc.load(NotebookDoc.new().save())
    for i in range(3001):
        foreign.set_metadata({"k": f"{i} " + os.urandom(300).hex()})
    chain = [c.bytes for c in foreign.automerge.get_changes(NotebookDoc.new().heads())][-3000:]
    client = DaemonClient(await open_connection(home, autostart=False))
    try:
        header, _ = await client.request("join", notebook_id="orphans")
        room = daemon.rooms[header["room"]]
        for chunk in chain:
            client.send_sync(header["room"], changes_message([chunk]))
            await asyncio.sleep(0)
        await client.request("ping")
        # A later join (after a real edit) downloads the document, not the crafted changes.
        async with session(home, "editor", "orphans") as s:
            await s.create_cell("a real edit")
        _, data = await client.request("join", notebook_id="orphans")
        assert len(data) < 64 * 1024, len(data)
        assert NotebookDoc.load(data).metadata() == NotebookDoc.load(room.snapshot_bytes()).metadata()
        # Kept in memory only up to a bound, and the drop is logged.
        from runt_tui.daemon.room_history import MAX_ORPHANS

        assert any("whose dependencies never arrived" in r.getMessage() for r in caplog.records)
        assert len(room.orphans) <= MAX_ORPHANS
    finally:
        await client.close()


def identity(path: Path) -> tuple[int, int, int]:
    """Which version of a file is there (inode, size, mtime): each save replaces it."""
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def file_checks(room: Room, path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """The versions of `path` the room's reaction to the watcher has finished checking."""
    checked: list[tuple[int, int, int]] = []
    react = room.on_file_changed

    async def on_file_changed() -> None:
        seen = identity(path)
        await react()
        checked.append(seen)

    monkeypatch.setattr(room, "on_file_changed", on_file_changed)
    return checked


async def test_after_compaction_a_disk_change_merges_against_the_saved_version(
    home: Path, daemons: InProcessDaemons, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("runt_tui.daemon.room_history.QUIET", 0.2)
    daemon = await daemons.start(history_limit=1 << 40, save_delay=60, max_save_interval=120)
    nb = tmp_path / "merge.ipynb"
    write_notebook(nb, ["first", "second"])
    async with AsyncSession(path=nb, name="a", home=home, autostart=False) as a:
        room = daemon.rooms[a.room]
        checked = file_checks(room, nb, monkeypatch)
        await big_history(room, "c0")
        await a.save()
        # The watcher reports the daemon's own write some time later, and its check of the file
        # holds the save lock (the room is not quiet meanwhile): wait until it has looked.
        saved = identity(nb)
        await until(lambda: saved in checked, "the watcher to check the saved file")
        await until(lambda: room.quiet(), "the room to be quiet")
        epoch = room.doc.epoch
        assert await room.compact()
        await a.sync_now()
        assert a.epoch == room.doc.epoch != epoch
        await a.set_source("c1", "second, typed live")  # acknowledged, not saved
        data = json.loads(nb.read_text(encoding="utf-8"))
        data["cells"][0]["source"] = "first, changed on disk"
        nb.write_text(json.dumps(data), encoding="utf-8")
        await until(lambda: a.get_cell("c0").source == "first, changed on disk", "the disk change to merge")
        assert [c.source for c in a.get_cells()] == ["first, changed on disk", "second, typed live"]
