"""Pilot tests of the keys that talk to the kernel: run variants, interrupt, restart,
completion, inspection and input(), against a real daemon and ipykernel."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from support.tui import screen_text, wait_until, write_notebook
from textual.pilot import Pilot
from textual.widgets import OptionList

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.screens.dialogs import (
    ChoiceScreen,
    CompletionScreen,
    ConfirmScreen,
    PromptScreen,
    TextScreen,
)


@asynccontextmanager
async def kernel_app(tmp_path: Path, cells: list[tuple[str, str]]) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    path = write_notebook(tmp_path / "nb.ipynb", cells)
    # Kernel sockets live in the state dir: keep its path short (the IPC limit is ~100 bytes).
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    session = AsyncSession(path=path, name="alice", embedded=True, home=home, kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock"), session=session)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await wait_until(pilot, lambda: session.kernel_status() == "idle", timeout=60)
            yield app, pilot, session
            await session.shutdown_kernel()
    finally:
        await session.close()
        shutil.rmtree(home, ignore_errors=True)


def outputs_text(session: AsyncSession, index: int) -> str:
    cell = session.get_cell(session.doc.cell_ids()[index])
    parts = []
    for out in cell.outputs:
        parts.append(str(out.get("text", "")))
        parts.append(str((out.get("data") or {}).get("text/plain", "")))
        parts.append(str(out.get("ename", "")))
    return "".join(parts)


def count(session: AsyncSession, index: int) -> int | None:
    return session.doc.cell(session.doc.cell_ids()[index]).execution_count


@pytest.mark.parametrize("key", ["ctrl+enter", "ctrl+e"])
async def test_run_keeps_selection(tmp_path: Path, key: str) -> None:
    async with kernel_app(tmp_path, [("code", "print('out' + 'put')"), ("code", "2")]) as (app, pilot, session):
        first = app.selected
        await pilot.press(key)
        await wait_until(pilot, lambda: "output" in outputs_text(session, 0))
        assert app.selected == first and count(session, 0) == 1
        await wait_until(pilot, lambda: "[1]" in screen_text(app) and "output" in screen_text(app))


@pytest.mark.parametrize("key", ["shift+enter", "ctrl+r"])
async def test_run_and_advance_inserts_at_the_end(tmp_path: Path, key: str) -> None:
    async with kernel_app(tmp_path, [("code", "1 + 1"), ("code", "3 * 3")]) as (app, pilot, session):
        ids = session.doc.cell_ids()
        await pilot.press(key)
        assert app.selected == ids[1]
        await pilot.press(key)
        await wait_until(pilot, lambda: outputs_text(session, 1) == "9")
        assert outputs_text(session, 0) == "2"
        assert len(session.doc) == 3 and app.selected == session.doc.cell_ids()[2]


async def test_alt_enter_runs_and_inserts(tmp_path: Path) -> None:
    async with kernel_app(tmp_path, [("code", "40 + 2"), ("code", "0")]) as (app, pilot, session):
        await pilot.press("alt+enter")
        await wait_until(pilot, lambda: outputs_text(session, 0) == "42")
        assert len(session.doc) == 3 and app.selected == session.doc.cell_ids()[1]
        assert session.doc.source(app.selected) == ""


async def test_run_from_edit_mode(tmp_path: Path) -> None:
    async with kernel_app(tmp_path, [("code", "")]) as (app, pilot, session):
        await pilot.press("enter", *"6*7", "ctrl+e")
        await wait_until(pilot, lambda: outputs_text(session, 0) == "42")
        assert app.mode == "edit"


async def test_ii_interrupts(tmp_path: Path) -> None:
    cells = [("code", "import time\ntime.sleep(60)"), ("code", "1")]
    async with kernel_app(tmp_path, cells) as (app, pilot, session):
        await pilot.press("ctrl+enter")
        await wait_until(pilot, lambda: (session.runtime.get("executions") or {}).get(app.selected, {}).get("status") == "running")
        await pilot.pause(0.3)
        await pilot.press("i", "i")
        await wait_until(pilot, lambda: "KeyboardInterrupt" in outputs_text(session, 0))
        await wait_until(pilot, lambda: session.kernel_status() == "idle")


async def test_00_restarts_after_confirm(tmp_path: Path) -> None:
    async with kernel_app(tmp_path, [("code", "a = 5\na")]) as (app, pilot, session):
        await pilot.press("ctrl+enter")
        await wait_until(pilot, lambda: count(session, 0) == 1)
        pid = (session.runtime.get("kernel") or {}).get("pid")
        await pilot.press("0", "0")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: (session.runtime.get("kernel") or {}).get("pid") not in (None, pid)
                         and session.kernel_status() == "idle", timeout=60)


async def test_tab_completes_from_the_kernel(tmp_path: Path) -> None:
    async with kernel_app(tmp_path, [("code", "import collections\ncollections.OrderedD")]) as (app, pilot, session):
        await pilot.press("enter", "down", "end", "tab")
        await wait_until(pilot, lambda: session.doc.source(app.selected or "").endswith("OrderedDict"))


async def test_tab_offers_a_list_when_ambiguous(tmp_path: Path) -> None:
    async with kernel_app(tmp_path, [("code", "import os\nos.getcw")]) as (app, pilot, session):
        await pilot.press("enter", "down", "end", "tab")
        await wait_until(pilot, lambda: isinstance(app.screen, CompletionScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: session.doc.source(app.selected or "").startswith("import os\nos.getcwd"))


async def test_shift_tab_inspects(tmp_path: Path) -> None:
    async with kernel_app(tmp_path, [("code", "len")]) as (app, pilot, _session):
        await pilot.press("enter", "end", "shift+tab")
        # The screen is pushed before the kernel's answer is drawn in it: wait for the text.
        await wait_until(
            pilot, lambda: isinstance(app.screen, TextScreen) and ("Signature" in screen_text(app) or "len" in screen_text(app))
        )
        await pilot.press("escape")
        assert not isinstance(app.screen, TextScreen)


async def test_input_prompt_appears_where_the_cell_ran(tmp_path: Path) -> None:
    async with kernel_app(tmp_path, [("code", "name = input('who? ')\nprint('hello', name)")]) as (app, pilot, session):
        await pilot.press("ctrl+enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        assert "who?" in screen_text(app)
        await pilot.press(*"bob", "enter")
        await wait_until(pilot, lambda: "hello bob" in outputs_text(session, 0))


async def test_change_kernel_offers_the_installed_kernelspecs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A second kernelspec, installed where jupyter_client looks (the embedded daemon shares our environment).
    jupyter = tmp_path / "jupyter"
    spec = jupyter / "kernels" / "other-py"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Other Python", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    async with kernel_app(tmp_path, [("code", "import os\nos.getpid()")]) as (app, pilot, session):
        specs = await session.kernelspecs()
        assert {"python3", "other-py"} <= set(specs) and specs["other-py"]["display_name"] == "Other Python"
        first = (session.runtime.get("kernel") or {}).get("pid")
        app.action_change_kernel()
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen) and "Other Python" in screen_text(app))
        text = screen_text(app)
        assert "Other Python  (other-py)" in text and "(python3, running)" in text
        screen = app.screen
        assert isinstance(screen, ChoiceScreen)
        names = [value for _, value in screen.choices]
        assert screen.query_one(OptionList).highlighted == names.index("python3")  # the running one
        steps = names.index("other-py") - names.index("python3")
        await pilot.press(*(["down" if steps > 0 else "up"] * abs(steps)), "enter")
        await wait_until(
            pilot, lambda: (session.runtime.get("kernel") or {}).get("name") == "other-py" and session.kernel_status() == "idle",
            timeout=60,
        )
        assert (session.runtime.get("kernel") or {}).get("pid") != first


async def test_opening_with_another_kernel_name_warns_that_the_running_kernel_is_shared(tmp_path: Path) -> None:
    async with kernel_app(tmp_path, [("code", "1")]) as (app, pilot, session):
        app.options = dataclasses.replace(app.options, kernel="some-other-kernel")
        await app._start_kernel()
        def notices() -> str:
            return "\n".join(n.message for n in app._notifications)

        await wait_until(pilot, lambda: "already running for everyone" in notices())
        assert "Change kernel" in notices() and "some-other-kernel" in notices()
        assert (session.runtime.get("kernel") or {}).get("name") == "python3"
