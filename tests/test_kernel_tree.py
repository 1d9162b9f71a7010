"""A kernel's whole process tree ends with it: setsid children and daemonized grandchildren too.

A cell starts `sleep` three ways that leave the kernel's process group: a child in a
new session, the same with an emptied environment, and a classic daemon (fork,
setsid, fork, exec). After a restart, a shutdown, the kernel's death, or the
daemon's stop (SIGTERM to a real daemon process), none of them is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest
from conftest import HANG_GUARD, start_daemon_process, until
from kernel_support import Env, kernel_env, run

from runt_tui.client import AsyncSession
from runt_tui.kernel.proctree import ProcessTree, all_processes, descendants

SPAWN = """
import os, subprocess
a = subprocess.Popen(['sleep', '1000'], start_new_session=True)
b = subprocess.Popen(['sleep', '1001'], start_new_session=True, env={'PATH': os.environ['PATH']})
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(w, str(os.getpid()).encode())
        os.execvp('sleep', ['sleep', '1002'])
    os._exit(0)
os.close(w)
c = int(os.read(r, 32))
print(a.pid, b.pid, c)
"""


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def spawn(session: AsyncSession) -> list[int]:
    cid = await session.create_cell(SPAWN)
    result = await session.execute_cell(cid)
    assert result.success, result.error
    pids = [int(p) for p in result.stdout.split()]
    assert len(pids) == 3 and all(alive(p) for p in pids)
    return pids


async def gone(pids: list[int], what: str) -> None:
    try:
        await until(lambda: not any(alive(p) for p in pids), f"the kernel's children to end after {what}",
                    timeout=HANG_GUARD)
    finally:
        for pid in pids:  # never leave them behind, even when the test fails
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    async with kernel_env() as e:
        yield e


async def test_restart_ends_the_old_kernels_whole_tree(env: Env) -> None:
    peer = await env.join("tree-restart")
    await peer.s.start_kernel()
    pids = await spawn(peer.s)
    await peer.s.restart_kernel()
    await gone(pids, "a restart")
    assert (await run(peer, "1")).success  # the new kernel was spared
    await peer.s.shutdown_kernel()


async def test_shutdown_ends_the_whole_tree(env: Env) -> None:
    peer = await env.join("tree-shutdown")
    await peer.s.start_kernel()
    pids = await spawn(peer.s)
    await peer.s.shutdown_kernel()
    await gone(pids, "a shutdown")


async def test_kernel_death_ends_what_it_left(env: Env) -> None:
    peer = await env.join("tree-death")
    await peer.s.start_kernel()
    pids = await spawn(peer.s)
    cid = await peer.s.create_cell("import os, time\ntime.sleep(0.5)\nos._exit(3)")
    await peer.s.queue_execution(cid)
    await until(lambda: peer.kernel().get("status") == "dead", "the kernel to die")
    # The child with an emptied environment carries no marker: it was recorded as its cell ended.
    await gone(pids, "the kernel's death")


async def test_daemon_sigterm_ends_every_kernel_tree(home: Path) -> None:
    proc = await start_daemon_process(home)
    session = AsyncSession(notebook_id="tree-daemon", name="t", home=home, autostart=False)
    await session.connect()
    try:
        await session.start_kernel()
        pids = await spawn(session)
    finally:
        await session.close()
    proc.send_signal(signal.SIGTERM)
    await gone(pids, "the daemon's SIGTERM")
    assert proc.wait(timeout=HANG_GUARD) == 0


# ---- the pure parts -------------------------------------------------------------


def test_tree_membership_from_proc() -> None:
    procs = all_processes()
    me = procs[os.getpid()]
    assert me.start > 0 and os.getpid() in descendants(procs, me.ppid)
    tree = ProcessTree()
    tree.set_root(os.getpid())
    members = {p.pid for p in tree.members()}
    assert os.getpid() not in members  # the caller itself is never a member
    assert tree.env() == {"RUNT_TUI_KERNEL_TREE": tree.token}
