"""The daemon's own store under a full disk and damage: nothing acknowledged is lost, damage is logged and kept.

Real daemon processes (killed with SIGKILL), a real 1 MiB tmpfs as the state dir
for the full disk, and the store's files damaged by hand between two daemons.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    file_sources,
    kill_daemons,
    record_events,
    sigkill,
    start_daemon_process,
    until,
    write_notebook,
)

from runt_tui.client import AsyncSession, DaemonError
from runt_tui.daemon.persist import RoomStore, room_key, scan_records


def session(home: Path, **kw: object) -> AsyncSession:
    kw.setdefault("notebook_id", "store")
    return AsyncSession(home=home, autostart=False, name="t", **kw)  # type: ignore[arg-type]


@contextlib.contextmanager
def small_tmpfs() -> Iterator[Path]:
    """A fresh 1 MiB tmpfs (skips the test where mounting is not permitted)."""
    mnt = Path(tempfile.mkdtemp(prefix="rt-full-", dir="/tmp"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        mnt.rmdir()
        pytest.skip(f"a small tmpfs is needed to fill a disk, and mounting one is not permitted here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        kill_daemons(mnt / "home")
        subprocess.run(["umount", "-l", str(mnt)], check=False)
        with contextlib.suppress(OSError):
            mnt.rmdir()


def fill(directory: Path) -> Path:
    """Fill the file system of `directory` to the last byte; return the filler file."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size) > 0:
                    pass
    finally:
        os.close(fd)
    return filler


async def test_a_full_disk_acknowledges_only_what_is_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    with small_tmpfs() as mnt:
        home = mnt / "home"
        monkeypatch.setenv("RUNT_TUI_HOME", str(home))
        proc = await start_daemon_process(home)
        acked: list[str] = []
        refused: list[DaemonError] = []
        async with session(home) as s:
            notices = record_events(s, "notice")
            for i in range(3):
                acked.append(await s.create_cell(f"before {i} " + os.urandom(1500).hex()))
            filler = fill(mnt)
            for i in range(20):
                try:
                    acked.append(await s.create_cell(f"full {i} " + os.urandom(1500).hex()))
                except DaemonError as e:
                    refused.append(e)
                    if len(refused) >= 3:
                        break
            assert len(refused) >= 3, "the disk never filled up"
            assert {e.code for e in refused} == {"CANNOT_PERSIST"}
            assert all("cannot persist: disk full" in e.message for e in refused)
            await until(lambda: s.runtime.get("persist", {}).get("state") == "error", "the persist state")
            assert "disk full" in s.runtime["persist"]["message"]
            assert any("cannot persist: disk full" in n["message"] for n in notices)
            with pytest.raises(DaemonError) as err:  # a room that cannot even be created
                await session(home, notebook_id="another").connect()
            assert err.value.code == "CANNOT_PERSIST"
            filler.unlink()
            await until(lambda: s.runtime.get("persist", {}).get("state") == "ok", "persisting to resume")
            for i in range(5):
                acked.append(await s.create_cell(f"after {i}"))
        sigkill(proc)
        # The log holds whole records only: nothing torn, nothing to skip.
        store = RoomStore(home / "rooms", room_key(None, "store"))
        data = store.log.read_bytes()
        _, skipped, end = scan_records(data)
        assert (skipped, end) == ([], len(data))
        proc = await start_daemon_process(home)
        async with session(home) as s:
            present = {c.id for c in s.get_cells()}
        assert set(acked) <= present, f"acknowledged edits lost: {set(acked) - present}"
        sigkill(proc)
        log = (home / "daemon.log").read_text(errors="replace")
        assert "Traceback" not in log and "disk full" in log


# ---- damage found on start ----------------------------------------------------------


def records(home: Path, key: str) -> list[bytes]:
    data = (home / "rooms" / f"{key}.log").read_bytes()
    found, skipped, end = scan_records(data)
    assert (skipped, end) == ([], len(data))
    return found


def write_log(home: Path, key: str, bodies: list[bytes], tail: bytes = b"") -> None:
    data = b"".join(struct.pack(">II", len(b), zlib.crc32(b)) + b for b in bodies)
    (home / "rooms" / f"{key}.log").write_bytes(data + tail)


def aside(home: Path, name: str) -> list[Path]:
    return sorted((home / "rooms").glob(f"{name}.corrupt-*"))


