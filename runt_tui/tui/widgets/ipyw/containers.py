"""Containers: HBox, VBox, Box, GridBox, Accordion and Tab, rebuilt when their children change."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

from runt_tui.tui.widgets.ipyw.base import ModelView
from runt_tui.tui.widgets.ipyw.display import MissingView
from runt_tui.tui.widgets.ipyw.logic import WidgetSource, children, clean

Builder = Callable[[str, WidgetSource], Widget]


class BoxView(ModelView):
    """HBox / VBox / Box / GridBox: the children side by side or one under another."""

    DEFAULT_CSS = """
    BoxView { layout: vertical; height: auto; }
    BoxView.-horizontal { layout: horizontal; }
    BoxView.-horizontal > * { width: auto; margin-right: 1; }
    """

    def __init__(self, model_id: str, source: WidgetSource, builder: Builder) -> None:
        super().__init__(model_id, source)
        self.builder = builder
        self._kids = children(self.st)
        if self.st.get("_model_name") == "HBoxModel":
            self.add_class("-horizontal")

    def compose(self) -> ComposeResult:
        for mid in self._kids:
            yield self.child(mid)

    def child(self, model_id: str) -> Widget:
        """The view of a child, unless it is this box or one around it (a cycle would never end)."""
        above = {a.model_id for a in self.ancestors_with_self if isinstance(a, ModelView)}
        if model_id in above:
            return MissingView(model_id, self.source, "a box that contains itself")
        return self.builder(model_id, self.source)

    def sync(self) -> None:
        super().sync()
        kids = children(self.st)
        if kids != self._kids:
            self._kids = kids
            self.call_later(self.recompose)


class TabsView(BoxView):
    """Tab / Accordion: the titles, then the selected child; ← → (Tab) or ↑ ↓ (Accordion) choose."""

    can_focus = True
    DEFAULT_CSS = "TabsView { layout: vertical; height: auto; }"

    def _titles(self) -> list[str]:
        raw = self.st.get("titles")
        titles = list(raw) if isinstance(raw, list | tuple) else []
        return [clean(titles[i]) if i < len(titles) and titles[i] else f"#{i + 1}" for i in range(len(self._kids))]

    def _index(self) -> int | None:
        index = self.st.get("selected_index")
        return index if isinstance(index, int) and 0 <= index < len(self._kids) else None

    def _header(self) -> Text:
        accordion = self.st.get("_model_name") == "AccordionModel"
        index = self._index()
        text = Text()
        for i, title in enumerate(self._titles()):
            if accordion:
                text.append(f"{'▾' if i == index else '▸'} {title}\n", style="bold" if i == index else "")
            else:
                text.append(f" {title} ", style="reverse" if i == index else "dim")
                text.append("│")
        text.rstrip()
        return text

    def compose(self) -> ComposeResult:
        yield Static(self._header(), classes="ipyw-tabs-header")
        index = self._index()
        if index is not None:
            yield self.child(self._kids[index])

    def sync(self) -> None:
        shown = getattr(self, "_shown", None)
        super().sync()
        if (self._kids, self._index(), self._titles()) != shown:
            self._shown = (self._kids, self._index(), self._titles())
            if shown is not None:
                self.call_later(self.recompose)

    def on_key(self, event: events.Key) -> None:
        delta = {"left": -1, "up": -1, "right": 1, "down": 1}.get(event.key)
        if delta is None or not self._kids:
            return
        event.stop()
        event.prevent_default()
        index = self._index()
        new = 0 if index is None else max(0, min(len(self._kids) - 1, index + delta))
        if new != index:
            self.change(selected_index=new)
            self.sync()
