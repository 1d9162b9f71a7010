"""Building environments with the real uv, offline: cached, shared, cancelled, failing."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from env_support import HangingIndex, hanging_uv, make_wheel, offline_uv, seed_store

from runt_tui.env import BuildCancelled, BuildError, EnvManager, Progress, resolve_request

__all__ = ["hanging_uv", "offline_uv"]


def _inline(*deps: str) -> object:
    return resolve_request({"runt": {"uv": {"dependencies": list(deps)}}}, None, None)


def _run(python: str, code: str) -> str:
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout.strip()


async def test_inline_build_installs_deps_and_ipykernel_then_is_cached(offline_uv: Path, tmp_path: Path) -> None:
    make_wheel(offline_uv, "tinypkg", body="VALUE = 42\n")
    manager = EnvManager(tmp_path / "envs")
    seed_store(manager.store.root)
    seen: list[tuple[str, str | None]] = []
    request = _inline("tinypkg")
    info = await manager.get(request, lambda p: seen.append((p.step, p.package)))  # type: ignore[arg-type]
    assert _run(info.python, "import tinypkg, ipykernel; print(tinypkg.VALUE)") == "42"
    assert info.python_version.count(".") == 2 and info.kind == "inline"
    steps = [s for s, _ in seen]
    assert steps[0] == "starting" and "creating" in steps and steps[-1] == "ready" and "resolving" in steps
    assert ("resolving", "tinypkg") in seen
    # A second request for the same list is the cached env, no build.
    again: list[Progress] = []
    assert (await manager.get(_inline("TinyPkg"), again.append)).path == info.path  # type: ignore[arg-type]
    assert again == []


async def test_two_notebooks_build_one_env(offline_uv: Path, tmp_path: Path) -> None:
    make_wheel(offline_uv, "sharedpkg")
    manager = EnvManager(tmp_path / "envs")
    seed_store(manager.store.root)
    a: list[str] = []
    b: list[str] = []
    ia, ib = await asyncio.gather(
        manager.get(_inline("sharedpkg"), lambda p: a.append(p.step)),  # type: ignore[arg-type]
        manager.get(_inline("sharedpkg"), lambda p: b.append(p.step)),  # type: ignore[arg-type]
    )
    assert ia == ib and a[-1] == b[-1] == "ready"
    # one build: "creating" was published once (both watchers saw the same publication)
    assert a.count("creating") == 1 and b.count("creating") == 1
    assert manager.store.keys() == [ia.key]


async def test_failing_build_reports_uv_error_and_leaves_nothing(offline_uv: Path, tmp_path: Path) -> None:
    manager = EnvManager(tmp_path / "envs")
    seed_store(manager.store.root)
    request = _inline("no-such-package-here")
    with pytest.raises(BuildError) as err:
        await manager.get(request, lambda p: None)  # type: ignore[arg-type]
    assert "no-such-package-here" in str(err.value) and "error" in str(err.value).lower()
    assert manager.store.keys() == [] and manager.builds == {}


async def test_cancel_mid_build(hanging_uv: HangingIndex, tmp_path: Path) -> None:
    manager = EnvManager(tmp_path / "envs")
    seed_store(manager.store.root)
    request = _inline("slowpkg")
    started = asyncio.Event()

    def progress(p: Progress) -> None:
        if p.step == "resolving":
            started.set()

    task = asyncio.ensure_future(manager.get(request, progress))  # type: ignore[arg-type]
    await asyncio.wait_for(started.wait(), 60)  # uv is waiting on the index that never answers
    assert manager.cancel(request.key())  # type: ignore[attr-defined]
    with pytest.raises(BuildCancelled):
        await task
    assert manager.store.keys() == [] and manager.store.ready(request.key()) is None  # type: ignore[attr-defined]
    assert manager.builds == {}


def _index_reachable() -> bool:
    """Whether the package index answers (a real request: a proxy may accept and then refuse)."""
    import urllib.request

    try:
        with urllib.request.urlopen("https://pypi.org/simple/six/", timeout=5) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@pytest.mark.skipif(not _index_reachable(), reason="the package index is not reachable")
async def test_build_from_the_package_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    manager = EnvManager(tmp_path / "envs")
    seed_store(manager.store.root)
    info = await manager.get(_inline("six==1.17.0"), lambda p: None)  # type: ignore[arg-type]
    assert _run(info.python, "import six; print(six.__version__)") == "1.17.0"
