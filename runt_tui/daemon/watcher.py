"""Watching the directories of open notebooks with watchfiles."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

import watchfiles

log = logging.getLogger("runt_tui.daemon")
# watchfiles logs every batch of changes at INFO ("3 changes detected"): noise in daemon.log.
logging.getLogger("watchfiles").setLevel(logging.WARNING)


class FileWatcher:
    """Watch the parent directories of open files; report changes to watched files."""

    def __init__(self, on_change: Callable[[Path], None]) -> None:
        self._on_change = on_change
        self._files: dict[Path, int] = {}
        # One watch per directory, so that opening or closing a notebook never restarts
        # (and opens a blind gap in) the watches of the others.
        self._dirs: dict[Path, tuple[asyncio.Task[None], asyncio.Event]] = {}

    def watch(self, path: Path) -> None:
        """Start reporting changes to `path`."""
        self._files[path] = self._files.get(path, 0) + 1
        self._restart()

    def unwatch(self, path: Path) -> None:
        """Stop reporting changes to `path`."""
        n = self._files.get(path, 0) - 1
        if n <= 0:
            self._files.pop(path, None)
        else:
            self._files[path] = n
        self._restart()

    def _restart(self) -> None:
        wanted = {p.parent for p in self._files}
        for d in [d for d in self._dirs if d not in wanted]:
            self._dirs.pop(d)[1].set()
        for d in sorted(wanted - set(self._dirs)):
            stop = asyncio.Event()
            self._dirs[d] = (asyncio.get_running_loop().create_task(self._run([d], stop)), stop)

    async def _run(self, dirs: list[Path], stop: asyncio.Event) -> None:
        try:
            async for changes in watchfiles.awatch(*dirs, stop_event=stop, debounce=50, step=20, recursive=False):
                hit = {Path(p) for _, p in changes} & set(self._files)
                for path in hit:
                    self._on_change(path)
        except Exception:
            log.exception("file watcher failed for %s", dirs)

    async def stop(self) -> None:
        """Stop watching."""
        watches = list(self._dirs.values())
        self._dirs.clear()
        self._files.clear()
        for _, stop in watches:
            stop.set()
        for task, _ in watches:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 2.0)
