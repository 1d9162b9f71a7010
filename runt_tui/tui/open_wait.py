"""Saying why the screen is still empty while the daemon reads a big notebook for the first time.

A first open of a notebook too big for the read-only first paint (client/preview.py)
keeps the daemon busy for seconds (10,000 cells: parsing, building and saving the
shared document). The app waits for it, however long it takes, and says so in the
status bar, naming the file and its size; the word "connecting" stays in it until
the notebook is live.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

from runt_tui.tui.widgets.status import StatusInfo

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp

# Shorter waits show nothing new: the notebook is usually on screen by then.
SAY_AFTER = 0.3


def waiting_text(name: str, size: int | None) -> str:
    """The status bar's connection field while the daemon opens the file."""
    where = f"{name} ({size / 1e6:.1f} MB)" if size is not None and size >= 1e6 else name
    return f"connecting · the daemon is opening {where}"


async def say_waiting(app: NotebookApp, connecting: asyncio.Task[None], after: float | None = None) -> None:
    """Once `after` seconds passed without the session connecting, say what the app waits for."""
    await asyncio.wait((connecting,), timeout=SAY_AFTER if after is None else after)
    if connecting.done() or app.ready or app.first_paint.active or app.options.url is not None:
        return
    path = os.fspath(app.options.path)
    try:
        size: int | None = os.stat(path).st_size
    except OSError:
        size = None
    name = os.path.basename(path)
    app.status_bar.show(StatusInfo(mode="command", connection=waiting_text(name, size), title=name,
                                   kernel_name=app.options.kernel or ""))
