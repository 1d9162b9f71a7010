"""The daemon and the .ipynb on disk: autosave, read-only and deleted files, changes made
behind the daemon's back (merged against the last-saved baseline), and `touch`."""

from __future__ import annotations

import asyncio
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import InProcessDaemons, file_sources, record_events, until, write_notebook

import runt_tui.daemon.room_files as room_mod
from runt_tui.client import AsyncSession, DaemonError
from runt_tui.daemon.room import Room
from runt_tui.daemon.server import Daemon
from runt_tui.doc import NotebookDoc, write_bytes_atomic


def session(home: Path, path: Path, name: str = "t") -> AsyncSession:
    return AsyncSession(path=path, name=name, home=home, autostart=False)


@dataclass
class Probe:
    """Counts of what the daemon did to files: writes of the notebook, file events handled, saves."""

    writes: list[Path] = field(default_factory=list)
    file_events_done: int = 0
    saves: int = 0


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Probe:
    p = Probe()
    real_write = write_bytes_atomic
    real_changed = Room.on_file_changed
    real_save = Room.save

    def write(path: Any, data: bytes, *args: Any) -> None:
        real_write(path, data, *args)
        p.writes.append(Path(path))  # once written: a test seeing it may read the file

    async def on_file_changed(self: Room) -> None:
        try:
            await real_changed(self)
        finally:
            p.file_events_done += 1

    async def save(self: Room, explicit: bool = False, force: bool = False) -> dict[str, Any]:
        p.saves += 1
        return await real_save(self, explicit, force)

    monkeypatch.setattr(room_mod, "write_bytes_atomic", write)
    monkeypatch.setattr(Room, "on_file_changed", on_file_changed)
    monkeypatch.setattr(Room, "save", save)
    return p


