"""The daemon never clobbers the file on disk: an external edit made just before an autosave
is merged first, an invalid file (git conflict) stops autosave until fixed or overwritten on
purpose, hard links stay one file in one room, and temp files of a killed save are removed."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import InProcessDaemons, file_sources, until, write_notebook

import runt_tui.daemon.room_files as room_mod
from runt_tui.client import AsyncSession, DaemonError
from runt_tui.daemon.room import Room
from runt_tui.daemon.server import Daemon
from runt_tui.doc import write_bytes_atomic

CONFLICT = """<<<<<<< HEAD
{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
=======
{"cells": [], "metadata": {"x": 1}, "nbformat": 4, "nbformat_minor": 5}
>>>>>>> theirs
"""


def session(home: Path, path: Path, name: str = "t") -> AsyncSession:
    return AsyncSession(path=path, name=name, home=home, autostart=False)


def rewrite(path: Path, cid: str, source: str) -> None:
    """An external editor's atomic save: read, change one cell, write a temp file, rename."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    for cell in raw["cells"]:
        if cell["id"] == cid:
            cell["source"] = source
    tmp = path.with_name(".editor-" + path.name)
    tmp.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def runtime(s: AsyncSession, part: str) -> dict[str, Any]:
    return dict(s.runtime.get(part) or {})


# ---- 20.2: an external edit just before an autosave is merged, not overwritten --------------


@pytest.mark.parametrize("moment", ["before the check", "between the check and the rename"])
async def test_external_edit_at_the_save_is_merged_first(
    home: Path, daemon: Daemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    nb = tmp_path / "race.ipynb"
    write_notebook(nb, ["ours", "theirs"])
    fired: list[bool] = []
    real_save = Room.save

    async def save(self: Room, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if moment == "before the check" and not fired:
            fired.append(True)
            rewrite(nb, "c1", "theirs (external)")  # lands inside the watcher's debounce
        return await real_save(self, *args, **kwargs)

    def write(path: Any, data: bytes, *args: Any) -> None:
        if moment != "before the check" and not fired:
            fired.append(True)
            rewrite(nb, "c1", "theirs (external)")
        write_bytes_atomic(path, data, *args)

    async with session(home, nb) as s:
        monkeypatch.setattr(Room, "save", save)
        monkeypatch.setattr(room_mod, "write_bytes_atomic", write)
        await s.set_source("c0", "ours (typed)")
        await until(lambda: file_sources(nb) == {"c0": "ours (typed)", "c1": "theirs (external)"}, "both edits on disk")
        await until(lambda: s.get_cell("c1").source == "theirs (external)", "the external edit in the document")
    assert fired


async def test_external_rewrites_around_autosaves_are_never_lost(
    home: Path, daemons: InProcessDaemons, tmp_path: Path
) -> None:
    save_delay = 0.2
    await daemons.start(save_delay=save_delay, max_save_interval=5.0)
    nb = tmp_path / "many.ipynb"
    write_notebook(nb, ["ours 0", "theirs 0"])
    async with session(home, nb) as s:
        for k in range(1, 21):
            await s.set_source("c0", f"ours {k}")
            # From before the autosave to just after it (20 offsets around save_delay).
            await asyncio.sleep(save_delay * (0.5 + k / 20))
            # An editor's atomic save that has this round's typing too (one that had not would
            # rightly take c0 back: the merge cannot tell a stale copy from a wanted revert).
            await asyncio.to_thread(write_notebook, nb, [f"ours {k}", f"theirs {k}"])
            want = {"c0": f"ours {k}", "c1": f"theirs {k}"}
            await until(lambda want=want: file_sources(nb) == want, f"both edits of round {k} on disk")
            await until(lambda k=k: s.get_cell("c1").source == f"theirs {k}", f"round {k}'s external edit")


# ---- 20.3: an invalid file on disk stops autosave -------------------------------------------


async def test_conflicted_file_stops_autosave_until_forced(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "conflict.ipynb"
    write_notebook(nb, ["a", "b"])
    async with session(home, nb) as s, session(home, nb, "other") as other:
        nb.write_text(CONFLICT, encoding="utf-8")
        await until(lambda: runtime(other, "file").get("state") == "invalid", "every client told")
        assert "not a valid notebook" in runtime(other, "file")["message"]
        await s.set_source("c0", "a typed")
        await until(lambda: runtime(other, "save").get("state") == "paused", "autosave paused, for everyone")
        assert "not a valid notebook" in runtime(other, "save")["message"]
        with pytest.raises(DaemonError) as refused:
            await s.save()
        assert refused.value.code == "CONFLICT"
        await asyncio.sleep(0.5)  # well past the autosave delay
        assert nb.read_text(encoding="utf-8") == CONFLICT
        result = await s.save(force=True)
        assert result["saved"] is True
        assert file_sources(nb) == {"c0": "a typed", "c1": "b"}
        await until(lambda: runtime(other, "file").get("state") == "ok", "the file valid again")


async def test_conflicted_file_survives_the_daemon_stopping(
    home: Path, daemons: InProcessDaemons, tmp_path: Path
) -> None:
    d = await daemons.start()
    nb = tmp_path / "conflict.ipynb"
    write_notebook(nb, ["a"])
    async with session(home, nb) as s:
        nb.write_text(CONFLICT, encoding="utf-8")
        await until(lambda: runtime(s, "file").get("state") == "invalid", "the invalid file noticed")
        await s.set_source("c0", "kept in the daemon")
    await daemons.stop(d)  # saves every room on the way out
    assert nb.read_text(encoding="utf-8") == CONFLICT
    await daemons.start()
    async with session(home, nb) as s:  # the persisted room opens; the file stays as it is
        assert s.get_cell("c0").source == "kept in the daemon"
        assert runtime(s, "file").get("state") == "invalid"
    assert nb.read_text(encoding="utf-8") == CONFLICT


async def test_fixed_file_is_merged_and_autosave_resumes(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "fixed.ipynb"
    write_notebook(nb, ["a", "b"])
    good = nb.read_text(encoding="utf-8")
    async with session(home, nb) as s:
        nb.write_text(CONFLICT, encoding="utf-8")
        await until(lambda: runtime(s, "file").get("state") == "invalid", "the invalid file noticed")
        await s.set_source("c0", "a typed")
        await until(lambda: runtime(s, "save").get("state") == "paused", "autosave paused")
        nb.write_text(good.replace('"b"', '"b fixed"'), encoding="utf-8")  # the user resolves it
        await until(lambda: file_sources(nb) == {"c0": "a typed", "c1": "b fixed"}, "the merge saved")
        assert runtime(s, "file").get("state") == "ok"
        await until(lambda: runtime(s, "save").get("state") == "saved", "autosave back")


# ---- 20.5: hard links ----------------------------------------------------------------------


async def test_hard_links_join_one_room_and_stay_linked(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "a.ipynb"
    write_notebook(nb, ["x"])
    (tmp_path / "sub").mkdir()
    link = tmp_path / "sub" / "b.ipynb"
    os.link(nb, link)
    async with session(home, nb) as a, session(home, link) as b:
        assert a.room == b.room
        await a.set_source("c0", "y")
        await until(lambda: b.get_cell("c0").source == "y", "b to see a's edit")
        await b.save()
        assert os.stat(nb).st_ino == os.stat(link).st_ino and os.stat(nb).st_nlink == 2
        assert file_sources(link) == {"c0": "y"}
    assert not [p for p in tmp_path.rglob("*.tmp")]


# ---- 20.14: temp files of a killed save ------------------------------------------------------


KILLED_SAVE = """
import os, sys, time
from runt_tui.doc import write_bytes_atomic
def stall(*args):
    print("written", flush=True)
    time.sleep(600)  # killed here: after the temp file is written, before the rename
os.replace = stall
write_bytes_atomic(sys.argv[1], b"x" * 4_000_000)
"""


def killed_save(path: Path) -> None:
    """Leave what a save killed with -9 leaves: our temp file, unlocked, beside the notebook."""
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(path)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"written\n"
    proc.kill()
    proc.wait()


async def test_temp_files_of_a_killed_save_are_removed_at_open(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "nb.ipynb"
    write_notebook(nb, ["x"])
    before = nb.read_bytes()
    await asyncio.to_thread(killed_save, nb)
    (stale,) = tmp_path.glob(".nb.ipynb.*.tmp")
    past = time.time() - 60
    os.utime(stale, (past, past))
    others = [tmp_path / ".nb.ipynb.abc.tmp", tmp_path / ".other.ipynb.abcdefgh.tmp", tmp_path / "nb.ipynb.bak"]
    for p in others:
        p.write_text("not ours")
        os.utime(p, (past, past))
    async with session(home, nb) as s:
        assert s.get_cell("c0").source == "x"
    assert not stale.exists()
    assert all(p.exists() for p in others)
    assert nb.read_bytes() == before
