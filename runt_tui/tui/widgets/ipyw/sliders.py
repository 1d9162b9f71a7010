"""Sliders: IntSlider, FloatSlider, IntRangeSlider, FloatRangeSlider (arrows, Home/End, mouse)."""

from __future__ import annotations

from rich.console import RenderableType
from textual import events

from runt_tui.tui.widgets.ipyw.base import ModelView
from runt_tui.tui.widgets.ipyw.logic import fmt, fraction, step_value, track, value_at

TRACK = 30
KEY_STEPS = {"left": -1, "right": 1, "down": -1, "up": 1, "pageup": 10, "pagedown": -10}


class SliderView(ModelView):
    """A slider: ← → (↑ ↓) move by a step, PgUp/PgDn by ten, Home/End to the ends; a click jumps.

    For a range slider the arrows move the upper end and Shift+arrows the lower one.
    """

    can_focus = True

    @property
    def is_range(self) -> bool:
        return isinstance(self.st.get("value"), list | tuple)

    def render(self) -> RenderableType:
        st = self.st
        text = self.label()
        self._track_x = len(text.plain)
        value = st.get("value")
        if self.is_range and isinstance(value, list | tuple) and len(value) == 2:
            text.append_text(track([fraction(st, value[0]), fraction(st, value[1])], TRACK, self.has_focus))
            readout = f" {fmt(value[0], st)} – {fmt(value[1], st)}"
        else:
            text.append_text(track([fraction(st, value)], TRACK, self.has_focus))
            readout = f" {fmt(value, st)}"
        if st.get("readout", True):
            text.append(readout)
        return text

    def on_key(self, event: events.Key) -> None:
        key = event.key
        low = key.startswith("shift+")
        base = key.removeprefix("shift+")
        steps = KEY_STEPS.get(base)
        if base in ("home", "end"):
            steps = -(10**9) if base == "home" else 10**9
        if steps is None:
            return
        event.stop()
        event.prevent_default()
        self._move(steps, low)

    def _move(self, steps: int, low: bool) -> None:
        st = self.st
        value = st.get("value")
        if self.is_range and isinstance(value, list | tuple) and len(value) == 2:
            lo, hi = value
            if low:
                lo = min(step_value(st, lo, steps), hi)
            else:
                hi = max(step_value(st, hi, steps), lo)
            self.change(value=[lo, hi])
        else:
            self.change(value=step_value(st, value, steps))

    def on_click(self, event: events.Click) -> None:
        x = event.x - getattr(self, "_track_x", 0)
        if not 0 <= x < TRACK:
            return
        event.stop()
        self.focus()
        new = value_at(self.st, x / (TRACK - 1))
        if self.is_range:
            lo, hi = self.st["value"]
            self.change(value=[new, hi] if abs(new - lo) < abs(new - hi) else [lo, new])
        else:
            self.change(value=new)
