"""The CLI's pre-paint step: the cells pane's width as the app will lay it out, then runt_tui.prepaint."""

from __future__ import annotations

from pathlib import Path


def cells_width(columns: int, panes: str | None, config: Path) -> int | None:
    """The cells pane's width in a terminal `columns` wide (None: the cells pane is not the leftmost)."""
    from runt_tui.tui.pane_layout import initial_layout, parse_panes, read_remembered

    layout = initial_layout(columns, parse_panes(panes) if panes else None, read_remembered(config))
    if layout.panes[0] != "cells":
        return None
    weights = [layout.weights.get(p, 2) for p in layout.panes]
    return columns * weights[0] // sum(weights)


def prepaint(notebook: Path, panes: str | None) -> None:
    """Draw the notebook's first screenful now, before the app's imports (a no-op off a terminal)."""
    from runt_tui.prepaint import paint
    from runt_tui.settings import config_path

    config = config_path()
    try:
        paint(notebook, lambda columns: cells_width(columns, panes, config), notebook.name)
    except Exception:  # only ever a head start: the app opens the notebook as it would without
        from runt_tui.prepaint import restore

        restore()
