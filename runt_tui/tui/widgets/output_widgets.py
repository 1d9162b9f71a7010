"""The output pane's live ipywidgets: the shown cell's widget-view outputs mounted as Textual widgets.

The line view draws outputs as text, which cannot take keys; a widget view
needs a mounted widget, so this strip under the lines holds one `WidgetView`
per widget-view output, remounted only when the cell or its list of views
changes (a mounted view follows its model by itself and keeps its focus).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.containers import VerticalScroll

from runt_tui.tui.widgets.ipyw.ref import WidgetViewRef, view_ref


def widget_refs(outputs: Sequence[Mapping[str, Any]]) -> list[WidgetViewRef]:
    """The widget views among a cell's outputs, in order."""
    refs = (view_ref(dict(o)) if isinstance(o, Mapping) else None for o in outputs)
    return [r for r in refs if r is not None]


class OutputWidgets(VerticalScroll, can_focus=False):
    """The shown cell's widget views; hidden while it has none."""

    DEFAULT_CSS = """
    OutputWidgets { height: auto; max-height: 60%; display: none; border-top: solid $primary-darken-2; }
    OutputWidgets.-has-widgets { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.key: tuple[str | None, tuple[WidgetViewRef, ...]] = (None, ())

    def show(self, cell_id: str | None, outputs: Sequence[Mapping[str, Any]]) -> None:
        """Mount the views of `outputs` unless the same cell already shows the same views."""
        key = (cell_id, tuple(widget_refs(outputs)))
        old, self.key = self.key, key
        if key == old or not (key[1] or old[1]):
            return  # the same views, or none before and none now: nothing to redraw
        self.set_class(bool(key[1]), "-has-widgets")
        self.call_later(self._remount)

    async def _remount(self) -> None:
        from runt_tui.tui.widgets.ipyw.view import widget_view

        await self.remove_children()
        refs = self.key[1]
        if refs:
            await self.mount_all([widget_view(ref, self.app) for ref in refs])

    def focus_first(self) -> bool:
        """Focus the first widget that takes keys; False when there is none."""
        from runt_tui.tui.widgets.ipyw.view import focus_first

        return focus_first(self)
