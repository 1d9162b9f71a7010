"""Crashes and races with real daemon processes: kill -9 mid-edit and mid-save, and several
clients starting a daemon at the same instant."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import (
    HANG_GUARD,
    InProcessDaemons,
    daemon_processes,
    file_sources,
    sigkill,
    start_daemon_process,
    until,
    write_notebook,
)

from runt_tui.client import AsyncSession, DaemonUnavailable
from runt_tui.client.link import DaemonError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

EDITED = re.compile(r"^(cell \d+|seed)((?: e\d+)*)$")


def check_history(sources: dict[str, str]) -> None:
    """Every source is its creation marker plus edit markers, each at most once, in order:
    an edit replayed twice (a bad merge after a crash) would show as a repeated marker."""
    markers: list[str] = []
    for cid, src in sources.items():
        m = EDITED.match(src)
        assert m, f"cell {cid}: unexpected source {src!r}"
        markers.append(m.group(1))
        edits = [int(tok[1:]) for tok in m.group(2).split()]
        assert edits == sorted(set(edits)), f"cell {cid}: edits repeated or reordered: {src!r}"
    assert len(markers) == len(set(markers)), f"duplicated cells: {sorted(markers)}"


async def test_kill9_mid_edit_loses_no_acknowledged_edit(home: Path, tmp_path: Path) -> None:
    nb = tmp_path / "k.ipynb"
    write_notebook(nb, ["seed"])
    # Saves are frequent, so kills also land between writing the file and recording it.
    settings = {"save_delay": 0.01, "max_save_interval": 0.05}
    proc = await start_daemon_process(home, **settings)
    a = AsyncSession(path=nb, home=home, autostart=False, name="writer")
    await a.connect()
    acked: dict[str, str] = {"c0": "seed"}
    rng = random.Random(11)
    n = 0

    async def write_until_it_fails() -> None:
        nonlocal n
        while True:
            n += 1
            if rng.random() < 0.4:
                cid = await a.create_cell(f"cell {n}")
                acked[cid] = f"cell {n}"
            else:
                cid = rng.choice(list(acked))
                new = a.doc.source(cid) + f" e{n}"
                await a.set_source(cid, new)
                acked[cid] = new

    try:
        for _ in range(3):
            writer = asyncio.get_running_loop().create_task(write_until_it_fails())
            await asyncio.sleep(rng.uniform(0.2, 0.6))
            sigkill(proc)
            with pytest.raises((DaemonUnavailable, DaemonError)):
                await asyncio.wait_for(writer, HANG_GUARD)
            proc = await start_daemon_process(home, **settings)
            # A fresh client (nothing of its own to push) sees every acknowledged edit, once.
            async with AsyncSession(path=nb, home=home, autostart=False, name="checker") as b:
                got = {c.id: c.source for c in b.get_cells()}
            for cid, src in acked.items():
                assert cid in got, f"acknowledged cell {cid} ({src!r}) lost"
                assert got[cid].startswith(src), f"acknowledged edit lost: {got[cid]!r} vs {src!r}"
            check_history(got)
            # The writer reconnects and pushes what was never acknowledged; still no duplicates.
            await until(lambda: a.connection_state == "connected", "the writer to reconnect")
            await a.sync_now()
        await a.save()
        async with AsyncSession(path=nb, home=home, autostart=False, name="final") as c:
            final = {x.id: x.source for x in c.get_cells()}
        check_history(final)
        assert final == {cid: a.doc.source(cid) for cid in a.doc.cell_ids()}
        assert file_sources(nb) == final
    finally:
        await a.close()
        sigkill(proc)


async def test_kill9_during_save_leaves_old_or_new_valid_file(home: Path, tmp_path: Path) -> None:
    from gen_notebook import generate_text  # type: ignore[import-not-found,unused-ignore]

    nb = tmp_path / "big.ipynb"
    nb.write_text(generate_text(1000), encoding="utf-8")
    original = nb.read_bytes()
    first = nbformat.reads(original.decode(), as_version=4).cells[1]
    target, base = first["id"], first["source"]
    settings = {"save_delay": 0.0, "max_save_interval": 0.0}
    proc = await start_daemon_process(home, **settings)
    a = AsyncSession(path=nb, home=home, autostart=False, name="saver")
    await a.connect()
    rng = random.Random(5)
    n = 0
    acked = base
    saved = asyncio.Event()

    async def edit_and_save() -> None:
        nonlocal n, acked
        while True:
            n += 1
            new = a.doc.source(target) + f" e{n}"
            await a.set_source(target, new)
            acked = new
            await a.save()
            saved.set()

    try:
        for _ in range(2):
            saved.clear()
            task = asyncio.get_running_loop().create_task(edit_and_save())
            await asyncio.wait_for(saved.wait(), HANG_GUARD)  # saving in a loop by now
            await asyncio.sleep(rng.uniform(0.0, 0.5))
            sigkill(proc)
            with pytest.raises((DaemonUnavailable, DaemonError)):
                await asyncio.wait_for(task, HANG_GUARD)
            # The file is one complete version: valid, every cell there, our cell a prefix of the edits.
            on_disk = nbformat.reads(nb.read_text(encoding="utf-8"), as_version=4)
            nbformat.validate(on_disk)
            assert len(on_disk.cells) == 1000
            src = next(c["source"] for c in on_disk.cells if c["id"] == target)
            assert src.startswith(base)
            assert acked.startswith(src) or src.startswith(acked)
            proc = await start_daemon_process(home, **settings)
            async with AsyncSession(path=nb, home=home, autostart=False, name="checker") as b:
                got = b.get_cell(target).source
                assert len(b.get_cells()) == 1000
            assert got.startswith(acked)
            edits = got[len(base) :].split()
            assert edits == [f"e{i}" for i in sorted({int(e[1:]) for e in edits})], (
                f"garbled: {got[len(base) :]!r}"
            )
            await until(lambda: a.connection_state == "connected", "the saver to reconnect")
    finally:
        await a.close()
        sigkill(proc)


async def test_crash_between_file_write_and_meta_does_not_duplicate(
    home: Path, daemons: InProcessDaemons, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon wrote the .ipynb, then died before recording that it did: on restart the
    file differs from the recorded baseline, but it is our own write, not an external edit."""
    import runt_tui.daemon.room_files as room_mod
    from runt_tui.doc import write_bytes_atomic as real_write

    d = await daemons.start(autosave=False)
    nb = tmp_path / "m.ipynb"
    write_notebook(nb, ["hello"])
    at_crash: dict[Path, bytes] = {}
    async with AsyncSession(path=nb, home=home, autostart=False) as s:
        store = d.rooms[s.room].store

        def write(path: Path, data: bytes, *args: Any) -> None:
            real_write(path, data, *args)
            if Path(path) == nb.resolve():  # what a crash right after this write leaves behind
                at_crash.update({p: p.read_bytes() for p in (store.meta_path, store.baseline)})

        monkeypatch.setattr(room_mod, "write_bytes_atomic", write)
        await s.set_source("c0", "hello world")
        await s.save()
    await daemons.stop(d)
    for p, data in at_crash.items():
        p.write_bytes(data)
    assert file_sources(nb) == {"c0": "hello world"}
    await daemons.start(autosave=False)
    async with AsyncSession(path=nb, home=home, autostart=False) as s:
        assert s.get_cell("c0").source == "hello world"
        await s.set_source("c0", "hello world!")
        await s.save()
    assert file_sources(nb) == {"c0": "hello world!"}


