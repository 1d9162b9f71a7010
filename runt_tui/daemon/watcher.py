"""Watching the directories of open notebooks with watchfiles."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import watchfiles

log = logging.getLogger("runt_tui.daemon")


class FileWatcher:
    """Watch the parent directories of open files; report changes to watched files."""

    def __init__(self, on_change: Callable[[Path], None]) -> None:
        self._on_change = on_change
        self._files: dict[Path, int] = {}
        self._task: asyncio.Task[Any] | None = None
        self._stop: asyncio.Event | None = None

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
        dirs = sorted({p.parent for p in self._files})
        if self._stop is not None:
            self._stop.set()
        self._task = None
        self._stop = None
        if dirs:
            self._stop = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(dirs, self._stop))

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
        if self._stop is not None:
            self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 2.0)
        self._files.clear()
