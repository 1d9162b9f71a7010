"""`runt-tui --view` on an untrusted notebook: previewing it runs, installs and signs nothing."""

from __future__ import annotations

from pathlib import Path

from env_support import write_env_notebook
from support.tui import screen_text, wait_until

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.screens.env import TrustScreen


async def test_viewing_an_untrusted_notebook_asks_nothing_and_starts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    write_env_notebook(path, ["import tinypkg"], {"runt": {"uv": {"dependencies": ["tinypkg"]}}})
    data = path.read_bytes()
    session = AsyncSession(path=path, name="viewer", embedded=True, home=tmp_path / "home", kind="viewer")
    # Even asked to start a kernel, a viewer must not: no approval dialog, no build, no kernel.
    app = NotebookApp(AppOptions(path=path, images="halfblock", view=True, start_kernel=True), session=session)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await pilot.pause(1.0)
            assert "VIEW" in screen_text(app)
            assert not isinstance(app.screen, TrustScreen)
            assert session.state.env.status not in ("awaiting_approval", "approved", "building", "installing", "ready")
            assert session.state.kernel.status in ("none", "")
            assert "import tinypkg" in screen_text(app)
    finally:
        await session.close()
    assert path.read_bytes() == data  # not signed, not rewritten
    assert not (tmp_path / "home" / "envs").exists() or not any((tmp_path / "home" / "envs").iterdir())
