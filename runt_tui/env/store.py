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
from dataclasses import asdict, dataclass, field
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
    """The environments under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """The directory of the environment `key` (built or not)."""
        return self.root / key

    def ready(self, key: str) -> EnvInfo | None:
        """The finished environment `key`, or None."""
        try:
            data = json.loads((self.path(key) / MARKER).read_text(encoding="utf-8"))
            info = EnvInfo(**data)
        except (OSError, ValueError, TypeError):
            return None
        return info if Path(info.python).exists() else None

    def finish(self, info: EnvInfo) -> None:
        """Mark `info`'s directory as a finished environment (the marker goes last)."""
        target = Path(info.path) / MARKER
        tmp = target.with_name(f".{MARKER}.{os.getpid()}")
        tmp.write_text(json.dumps(info.as_dict(), indent=1), encoding="utf-8")
        os.replace(tmp, target)
        self.touch(info.key)

    def touch(self, key: str) -> None:
        """Record that a kernel started in `key` now (for garbage collection)."""
        with contextlib.suppress(OSError):
            (self.path(key) / USED).write_text(f"{time.time():.0f}\n", encoding="utf-8")

    def last_used(self, key: str) -> float:
        """When a kernel last started in `key` (the directory's mtime when never)."""
        d = self.path(key)
        try:
            return float((d / USED).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            try:
                return d.stat().st_mtime
            except OSError:
                return 0.0

    def discard(self, key: str) -> None:
        """Remove the directory of `key` (an unfinished or unwanted environment)."""
        shutil.rmtree(self.path(key), ignore_errors=True)

    def keys(self) -> list[str]:
        """Every environment directory in the store, finished or not."""
        try:
            return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            return []

    def gc(self, max_age_days: float, keep: set[str], now: float | None = None) -> list[str]:
        """Remove environments unused for `max_age_days` (none in `keep`); the keys removed."""
        if max_age_days <= 0:
            return []
        cutoff = (now if now is not None else time.time()) - max_age_days * 86400
        removed = []
        for key in self.keys():
            if key not in keep and self.last_used(key) < cutoff:
                self.discard(key)
                removed.append(key)
        return removed
