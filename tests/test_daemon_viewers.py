"""A viewer peer (`runt-tui --view`) against a real daemon: shown as such, its edits and kernel use refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import file_sources, record_events, until, write_notebook

from runt_tui.client import AsyncSession, DaemonError
from runt_tui.daemon.server import Daemon
from runt_tui.protocol import ErrorCode


async def test_viewer_is_listed_and_its_requests_are_refused(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "v.ipynb"
    write_notebook(nb, ["x = 1", "print(x)"])
    async with AsyncSession(path=nb, name="editor", home=home, autostart=False) as editor, \
            AsyncSession(path=nb, name="watcher", home=home, autostart=False, kind="viewer") as viewer:
        await until(lambda: any(p.kind == "viewer" and p.name == "watcher" for p in editor.peer_list),
                    "the viewer in the editor's peer list")
        for call in (viewer.execute_cell("c0"), viewer.prepare_sources(["c0"]), viewer.save(),
                     viewer.start_kernel(), viewer.clear_outputs(["c0"])):
            with pytest.raises(DaemonError) as refused:
                await call
            assert refused.value.code == ErrorCode.READ_ONLY
            assert "viewer" in refused.value.message and "--view" in refused.value.message
        await viewer.set_presence("c1", None, "view")  # saying where it looks is fine
        # The viewer still sees everything the others do.
        await editor.set_source("c0", "x = 2")
        await until(lambda: viewer.doc.source("c0") == "x = 2", "the editor's change at the viewer")


async def test_a_viewers_edit_never_reaches_the_room(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    nb = tmp_path / "w.ipynb"
    write_notebook(nb, ["x = 1"])
    async with AsyncSession(path=nb, name="editor", home=home, autostart=False) as editor, \
            AsyncSession(path=nb, name="watcher", home=home, autostart=False, kind="viewer") as viewer:
        errors = record_events(viewer, "error")
        viewer.edit(lambda d: d.insert_cell(1, "code", "sneaky", cell_id="evil"))
        await until(lambda: any(e.get("code") == "READ_ONLY" for e in errors), "the refusal")
        assert "edit refused" in str(errors[0].get("message"))
        # A later edit by the editor reaches the viewer; the viewer's never reached the editor.
        await editor.set_source("c0", "x = 3")
        await until(lambda: viewer.doc.source("c0") == "x = 3", "the editor's change at the viewer")
        assert "evil" not in editor.doc
        await editor.save()
        assert list(file_sources(nb)) == ["c0"]
