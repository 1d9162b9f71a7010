"""Pure parts of the app: undo history transforms, argv routing, the status bar at 80 columns."""

from __future__ import annotations

from runt_tui.cli import route_argv
from runt_tui.client.editsync import UndoHistory, UndoStep, undo_edit
from runt_tui.doc import Edit
from runt_tui.tui.model import CellModel, ViewFlags, estimate_height
from runt_tui.tui.widgets.status import StatusInfo, status_text


def test_typing_groups_into_one_undo_step() -> None:
    h = UndoHistory()
    for i, ch in enumerate("abc"):
        h.record(Edit(i, 0, ch), "", "edit")
    assert len(h.undo) == 1 and h.undo[0].inserted == "abc"
    h.record(Edit(3, 0, "\n"), "", "edit")
    assert len(h.undo) == 2


def test_remote_edits_shift_or_drop_steps() -> None:
    h = UndoHistory()
    h.undo = [UndoStep(10, "", "xyz", 0.0), UndoStep(2, "", "ab", 0.0)]
    h.transform([Edit(0, 0, "++"), Edit(3, 1, "")])  # insert before both, delete inside "ab"
    assert [(s.pos, s.inserted) for s in h.undo] == [(11, "xyz")]


def test_undo_edit_checks_the_text() -> None:
    step = UndoStep(2, "old", "new", 0.0)
    assert undo_edit(step, "..new..") == (Edit(2, 3, "old"), "new")
    assert undo_edit(step, "..NEW..") is None


def test_route_argv() -> None:
    assert route_argv(["nb.ipynb"]) == ["open", "nb.ipynb"]
    assert route_argv(["--name", "ann", "nb.ipynb"]) == ["open", "--name", "ann", "nb.ipynb"]
    assert route_argv(["nb.ipynb", "--follow"]) == ["open", "nb.ipynb", "--follow="]
    assert route_argv(["--follow", "nb.ipynb"]) == ["open", "--follow=", "nb.ipynb"]
    assert route_argv(["nb.ipynb", "--follow", "bob"]) == ["open", "nb.ipynb", "--follow", "bob"]
    assert route_argv(["daemon", "stop"]) == ["daemon", "stop"]
    assert route_argv(["ps"]) == ["ps"]
    assert route_argv(["--version"]) == ["--version"]


def test_status_bar_fits_80_columns() -> None:
    peers = tuple((f"peer{i}", "#ff0000") for i in range(10))
    info = StatusInfo(kernel_name="python3", kernel_status="busy", queue=3, save="unsaved",
                      connection="reconnecting", peers=peers, me=("alice", "#00ff00"), title="a.ipynb")
    text = status_text(info, 80)
    assert text.cell_len <= 80
    assert "reconnecting" in text.plain and "queue 3" in text.plain and "busy" in text.plain


def test_estimates_are_positive() -> None:
    model = CellModel(id="c", cell_type="code", source="a\nb",
                      outputs=({"output_type": "stream", "name": "stdout", "text": "x\n" * 5},))
    assert estimate_height(model, ViewFlags()) >= 8
    assert estimate_height(model, ViewFlags(layout="outputs")) < estimate_height(model, ViewFlags())
