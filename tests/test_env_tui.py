"""The approval dialog in the app: every terminal sees it, any may approve, the others see who."""

from __future__ import annotations

from pathlib import Path

from env_support import make_wheel, offline_uv, seed_store, write_env_notebook
from support.tui import screen_text, wait_until

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.screens.env import TrustScreen

__all__ = ["offline_uv"]


def _notes(app: NotebookApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_every_terminal_sees_the_dialog_and_who_approved(home: Path, offline_uv: Path, tmp_path: Path) -> None:
    make_wheel(offline_uv, "tinypkg", body="VALUE = 42\n")
    make_wheel(offline_uv, "reqeusts")  # a lookalike name: installable, and flagged
    seed_store(home / "envs")
    path = tmp_path / "nb.ipynb"
    write_env_notebook(path, ["import tinypkg; print(tinypkg.VALUE)"], {"runt": {"uv": {"dependencies": ["reqeusts", "tinypkg"]}}})
    sa = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    sb = AsyncSession(path=path, name="bob", home=home, kind="tui", autostart=False)
    a = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=True), session=sa)
    b = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=sb)
    try:
        async with a.run_test(size=(100, 30), notifications=True) as pa:
            await wait_until(pa, lambda: isinstance(a.screen, TrustScreen) and "Waiting for approval" in screen_text(a))
            text = screen_text(a)
            assert "Waiting for approval" in text and "tinypkg" in text
            assert "looks like 'requests'" in text  # the typosquat is flagged
            assert a.status_bar.info.env == "env: waiting for approval"
            async with b.run_test(size=(100, 30), notifications=True) as pb:
                await wait_until(pb, lambda: isinstance(b.screen, TrustScreen))
                assert [p.name for p in (home / "envs").iterdir() if not p.name.startswith(".")] == []
                await pb.press("a")
                await wait_until(pa, lambda: not isinstance(a.screen, TrustScreen))
                await wait_until(pa, lambda: "approved by bob" in _notes(a))
                await wait_until(pa, lambda: sa.kernel_status() == "idle", timeout=120)
                result = await sa.execute_cell("c0")
                assert result.stdout.strip() == "42"
                await wait_until(pa, lambda: "env inline" in screen_text(a))
                await sa.shutdown_kernel()
    finally:
        await sb.close()
        await sa.close()


async def test_a_failed_build_is_shown_in_full(home: Path, offline_uv: Path, tmp_path: Path) -> None:
    from runt_tui.env import load_key, sign
    from runt_tui.tui.screens.dialogs import TextScreen

    seed_store(home / "envs")
    tables = {"uv": {"dependencies": ["no-such-pkg-xyz"]}}
    path = tmp_path / "bad.ipynb"
    write_env_notebook(path, ["1"], {"runt": {**tables, "trust_signature": sign(tables, load_key())}})
    session = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=True), session=session)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, TextScreen) and "No solution" in screen_text(app), timeout=60)
            text = screen_text(app)
            assert "could not be made" in text and "no-such-pkg-xyz" in text and "No solution found" in text
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.status_bar.info.env == "env: build failed")
    finally:
        await session.close()