async def crashed_with_cells(home: Path, sources: list[str], **settings: object) -> tuple[str, list[str]]:
    """A daemon that acknowledged these cells (in its change log), then was killed -9."""
    proc = await start_daemon_process(home, **settings)
    async with session(home) as s:
        ids = [await s.create_cell(src) for src in sources]
        key = s.room
    sigkill(proc)
    return key, ids


async def test_a_garbage_record_costs_only_itself(home: Path) -> None:
    key, ids = await crashed_with_cells(home, ["one", "two", "three"])
    good = records(home, key)
    assert len(good) >= 3
    # Garbage with a valid checksum in the middle of the log.
    write_log(home, key, [good[0], os.urandom(300), *good[1:]])
    proc = await start_daemon_process(home)
    async with session(home) as s:
        assert [c.id for c in s.get_cells()] == ids
        assert [c.source for c in s.get_cells()] == ["one", "two", "three"]
    sigkill(proc)
    log = (home / "daemon.log").read_text()
    assert "1 of" in log and "could not be applied" in log
    assert aside(home, f"{key}.log"), "the damaged log is kept"


async def test_a_torn_record_is_cut_and_said(home: Path) -> None:
    key, _ = await crashed_with_cells(home, ["kept"])
    good = records(home, key)
    write_log(home, key, good, tail=struct.pack(">II", 500, 0) + b"half a rec")
    proc = await start_daemon_process(home)
    async with session(home) as s:
        assert [c.source for c in s.get_cells()] == ["kept"]
    sigkill(proc)
    assert "torn record" in (home / "daemon.log").read_text()
    assert aside(home, f"{key}.log")
    assert records(home, key) is not None  # the log reads whole again


async def test_a_damaged_meta_does_not_revert_an_acknowledged_edit(home: Path, tmp_path: Path) -> None:
    nb = tmp_path / "meta.ipynb"
    write_notebook(nb, ["before"])
    proc = await start_daemon_process(home, save_delay=60, max_save_interval=120)
    async with session(home, path=nb, notebook_id=None) as s:
        await s.set_source("c0", "after")  # acknowledged, not yet saved
        key = s.room
    sigkill(proc)
    assert file_sources(nb) == {"c0": "before"}
    (home / "rooms" / f"{key}.json").write_text('{"saved_heads": "broken', encoding="utf-8")
    proc = await start_daemon_process(home, save_delay=60, max_save_interval=120)
    async with session(home, path=nb, notebook_id=None) as s:
        assert s.get_cell("c0").source == "after"
        assert file_sources(nb) == {"c0": "after"}  # saved at once: the meta names what the file holds
        # A later change on disk merges against the right baseline: the edit survives it.
        data = json.loads(nb.read_text(encoding="utf-8"))
        data["cells"].append({"cell_type": "code", "id": "ext", "metadata": {}, "source": "external",
                              "outputs": [], "execution_count": None})
        nb.write_text(json.dumps(data), encoding="utf-8")
        await until(lambda: "ext" in [c.id for c in s.get_cells()], "the disk change to merge")
        assert s.get_cell("c0").source == "after"
    sigkill(proc)
    assert aside(home, f"{key}.json")
    assert "is damaged" in (home / "daemon.log").read_text()


async def test_a_damaged_meta_and_a_changed_file_keep_both_versions(home: Path, tmp_path: Path) -> None:
    nb = tmp_path / "both.ipynb"
    write_notebook(nb, ["before"])
    proc = await start_daemon_process(home, save_delay=60, max_save_interval=120)
    async with session(home, path=nb, notebook_id=None) as s:
        await s.set_source("c0", "acknowledged")
        key = s.room
    sigkill(proc)
    (home / "rooms" / f"{key}.json").write_bytes(b"\xff\xfe garbage")
    write_notebook(nb, ["changed on disk meanwhile"])
    proc = await start_daemon_process(home, save_delay=60, max_save_interval=120)
    async with session(home, path=nb, notebook_id=None) as s:
        assert s.get_cell("c0").source == "acknowledged"
        assert s.runtime["file"]["state"] == "conflict"
    sigkill(proc)
    kept = sorted((home / "rooms").glob(f"{key}.disk-*.ipynb"))
    assert kept and file_sources(kept[0]) == {"c0": "changed on disk meanwhile"}
    shutil.rmtree(home / "rooms", ignore_errors=True)
