"""Loading the daemon's heavy layers in the background once its socket answers.

The daemon starts with the protocol only (server.py) so that a client waiting
for the socket hears back at once. The client's next request is usually a
join, which needs the document layer, then a kernel start: importing those
while the daemon is otherwise idle (between the client's requests, or while
the client draws its first screen) takes them off that path. Each module is
imported in its own step, yielding to the event loop in between, so requests
arriving meanwhile wait for one step at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging

log = logging.getLogger("runt_tui.daemon")

# In the order a client needs them: a join (document, rooms), a kernel start, the rest.
WARM_MODULES = (
    "automerge.core",
    "runt_tui.doc",
    "runt_tui.daemon.room",
    "runt_tui.daemon.handlers",
    "watchfiles",
    "runt_tui.daemon.watcher",
    "zmq",
    "jupyter_client",
    "runt_tui.daemon.kernel_room",
    "runt_tui.daemon.kernel_handlers",
    "runt_tui.daemon.widget_handlers",
    "runt_tui.env",
    "runt_tui.daemon.env_handlers",
)
# The longest the warm-up waits for a first request before it starts anyway.
START_AFTER = 0.5


async def warm_up(answered: asyncio.Event, modules: tuple[str, ...] = WARM_MODULES) -> None:
    """Import `modules` one per loop turn, after the first answer (or START_AFTER seconds)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(answered.wait(), START_AFTER)
    for name in modules:
        await asyncio.sleep(0)
        try:
            importlib.import_module(name)
        except Exception:  # the request that needs it reports the failure; the daemon goes on
            log.exception("warm-up: importing %s failed", name)
