"""Editing a cell in $EDITOR: the command, the file, and the three-way merge against a collaborator's typing."""

from __future__ import annotations

from pathlib import Path

from conftest import until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.client.editsync import EditBuffer, UndoHistory
from runt_tui.daemon.server import Daemon
from runt_tui.doc import Edit
from runt_tui.tui.external_edit import (
    apply_external,
    editor_command,
    read_back,
    remove_temp,
    suffix_for,
    without_added_newline,
    write_temp,
)


def test_editor_command() -> None:
    assert editor_command({"VISUAL": "nvim -u NONE", "EDITOR": "nano"}) == ["nvim", "-u", "NONE"]
    assert editor_command({"EDITOR": "emacs -nw"}) == ["emacs", "-nw"]
    assert editor_command({"VISUAL": "  ", "EDITOR": "'/opt/my editor/hx'"}) == ["/opt/my editor/hx"]
    assert editor_command({}) == ["vi"]


def test_file_round_trip_and_added_newline() -> None:
    path = write_temp("x = 'é'\r\ny", ".py")
    try:
        assert path.suffix == ".py" and path.parent.name.startswith("runt-tui-edit-")
        assert read_back(path) == "x = 'é'\r\ny"
        path.write_bytes(b"ok \xff\n")
        assert read_back(path) == "ok \ufffd\n"
    finally:
        remove_temp(path)
    assert not path.parent.exists()
    assert without_added_newline("a = 1", "a = 2\n") == "a = 2"
    assert without_added_newline("a = 1\n", "a = 2\n") == "a = 2\n"
    assert without_added_newline("a", "b\r\n") == "b"
    assert suffix_for("code", "python") == ".py" and suffix_for("markdown", "python") == ".md"
    assert suffix_for("code", "cobol") == ".txt"


async def test_editor_change_merges_with_typing_made_meanwhile(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "e.ipynb"
    write_notebook(nb, ["first line\nsecond line\nthird line\n"])
    async with AsyncSession(path=nb, name="a", home=home, autostart=False) as a, \
            AsyncSession(path=nb, name="b", home=home, autostart=False) as b:
        await a.prepare_sources(["c0"])
        history = UndoHistory()
        buffer = EditBuffer(a, "c0", history, lambda edits: None, batch=0.005)
        base = buffer.text
        # While the editor is open, b types at the end of the cell and a's replica receives it.
        b.edit(lambda d: d.splice_source("c0", [Edit(len(base), 0, "# b\n")]))
        await until(lambda: a.doc.source("c0").endswith("# b\n"), "b's typing in a's replica")
        edited = "FIRST line\nsecond line\nthird line\n"
        assert apply_external(buffer, base, edited) == 1
        buffer.close()
        expected = "FIRST line\nsecond line\nthird line\n# b\n"
        await until(lambda: a.doc.source("c0") == expected and b.doc.source("c0") == expected, "the merged text")
        assert history.undo  # the editor's change is this terminal's own edit, for undo
