"""Widget actions: the keys of a cell's ipywidgets (Tab in command mode focuses them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp


class WidgetActions:
    """What the keys do with a cell's widget views (inside a view, the views handle keys themselves)."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app

    def action_focus_widgets(self) -> None:
        """Tab in command mode: the keys go to the selected cell's first widget."""
        # The widget views load on first use (~0.1 s of imports the first paint does not need).
        from runt_tui.tui.widgets.ipyw.view import focus_first

        cell_id = self.app.selected
        cell = self.app.pane.widget_for(cell_id) if cell_id else None
        if cell is None or not focus_first(cell):
            self.app.notify("This cell has no widgets to focus.", timeout=2)
