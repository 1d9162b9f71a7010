"""Widget views in a bare Textual app, from fixed states: odd and hostile states never break drawing."""

from __future__ import annotations

from typing import Any

import pytest
from support.tui import screen_text
from textual.app import App, ComposeResult

from runt_tui.tui.widgets.ipyw.registry import VIEWS, build
from runt_tui.tui.widgets.ipyw.sources import SavedSource

GARBAGE: list[Any] = [None, "x", -1, 10**30, float("nan"), [], {}, ["IPY_MODEL_nope"], "\x1b]0;title\x07\x1b[2J"]


def saved(models: dict[str, dict[str, Any]]) -> SavedSource:
    return SavedSource({mid: {"model_name": st.pop("_model_name"), "model_module": "", "state": st}
                        for mid, st in models.items()})


class Host(App[None]):
    def __init__(self, source: SavedSource, roots: list[str]) -> None:
        super().__init__()
        self.source, self.roots = source, roots

    def compose(self) -> ComposeResult:
        for mid in self.roots:
            yield build(mid, self.source)


@pytest.mark.parametrize("name", sorted(VIEWS))
async def test_every_view_draws_garbage_states(name: str) -> None:
    keys = ("value", "min", "max", "step", "index", "description", "options", "_options_labels", "outputs",
            "children", "titles", "selected_index", "layout", "format", "readout_format", "bar_style", "disabled")
    models = {f"m{i}": {"_model_name": name, **dict.fromkeys(keys, g)} for i, g in enumerate(GARBAGE)}
    app = Host(saved(models), list(models))
    async with app.run_test(size=(100, 200)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "\x1b" not in text and "could not draw" not in text


async def test_boxes_that_contain_themselves_and_unknown_models() -> None:
    models = {
        "box": {"_model_name": "VBoxModel", "children": ["IPY_MODEL_inner", "IPY_MODEL_gauge"]},
        "inner": {"_model_name": "HBoxModel", "children": ["IPY_MODEL_box", "IPY_MODEL_label"]},
        "label": {"_model_name": "LabelModel", "value": "still here"},
        "gauge": {"_model_name": "GaugeModel", "level": "high", "_private": 1, "layout": "IPY_MODEL_x"},
        "tab": {"_model_name": "TabModel", "children": ["IPY_MODEL_tab"], "selected_index": 0},
    }
    app = Host(saved(models), ["box", "tab"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "still here" in text and text.count("a box that contains itself") == 2
        assert "⟨GaugeModel⟩ level='high'" in text and "_private" not in text
