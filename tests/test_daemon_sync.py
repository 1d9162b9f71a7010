"""Daemon + client sync through a real daemon on a real socket: convergence, joins, presence,
restarts, reconnects and epoch changes."""

from __future__ import annotations

import asyncio
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import InProcessDaemons, offline_session, record_events, until, write_notebook

from runt_tui.client import AsyncSession, DaemonUnavailable
from runt_tui.daemon.room import Room
from runt_tui.daemon.server import Daemon
from runt_tui.doc import NotebookDoc


def session(
    home: Path, path: Path | None = None, notebook_id: str | None = None, name: str = "t"
) -> AsyncSession:
    """A session on an in-process daemon (never auto-starts a process)."""
    return AsyncSession(path=path, notebook_id=notebook_id, name=name, home=home, autostart=False)


def snapshot(doc: NotebookDoc) -> list[tuple[str, str, str, str]]:
    """What must agree between converged replicas: ids, types, sources and positions in order."""
    return [(c.id, c.cell_type, c.source, c.position) for c in doc.cells()]


async def random_edit(s: AsyncSession, rng: random.Random, tag: str) -> None:
    """One random local edit (no wait but for preparing a cell): insert, delete, type, move, retype."""
    doc = s.doc
    ids = doc.cell_ids()
    roll = rng.random()
    if not ids or (roll < 0.15 and len(ids) < 10):
        s.edit(lambda d: d.insert_cell(rng.randint(0, len(ids)), "code", f"{tag}\n"))
    elif roll < 0.22 and len(ids) > 1:
        cid = rng.choice(ids)
        s.edit(lambda d: d.delete_cell(cid))
    elif roll < 0.32:
        cid = rng.choice(ids)
        s.edit(lambda d: d.move_cell(cid, rng.randint(0, len(ids) - 1)))
    elif roll < 0.37:
        cid = rng.choice(ids)
        s.edit(lambda d: d.set_cell_type(cid, rng.choice(["code", "markdown", "raw"])))
    else:
        cid = rng.choice(ids)
        if not doc.source_editable(cid):
            # Concurrent requests from several clients: the daemon prepares the cell once.
            await s.prepare_sources([cid])
            if cid not in s.doc:
                return
        src = s.doc.source(cid)
        i = rng.randint(0, len(src))
        if rng.random() < 0.7 or not src:
            new = src[:i] + rng.choice(["x", "yz", "é", "🐍", "\n", tag]) + src[i:]
        else:
            new = src[:i] + src[i + rng.randint(1, 4) :]
        s.edit(lambda d: d.set_source(cid, new))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_three_clients_random_edits_converge(
    home: Path, daemon: Daemon, tmp_path: Path, seed: int
) -> None:
    nb = tmp_path / "conv.ipynb"
    write_notebook(nb, ["alpha", "beta", "gamma"])
    sessions = [session(home, nb, name=f"s{i}") for i in range(3)]
    for s in sessions:
        await s.connect()
    rng = random.Random(seed)
    try:
        for step in range(300):
            i = rng.randrange(3)
            await random_edit(sessions[i], rng, f"<{i}.{step}>")
            if rng.random() < 0.3:
                # Let some sync traffic through: edits are concurrent, not isolated.
                await asyncio.sleep(0)
            if rng.random() < 0.03:
                await sessions[i].sync_now()
        for s in sessions:
            await s.sync_now()
        room = daemon.rooms[sessions[0].room]
        await until(
            lambda: all(set(s.doc.heads()) == set(room.doc.heads()) for s in sessions),
            "replicas to converge",
        )
        expected = snapshot(room.doc)
        for s in sessions:
            assert snapshot(s.doc) == expected
        ids = [c[0] for c in expected]
        assert len(ids) == len(set(ids))
        # What converged is also what gets saved.
        await sessions[0].save()
        from conftest import file_sources

        assert file_sources(nb) == {cid: src for cid, _, src, _ in expected}
    finally:
        for s in sessions:
            await s.close()


