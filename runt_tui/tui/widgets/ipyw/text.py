"""Text entry: Text, Textarea, Password, IntText, FloatText (and their Bounded forms)."""

from __future__ import annotations

from typing import Any

from rich.text import Text as RichText
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from runt_tui.tui.widgets.ipyw.base import ModelView
from runt_tui.tui.widgets.ipyw.logic import clean, description, is_int_model, number


def parse(state: dict[str, Any], raw: str) -> Any:
    """The value typed into a numeric box, clamped to its bounds; None when it is not a number."""
    name = str(state.get("_model_name", ""))
    if not name.endswith(("IntTextModel", "FloatTextModel")):
        return raw
    try:
        v = int(raw) if is_int_model(state) else float(raw)
    except ValueError:
        return None
    if "min" in state and "max" in state:
        v = type(v)(min(number(state["max"]), max(number(state["min"]), v)))
    return v


class TextView(ModelView):
    """A one-line box; text models change as typed, numbers on Enter or leaving the box."""

    DEFAULT_CSS = """
    TextView { height: auto; }
    TextView Horizontal { height: 1; }
    TextView Static { width: auto; }
    TextView Input { border: none; height: 1; padding: 0 1; width: 40; background: $boost; }
    """

    def compose(self) -> ComposeResult:
        st = self.st
        with Horizontal():
            desc = description(st)
            if desc:
                yield Static(RichText(desc + " ", style="bold"))
            yield Input(value=self._shown(), password=st.get("_model_name") == "PasswordModel",
                        placeholder=clean(st.get("placeholder") or ""), disabled=not self.interactive)

    def _shown(self) -> str:
        value = self.st.get("value")
        return "" if value is None else clean(value, one_line=False).replace("\n", " ⏎ ")

    def sync(self) -> None:
        super().sync()
        for box in self.query(Input):
            box.disabled = not self.interactive
            if not box.has_focus and box.value != self._shown():
                box.value = self._shown()

    def _numeric(self) -> bool:
        return str(self.st.get("_model_name", "")).endswith(("IntTextModel", "FloatTextModel"))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if not self._numeric() and event.value != self._shown() and self.st.get("continuous_update", True):
            self.change(value=event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._commit(event.value)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        for box in self.query(Input):
            self._commit(box.value)

    def _commit(self, raw: str) -> None:
        value = parse(self.st, raw)
        if value is None:
            self.sync()
        elif value != self.st.get("value"):
            self.change(value=value)
