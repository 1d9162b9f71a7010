"""Pilot test of ipywidgets in the output pane: live views of the selected cell, driven by keys and by a script."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from support.tui import wait_until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.widgets.ipyw.sliders import SliderView
from runt_tui.tui.widgets.output_widgets import widget_refs


def test_widget_refs_picks_the_widget_view_outputs() -> None:
    view = {"output_type": "display_data", "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "m1"},
                                                      "text/plain": "IntSlider(value=5)"}}
    text = {"output_type": "stream", "name": "stdout", "text": "hi\n"}
    refs = widget_refs([text, view, {"output_type": "display_data", "data": {"text/plain": "x"}}])
    assert [(r.model_id, r.fallback) for r in refs] == [("m1", "IntSlider(value=5)")]


@pytest.mark.parametrize("panes", [("cells", "output"), ("output",)])
async def test_output_pane_slider_follows_script_and_keys_reach_kernel(tmp_path: Path, panes: tuple[str, ...]) -> None:
    src = "import ipywidgets as w\ns = w.IntSlider(value=5, max=10, description='speed')\ns"
    path = write_notebook(tmp_path / "nb.ipynb", [("code", src), ("code", "")])
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    session = AsyncSession(path=path, name="alice", embedded=True, home=home, kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", panes=panes,
                                 config=tmp_path / "config.toml"), session=session)
    other = AsyncSession(path=path, name="bob", home=home, autostart=False)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await wait_until(pilot, lambda: session.kernel_status() == "idle", timeout=60)
            await pilot.press("ctrl+e")
            pane = app.panes.output

            def slider() -> SliderView | None:
                found = list(pane.query(SliderView))
                return found[0] if found else None

            await wait_until(pilot, lambda: slider() is not None, timeout=60)
            s = slider()
            assert s is not None and "speed" in str(s.render()) and " 5" in str(s.render())
            mid = s.model_id
            # A script's change moves the slider drawn in the output pane.
            await other.connect()
            await other.update_widget(mid, value=2)
            await wait_until(pilot, lambda: " 2" in str(s.render()))
            # Tab in the output pane focuses its slider; arrows change the kernel's value.
            app.panes.focus("output")
            await pilot.press("tab")
            assert app.focused is s
            await pilot.press("right", "right", "right")
            mirror = session.widget_mirror()
            await wait_until(pilot, lambda: mirror.models[mid]["value"] == 5 and not mirror._pending.get(mid))
            cid = await session.create_cell("print(s.value)")
            assert (await session.execute_cell(cid)).stdout.strip() == "5"
            # Another selected cell has no widgets: the strip empties; back on the slider's cell it returns.
            first = session.doc.cell_ids()[0]
            app.selected = cid
            await wait_until(pilot, lambda: slider() is None and pane.shown is not None and pane.shown.cell_id == cid)
            app.selected = first
            await wait_until(pilot, lambda: " 5" in str(getattr(slider(), "render", lambda: "")()))
            await session.shutdown_kernel()
    finally:
        await other.close()
        await session.close()
        shutil.rmtree(home, ignore_errors=True)
