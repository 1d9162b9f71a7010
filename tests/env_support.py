"""Offline environments for tests: tiny wheels built here, this installation's ipykernel as wheels.

uv runs with `UV_OFFLINE=1`, its own cache in a temp dir and `UV_FIND_LINKS` pointing at
the test's wheels, so no test needs the network (or leaves anything in ~/.cache/uv).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from runt_tui.env.wheelhouse import build_wheelhouse

_WHEELHOUSE: Path | None = None


def make_wheel(out_dir: Path, name: str, version: str = "1.0", body: str = "VALUE = 42\n",
               requires: list[str] | None = None) -> Path:
    """Write a pure-Python wheel holding module `name` (a real wheel uv installs)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    dist_info = f"{name}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires or [])
    files = {
        f"{name}/__init__.py": body,
        f"{dist_info}/METADATA": meta,
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: runt-tui-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    rows = []
    path = out_dir / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for arc, text in files.items():
            data = text.encode()
            zf.writestr(arc, data)
            h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(f"{arc},sha256={h},{len(data)}")
        rows.append(f"{dist_info}/RECORD,,")
        zf.writestr(f"{dist_info}/RECORD", "\n".join(rows) + "\n")
    return path


def shared_wheelhouse() -> Path:
    """This installation's ipykernel as wheels, repacked once per test process."""
    global _WHEELHOUSE
    if _WHEELHOUSE is None:
        d = Path(tempfile.mkdtemp(prefix="rt-wh-"))
        build_wheelhouse(d)
        _WHEELHOUSE = d
    return _WHEELHOUSE


def seed_store(root: Path) -> None:
    """Give a store the shared wheelhouse (hard links), as the daemon would build it."""
    import sys

    target = root / f".wheelhouse-cp{sys.version_info[0]}{sys.version_info[1]}"
    target.mkdir(parents=True, exist_ok=True)
    for wheel in shared_wheelhouse().iterdir():
        try:
            os.link(wheel, target / wheel.name)
        except OSError:
            shutil.copy(wheel, target / wheel.name)
    (target / ".complete").touch()


@pytest.fixture
def offline_uv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """uv offline, with a private cache; returns the find-links directory for the test's wheels."""
    links = tmp_path / "links"
    links.mkdir()
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.setenv("UV_FIND_LINKS", str(links))
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    return links


def write_env_notebook(path: Path, sources: list[str], metadata: dict[str, object] | None = None) -> list[str]:
    """A notebook (ids c0, c1, ...) with extra notebook metadata, e.g. `{"runt": {"uv": ...}}`."""
    import json

    cells = [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": s, "outputs": [],
              "execution_count": None} for i, s in enumerate(sources)]
    md = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}, **(metadata or {})}
    path.write_text(json.dumps({"cells": cells, "metadata": md, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n")
    return [f"c{i}" for i in range(len(sources))]


class HangingIndex:
    """A local 'package index' that accepts connections and never answers: uv waits on it."""

    def __init__(self) -> None:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/simple"

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def hanging_uv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[HangingIndex]:
    """uv pointed at an index that never answers (a build that stays in 'resolving')."""
    index = HangingIndex()
    monkeypatch.delenv("UV_OFFLINE", raising=False)
    monkeypatch.delenv("UV_FIND_LINKS", raising=False)
    monkeypatch.setenv("UV_INDEX_URL", index.url)
    monkeypatch.setenv("UV_DEFAULT_INDEX", index.url)
    monkeypatch.setenv("UV_HTTP_TIMEOUT", "600")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    yield index
    index.close()
