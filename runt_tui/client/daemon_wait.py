"""Waiting, in the event loop, for a daemon this process spawned to say that it listens.

The daemon writes its ready line to an inherited pipe once its socket listens
(daemon_spawn.py); the loop watches the pipe's read end, so the wait ends on
that event rather than on a polling interval. Several waiters in one loop share
one watch.
"""

from __future__ import annotations

import asyncio
import contextlib

from runt_tui.daemon_spawn import DaemonStart

# One watch per pipe (its fd) at a time: a second add_reader on the fd would replace the first.
_watches: dict[int, asyncio.Future[None]] = {}


async def until_settled(start: DaemonStart, timeout: float) -> bool:
    """Wait until `start`'s daemon listens or exits before listening; False on timeout."""
    if start.read_ready():
        return True
    fd = start.ready_fd
    assert fd is not None  # not settled: the pipe is open
    watch = _watches.get(fd)
    if watch is None or watch.done() or watch.get_loop() is not asyncio.get_running_loop():
        watch = _watch(start, fd)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(watch), timeout)
    return start.settled


def _watch(start: DaemonStart, fd: int) -> asyncio.Future[None]:
    """Resolve a future once the pipe `fd` settles; the reader is removed before the fd closes."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[None] = loop.create_future()
    _watches[fd] = fut

    def readable() -> None:
        loop.remove_reader(fd)  # before read_ready may close it (the number could be reused)
        if start.read_ready():
            _watches.pop(fd, None)
            if not fut.done():
                fut.set_result(None)
        else:
            loop.add_reader(fd, readable)

    def abandoned(f: asyncio.Future[None]) -> None:
        if f.cancelled() and start.ready_fd == fd:
            loop.remove_reader(fd)
            _watches.pop(fd, None)

    fut.add_done_callback(abandoned)
    loop.add_reader(fd, readable)
    return fut
