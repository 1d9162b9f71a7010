"""Kernel restarts, deaths and launch failures through real clients and an in-process daemon.

Each test breaks the kernel of a room of its own, watched by two clients.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator

import psutil
import pytest
import pytest_asyncio
from conftest import until
from kernel_support import Env, gate_open, kernel_env, run

from runt_tui.client import DaemonError

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env() -> AsyncIterator[Env]:
    async with kernel_env() as e:
        yield e


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