CLIENT = """
import json, sys, time
from pathlib import Path
from runt_tui.client import Session

nb, go, index = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
while not go.exists():
    time.sleep(0.001)
with Session(path=nb, name=f"p{index}") as s:
    cid = s.create_cell(f"from process {index}")
    header, _ = s._run(s.aio.request("hello"))
    print(json.dumps({"cid": cid, "pid": header["pid"]}))
"""


async def test_five_processes_starting_at_once_make_one_daemon(home: Path, tmp_path: Path) -> None:
    nb = tmp_path / "race.ipynb"
    write_notebook(nb, ["start"])
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, str(nb), str(go), str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(5)
    ]
    await asyncio.sleep(0.5)  # let them all import and wait at the gate
    go.touch()
    results = []
    for p in procs:
        out, err = await asyncio.to_thread(p.communicate, timeout=HANG_GUARD * 2)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    pids = {r["pid"] for r in results}
    assert len(pids) == 1
    (pid,) = pids
    # The losers of the lock race exit on their own; one daemon remains.
    await until(
        lambda: [p.pid for p in daemon_processes(home)] == [pid], "exactly one daemon process"
    )
    async with AsyncSession(path=nb, home=home, autostart=False) as s:
        sources = [c.source for c in s.get_cells()]
    assert sorted(sources) == sorted(["start", *(f"from process {i}" for i in range(5))])
    assert len({r["cid"] for r in results}) == 5


