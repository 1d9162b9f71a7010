"""The daemon's kernel through real clients: one in-process daemon, real ipykernels.

Every test here talks to the daemon of this module (started once in the
module's event loop) through `AsyncSession`s, the way the TUI and scripts do.
These tests share one room ("main") and its kernel and leave it usable; tests
that break kernels on purpose are in test_daemon_kernel_lifecycle.py. Waits
poll for conditions with a hang guard; nothing asserts how long anything takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import psutil
import pytest
import pytest_asyncio
from conftest import until
from kernel_support import Env, Peer, gate_open, join_pair, kernel_env, run

from runt_tui.client import DaemonError, Session

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env() -> AsyncIterator[Env]:
    async with kernel_env() as e:
        yield e


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pair(env: Env) -> tuple[Peer, Peer]:
    """alice and bob on room "main", sharing its running kernel."""
    return await join_pair(env)


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
    # Events carry only the entries that changed; a late joiner gets the whole queue, in order.
    assert all("queue" not in e["state"] for e in alice.of("runtime"))
    assert any(e["state"].get("queue_changed") for e in alice.of("runtime"))
    late = await env.join("main", "carol")
    assert [e["exec_id"] for e in late.s.runtime["queue"]] == [e["exec_id"] for e in alice.s.runtime["queue"]]
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
    await until(lambda: all(not p.s.runtime.get("queue") for p in (alice, bob, late)), "every queue empty")


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
    # When execute_cell returns, the requester's runtime state already says so.
    assert alice.exec_status(r.cell_id) == "done" and alice.kernel()["status"] == "idle"
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


async def test_execute_timeout_raises_and_cell_keeps_running(env: Env, pair: tuple[Peer, Peer]) -> None:
    alice, bob = pair
    cell = await alice.s.create_cell("import time\ntime.sleep(60)")
    with pytest.raises(TimeoutError):
        await alice.s.execute_cell(cell, timeout=0.5)
    assert bob.exec_status(cell) == "running"
    await bob.s.interrupt()
    await until(lambda: bob.exec_status(cell) == "error" and bob.kernel()["status"] == "idle", "the interrupt")


async def test_runtime_events_carry_only_changed_executions(env: Env, pair: tuple[Peer, Peer]) -> None:
    # Events say what changed; a late joiner gets every execution in its join
    # reply; afterwards every client holds the same per-cell view.
    alice, bob = pair
    first = [await run(alice, f"v{i} = {i}") for i in range(3)]
    late = await env.join("main", "carol")
    have = late.s.runtime.get("executions") or {}
    assert all(have.get(r.cell_id, {}).get("status") == "done" for r in first)
    mark = len(alice.of("runtime"))
    r = await run(bob, "1 / 0")
    assert not r.success
    changed = [e["state"].get("executions_changed") or {} for e in alice.of("runtime")[mark:]]
    assert all("executions" not in e["state"] for e in alice.of("runtime")[mark:])
    assert all(set(c) <= {r.cell_id} for c in changed) and any(r.cell_id in c for c in changed)

    def views() -> list[dict[str, Any]]:
        return [{c: (e or {}).get("status") for c, e in (p.s.runtime.get("executions") or {}).items()} for p in (alice, bob, late)]

    await until(lambda: views()[0] == views()[1] == views()[2] and views()[2].get(r.cell_id) == "error", "same executions everywhere")
