"""Buttons and boxes: Button (click), ToggleButton and Checkbox (toggle) with Enter, space or a click."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual import events

from runt_tui.tui.widgets.ipyw.base import ModelView
from runt_tui.tui.widgets.ipyw.logic import clean

STYLES = {"primary": "blue", "success": "green", "info": "cyan", "warning": "yellow", "danger": "red"}


class _Pressable(ModelView):
    can_focus = True
    DEFAULT_CSS = "_Pressable { width: auto; }"

    def press(self) -> None:
        raise NotImplementedError

    def on_key(self, event: events.Key) -> None:
        if event.key in ("enter", "space"):
            event.stop()
            event.prevent_default()
            if self.interactive:
                self.press()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.focus()
        if self.interactive:
            self.press()


class ButtonView(_Pressable):
    """A Button: pressing sends the kernel the click, as a frontend does."""

    def render(self) -> RenderableType:
        st = self.st
        colour = STYLES.get(str(st.get("button_style") or ""), "")
        label = clean(st.get("description") or st.get("icon") or "button")
        return Text(f"[ {label} ]", style=f"reverse {colour}".strip() if self.has_focus else f"bold {colour}".strip())

    def press(self) -> None:
        self.source.send(self.model_id, {"event": "click"})


class ToggleView(_Pressable):
    """A ToggleButton or Checkbox: pressing flips `value`."""

    def render(self) -> RenderableType:
        st = self.st
        on = bool(st.get("value"))
        desc = clean(st.get("description") or "")
        if st.get("_model_name") == "ToggleButtonModel":
            return Text(f"[{'■' if on else ' '} {desc} ]", style="reverse" if on else "")
        return Text(f"{'☑' if on else '☐'} {desc}")

    def press(self) -> None:
        self.change(value=not bool(self.st.get("value")))