async def test_session_autostarts_detached_daemon(home: Path, tmp_path: Path) -> None:
    """A client finding no daemon starts one that outlives it; `daemon stop` saves and stops it."""
    nb = tmp_path / "auto.ipynb"
    async with AsyncSession(path=nb, home=home, name="first") as s:
        cid = s.get_cells()[0].id
        await s.set_source(cid, "started by a client")
    procs = daemon_processes(home)
    assert len(procs) == 1
    async with AsyncSession(path=nb, home=home, autostart=False) as s2:
        assert s2.get_cell(cid).source == "started by a client"
    stop = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", "from runt_tui.cli import main; main()", "daemon", "stop"],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        check=False,
    )
    assert stop.returncode == 0, stop.stderr
    assert "stopped" in stop.stdout
    assert daemon_processes(home) == []
    assert file_sources(nb) == {cid: "started by a client"}


async def test_client_starting_while_old_daemon_shuts_down_gets_new_daemon(
    home: Path, daemons: InProcessDaemons
) -> None:
    """The old daemon has closed its socket but still holds the lock (saving rooms, stopping
    kernels): a client starting then must not give up; it gets the next daemon."""
    d = await daemons.start()
    stack = daemons.running[0][1]
    daemons.running.clear()
    await d.shutdown()  # socket gone, lock still held

    async def release_later() -> None:
        await asyncio.sleep(1.0)
        stack.close()

    releaser = asyncio.get_running_loop().create_task(release_later())
    async with AsyncSession(notebook_id="late", home=home, name="late") as s:
        await s.create_cell("served by the next daemon")
        header, _ = await s.request("hello")
        assert header["pid"] != os.getpid()
    await releaser


async def test_kill9_right_after_preparing_keeps_the_prepared_cell(home: Path, tmp_path: Path) -> None:
    # A prepared cell must survive a kill: restarted without it, the daemon would prepare
    # the cell anew and the two Texts would conflict (one side's typing hidden).
    nb = tmp_path / "p.ipynb"
    ids = write_notebook(nb, [f"cell {i}" for i in range(20)])
    proc = await start_daemon_process(home)
    a = AsyncSession(path=nb, home=home, autostart=False, name="typist")
    await a.connect()
    try:
        await a.prepare_sources(ids)
        sigkill(proc)
        proc = await start_daemon_process(home)
        async with AsyncSession(path=nb, home=home, autostart=False, name="other") as b:
            assert all(b.doc.source_editable(c) for c in ids)
            await until(lambda: a.connection_state == "connected", "the typist to reconnect")
            # Both type in the same cell: one Text, so both keystrokes stay visible.
            a.edit(lambda d: d.set_source(ids[3], d.source(ids[3]) + " A"))
            b.edit(lambda d: d.set_source(ids[3], d.source(ids[3]) + " B"))
            await a.sync_now()
            await b.sync_now()
            await until(lambda: a.doc.source(ids[3]) == b.doc.source(ids[3]), "convergence")
            assert sorted(a.doc.source(ids[3]).split()[2:]) == ["A", "B"]
    finally:
        await a.close()
        sigkill(proc)
