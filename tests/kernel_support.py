"""Shared pieces of the kernel tests: sessions that record their events, a module daemon."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from conftest import InProcessDaemons, kill_daemons, until

from runt_tui.client import AsyncSession
from runt_tui.daemon.server import Daemon


@dataclass
class Peer:
    """A session plus every event it received."""

    s: AsyncSession
    events: list[dict[str, Any]] = field(default_factory=list)

    def of(self, etype: str) -> list[dict[str, Any]]:
        """Events of one type, in arrival order."""
        return [e for e in self.events if e.get("type") == etype]

    def kernel(self) -> dict[str, Any]:
        """The kernel part of the last runtime snapshot."""
        return dict(self.s.runtime.get("kernel") or {})

    def execution(self, cell_id: str) -> dict[str, Any]:
        """The last execution of a cell, as pushed to this client."""
        return dict((self.s.runtime.get("executions") or {}).get(cell_id) or {})

    def exec_status(self, cell_id: str) -> str | None:
        """queued / running / done / error / cancelled, or None before the first run."""
        return self.execution(cell_id).get("status")


@dataclass
class Env:
    """The module's daemon."""

    home: Path
    daemon: Daemon
    peers: list[Peer] = field(default_factory=list)

    async def join(self, notebook_id: str | None = None, name: str = "t", path: Path | None = None) -> Peer:
        """A connected session whose events are recorded; closed at module teardown."""
        s = AsyncSession(notebook_id=notebook_id, path=path, name=name, home=self.home, autostart=False)
        peer = Peer(s)
        s.event_listeners.append(peer.events.append)
        await s.connect()
        self.peers.append(peer)
        return peer

    def room_doc_heads(self, peer: Peer) -> set[bytes]:
        """The daemon's heads of the peer's room."""
        return set(self.daemon.rooms[peer.s.room].doc.heads())

    async def synced(self, *peers: Peer) -> None:
        """Wait until each peer's replica holds everything the daemon's document holds."""
        for p in peers:
            await until(lambda p=p: set(p.s.doc.heads()) == self.room_doc_heads(p), "replica to converge")


def kernels_of(home: Path) -> list[psutil.Process]:
    """Live kernel processes whose connection file lies under `home`."""
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        with contextlib.suppress(psutil.Error):
            cmd = " ".join(p.info["cmdline"] or [])
            if str(home) in cmd and "kernel" in cmd and p.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(p)
    return found


@contextlib.asynccontextmanager
async def kernel_env() -> AsyncIterator[Env]:
    """An in-process daemon on a fresh short home; at exit: sessions closed, daemon stopped,
    and no kernel process may be left (any that is gets killed, and the exit fails)."""
    root = Path(tempfile.mkdtemp(prefix="rtk-", dir="/tmp"))
    home = root / "home"
    ctl = InProcessDaemons(home)
    daemon = await ctl.start()
    e = Env(home, daemon)
    try:
        yield e
    finally:
        for p in e.peers:
            with contextlib.suppress(Exception):
                await p.s.close()
        await ctl.stop_all()
        left = kernels_of(home)
        for p in left:
            with contextlib.suppress(psutil.Error):
                p.kill()
        kill_daemons(home)
        shutil.rmtree(root, ignore_errors=True)
        assert left == [], f"kernel processes outlived the daemon: {left}"


async def join_pair(env: Env) -> tuple[Peer, Peer]:
    """alice and bob on room "main", sharing its running kernel."""
    alice = await env.join("main", "alice")
    bob = await env.join("main", "bob")
    st1 = await alice.s.start_kernel()
    st2 = await bob.s.start_kernel()
    assert st1["pid"] == st2["pid"] and st1["status"] == "idle"
    return alice, bob


async def run(peer: Peer, source: str) -> Any:
    """Create a cell and execute it; returns the ExecutionResult."""
    cid = await peer.s.create_cell(source)
    return await peer.s.execute_cell(cid)


async def gate_open(peer: Peer, prompt: str = "gate") -> str:
    """Queue a cell that blocks in input() and wait until it does; answer with `send_input`."""
    cid = await peer.s.create_cell(f"_gate = input({prompt!r})")
    await peer.s.queue_execution(cid)
    await until(lambda: (peer.kernel().get("input") or {}).get("cell") == cid, "the gate cell to wait for input")
    return cid
