"""A spawned daemon says when its socket listens, over an inherited pipe; waiters do not poll.

Real daemon processes on a real socket in a temp RUNT_TUI_HOME (the `home`
fixture kills them); the pipe's two ends are also exercised directly.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HANG_GUARD, daemon_answers, daemon_processes

from runt_tui import daemon_spawn
from runt_tui.client import link
from runt_tui.client.daemon_wait import until_settled
from runt_tui.daemon_spawn import READY_FD_ENV, DaemonStart, signal_ready


def _start(code: str) -> DaemonStart:
    """A stand-in 'daemon' (a real process) holding the pipe's write end, as spawn_daemon sets it up."""
    read_fd, write_fd = os.pipe()
    env = {**os.environ, READY_FD_ENV: str(write_fd)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, pass_fds=(write_fd,), stdout=subprocess.PIPE)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    return DaemonStart(proc, read_fd)


_READY = """
import os, time
from runt_tui.daemon_spawn import READY_FD_ENV, signal_ready
time.sleep(float(os.environ.get("DELAY", "0")))
signal_ready({"pid": os.getpid(), "socket": "s"})
print(READY_FD_ENV in os.environ)  # popped: a kernel started later never sees it
"""


def test_the_ready_line_is_read_and_the_pipe_closed() -> None:
    start = _start(_READY)
    info = start.wait_ready(HANG_GUARD)
    assert info == {"pid": start.proc.pid, "socket": "s"}
    assert start.settled and start.ready_fd is None
    out, _ = start.proc.communicate(timeout=HANG_GUARD)
    assert out == b"False\n"


def test_an_exit_before_the_ready_line_settles_with_nothing() -> None:
    start = _start("import sys; sys.exit(3)")
    assert start.wait_ready(HANG_GUARD) is None
    assert start.settled and start.proc.wait(HANG_GUARD) == 3


def test_a_daemon_that_neither_listens_nor_exits_times_out_unsettled() -> None:
    start = _start("import time; time.sleep(60)")
    try:
        assert start.wait_ready(0.05) is None
        assert not start.settled  # the caller says the daemon did not start in time
    finally:
        start.proc.kill()
        start.proc.wait(HANG_GUARD)
    assert start.wait_ready(HANG_GUARD) is None and start.settled


def test_signal_ready_pops_the_variable_and_writes_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    read_fd, write_fd = os.pipe()
    monkeypatch.setenv(READY_FD_ENV, str(write_fd))
    signal_ready({"pid": 1})
    assert READY_FD_ENV not in os.environ
    assert os.read(read_fd, 100) == b'{"pid": 1}\n'
    assert os.read(read_fd, 100) == b""  # the daemon's end is closed
    os.close(read_fd)
    signal_ready({"pid": 2})  # not spawned by us: nothing to do, nothing raised


async def test_several_waiters_in_one_loop_share_the_watch() -> None:
    os.environ["DELAY"] = "0.2"  # both wait before the line comes (not a timing claim: either order passes)
    try:
        start = _start(_READY)
    finally:
        del os.environ["DELAY"]
    results = await asyncio.wait_for(asyncio.gather(until_settled(start, HANG_GUARD), until_settled(start, HANG_GUARD)),
                                     HANG_GUARD)
    assert results == [True, True] and start.info is not None
    await asyncio.to_thread(start.proc.communicate, timeout=HANG_GUARD)


async def test_autostart_waits_for_the_ready_line_not_by_polling(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries: list[Path] = []
    real = link._try_connect

    async def counting(sock: Path) -> link.Connection | None:
        tries.append(sock)
        return await real(sock)

    monkeypatch.setattr(link, "_try_connect", counting)
    conn = await link.open_connection(home)
    conn.close()
    # Once before spawning (nothing there), once after the daemon said it listens.
    assert len(tries) == 2
    assert daemon_answers(home) and len(daemon_processes(home)) == 1
    started = daemon_spawn.spawned(home)
    assert started is not None and started.info is not None
    assert (started.info["pid"], started.info["socket"]) == (started.proc.pid, str(home / "daemon.sock"))
