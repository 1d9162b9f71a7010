"""Progress bars: IntProgress and FloatProgress (so `tqdm.notebook` / `tqdm.auto` draw a real bar)."""

from __future__ import annotations

from rich.console import RenderableType

from runt_tui.tui.widgets.ipyw.base import ModelView
from runt_tui.tui.widgets.ipyw.logic import bar, fraction

WIDTH = 30


class ProgressView(ModelView):
    """A bar filled to value/max, coloured by `bar_style` (no readout: tqdm draws its own beside it)."""

    DEFAULT_CSS = "ProgressView { width: auto; }"

    def render(self) -> RenderableType:
        st = self.st
        frac = fraction(st, st.get("value"))
        text = self.label()
        text.append_text(bar(frac, WIDTH, str(st.get("bar_style") or "")))
        return text
