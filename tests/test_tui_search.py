"""`/`, `n`, `N`, `:` and Esc in command mode: the notebook search, across cells that are not drawn."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from power_support import opened
from support.tui import palette_run, screen_text, wait_until

from runt_tui.tui.screens.line_prompt import LinePrompt


def big_notebook() -> tuple[list[tuple[str, str]], dict[int, list[dict[str, Any]]]]:
    cells = [("code", f"value_{i} = {i}") for i in range(150)]
    cells[130] = ("code", "needle = 'in a source'")
    cells[40] = ("markdown", "A *Needle* in markdown")
    outputs = {80: [{"output_type": "stream", "name": "stdout", "text": "a needle in an output\n"}]}
    return cells, outputs


async def test_search_finds_undrawn_cells_and_steps_with_n(tmp_path: Path) -> None:
    cells, outputs = big_notebook()
    async with opened(tmp_path, cells, outputs=outputs) as (app, pilot, session):
        ids = session.doc.cell_ids()
        assert ids[130] not in app.pane.mounted and ids[80] not in app.pane.mounted
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.screen, LinePrompt))
        await pilot.press(*"needle", "enter")
        await wait_until(pilot, lambda: app.selected == ids[40])
        assert "match 1 of 3, cell 41 (source)" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.selected == ids[80] and ids[80] in app.pane.mounted)
        assert "match 2 of 3, cell 81 (output 1)" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.selected == ids[130] and ids[130] in app.pane.mounted)
        await pilot.press("n")  # wraps
        await wait_until(pilot, lambda: app.selected == ids[40])
        await pilot.press("N", "N")
        await wait_until(pilot, lambda: app.selected == ids[80])


async def test_matches_are_highlighted_until_esc(tmp_path: Path) -> None:
    cells = [("code", "x = 1"), ("code", "print('needle')")]
    async with opened(tmp_path, cells) as (app, pilot, session):
        await pilot.press("slash", *"needle", "enter")
        await wait_until(pilot, lambda: app.selected == session.doc.cell_ids()[1])
        widget = app.pane.widget_for(session.doc.cell_ids()[1])
        assert widget is not None and widget.model.search == "needle"

        def marked() -> bool:
            """A segment of exactly the match, on another background than the text before it."""
            for strip in app.screen._compositor.render_strips():
                segs = list(strip)
                for before, seg in itertools.pairwise(segs):
                    if seg.text == "needle" and seg.style and before.style and seg.style.bgcolor != before.style.bgcolor:
                        return True
            return False

        await wait_until(pilot, marked)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not marked())
        assert "match" not in screen_text(app)


async def test_not_found_and_n_without_a_search(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, _session):
        first = app.selected
        await pilot.press("n")
        await wait_until(pilot, lambda: any("no search yet" in n.message for n in app._notifications))
        await pilot.press("slash", *"zzz", "enter")
        await wait_until(pilot, lambda: "/zzz: not found" in screen_text(app))
        assert app.selected == first
        await pilot.press("slash", "escape")  # Esc cancels the prompt
        await wait_until(pilot, lambda: not isinstance(app.screen, LinePrompt))


async def test_colon_goes_to_a_cell_by_number_or_id(tmp_path: Path) -> None:
    cells = [("code", f"c{i}") for i in range(200)]
    async with opened(tmp_path, cells) as (app, pilot, session):
        ids = session.doc.cell_ids()
        await pilot.press("colon", *"150", "enter")
        await wait_until(pilot, lambda: app.selected == ids[149] and ids[149] in app.pane.mounted)
        await pilot.press("colon", *ids[7], "enter")
        await wait_until(pilot, lambda: app.selected == ids[7])
        await pilot.press("colon", *"999", "enter")
        await wait_until(pilot, lambda: any("no cell '999'" in n.message for n in app._notifications))
        assert app.selected == ids[7]


async def test_palette_goes_to_a_cell_and_searches(tmp_path: Path) -> None:
    cells = [("code", f"c{i}") for i in range(50)]
    async with opened(tmp_path, cells) as (app, pilot, session):
        ids = session.doc.cell_ids()
        await palette_run(app, pilot, "Go to cell")
        await wait_until(pilot, lambda: isinstance(app.screen, LinePrompt))
        await pilot.press(*"42", "enter")
        await wait_until(pilot, lambda: app.selected == ids[41])
        await palette_run(app, pilot, "Search notebook")
        await wait_until(pilot, lambda: isinstance(app.screen, LinePrompt))
        await pilot.press(*"c7", "enter")
        await wait_until(pilot, lambda: app.selected == ids[7])