async def watcher_live(nb: Path, probe: Probe) -> None:
    """Touch the file until the daemon has handled an event for it (the watcher is running)."""
    start = probe.file_events_done

    def poke() -> bool:
        if probe.file_events_done > start:
            return True
        st = nb.stat()
        os.utime(nb, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        return False

    await until(poke, "the file watcher to report a touch")
    # Let any events queued behind the first one drain.
    await asyncio.sleep(0.2)


async def type_text(s: AsyncSession, cid: str, text: str) -> None:
    """Append to a cell's source locally, without waiting (as a keystroke does, once the cell is prepared)."""
    await s.prepare_sources([cid])

    def edit(d: NotebookDoc) -> None:
        d.set_source(cid, d.source(cid) + text)

    s.edit(edit)


def save_state(s: AsyncSession) -> str:
    return str((s.runtime.get("save") or {}).get("state"))


def file_state(s: AsyncSession) -> str:
    return str((s.runtime.get("file") or {}).get("state"))


# ---- autosave ------------------------------------------------------------------


async def test_autosave_after_quiet_and_skipped_when_unchanged(
    home: Path, daemons: InProcessDaemons, tmp_path: Path, probe: Probe
) -> None:
    await daemons.start(save_delay=0.3, max_save_interval=30.0)
    nb = tmp_path / "auto.ipynb"
    write_notebook(nb, ["a", "b"])
    async with session(home, nb) as s:
        runtime = record_events(s, "runtime")

        def states() -> list[str]:
            return [e["state"]["save"]["state"] for e in runtime]

        # A burst of typing becomes one save once it stops.
        for ch in "bcdef":
            await type_text(s, "c0", ch)
        await s.sync_now()
        await until(lambda: file_sources(nb)["c0"] == "abcdef", "the autosave")
        await until(lambda: save_state(s) == "saved", "save state 'saved'")
        assert probe.writes == [nb.resolve()]
        assert "unsaved" in states()
        # An edit undone before the save: the bytes would not change, so nothing is written.
        mtime = nb.stat().st_mtime_ns
        runtime.clear()
        await s.prepare_sources(["c1"])
        s.edit(lambda d: d.set_source("c1", "b changed"))
        s.edit(lambda d: d.set_source("c1", "b"))
        await s.sync_now()
        await until(lambda: states()[-2:] == ["unsaved", "saved"], "the skipped save")
        assert probe.writes == [nb.resolve()]
        assert nb.stat().st_mtime_ns == mtime
        # An explicit save of unchanged content writes nothing either.
        result = await s.save()
        assert result["saved"] is False
        assert probe.writes == [nb.resolve()]


async def test_autosave_while_busy_respects_max_interval(
    home: Path, daemons: InProcessDaemons, tmp_path: Path, probe: Probe
) -> None:
    await daemons.start(save_delay=60.0, max_save_interval=0.3)
    nb = tmp_path / "busy.ipynb"
    write_notebook(nb, [""])
    async with session(home, nb) as s:
        # Typing never pauses for save_delay, yet the file is saved while it goes on.
        n = 0
        await s.prepare_sources(["c0"])

        async def typed() -> bool:
            nonlocal n
            n += 1
            s.edit(lambda d: d.set_source("c0", d.source("c0") + "x"))
            await asyncio.sleep(0.02)
            return bool(probe.writes)

        await until(typed, "a save during continuous typing")
        assert file_sources(nb)["c0"].startswith("x")


async def test_read_only_file_reports_state_and_does_not_loop(
    home: Path, daemon: Daemon, tmp_path: Path, probe: Probe
) -> None:
    nb = tmp_path / "ro.ipynb"
    write_notebook(nb, ["original"])
    os.chmod(nb, 0o444)
    before = nb.read_bytes()
    async with session(home, nb) as s:
        await s.set_source("c0", "changed in the daemon")
        await until(lambda: save_state(s) == "read-only", "save state 'read-only'")
        assert "read-only" in str(s.runtime["save"].get("message"))
        saves = probe.saves
        await asyncio.sleep(10 * daemon.settings.save_delay)
        assert probe.saves == saves  # no retry loop without a new edit
        with pytest.raises(DaemonError) as err:
            await s.save()
        assert err.value.code == "READ_ONLY"
        assert nb.read_bytes() == before
        assert stat.S_IMODE(nb.stat().st_mode) == 0o444
        assert s.get_cell("c0").source == "changed in the daemon"
        # Made writable again: the next edit is saved.
        os.chmod(nb, 0o644)
        await s.set_source("c0", "changed again")
        await until(lambda: file_sources(nb)["c0"] == "changed again", "the save after chmod")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
async def test_read_only_directory(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    """A writable file in a directory we cannot write (no temp file, no rename): same clear state."""
    d = tmp_path / "locked"
    d.mkdir()
    nb = d / "n.ipynb"
    write_notebook(nb, ["x"])
    os.chmod(d, 0o555)
    try:
        async with session(home, nb) as s:
            await s.set_source("c0", "y")
            await until(lambda: save_state(s) == "read-only", "save state 'read-only'")
    finally:
        os.chmod(d, 0o755)


async def test_deleted_file_reported_and_content_kept(
    home: Path, daemon: Daemon, tmp_path: Path, probe: Probe
) -> None:
    nb = tmp_path / "gone.ipynb"
    write_notebook(nb, ["keep me"])
    async with session(home, nb) as s:
        await watcher_live(nb, probe)
        nb.unlink()
        await until(lambda: file_state(s) == "deleted", "file state 'deleted'")
        assert "deleted" in str(s.runtime["file"].get("message"))
        # Content is kept and editing goes on; autosave does not resurrect the file.
        await s.set_source("c0", "still here")
        await asyncio.sleep(5 * daemon.settings.save_delay)
        assert not nb.exists()
        assert s.get_cell("c0").source == "still here"
        # An explicit save writes it back.
        result = await s.save()
        assert result["saved"] is True
        assert file_sources(nb) == {"c0": "still here"}
        await until(lambda: file_state(s) == "ok", "file state 'ok'")


async def test_new_file_is_created(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "new.ipynb"
    async with session(home, nb) as s:
        assert len(s.get_cells()) == 1
        cid = s.get_cells()[0].id
        await s.set_source(cid, "hello")
        await until(lambda: nb.exists() and file_sources(nb) == {cid: "hello"}, "the new file")


# ---- changes on disk ----------------------------------------------------------------


async def test_touch_changes_nothing(
    home: Path, daemon: Daemon, tmp_path: Path, probe: Probe
) -> None:
    nb = tmp_path / "touch.ipynb"
    write_notebook(nb, ["a", "b"])
    async with session(home, nb) as s:
        await s.sync_now()
        room = daemon.rooms[s.room]
        heads = room.doc.heads()
        version = s.runtime["version"]
        data = nb.read_bytes()
        before = probe.file_events_done
        await watcher_live(nb, probe)  # touches until the daemon has seen one
        assert probe.file_events_done > before
        assert room.doc.heads() == heads
        assert probe.writes == []
        assert probe.saves == 0
        assert nb.read_bytes() == data
        await s.sync_now()
        assert s.runtime["version"] == version
        assert save_state(s) == "saved"


async def test_disk_change_in_other_cell_merges_with_typing(
    home: Path, daemons: InProcessDaemons, tmp_path: Path, probe: Probe
) -> None:
    await daemons.start(save_delay=60.0, max_save_interval=60.0)  # nothing saved behind our back
    nb = tmp_path / "other.ipynb"
    write_notebook(nb, ["first = 1", "second = 2", "third = 3"])
    async with session(home, nb) as s:
        await watcher_live(nb, probe)
        notices = record_events(s, "notice")
        await s.set_source("c1", "second = 2  # typed")
        # Another program (git checkout, an editor) rewrites the file from the saved version.
        write_notebook(nb, ["first = 'from disk'", "second = 2", "third = 3"])
        # The user keeps typing in their cell meanwhile.
        for ch in "!!":
            await type_text(s, "c1", ch)
            await asyncio.sleep(0.01)
        await until(
            lambda: s.get_cell("c0").source == "first = 'from disk'", "the disk change to arrive"
        )
        await s.sync_now()
        assert [(c.id, c.source) for c in s.get_cells()] == [
            ("c0", "first = 'from disk'"),
            ("c1", "second = 2  # typed!!"),
            ("c2", "third = 3"),
        ]
        assert any("merged" in n["message"] for n in notices)
        await s.save()
        assert file_sources(nb) == {
            "c0": "first = 'from disk'",
            "c1": "second = 2  # typed!!",
            "c2": "third = 3",
        }


async def test_disk_change_in_same_cell_while_typing_no_garbage(
    home: Path, daemons: InProcessDaemons, tmp_path: Path, probe: Probe
) -> None:
    await daemons.start(save_delay=60.0, max_save_interval=60.0)
    nb = tmp_path / "same.ipynb"
    base = "def f(x):\n    return x\n\nprint(f(1))"
    write_notebook(nb, [base])
    async with session(home, nb) as s:
        await watcher_live(nb, probe)
        typed = "  # typing here"
        written = asyncio.Event()

        async def type_at_end() -> None:
            for i, ch in enumerate(typed):
                await type_text(s, "c0", ch)
                await asyncio.sleep(0.01)
                if i == 3:
                    # The disk version (based on the saved file) renames the function.
                    write_notebook(nb, [base.replace("f(", "g(")])
                    written.set()

        await type_at_end()
        assert written.is_set()
        want = base.replace("f(", "g(") + typed
        await until(lambda: s.get_cell("c0").source == want, "the merged source")
        await s.sync_now()
        room = daemons.running[0][0].rooms[s.room]
        assert room.doc.source("c0") == want
        # A second client sees exactly the same, and so does the file once saved.
        async with session(home, nb, name="b") as b:
            assert b.get_cell("c0").source == want
        await s.save()
        assert file_sources(nb) == {"c0": want}


async def test_disk_change_adds_and_removes_cells(
    home: Path, daemons: InProcessDaemons, tmp_path: Path, probe: Probe
) -> None:
    import nbformat
    from nbformat.v4 import new_markdown_cell

    await daemons.start(save_delay=60.0, max_save_interval=60.0)
    nb = tmp_path / "struct.ipynb"
    write_notebook(nb, ["a", "b", "c"])
    async with session(home, nb) as s:
        await watcher_live(nb, probe)
        new = await s.create_cell("typed cell", index=1)
        disk = nbformat.read(nb, as_version=4)
        disk.cells = [
            disk.cells[0],
            new_markdown_cell("# inserted on disk", id="disk1"),
            disk.cells[2],
        ]
        tmp = nb.with_name("struct.tmp")
        nbformat.write(disk, tmp)
        os.replace(tmp, nb)
        await until(lambda: "disk1" in s.doc, "the disk change")
        await s.sync_now()
        ids = s.doc.cell_ids()
        assert "c1" not in ids  # removed on disk
        assert ids[0] == "c0"
        assert ids[-1] == "c2"
        assert set(ids) == {"c0", new, "disk1", "c2"}
        assert s.get_cell("disk1").cell_type == "markdown"


async def test_invalid_file_on_disk_is_reported_not_merged(
    home: Path, daemon: Daemon, tmp_path: Path, probe: Probe
) -> None:
    nb = tmp_path / "bad.ipynb"
    write_notebook(nb, ["a"])
    async with session(home, nb) as s:
        await watcher_live(nb, probe)
        heads = daemon.rooms[s.room].doc.heads()
        nb.write_text('{"cells": [', encoding="utf-8")
        await until(lambda: file_state(s) == "invalid", "file state 'invalid'")
        assert daemon.rooms[s.room].doc.heads() == heads
        assert s.get_cell("c0").source == "a"


async def test_file_changed_while_no_daemon_is_merged_at_open(
    home: Path, daemons: InProcessDaemons, tmp_path: Path
) -> None:
    d = await daemons.start(autosave=False)
    nb = tmp_path / "offline.ipynb"
    write_notebook(nb, ["one", "two"])
    async with session(home, nb) as s:
        await s.set_source("c1", "two (unsaved edit)")
    await daemons.stop(d)  # autosave off: the edit lives only in the persisted room
    assert file_sources(nb) == {"c0": "one", "c1": "two"}
    write_notebook(nb, ["one (changed on disk)", "two"])
    await daemons.start(autosave=False)
    async with session(home, nb) as s:
        assert [(c.id, c.source) for c in s.get_cells()] == [
            ("c0", "one (changed on disk)"),
            ("c1", "two (unsaved edit)"),
        ]


async def test_same_file_through_symlink_joins_same_room(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    nb = tmp_path / "real.ipynb"
    write_notebook(nb, ["x"])
    link = tmp_path / "link.ipynb"
    link.symlink_to(nb)
    async with session(home, nb) as a, session(home, link) as b:
        assert a.room == b.room
        await a.set_source("c0", "y")
        await until(lambda: b.get_cell("c0").source == "y", "b to see a's edit")
