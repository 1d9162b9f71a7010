"""The base of every widget view: one model's state read live from its source, redrawn on change."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget

from runt_tui.tui.widgets.guard import GuardedRender
from runt_tui.tui.widgets.ipyw.logic import WidgetSource, description, hidden


class ModelView(GuardedRender, Widget):
    """A view of one widget model; `sync()` redraws it after its model changed."""

    DEFAULT_CSS = """
    ModelView { height: auto; width: 1fr; }
    ModelView:focus { background: $boost; text-style: bold; }
    ModelView.-disabled { color: $text-muted; }
    """

    def __init__(self, model_id: str, source: WidgetSource) -> None:
        super().__init__(classes="ipyw")
        self.model_id = model_id
        self.source = source

    @property
    def st(self) -> dict[str, Any]:
        """The model's current state."""
        return self.source.state(self.model_id) or {}

    @property
    def interactive(self) -> bool:
        """True when a user may change it (live, not disabled)."""
        return self.source.live and not self.st.get("disabled")

    def label(self) -> Text:
        """The description as a leading label."""
        desc = description(self.st)
        return Text(f"{desc} ", style="bold") if desc else Text("")

    def sync(self) -> None:
        """The model (or its layout) changed: redraw, honouring display none and disabled."""
        self.display = not hidden(self.source, self.st)
        self.set_class(bool(self.st.get("disabled")), "-disabled")
        self.refresh(layout=True)

    def on_mount(self) -> None:
        self.sync()

    def change(self, **changes: Any) -> None:
        """Change the model as the user did (nothing when read-only); redraw at once."""
        if self.interactive:
            self.source.set(self.model_id, **changes)
            self.refresh(layout=True)