async def test_five_clients_open_unloaded_notebook_once(
    home: Path, daemon: Daemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = tmp_path / "big.ipynb"
    ids = write_notebook(nb, [f"x_{i} = {i}\nprint(x_{i})" for i in range(300)])
    loads: list[str] = []
    real_open = Room.open

    async def counting_open(*args: Any, **kwargs: Any) -> Room:
        loads.append(str(args[1]))
        return await real_open(*args, **kwargs)

    monkeypatch.setattr(Room, "open", counting_open)
    sessions = [session(home, nb, name=f"s{i}") for i in range(5)]
    await asyncio.gather(*(s.connect() for s in sessions))
    try:
        assert loads == [str(nb.resolve())]
        assert len({s.epoch for s in sessions}) == 1
        assert len({s.room for s in sessions}) == 1
        for s in sessions:
            assert s.doc.cell_ids() == ids
        # Everyone adds a cell at once: no duplicates, everyone sees all of them.
        new = await asyncio.gather(*(s.create_cell(f"from {i}") for i, s in enumerate(sessions)))
        room = daemon.rooms[sessions[0].room]
        await until(
            lambda: all(set(s.doc.heads()) == set(room.doc.heads()) for s in sessions),
            "convergence",
        )
        for s in sessions:
            got = s.doc.cell_ids()
            assert len(got) == len(set(got)) == 305
            assert set(new) <= set(got)
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


async def test_presence_join_update_leave(home: Path, daemon: Daemon) -> None:
    a = session(home, notebook_id="pres", name="alice")
    await a.connect()
    events = record_events(a, "presence")

    def presence() -> list[list[str]]:
        return [sorted(p["name"] for p in e["peers"]) for e in events]

    b = session(home, notebook_id="pres", name="bob")
    await b.connect()
    try:
        await until(lambda: ["alice", "bob"] in presence(), "bob's join to reach alice")
        peers = {p["peer_id"]: p for p in a.peers()}
        assert set(peers) == {a.peer_id, b.peer_id}
        assert peers[a.peer_id]["colour"] != peers[b.peer_id]["colour"]
        cid = await b.create_cell("x = 1")
        await b.set_presence(cid, cursor=[0, 3], mode="insert")
        await until(
            lambda: any(p["peer_id"] == b.peer_id and p.get("cell") == cid for p in a.peers()),
            "bob's focus to reach alice",
        )
        bob = next(p for p in a.peers() if p["peer_id"] == b.peer_id)
        assert bob["cursor"] == [0, 3]
        assert bob["mode"] == "insert"
    finally:
        await b.close()
    await until(lambda: [p["name"] for p in a.peers()] == ["alice"], "bob's leave to reach alice")
    assert presence()[-1] == ["alice"]

    # A client that vanishes without leaving (its connection just dies) is removed too.
    c = session(home, notebook_id="pres", name="carol")
    await c.connect()
    await until(lambda: len(a.peers()) == 2, "carol's join")
    c._closing = True  # no reconnect: this client is gone
    assert c.client is not None
    c.client.conn._writer.transport.abort()
    await until(lambda: [p["name"] for p in a.peers()] == ["alice"], "carol's ghost to be removed")
    await c.close()
    await a.close()


async def test_silent_client_dropped_by_heartbeat_timeout(
    home: Path, daemons: InProcessDaemons
) -> None:
    from runt_tui.client.link import DaemonClient, open_connection

    d = await daemons.start(heartbeat_interval=0.1, heartbeat_timeout=0.4)
    client = DaemonClient(await open_connection(home, autostart=False))
    header, _ = await client.request("join", notebook_id="hb", name="silent")
    room = d.rooms[header["room"]]
    assert header["peer_id"] in room.peers
    # The client never pings: the daemon drops it and forgets the peer.
    await until(lambda: not room.peers, "the silent peer to be dropped")
    await until(lambda: client.closed, "the connection to close")
    await client.close()


async def test_notebook_id_room_persists_across_restart(
    home: Path, daemons: InProcessDaemons
) -> None:
    d = await daemons.start()
    async with session(home, notebook_id="scratch") as s:
        made = [await s.create_cell(f"v{i}") for i in range(3)]
        await s.set_source(made[1], "v1 edited")
        epoch = s.epoch
    await daemons.stop(d)
    await daemons.start()
    async with session(home, notebook_id="scratch") as s2:
        assert s2.epoch == epoch
        assert [(c.id, c.source) for c in s2.get_cells()] == [
            (made[0], "v0"),
            (made[1], "v1 edited"),
            (made[2], "v2"),
        ]
    # Another id is another room.
    async with session(home, notebook_id="other") as s3:
        assert s3.get_cells() == []


async def test_reconnect_after_restart_delivers_offline_edits(
    home: Path, daemons: InProcessDaemons, tmp_path: Path
) -> None:
    nb = tmp_path / "r.ipynb"
    write_notebook(nb, ["one", "two"])
    d = await daemons.start()
    a = session(home, nb, name="a")
    await a.connect()
    await a.prepare_sources(["c0"])  # as entering a cell's editor does
    connection = record_events(a, "connection")
    epoch = a.epoch
    try:
        await daemons.stop(d)
        await until(lambda: a.connection_state == "reconnecting", "the client to notice")
        # Keep editing while the daemon is away.
        a.edit(lambda doc: doc.set_source("c0", "one (offline)"))
        new = a.edit(lambda doc: doc.insert_cell(2, "markdown", "# written offline"))
        await daemons.start()
        await until(lambda: a.connection_state == "connected", "the client to reconnect")
        assert a.epoch == epoch
        await a.sync_now()
        async with session(home, nb, name="b") as b:
            assert [(c.id, c.cell_type, c.source) for c in b.get_cells()] == [
                ("c0", "code", "one (offline)"),
                ("c1", "code", "two"),
                (new, "markdown", "# written offline"),
            ]
        assert connection[0]["state"] == "reconnecting"
        assert connection[-1]["state"] == "connected"
    finally:
        await a.close()


async def test_set_source_on_a_never_edited_cell_while_the_daemon_is_away_lands_on_reconnect(
    home: Path, daemons: InProcessDaemons, tmp_path: Path
) -> None:
    nb = tmp_path / "u.ipynb"
    write_notebook(nb, ["one", "two"])
    async with offline_session(home, daemons, nb) as a:
        a.reconnect_wait = 0.3
        assert not a.doc.source_editable("c1")
        with pytest.raises(DaemonUnavailable):
            await a.set_source("c1", "two, set offline")
        await daemons.start()
        await until(lambda: a.doc.source("c1") == "two, set offline", "the write after reconnecting")
        await a.sync_now()
        async with session(home, nb, name="b") as b:
            assert b.doc.source("c1") == "two, set offline"


async def test_epoch_change_rebootstraps_and_replays_unsynced_edits(
    home: Path, daemons: InProcessDaemons, tmp_path: Path
) -> None:
    nb = tmp_path / "e.ipynb"
    write_notebook(nb, ["alpha", "beta", "gamma"])
    d = await daemons.start()
    a = session(home, nb, name="a")
    await a.connect()
    old_epoch = a.epoch
    try:
        await a.set_source("c0", "alpha acked")  # acknowledged (and saved when the daemon stops)
        await a.prepare_sources(["c1"])  # as entering a cell's editor does; the new epoch has it plain again
        await daemons.stop(d)
        await until(lambda: a.connection_state == "reconnecting", "the client to notice")
        # The persisted room is lost while the daemon is down: the next one reloads the
        # file, which gives the document a new epoch.
        shutil.rmtree(home / "rooms")
        a.edit(lambda doc: doc.set_source("c1", "beta edited offline"))
        new = a.edit(lambda doc: doc.insert_cell(3, "code", "fresh = True"))
        await daemons.start()
        await until(
            lambda: a.connection_state == "connected" and a.epoch != old_epoch, "re-bootstrap"
        )
        await a.sync_now()
        expected = [
            ("c0", "alpha acked"),
            ("c1", "beta edited offline"),
            ("c2", "gamma"),
            (new, "fresh = True"),
        ]
        assert [(c.id, c.source) for c in a.get_cells()] == expected
        async with session(home, nb, name="b") as b:
            assert b.epoch == a.epoch
            assert [(c.id, c.source) for c in b.get_cells()] == expected
    finally:
        await a.close()


async def test_client_leaving_during_load_does_not_cause_second_load(
    home: Path, daemon: Daemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runt_tui.client.link import DaemonClient, open_connection

    nb = tmp_path / "slow.ipynb"
    ids = write_notebook(nb, [f"y = {i}\n" * 5 for i in range(600)])
    loads: list[str] = []
    started = asyncio.Event()
    real_open = Room.open

    async def counting_open(*args: Any, **kwargs: Any) -> Room:
        loads.append(str(args[1]))
        started.set()
        return await real_open(*args, **kwargs)

    monkeypatch.setattr(Room, "open", counting_open)
    quitter = DaemonClient(await open_connection(home, autostart=False))
    join = asyncio.get_running_loop().create_task(quitter.request("join", path=str(nb)))
    await started.wait()
    await quitter.close()  # gone while the daemon is still loading the notebook
    with pytest.raises(Exception):  # noqa: B017 - any failure: the connection is gone
        await join
    async with session(home, nb) as s:
        assert s.doc.cell_ids() == ids
        room = daemon.rooms[s.room]
        assert list(room.peers) == [s.peer_id]
    assert loads == [str(nb.resolve())]


async def test_room_closed_after_last_leave_and_reopened(home: Path, daemon: Daemon) -> None:
    async with session(home, notebook_id="linger") as s:
        cid = await s.create_cell("kept")
        epoch = s.epoch
        key = s.room
    await until(lambda: key not in daemon.rooms, "the idle room to close")
    async with session(home, notebook_id="linger") as s:
        assert s.epoch == epoch
        assert s.get_cell(cid).source == "kept"


async def test_join_while_room_is_closing_loses_nothing(
    home: Path, daemon: Daemon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client joins just as the room is being closed (saved) after its last peer left: its
    acknowledged edits must be on disk, not truncated away by the closing room's last snapshot."""
    from runt_tui.daemon.persist import RoomStore

    async with session(home, notebook_id="closing") as s:
        await s.create_cell("first")
        key = s.room
    closing = asyncio.Event()
    real_close = Room.close

    async def slow_close(self: Room) -> None:
        closing.set()
        await asyncio.sleep(0.3)  # a big notebook or a kernel takes a while to close
        await real_close(self)

    monkeypatch.setattr(Room, "close", slow_close)
    await closing.wait()
    async with session(home, notebook_id="closing") as s:
        cid = await s.create_cell("acknowledged while the old room closed")
        await until(lambda: key not in daemon._opening, "the join")
        await asyncio.sleep(0.5)  # the old room has finished closing by now
        on_disk = NotebookDoc.load(RoomStore(home / "rooms", key).load() or b"")
        assert cid in on_disk
        assert [c.source for c in s.get_cells()] == [
            "first",
            "acknowledged while the old room closed",
        ]


async def test_joining_twice_on_one_connection_leaves_no_ghost(home: Path, daemon: Daemon) -> None:
    from runt_tui.client.link import DaemonClient, open_connection

    client = DaemonClient(await open_connection(home, autostart=False))
    try:
        first, _ = await client.request("join", notebook_id="twice", name="x")
        second, _ = await client.request("join", notebook_id="twice", name="x")
        room = daemon.rooms[first["room"]]
        assert list(room.peers) == [second["peer_id"]]
    finally:
        await client.close()


async def test_outputs_in_blobs_reach_clients_and_file(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    import base64

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8).decode()
    big = "line\n" * 20000  # above the blob threshold
    nb = tmp_path / "blobs.ipynb"
    cell = new_code_cell("plot()", id="c0", execution_count=1)
    cell.outputs = [
        new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        new_output("stream", name="stdout", text=big),
    ]
    nbformat.write(new_notebook(cells=[cell]), nb)
    async with session(home, nb) as s:
        await s.wait_blobs()
        outs = s.get_cell("c0").outputs
        assert outs[0]["data"]["image/png"] == png
        assert outs[1]["text"] == big
        await s.set_source("c0", "plot()  # edited")
        await s.save()
    saved = nbformat.read(nb, as_version=4)
    assert saved.cells[0].outputs[0]["data"]["image/png"] == png
    assert saved.cells[0].outputs[1]["text"] == big
    assert saved.cells[0].source == "plot()  # edited"


async def test_blocking_session_api(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    """The synchronous Session (its own loop in a thread) against the daemon in this loop."""
    from runt_tui.client import Session

    nb = tmp_path / "sync.ipynb"
    write_notebook(nb, ["first"])

    def script() -> tuple[list[tuple[str, str, str]], list[str], dict[str, Any]]:
        with Session(path=nb, name="script", home=home) as s:
            a = s.create_cell("second")
            b = s.create_cell("# third", cell_type="markdown", index=0)
            s.set_source(a, "second!")
            s.move_cell(b, 2)
            s.set_cell_type("c0", "raw")
            c = s.create_cell("doomed")
            s.delete_cell(c)
            s.sync()
            cells = [(x.id, x.cell_type, x.source) for x in s.get_cells()]
            assert s.get_cell(a).source == "second!"
            names = [p["name"] for p in s.peers()]
            return cells, names, s.save()

    cells, names, saved = await asyncio.to_thread(script)
    assert [(t, src) for _, t, src in cells] == [
        ("raw", "first"),
        ("code", "second!"),
        ("markdown", "# third"),
    ]
    assert names == ["script"]
    assert saved["saved"] is True
    from conftest import file_sources

    assert list(file_sources(nb).values()) == ["first", "second!", "# third"]


async def test_clients_follow_the_daemons_heartbeat_settings(
    home: Path, daemons: InProcessDaemons
) -> None:
    """A daemon configured with a short heartbeat timeout must not drop live clients."""
    d = await daemons.start(heartbeat_interval=0.1, heartbeat_timeout=0.6)
    s = session(home, notebook_id="hb-live")
    await s.connect()
    connection = record_events(s, "connection")
    try:
        room = d.rooms[s.room]
        await asyncio.sleep(2.0)  # a few heartbeat timeouts
        assert connection == []
        assert list(room.peers) == [s.peer_id]
    finally:
        await s.close()
