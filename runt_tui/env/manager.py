"""Environments for every room of one daemon: cached, built once however many ask, cancellable.

Two notebooks asking for the same key share one build (each sees its progress); a
cancel ends it for all of them; a failure reaches every waiter as BuildError and
touches nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runt_tui.env.build import BuildError, add_packages, build_env
from runt_tui.env.build_progress import Progress
from runt_tui.env.resolve import EnvRequest
from runt_tui.env.store import EnvInfo, EnvStore
from runt_tui.env.wheelhouse import build_wheelhouse

ProgressHandler = Callable[[Progress], None]


class BuildCancelled(RuntimeError):
    """Someone cancelled the build this kernel was waiting for."""


@dataclass(eq=False)
class Build:
    """One environment being built, and who watches it."""

    key: str
    request: EnvRequest
    progress: Progress = field(default_factory=Progress)
    listeners: set[ProgressHandler] = field(default_factory=set)
    task: asyncio.Task[EnvInfo] | None = None

    def publish(self, progress: Progress) -> None:
        """Tell every watcher where the build is (a bad watcher never stops the build)."""
        self.progress = progress
        for listener in list(self.listeners):
            with contextlib.suppress(Exception):
                listener(progress)


class EnvManager:
    """The store and the builds in flight."""

    def __init__(self, root: Path, *, use_wheelhouse: bool = True) -> None:
        self.store = EnvStore(root)
        self.builds: dict[str, Build] = {}
        # Whoever uses environments (the daemon's rooms): an environment is extended in
        # place only when no other user's kernel runs in it.
        self.users: weakref.WeakSet[Any] = weakref.WeakSet()
        self._use_wheelhouse = use_wheelhouse
        self._wheelhouse_lock = asyncio.Lock()

    def lookup(self, request: EnvRequest) -> EnvInfo | None:
        """The cached environment for `request`, marked used; None when it must be built."""
        key = request.key()
        info = self.store.ready(key)
        if info is not None and key not in self.builds:
            self.store.touch(Path(info.path))
            return info
        return None

    async def get(self, request: EnvRequest, listener: ProgressHandler) -> EnvInfo:
        """The environment for `request`, building it (once) when needed.

        BuildError when it fails, BuildCancelled when someone cancels it.
        """
        info = self.lookup(request)
        if info is not None:
            return info
        build = self._start(request)
        build.listeners.add(listener)
        listener(build.progress)
        assert build.task is not None
        try:
            return await asyncio.shield(build.task)
        except asyncio.CancelledError:
            if build.task.cancelled():
                raise BuildCancelled("the environment build was cancelled") from None
            raise
        finally:
            build.listeners.discard(listener)

    def _start(self, request: EnvRequest) -> Build:
        key = request.key()
        build = self.builds.get(key)
        if build is None:
            build = Build(key, request)
            self.builds[key] = build
            build.task = asyncio.get_running_loop().create_task(self._run(build), name=f"env-build-{key}")
        return build

    async def _run(self, build: Build) -> EnvInfo:
        try:
            wheelhouse = await self.wheelhouse() if build.request.kind != "conda" else None
            return await build_env(self.store, build.request, build.publish, wheelhouse)
        finally:
            self.builds.pop(build.key, None)

    async def extend(self, info: EnvInfo, request: EnvRequest, added: list[str], listener: ProgressHandler) -> EnvInfo:
        """Add `added` to the environment `info` in place; it then serves `request`'s key.

        BuildError when uv cannot (the environment is left as uv left it, still serving
        its old key only if nothing was installed).
        """
        await add_packages(info, added, listener, await self.wheelhouse())
        return self.store.rekey(info, request.key(), list(request.dependencies))

    def cancel(self, key: str) -> bool:
        """Cancel the build of `key`; whether one was running."""
        build = self.builds.get(key)
        if build is None or build.task is None or build.task.done():
            return False
        build.task.cancel()
        return True

    async def wheelhouse(self) -> Path | None:
        """This installation's ipykernel as wheels (built once per store), or None when off."""
        if not self._use_wheelhouse:
            return None
        tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
        path = self.store.root / f".wheelhouse-{tag}"
        async with self._wheelhouse_lock:
            done = path / ".complete"
            if not done.exists():
                try:
                    await asyncio.to_thread(build_wheelhouse, path)
                    done.touch()
                except OSError:
                    return None
        return path

    async def close(self) -> None:
        """Cancel every build (the daemon is going away)."""
        tasks = [b.task for b in self.builds.values() if b.task is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(BaseException):
                await t


__all__ = ["Build", "BuildCancelled", "BuildError", "EnvManager"]
