"""Views that show without being changed: Label, HTML, HTMLMath, Output, Image, Valid, and unknown models."""

from __future__ import annotations

import base64
import re
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from runt_tui.render import latex_to_unicode, render_output
from runt_tui.tui.widgets.ipyw.base import ModelView
from runt_tui.tui.widgets.ipyw.logic import clean, key_fields

WIDTH = 80


_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)


def with_math(html: str) -> str:
    """HTMLMath's `$...$` spans as Unicode where the LaTeX is simple (else kept as written)."""

    def one(m: re.Match[str]) -> str:
        source = m.group(1) or m.group(2) or ""
        return latex_to_unicode(source) or m.group(0)

    return _MATH.sub(one, html)


def _display(data: dict[str, Any]) -> dict[str, Any]:
    return {"output_type": "display_data", "data": data, "metadata": {}}


class LabelView(ModelView):
    """Label (plain text) and HTML / HTMLMath (through the HTML renderer)."""

    def render(self) -> RenderableType:
        st = self.st
        value = str(st.get("value") or "")
        if st.get("_model_name") == "HTMLMathModel":
            value = with_math(value)
        if st.get("_model_name") == "LabelModel":
            body: RenderableType = Text(clean(value))
        else:
            data = {"text/html": value, "text/plain": value}
            body = render_output(_display(data), width=WIDTH).renderable
        label = self.label()
        return Group(label, body) if label.plain else body


class OutputView(ModelView):
    """An Output widget: its captured outputs drawn like a cell's."""

    def render(self) -> RenderableType:
        outputs = self.st.get("outputs")
        items = outputs if isinstance(outputs, list | tuple) else []
        parts = [render_output(o, width=WIDTH).renderable for o in items if isinstance(o, dict)]
        return Group(*parts) if parts else Text("")


class ImageView(ModelView):
    """An Image widget: its bytes through the image renderer (half blocks in any terminal)."""

    def render(self) -> RenderableType:
        st = self.st
        value = st.get("value")
        fmt = str(st.get("format") or "png").lower()
        if not isinstance(value, bytes) or not value:
            return Text("[image: no data]", style="dim")
        mime = "image/svg+xml" if fmt.startswith("svg") else f"image/{'jpeg' if fmt == 'jpg' else fmt}"
        payload: str = value.decode("utf-8", "replace") if mime == "image/svg+xml" else base64.b64encode(value).decode()
        return render_output(_display({mime: payload, "text/plain": f"[image {fmt}]"}), width=40).renderable


class ValidView(ModelView):
    """A Valid indicator: ✔ or ✘ with its readout."""

    def render(self) -> RenderableType:
        st = self.st
        ok = bool(st.get("value"))
        text = self.label()
        text.append("✔" if ok else "✘", style="green" if ok else "red")
        if not ok and st.get("readout"):
            text.append(f" {clean(st.get('readout'))}")
        return text


class UnknownView(ModelView):
    """A model we cannot draw: its name and its state's key fields, never a crash."""

    def render(self) -> RenderableType:
        st = self.st
        name = clean(st.get("_model_name") or "widget")
        module = clean(st.get("_model_module") or "")
        text = Text(f"⟨{name}", style="bold magenta")
        if module and module != "@jupyter-widgets/controls":
            text.append(f" from {module}", style="magenta")
        text.append("⟩ ", style="bold magenta")
        text.append(key_fields(st), style="dim")
        return text


class MissingView(ModelView):
    """A view whose model is not (or no longer) there: says why."""

    def __init__(self, model_id: str, source: Any, reason: str) -> None:
        super().__init__(model_id, source)
        self.reason = reason

    def render(self) -> RenderableType:
        return Text(f"⟨widget⟩ {self.reason}", style="dim italic")
