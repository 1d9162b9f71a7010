"""Pure helpers of the widget views: references, layout, numbers, bars and labels (no Textual)."""

from __future__ import annotations

import math
from typing import Any, Protocol

from rich.text import Text

from runt_tui.render.sanitize import strip_controls

REF = "IPY_MODEL_"


class WidgetSource(Protocol):
    """Where views read model state and send changes: the live mirror, or a saved snapshot."""

    live: bool

    def state(self, model_id: str) -> dict[str, Any] | None: ...

    def set(self, model_id: str, **changes: Any) -> None: ...

    def send(self, model_id: str, content: dict[str, Any]) -> None: ...

    def why_missing(self, model_id: str) -> str: ...


def ref_id(value: Any) -> str | None:
    """The model id an `IPY_MODEL_<id>` reference names, else None."""
    if isinstance(value, str) and value.startswith(REF) and len(value) > len(REF):
        return value[len(REF):]
    return None


def children(state: dict[str, Any]) -> list[str]:
    """The model ids of a container's children, in order."""
    raw = state.get("children")
    if not isinstance(raw, list | tuple):
        return []
    return [mid for mid in (ref_id(c) for c in raw) if mid is not None]


def hidden(source: WidgetSource, state: dict[str, Any]) -> bool:
    """True when the widget's layout says `display: none` (or `visibility: hidden`)."""
    layout_id = ref_id(state.get("layout"))
    layout = source.state(layout_id) if layout_id is not None else None
    if not layout:
        return False
    return layout.get("display") == "none" or layout.get("visibility") == "hidden"


def clean(value: Any, one_line: bool = True) -> str:
    """A state string as safe terminal text."""
    return strip_controls(str(value if value is not None else ""), one_line=one_line)


def description(state: dict[str, Any]) -> str:
    """The widget's label ("" when it has none)."""
    return clean(state.get("description") or "")


def number(value: Any, fallback: float = 0.0) -> float:
    """A finite float from a state value."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return fallback
    return v if math.isfinite(v) else fallback


def is_int_model(state: dict[str, Any]) -> bool:
    """True for the Int* models (values stay integers)."""
    return str(state.get("_model_name", "")).startswith(("Int", "BoundedInt"))


def fmt(value: Any, state: dict[str, Any]) -> str:
    """A value as the widget's readout shows it."""
    if is_int_model(state):
        return str(int(number(value)))
    readout = state.get("readout_format")
    v = number(value)
    if isinstance(readout, str) and readout.endswith("f") and readout[:-1].lstrip(".").isdigit():
        return f"{v:.{int(readout.lstrip('.')[:-1])}f}"
    return f"{v:.2f}"


def step_value(state: dict[str, Any], value: Any, steps: int) -> float | int:
    """`value` moved by `steps` steps, clamped to [min, max], an int for Int models."""
    lo, hi = number(state.get("min"), 0.0), number(state.get("max"), 100.0)
    step = number(state.get("step"), 1.0) or 1.0
    v = min(hi, max(lo, number(value, lo) + steps * step))
    if is_int_model(state):
        return round(v)
    return round(v, 10)


def value_at(state: dict[str, Any], fraction: float) -> float | int:
    """The value at a fraction of the track (a click), snapped to the step."""
    lo, hi = number(state.get("min"), 0.0), number(state.get("max"), 100.0)
    step = number(state.get("step"), 1.0) or 1.0
    raw = lo + max(0.0, min(1.0, fraction)) * (hi - lo)
    snapped = lo + round((raw - lo) / step) * step
    v = min(hi, max(lo, snapped))
    return round(v) if is_int_model(state) else round(v, 10)


def fraction(state: dict[str, Any], value: Any) -> float:
    """Where `value` lies between min and max, 0..1."""
    lo, hi = number(state.get("min"), 0.0), number(state.get("max"), 100.0)
    if hi <= lo:
        return 1.0
    return max(0.0, min(1.0, (number(value, lo) - lo) / (hi - lo)))


BAR_STYLES = {"success": "green", "info": "cyan", "warning": "yellow", "danger": "red", "": "blue"}


def bar(frac: float, width: int, style: str = "") -> Text:
    """A progress bar of `width` cells filled to `frac`, with eighth-block precision."""
    width = max(1, width)
    eighths = round(max(0.0, min(1.0, frac)) * width * 8)
    full, part = divmod(eighths, 8)
    text = Text("█" * full, style=BAR_STYLES.get(style, "blue"))
    if full < width:
        text.append(" ▏▎▍▌▋▊▉"[part] if part else " ", style=BAR_STYLES.get(style, "blue"))
        text.append("·" * (width - full - 1), style="dim")
    return text


def track(fracs: list[float], width: int, focused: bool) -> Text:
    """A slider track with a knob at each fraction (one knob, or two for a range)."""
    width = max(3, width)
    cells = ["─"] * width
    pos = [round(f * (width - 1)) for f in fracs]
    if len(pos) == 2:
        for i in range(pos[0], pos[1] + 1):
            cells[i] = "━"
    else:
        for i in range(0, pos[0]):
            cells[i] = "━"
    for p in pos:
        cells[p] = "●"
    return Text("".join(cells), style="bold" if focused else "")


def option_labels(state: dict[str, Any]) -> list[str]:
    """The options of a selection widget, as safe one-line labels."""
    labels = state.get("_options_labels")
    if not isinstance(labels, list | tuple):
        labels = state.get("options") or []
    return [clean(x) for x in labels] if isinstance(labels, list | tuple) else []


def selected(state: dict[str, Any]) -> int | None:
    """The selected index of a selection widget, or None."""
    index = state.get("index")
    return index if isinstance(index, int) and not isinstance(index, bool) else None


def key_fields(state: dict[str, Any], limit: int = 6) -> str:
    """The interesting fields of an unknown model's state, for a one-line summary."""
    parts = []
    for key, value in state.items():
        if key.startswith("_") or key in ("layout", "style", "tabbable", "tooltip", "keys"):
            continue
        if isinstance(value, str | int | float | bool) or value is None:
            parts.append(f"{key}={clean(repr(value))[:30]}")
        if len(parts) >= limit:
            break
    return ", ".join(parts)
