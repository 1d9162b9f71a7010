"""The cached environment store: one directory per key, shared by every notebook asking for it.

`<root>/<key>/` is a virtual environment (or a conda prefix); `runt-env.json` in it is
written last, so a directory without it is an unfinished build and never used.
`last-used` is touched at each kernel start; `gc` removes environments unused for N days.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

MARKER = "runt-env.json"
USED = "last-used"


@dataclass(frozen=True)
class EnvInfo:
    """A built environment: what the status bar and `runt-tui ps` show of it."""

    key: str
    kind: str
    path: str
    python: str
    python_version: str
    dependencies: list[str] = field(default_factory=list)
    created: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON for runtime state."""
        return asdict(self)


def env_python(path: Path) -> Path:
    """The interpreter of an environment directory (venv or conda prefix)."""
    return path / "bin" / "python"


class EnvStore:
    """The environments under one root directory.

    A directory is named after the key it was built for; its marker says which key it
    serves now (an environment that got packages added while its kernel ran serves
    the new list's key), so lookups go by marker and a new build never reuses a
    directory that holds a finished environment.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dirs(self) -> list[Path]:
        try:
            return sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            return []

    @staticmethod
    def info_at(path: Path) -> EnvInfo | None:
        """The finished environment in `path`, or None."""
        try:
            info = EnvInfo(**json.loads((path / MARKER).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        return info if Path(info.python).exists() else None

    def ready(self, key: str) -> EnvInfo | None:
        """The finished environment serving `key`, or None."""
        first = self.root / key
        for path in [first, *(d for d in self._dirs() if d != first)]:
            info = self.info_at(path)
            if info is not None and info.key == key:
                return info
        return None

    def build_dir(self, key: str) -> Path:
        """A directory to build `key` in: unfinished leftovers are removed, finished ones kept."""
        for n in range(1000):
            path = self.root / (key if n == 0 else f"{key}-{n}")
            if path.exists() and self.info_at(path) is None:
                shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                return path
        raise OSError(f"{self.root}: no free directory for environment {key}")

    def finish(self, info: EnvInfo) -> None:
        """Mark `info`'s directory as a finished environment serving `info.key` (the marker goes last)."""
        target = Path(info.path) / MARKER
        tmp = target.with_name(f".{MARKER}.{os.getpid()}")
        tmp.write_text(json.dumps(info.as_dict(), indent=1), encoding="utf-8")
        os.replace(tmp, target)
        self.touch(Path(info.path))

    def rekey(self, info: EnvInfo, key: str, dependencies: list[str]) -> EnvInfo:
        """The environment now serves `key` (packages were added to it in place)."""
        new = replace(info, key=key, dependencies=list(dependencies))
        self.finish(new)
        return new

    @staticmethod
    def touch(path: Path) -> None:
        """Record that a kernel started in the environment at `path` now (for garbage collection)."""
        with contextlib.suppress(OSError):
            (path / USED).write_text(f"{time.time():.0f}\n", encoding="utf-8")

    @staticmethod
    def last_used(path: Path) -> float:
        """When a kernel last started there (the directory's mtime when never)."""
        try:
            return float((path / USED).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            try:
                return path.stat().st_mtime
            except OSError:
                return 0.0

    @staticmethod
    def discard(path: Path) -> None:
        """Remove an environment directory (an unfinished or unwanted one)."""
        shutil.rmtree(path, ignore_errors=True)

    def keys(self) -> list[str]:
        """The names of the environment directories, finished or not."""
        return [p.name for p in self._dirs()]

    def gc(self, max_age_days: float, keep: set[str], now: float | None = None) -> list[str]:
        """Remove environments unused for `max_age_days` (none whose directory name is in `keep`)."""
        if max_age_days <= 0:
            return []
        cutoff = (now if now is not None else time.time()) - max_age_days * 86400
        removed = []
        for path in self._dirs():
            if path.name not in keep and self.last_used(path) < cutoff:
                self.discard(path)
                removed.append(path.name)
        return removed
