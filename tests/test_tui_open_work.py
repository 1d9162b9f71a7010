"""Pilot tests: what the app does once a big notebook is live, counted (never timed).

At 10,000 cells reading the cell order from the document costs ~0.1 s: work done
on every presence or runtime change must not read it (issue 18, "app idle after
visible"). A real daemon (embedded) and a second real client, no kernel.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from support.tui import wait_until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.doc import NotebookDoc
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions


def _count_order_reads(monkeypatch: pytest.MonkeyPatch, doc: NotebookDoc) -> list[int]:
    """Calls of `doc.cell_ids()` from now on (the daemon's and other clients' documents not counted)."""
    calls: list[int] = []
    real = NotebookDoc.cell_ids

    def counting(self: NotebookDoc, *a: Any, **k: Any) -> list[str]:
        if self is doc:
            calls.append(1)
        return real(self, *a, **k)

    monkeypatch.setattr(NotebookDoc, "cell_ids", counting)
    return calls


@pytest.mark.parametrize("panes", [("cells", "kernel"), ("cells",)])
async def test_a_peers_presence_does_not_read_the_cell_order_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, panes: tuple[str, ...]
) -> None:
    cells = [("code", f"x = {i}") for i in range(40)]
    path = write_notebook(tmp_path / "nb.ipynb", cells)
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    sa = AsyncSession(path=path, name="alice", embedded=True, home=home, kind="tui")
    sb = AsyncSession(path=path, name="bob", home=home, kind="tui", autostart=False)
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False, panes=panes,
                                 config=tmp_path / "config.toml"), session=sa)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await sb.connect()
            await wait_until(pilot, lambda: any(p["name"] == "bob" for p in sa.peers()))
            await pilot.pause()
            target = sb.doc.cell_ids()[30]
            reads = _count_order_reads(monkeypatch, sa.doc)
            await sb.set_presence(target)
            await wait_until(pilot, lambda: any(target in str(p) for p in sa.peers()))
            await pilot.pause()
            if "kernel" in panes:  # peers' moves reach the kernel pane within PEERS_EVERY
                await wait_until(pilot, lambda: "bob" in app.panes.kernel.plain())
            assert reads == []
    finally:
        await sb.close()
        await sa.close()
        shutil.rmtree(home, ignore_errors=True)
