"""The build-progress panel: bar, step and package while the environment builds, gone when it is ready."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from env_support import HangingIndex, hanging_uv, seed_store, write_env_notebook
from support.tui import screen_text, wait_until, write_notebook
from textual.widgets import ProgressBar

from runt_tui.client import AsyncSession
from runt_tui.env.progress_view import BuildView, build_view
from runt_tui.protocol.runtime import EnvState, decode_runtime
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

__all__ = ["hanging_uv"]


def building(step: str, package: str | None, total: int | None, done: int, status: str = "building") -> dict[str, Any]:
    return {"status": status, "progress": {"step": step, "package": package, "total": total, "done": done,
                                           "output": ["Resolved 3 packages in 5ms", "Downloading tinypkg\x1b[31m"]}}


def test_build_view_is_none_unless_building() -> None:
    for status in ("unknown", "kernelspec", "awaiting_approval", "ready", "failed", "cancelled", "untrusted"):
        assert build_view({"status": status}) is None


def test_build_view_indeterminate_until_uv_counts() -> None:
    view = build_view(building("resolving", "numpy", None, 0))
    assert view == BuildView("Building the environment: resolving numpy", None, 0, "Downloading tinypkg\x1b[31m")
    assert build_view({"status": "building"}) == BuildView("Building the environment: starting", None, 0)


def test_build_view_counts_downloads_then_fills() -> None:
    view = build_view(building("downloading", "tinypkg", 3, 2))
    assert view is not None and (view.total, view.done) == (3, 2)
    assert view.title == "Building the environment: downloading tinypkg (2/3)"
    # More downloads than resolved packages never overflow the bar; past downloading it is full.
    assert build_view(building("downloading", "x", 3, 7)) == dataclasses.replace(view, title=view.title.replace("tinypkg (2/3)", "x (3/3)"), done=3)
    full = build_view(building("compiling", None, 3, 1, status="installing"))
    assert full is not None and (full.done, full.title) == (3, "Installing into the environment: compiling (3/3)")


def _set_env(app: NotebookApp, env: dict[str, Any]) -> None:
    app.session._set_state(dataclasses.replace(app.session.state, env=decode_runtime({"env": env}).env))
    app.refresh_status()


async def test_the_panel_shows_while_building_and_goes_on_ready(home: Path, tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", [("code", "1+1")])
    app = NotebookApp(AppOptions(path=path, name="alice", embedded=True, home=home, images="halfblock", start_kernel=False))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_until(pilot, lambda: app.ready and app.pane.settled)
        app.bridge.detach()
        assert "Building the environment" not in screen_text(app)
        _set_env(app, building("resolving", "numpy", None, 0))
        await wait_until(pilot, lambda: "Building the environment: resolving numpy" in screen_text(app))
        bar = app.query_one("#env-progress-bar", ProgressBar)
        assert bar.total is None  # indeterminate until uv says how many packages
        text = screen_text(app)
        assert "Building the environment: resolving numpy" in text and "Cancel: Ctrl+C" in text
        assert "Downloading tinypkg" in text and "\x1b" not in text  # uv's words, sanitised
        _set_env(app, building("downloading", "tinypkg", 4, 1))
        await wait_until(pilot, lambda: "environment: downloading tinypkg (1/4)" in screen_text(app))
        assert (bar.total, bar.progress) == (4, 1)
        # Ctrl+C runs the cancel action while a build shows.
        cancels: list[str] = []
        real_cancel = app.session.cancel_env_build

        async def counted_cancel() -> bool:
            cancels.append("asked")
            return await real_cancel()

        app.session.cancel_env_build = counted_cancel  # type: ignore[method-assign]
        await pilot.press("ctrl+c")
        # The daemon answers that nothing builds (this test gives the app the build's state itself).
        await wait_until(pilot, lambda: any("no environment is being built" in str(n.message) for n in app._notifications))
        assert cancels == ["asked"]
        ready = {"status": "ready", "env": {"key": "k", "kind": "inline", "path": "/envs/k", "python": "/envs/k/bin/python",
                                            "python_version": "3.12.1"}}
        _set_env(app, ready)
        await wait_until(pilot, lambda: "Building the environment" not in screen_text(app))
        assert not app.env_progress.display
        assert app.session.state.env != EnvState()


async def test_every_terminal_sees_a_real_build_and_ctrl_c_cancels_it(home: Path, hanging_uv: HangingIndex, tmp_path: Path) -> None:
    seed_store(home / "envs")
    path = tmp_path / "slow.ipynb"
    write_env_notebook(path, ["1+1"], {"runt": {"uv": {"dependencies": ["slowpkg"]}}})
    sa = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    sb = AsyncSession(path=path, name="bob", home=home, kind="tui", autostart=False)
    a = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=sa)
    b = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=sb)
    try:
        async with a.run_test(size=(100, 30)) as pa, b.run_test(size=(100, 30)) as pb:
            await wait_until(pa, lambda: a.ready)
            await wait_until(pb, lambda: b.ready)
            await sa.approve_trust()
            run = asyncio.ensure_future(sa.execute_cell("c0"))
            # uv waits on an index that never answers: the build stays in "resolving slowpkg".
            for app, pilot in ((a, pa), (b, pb)):
                await wait_until(pilot, lambda app=app: "Building the environment: resolving" in screen_text(app), timeout=60)
                assert app.query_one("#env-progress-bar", ProgressBar).total is None
            await pb.press("ctrl+c")  # bob cancels ann's build
            result = await asyncio.wait_for(run, 60)
            assert not result.success and "cancelled" in str(result.error)
            for app, pilot in ((a, pa), (b, pb)):
                await wait_until(pilot, lambda app=app: "Building the environment" not in screen_text(app))
                assert app.session.state.env.status == "cancelled" and not app.env_progress.display
    finally:
        await sb.close()
        await sa.close()
