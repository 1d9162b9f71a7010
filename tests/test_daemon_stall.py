"""The daemon's own stalled loop never drops awake clients as silent; a suspended one still goes.

The daemon runs in this test's event loop, as do its awake client's heartbeats:
blocking that loop for longer than the heartbeat timeout silences everyone in wall
time, and the daemon used to drop the awake client for its own stall when it resumed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

from conftest import HANG_GUARD, InProcessDaemons, until
from support.sleeper import joined_sleeper

from runt_tui.client import AsyncSession
from runt_tui.daemon.client_conn import ClientConn
from runt_tui.daemon.server import Daemon
from runt_tui.protocol import Frame

TIMEOUT = 1.0


def conn_ids_named(daemon: Daemon, name: str) -> list[int]:
    """The daemon's connections that joined a room as `name`."""
    return [cid for cid, c in daemon.clients.items() if any(link.name == name for link in c.rooms.values())]


def stall_next_ping(daemon: Daemon, conn_id: int) -> asyncio.Future[None]:
    """Block the daemon's loop once, when it answers connection `conn_id`'s next ping; done after the stall."""
    stalled: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    answer = daemon._on_request

    async def stalling(client: ClientConn, frame: Frame) -> None:
        if not stalled.done() and client.conn_id == conn_id and frame.header.get("type") == "ping":
            time.sleep(3 * TIMEOUT)
            stalled.set_result(None)
        await answer(client, frame)

    daemon._on_request = stalling  # type: ignore[method-assign]
    return stalled


async def test_a_stalled_daemon_loop_keeps_an_awake_client_and_still_drops_a_suspended_one(
    home: Path, daemons: InProcessDaemons
) -> None:
    daemon = await daemons.start(heartbeat_interval=0.2, heartbeat_timeout=TIMEOUT)
    async with joined_sleeper(home, "stall", HANG_GUARD) as proc, AsyncSession(
        notebook_id="stall", name="awake", home=home, autostart=False
    ) as s:
        assert sorted(p["name"] for p in s.peers()) == ["awake", "sleeper"]
        awake = conn_ids_named(daemon, "awake")
        assert len(awake) == 1
        os.kill(proc.pid, signal.SIGSTOP)
        # The daemon's loop is blocked for three heartbeat timeouts while it answers the
        # awake client's next ping (as by a big change, GC, a loaded machine).
        stalled = stall_next_ping(daemon, awake[0])
        await asyncio.wait_for(stalled, HANG_GUARD)
        await until(lambda: [p["name"] for p in s.peers()] == ["awake"], "the suspended peer to be dropped")
        # The same connection, never dropped and reconnected.
        assert conn_ids_named(daemon, "awake") == awake
        assert s.connection_state == "connected"
        cid = await s.create_cell("after the stall")
        async with AsyncSession(notebook_id="stall", name="checker", home=home, autostart=False) as b:
            assert b.get_cell(cid).source == "after the stall"
        assert conn_ids_named(daemon, "awake") == awake
