"""Selections: Dropdown, RadioButtons, Select, ToggleButtons (arrows change the choice, a click picks one)."""

from __future__ import annotations

from rich.console import RenderableType
from textual import events

from runt_tui.tui.widgets.ipyw.base import ModelView
from runt_tui.tui.widgets.ipyw.logic import option_labels, selected

VERTICAL = ("RadioButtonsModel", "SelectModel")


class SelectionView(ModelView):
    """One choice among options, drawn as its model would be, changed with ← → ↑ ↓."""

    can_focus = True

    @property
    def kind(self) -> str:
        return str(self.st.get("_model_name", ""))

    def render(self) -> RenderableType:
        labels, index = option_labels(self.st), selected(self.st)
        text = self.label()
        if self.kind in VERTICAL:
            for i, label in enumerate(labels):
                mark = "(•)" if i == index and self.kind == "RadioButtonsModel" else "( )"
                if self.kind == "SelectModel":
                    mark = "›" if i == index else " "
                text.append(f"\n  {mark} {label}", style="reverse" if i == index and self.has_focus else "")
            return text
        if self.kind == "ToggleButtonsModel":
            for i, label in enumerate(labels):
                text.append(f" {label} ", style="reverse" if i == index else "dim")
                text.append(" ")
            return text
        current = labels[index] if index is not None and 0 <= index < len(labels) else "—"
        text.append(f"‹ {current} › ▾", style="underline" if self.has_focus else "")
        return text

    def on_key(self, event: events.Key) -> None:
        delta = {"left": -1, "up": -1, "right": 1, "down": 1}.get(event.key)
        if delta is None:
            return
        event.stop()
        event.prevent_default()
        count = len(option_labels(self.st))
        if count:
            index = selected(self.st)
            new = 0 if index is None else max(0, min(count - 1, index + delta))
            if new != index:
                self.change(index=new)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.focus()
        count = len(option_labels(self.st))
        if self.kind in VERTICAL and 1 <= event.y <= count:
            self.change(index=event.y - 1)
