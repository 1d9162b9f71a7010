"""The daemon's kernel through real clients: one in-process daemon, real ipykernels.

Every test here talks to the daemon of this module (started once in the
module's event loop) through `AsyncSession`s, the way the TUI and scripts do.
Tests that leave the kernel usable share one room ("main") and its kernel;
tests that break kernels on purpose get rooms of their own. Waits poll for
conditions with a hang guard; nothing here asserts how long anything takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
import pytest_asyncio
from conftest import InProcessDaemons, kill_daemons, until

from runt_tui.client import AsyncSession, DaemonError, Session
from runt_tui.daemon.server import Daemon

pytestmark = pytest.mark.asyncio(loop_scope="module")


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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env() -> AsyncIterator[Env]:
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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pair(env: Env) -> tuple[Peer, Peer]:
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


# ---- shared kernel, shared variables ------------------------------------------------


async def test_programmatic_example_two_sync_sessions(env: Env) -> None:
    # Exactly what examples/programmatic.py does, with blocking Sessions (in a
    # thread: the daemon runs in this test's event loop).
    def flow() -> tuple[Any, ...]:
        s1 = Session(notebook_id="shared-notebook", home=env.home, name="one")
        s2 = Session(notebook_id="shared-notebook", home=env.home, name="two")
        try:
            s1.connect()
            k1 = s1.start_kernel()
            cell_id = s1.create_cell("x = 42")
            r1 = s1.execute_cell(cell_id)
            s2.connect()
            k2 = s2.start_kernel()
            found = any(c.id == cell_id for c in s2.get_cells())
            cell_id2 = s2.create_cell("print(x)")
            r2 = s2.execute_cell(cell_id2)
            return k1, k2, found, r1, r2, s2.kernel_status()
        finally:
            s1.close()
            s2.close()

    k1, k2, found, r1, r2, status = await asyncio.to_thread(flow)
    assert k2["pid"] == k1["pid"] and k1["pid"] is not None
    assert found
    assert r1.success and r1.execution_count == 1 and r1.outputs == []
    assert r2.success and r2.stdout == "42\n" and r2.execution_count == 2
    assert status == "idle"


async def test_queue_order_two_clients_at_once(env: Env, pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    await run(alice, "order = []")
    a_cells = [await alice.s.create_cell(f"order.append('a{i}')") for i in range(3)]
    b_cells = [await bob.s.create_cell(f"order.append('b{i}')") for i in range(3)]
    await env.synced(alice, bob)
    gate = await gate_open(alice)

    async def submit(peer: Peer, cells: list[str]) -> list[dict[str, Any]]:
        return [await peer.s.queue_execution(c) for c in cells]

    qa, qb = await asyncio.gather(submit(alice, a_cells), submit(bob, b_cells))
    assert {q["requester"]["name"] for q in qa} == {"alice"}
    assert {q["requester"]["name"] for q in qb} == {"bob"}
    # Every client sees the whole queue, with who asked.
    for p in (alice, bob):
        await until(lambda p=p: len(p.s.runtime.get("queue") or []) == 7, "the queue snapshot")
        queue = p.s.runtime["queue"]
        assert queue[0]["cell"] == gate and queue[0]["status"] == "running"
        assert {e["status"] for e in queue[1:]} == {"queued"}
        assert {e["requester"]["name"] for e in queue} == {"alice", "bob"}
    accepted = [e["cell"] for e in alice.s.runtime["queue"][1:]]
    await alice.s.send_input("go")
    for c in a_cells + b_cells:
        await until(lambda c=c: alice.exec_status(c) == "done" and bob.exec_status(c) == "done", "cells to run")
    result = await run(bob, "print(' '.join(order))")
    # FIFO across clients: the kernel ran them in the daemon's queue order,
    # and each client's own submissions in the order it made them.
    ran = result.stdout.split()
    names = {c: f"a{i}" for i, c in enumerate(a_cells)} | {c: f"b{i}" for i, c in enumerate(b_cells)}
    assert ran == [names[c] for c in accepted]
    assert [x for x in ran if x[0] == "a"] == ["a0", "a1", "a2"]
    assert [x for x in ran if x[0] == "b"] == ["b0", "b1", "b2"]
    counts = [bob.s.get_cell(c).execution_count for c in accepted]
    assert counts == sorted(counts) and len(set(counts)) == 6


async def test_same_cell_from_two_clients_runs_once(env: Env, pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    await run(alice, "hits = 0")
    cell = await alice.s.create_cell("hits += 1\nprint(hits)")
    await env.synced(bob)
    await gate_open(bob)
    t1 = asyncio.create_task(alice.s.execute_cell(cell))
    t2 = asyncio.create_task(bob.s.execute_cell(cell))
    # Requests of one connection are taken in order: once these answer, the
    # execute_cell requests above have been accepted too.
    q1, q2 = await asyncio.gather(alice.s.queue_execution(cell), bob.s.queue_execution(cell))
    assert q1["exec_id"] == q2["exec_id"]
    assert [e["cell"] for e in alice.s.runtime.get("queue") or []].count(cell) <= 1
    await bob.s.send_input("")
    r1, r2 = await asyncio.gather(t1, t2)
    assert r1.success and r2.success
    assert r1.stdout == r2.stdout == "1\n"
    assert r1.execution_count == r2.execution_count
    check = await run(bob, "print(hits)")
    assert check.stdout == "1\n"


async def test_completion_and_inspection(pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    await run(alice, "import os\nsome_unique_name = 1")
    comp = await bob.s.complete("some_uni", 8)
    assert "some_unique_name" in comp["matches"]
    assert comp["cursor_start"] == 0 and comp["cursor_end"] == 8
    comp = await alice.s.complete("os.pa", 5)
    assert "os.path" in comp["matches"] or "path" in comp["matches"]
    info = await bob.s.inspect("len", 3)
    assert info["found"] is True
    assert "len" in info["data"]["text/plain"]


async def test_kernel_uses_ipc_transport(env: Env, pair: tuple[Peer, Peer]) -> None:
    alice, _ = pair
    pid = alice.kernel()["pid"]
    assert isinstance(pid, int)
    kdir = env.home / "kernels" / alice.s.room
    conn = json.loads((kdir / "kernel.json").read_text())
    assert conn["transport"] == "ipc"
    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    for proc in procs:
        assert proc.net_connections(kind="inet") == [], proc
    # The same from /proc: no TCP socket inode is held by the kernel.
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            inodes |= {line.split()[9] for line in list(f)[1:]}
    fds = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                fds.add(target[8:-1])
    assert fds, "the kernel should hold (unix) sockets"
    assert not (fds & inodes)


# ---- interrupt ----------------------------------------------------------------------


async def test_interrupt_sleep_cancels_queue(pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    sleeper = await alice.s.create_cell("import time\ntime.sleep(60)")
    q1 = await bob.s.create_cell("print('q1')")
    q2 = await bob.s.create_cell("print('q2')")
    task = asyncio.create_task(alice.s.execute_cell(sleeper))
    await until(lambda: bob.exec_status(sleeper) == "running" and bob.kernel()["status"] == "busy", "the sleep to run")
    await bob.s.queue_execution(q1)
    await bob.s.queue_execution(q2)
    await bob.s.interrupt()
    result = await task
    assert not result.success and result.status == "error"
    assert result.error is not None and result.error["ename"] == "KeyboardInterrupt"
    assert [o["output_type"] for o in result.outputs] == ["error"]
    for p in (alice, bob):
        await until(lambda p=p: p.exec_status(q1) == p.exec_status(q2) == "cancelled", "the queue to be cancelled")
        await until(lambda p=p: p.kernel()["status"] == "idle", "the kernel to be idle again")
        assert p.s.runtime.get("queue") == []
    assert bob.s.get_cell(q1).outputs == [] and bob.s.get_cell(q2).outputs == []
    again = await run(bob, "1 + 1")
    assert again.success and again.outputs[0]["data"]["text/plain"] == "2"


async def test_interrupt_idle_kernel_is_harmless(pair: tuple[Peer, Peer]) -> None:
    alice, _ = pair
    await alice.s.interrupt()
    r = await run(alice, "print('still fine')")
    assert r.stdout == "still fine\n"


# ---- outputs ------------------------------------------------------------------------


async def test_clear_output_and_display_updates(env: Env, pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    d1 = await run(alice, "from IPython.display import display, update_display, clear_output\n"
                          "_ = display('first', display_id='dd')")
    assert [o["data"]["text/plain"] for o in d1.outputs] == ["'first'"]
    assert "transient" not in d1.outputs[0]
    # An update from another cell, run by another client, rewrites the first cell.
    d2 = await run(bob, "update_display('second', display_id='dd')\nprint('updated')")
    assert d2.stdout == "updated\n" and len(d2.outputs) == 1
    await env.synced(alice, bob)
    for p in (alice, bob):
        assert [o["data"]["text/plain"] for o in p.s.get_cell(d1.cell_id).outputs] == ["'second'"]
    # A new display with the same id shows and refreshes the older ones.
    d3 = await run(alice, "_ = display('third', display_id='dd')")
    await env.synced(alice, bob)
    assert [o["data"]["text/plain"] for o in d3.outputs] == ["'third'"]
    assert [o["data"]["text/plain"] for o in bob.s.get_cell(d1.cell_id).outputs] == ["'third'"]
    # clear_output(wait=True) takes effect at the next output only.
    c1 = await run(bob, "for i in range(5):\n    clear_output(wait=True)\n    print(f'step {i}')")
    assert c1.outputs == [{"output_type": "stream", "name": "stdout", "text": "step 4\n"}]
    # Frames of the same length that differ early on, each flushed on its own.
    c1b = await run(bob, "import time\nblock = ''.join(f'line {j}\\n' for j in range(2000))\n"
                         "for i in range(3):\n    clear_output(wait=True)\n    print(f'frame {i}\\n' + block, end='')\n"
                         "    time.sleep(0.1)")
    assert c1b.stdout == "frame 2\n" + "".join(f"line {j}\n" for j in range(2000))
    await env.synced(alice)
    assert alice.s.get_cell(c1b.cell_id).outputs == c1b.outputs
    c2 = await run(bob, "print('kept')\nclear_output(wait=True)")
    assert c2.stdout == "kept\n"
    c3 = await run(alice, "print('gone')\nclear_output()\nprint('b')")
    assert c3.outputs == [{"output_type": "stream", "name": "stdout", "text": "b\n"}]
    c4 = await run(alice, "_ = display('x', display_id='cc')\nclear_output(wait=True)\n"
                          "update_display('y', display_id='cc')")
    await env.synced(bob)
    # The update arrives while the clear is pending: nbclient applies it to
    # the old output, which stays until the next new output (none here).
    assert [o["data"]["text/plain"] for o in bob.s.get_cell(c4.cell_id).outputs] == ["'y'"]


async def test_streams_cr_and_stderr(pair: tuple[Peer, Peer]) -> None:
    alice, _ = pair
    r = await run(alice, "import sys\nfor i in range(101):\n    print(f'\\r{i}%', end='')\nprint()\n"
                         "sys.stdout.flush()\nprint('oops', file=sys.stderr)")
    assert r.stdout == "100%\n"
    assert r.stderr == "oops\n"
    assert [o["name"] for o in r.outputs] == ["stdout", "stderr"]


async def test_hundred_thousand_lines(env: Env, pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    r = await run(alice, "for i in range(100000):\n    print(i)")
    expected = "".join(f"{i}\n" for i in range(100000))
    assert r.success
    assert r.stdout == expected
    assert len(r.outputs) == 1
    await env.synced(bob)
    assert bob.s.get_cell(r.cell_id).outputs == r.outputs


async def test_stalled_daemon_loses_no_output(env: Env, pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    n = 10000
    cell = await alice.s.create_cell(
        f"import sys\nfor i in range({n}):\n    sys.stdout.write(f'\\r{{i}} of {n}')\n    sys.stdout.flush()\nprint()"
    )
    await alice.s.queue_execution(cell)
    await until(lambda: bob.exec_status(cell) == "running", "the cell to start")
    # The daemon (it runs in this loop) stops reading while the kernel floods
    # iopub with thousands of messages: none may be dropped, not even the last.
    time.sleep(3)
    await until(lambda: bob.exec_status(cell) == "done", "the cell to finish", timeout=120)
    await env.synced(alice, bob)
    for p in (alice, bob):
        assert p.s.get_cell(cell).outputs == [{"output_type": "stream", "name": "stdout", "text": f"{n - 1} of {n}\n"}]


async def test_clear_outputs_request(env: Env, pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    r = await run(alice, "print('to clear')")
    assert r.stdout == "to clear\n"
    await bob.s.clear_outputs([r.cell_id])
    await env.synced(alice, bob)
    for p in (alice, bob):
        cell = p.s.get_cell(r.cell_id)
        assert cell.outputs == [] and cell.execution_count is None


# ---- input() ------------------------------------------------------------------------


async def test_input_goes_to_requester_prompt_to_others(pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    cell = await alice.s.create_cell("ans = input('name? ')\nprint('hello', ans)")
    na, nb = len(alice.events), len(bob.events)
    task = asyncio.create_task(alice.s.execute_cell(cell))
    await until(lambda: any(e["type"] == "input_request" for e in alice.events[na:]), "the input request")
    await until(lambda: any(e["type"] == "input_prompt" for e in bob.events[nb:]), "the input prompt")
    req = next(e for e in alice.events[na:] if e["type"] == "input_request")
    assert req["prompt"] == "name? " and req["cell"] == cell and req["password"] is False
    assert not any(e["type"] == "input_request" for e in bob.events[nb:])
    assert not any(e["type"] == "input_prompt" for e in alice.events[na:])
    for p in (alice, bob):
        await until(lambda p=p: (p.kernel().get("input") or {}).get("prompt") == "name? ", "input in the runtime state")
    await alice.s.send_input("bob")
    result = await task
    assert result.success
    assert result.stdout.endswith("hello bob\n")
    for p in (alice, bob):
        await until(lambda p=p: p.kernel().get("input") is None, "the prompt to go away")
    with pytest.raises(DaemonError):
        await bob.s.send_input("nobody asked")


# ---- a client going away ------------------------------------------------------------


async def test_client_disconnect_mid_run(env: Env, pair: tuple[Peer, Peer]) -> None:
    alice, _ = pair
    carol = await env.join("main", "carol")
    n = 400
    cell = await carol.s.create_cell(
        f"import time\nfor i in range({n}):\n    print(f'line {{i}}')\n    time.sleep(0.005)"
    )
    await carol.s.queue_execution(cell)

    def has_some(p: Peer) -> bool:
        return cell in p.s.doc and "line 5\n" in "".join(str(o.get("text", "")) for o in p.s.get_cell(cell).outputs)

    await until(lambda: has_some(carol), "the first lines")
    # Drop carol's connection under her (no leave): she reconnects by herself.
    assert carol.s.client is not None
    carol.s.client.conn.close()
    await until(lambda: carol.s.connection_state == "reconnecting" or carol.s.connection_state == "connected")
    # dave joins while the cell still runs.
    dave = await env.join("main", "dave")
    await until(lambda: alice.exec_status(cell) == "done", "the execution to finish", timeout=60)
    await until(lambda: carol.s.connection_state == "connected", "carol to reconnect")
    await env.synced(alice, carol, dave)
    expected = "".join(f"line {i}\n" for i in range(n))
    for p in (alice, carol, dave):
        outs = p.s.get_cell(cell).outputs
        assert outs == [{"output_type": "stream", "name": "stdout", "text": expected}], p.s.name
    assert alice.execution(cell)["requester"]["name"] == "carol"


# ---- restart, death, launch failure -----------------------------------------------------


async def test_restart_keeps_outputs_resets_count(env: Env) -> None:
    a = await env.join("restart", "a")
    b = await env.join("restart", "b")
    first = await a.s.start_kernel()
    await run(a, "x = 1")
    kept = await run(b, "print('kept')")
    assert kept.execution_count == 2
    state = await b.s.restart_kernel()
    assert state["status"] == "idle" and state["pid"] != first["pid"]
    await env.synced(a, b)
    for p in (a, b):
        cell = p.s.get_cell(kept.cell_id)
        assert cell.outputs == kept.outputs and cell.execution_count == 2
        await until(lambda p=p: p.kernel()["status"] == "idle" and p.kernel()["pid"] == state["pid"], "the new kernel")
    after = await run(a, "'x' in dir()")
    assert after.execution_count == 1
    assert after.outputs[0]["data"]["text/plain"] == "False"
    # A restart while a cell runs ends it (and cancels the queue) for everyone.
    sleeper = await a.s.create_cell("import time\ntime.sleep(60)")
    queued = await b.s.create_cell("print('queued')")
    await a.s.queue_execution(sleeper)
    await until(lambda: b.exec_status(sleeper) == "running", "the sleep to run")
    await b.s.queue_execution(queued)
    state = await b.s.restart_kernel()
    for p in (a, b):
        await until(lambda p=p: p.exec_status(sleeper) == "error" and p.exec_status(queued) == "cancelled", "the ends")
        await until(lambda p=p: p.kernel()["status"] == "idle" and p.kernel()["pid"] == state["pid"], "the new kernel")
    assert "restarted" in a.execution(sleeper)["exception"]["evalue"]
    again = await run(b, "1")
    assert again.execution_count == 1
    await a.s.shutdown_kernel()
    for p in (a, b):
        await until(lambda p=p: p.kernel()["status"] == "shutdown", "the shutdown")
    await until(lambda: not psutil.pid_exists(state["pid"]) or psutil.Process(state["pid"]).status() == psutil.STATUS_ZOMBIE,
                "the kernel process to exit")


@pytest.mark.parametrize("how", ["os._exit", "SIGKILL"])
async def test_kernel_killed_from_outside(env: Env, how: str) -> None:
    a = await env.join(f"death-{how}", "a")
    b = await env.join(f"death-{how}", "b")
    state = await a.s.start_kernel()
    pid = state["pid"]
    killer = await a.s.create_cell("import os\nos._exit(1)" if how == "os._exit" else "import time\ntime.sleep(60)")
    queued = [await b.s.create_cell(f"print({i})") for i in range(2)]
    await env.synced(a, b)
    na, nb = len(a.events), len(b.events)
    gate = await gate_open(a)
    await a.s.queue_execution(killer)
    for c in queued:
        await b.s.queue_execution(c)
    await a.s.send_input("")
    await until(lambda: a.exec_status(gate) == "done")
    if how == "SIGKILL":
        await until(lambda: a.exec_status(killer) == "running" and a.kernel()["status"] == "busy", "the sleep to run")
        os.kill(pid, signal.SIGKILL)
    await until(lambda: a.exec_status(killer) == "error", "the killing cell to fail")
    error = a.execution(killer)["exception"]
    assert error["ename"] == "KernelDied"
    reason = "exited with code 1" if how == "os._exit" else "killed by signal SIGKILL"
    assert reason in error["evalue"]
    for p, n in ((a, na), (b, nb)):
        await until(lambda p=p: p.kernel()["status"] == "dead", "every client to see the death")
        assert reason in str(p.kernel()["exception"])
        await until(lambda p=p, n=n: any(e.get("type") == "notice" and e.get("level") == "error"
                                         and reason in e.get("message", "") for e in p.events[n:]), "a notice")
        for c in queued:
            await until(lambda p=p, c=c: p.exec_status(c) == "cancelled", "the queue to be cancelled")
        assert p.s.runtime.get("queue") == []
    for c in queued:
        assert b.s.get_cell(c).outputs == []
    # Restart from any client brings a fresh kernel.
    new = await b.s.restart_kernel()
    assert new["status"] == "idle" and new["pid"] != pid
    again = await run(a, "print('alive')")
    assert again.stdout == "alive\n" and again.execution_count == 1
    await a.s.shutdown_kernel()


async def test_bad_kernelspec(env: Env) -> None:
    a = await env.join("badspec", "a")
    b = await env.join("badspec", "b")
    with pytest.raises(DaemonError) as info:
        await a.s.start_kernel("no-such-kernel")
    msg = info.value.message
    assert "no-such-kernel" in msg and "python3" in msg
    for p in (a, b):
        await until(lambda p=p: p.kernel()["status"] == "dead", "the failure to be published")
        assert "no-such-kernel" in str(p.kernel()["exception"])
        await until(lambda p=p: any("no-such-kernel" in e.get("message", "") for e in p.of("notice")), "a notice")
    # A notebook whose metadata names a missing kernel: cells queued by two
    # clients finish (error, cancelled) instead of waiting forever.
    a.s.edit(lambda d: d.set_metadata({**d.metadata(), "kernelspec": {"name": "no-such-kernel", "display_name": "x"}}))
    c1 = await a.s.create_cell("print(1)")
    c2 = await b.s.create_cell("print(2)")
    await env.synced(a, b)
    r1, r2 = await asyncio.gather(a.s.execute_cell(c1), b.s.execute_cell(c2))
    statuses = sorted([r1.status, r2.status])
    assert statuses == ["cancelled", "error"]
    failed = r1 if r1.status == "error" else r2
    assert failed.error is not None and "no-such-kernel" in failed.error["evalue"]
    for p in (a, b):
        assert p.s.runtime.get("queue") == []
    # An explicit name still works afterwards.
    ok = await b.s.start_kernel("python3")
    assert ok["status"] == "idle"
    r = await b.s.execute_cell(c2)
    assert r.stdout == "2\n"
    await b.s.shutdown_kernel()


async def test_complete_without_kernel_is_an_error(env: Env) -> None:
    a = await env.join("nokernel", "a")
    with pytest.raises(DaemonError) as info:
        await a.s.complete("pri", 3)
    assert "no kernel" in info.value.message


async def test_start_after_death_replaces_the_dead_kernel(env: Env) -> None:
    a = await env.join("reborn", "a")
    first = await a.s.start_kernel()
    rk = env.daemon.rooms[a.s.room].kernel
    old = rk.session
    os.kill(first["pid"], signal.SIGKILL)
    await until(lambda: a.kernel()["status"] == "dead", "the death to be seen")
    # start_kernel (not restart) after a death starts a new kernel and frees the old one.
    new = await a.s.start_kernel()
    assert new["status"] == "idle" and new["pid"] != first["pid"]
    assert old is not rk.session and old.pid is None and old._tasks == []
    r = await run(a, "print('new')")
    assert r.stdout == "new\n" and r.execution_count == 1
    await a.s.shutdown_kernel()


async def test_interrupt_while_the_kernel_starts_cancels_the_cell(env: Env) -> None:
    a = await env.join("int-start", "a")
    cell = await a.s.create_cell("print('should not run')")
    # No kernel yet: executing starts one; an interrupt meanwhile wins.
    await a.s.queue_execution(cell)
    await until(lambda: a.kernel()["status"] == "starting", "the kernel to start")
    await a.s.interrupt()
    await until(lambda: a.exec_status(cell) in ("cancelled", "done", "error"), "the cell to finish")
    assert a.exec_status(cell) == "cancelled"
    await until(lambda: a.kernel()["status"] == "idle", "the kernel to be up")
    await env.synced(a)
    assert a.s.get_cell(cell).outputs == []
    await a.s.shutdown_kernel()


async def test_execute_timeout_raises_and_cell_keeps_running(env: Env, pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    cell = await alice.s.create_cell("import time\ntime.sleep(60)")
    with pytest.raises(TimeoutError):
        await alice.s.execute_cell(cell, timeout=0.5)
    assert bob.exec_status(cell) == "running"
    await bob.s.interrupt()
    await until(lambda: bob.exec_status(cell) == "error" and bob.kernel()["status"] == "idle", "the interrupt")
