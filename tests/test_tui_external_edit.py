"""`E`: a cell edited in $EDITOR (a scripted editor) while another client types in the same cell."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from conftest import until
from power_support import opened, source
from support.tui import screen_text, wait_until

from runt_tui.client import AsyncSession
from runt_tui.doc import Edit

EDITOR = textwrap.dedent('''
    import os, pathlib, sys, time
    path = pathlib.Path(sys.argv[-1])
    signals = pathlib.Path(os.environ["EDIT_SIGNALS"])
    (signals / "opened").write_text(path.read_text())
    deadline = time.monotonic() + 60
    while not (signals / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    text = path.read_text()
    path.write_text(text.replace("first", "FIRST") + "\\n")  # editors add a final newline
    sys.exit(int(os.environ.get("EDIT_STATUS", "0")))
''')


@pytest.fixture
def scripted_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    signals = tmp_path / "signals"
    signals.mkdir()
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.setenv("EDIT_SIGNALS", str(signals))
    return signals


async def test_editor_change_merges_with_a_collaborators_typing(tmp_path: Path, scripted_editor: Path) -> None:
    cells = [("code", "x = 1"), ("code", "first line\nsecond line")]
    async with opened(tmp_path, cells) as (app, pilot, session):
        async with AsyncSession(path=session.path, name="bob", home=tmp_path / "home", autostart=False) as bob:
            await pilot.press("j", "E")
            await wait_until(pilot, lambda: (scripted_editor / "opened").exists())
            assert (scripted_editor / "opened").read_text() == "first line\nsecond line"
            # Bob types at the end of the same cell while the editor is open.
            cid = bob.doc.cell_ids()[1]
            await until(lambda: bob.doc.source_editable(cid), "the cell prepared for editing")
            bob.edit(lambda d: d.splice_source(cid, [Edit(len(d.source(cid)), 0, " (bob)")]))
            await bob.sync_now()
            # The app's loop kept running: its replica already has bob's typing.
            await wait_until(pilot, lambda: source(session, 1).endswith("(bob)"))
            (scripted_editor / "go").write_text("")
            expected = "FIRST line\nsecond line (bob)"
            await wait_until(pilot, lambda: source(session, 1) == expected)
            await until(lambda: bob.doc.source(cid) == expected, "the merged text at bob")
            await wait_until(pilot, lambda: "FIRST line" in screen_text(app))  # redrawn
        assert app.mode == "command"
        # The editor's change is this terminal's own edit: undo takes it back, bob's typing stays.
        await pilot.press("enter", "ctrl+z", "escape")
        await wait_until(pilot, lambda: source(session, 1) == "first line\nsecond line (bob)")


async def test_editor_failing_changes_nothing(tmp_path: Path, scripted_editor: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDIT_STATUS", "1")
    (scripted_editor / "go").write_text("")
    async with opened(tmp_path, [("code", "first")]) as (app, pilot, session):
        await pilot.press("E")
        await wait_until(pilot, lambda: any("exited with status 1" in n.message for n in app._notifications))
        assert source(session, 0) == "first"


async def test_missing_editor_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    async with opened(tmp_path, [("code", "first")]) as (app, pilot, session):
        await pilot.press("E")
        await wait_until(pilot, lambda: any("could not start" in n.message for n in app._notifications))
        assert source(session, 0) == "first"
