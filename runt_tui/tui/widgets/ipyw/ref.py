"""A widget view among a cell's outputs: what cellrender hands the cell to mount."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VIEW_MIME = "application/vnd.jupyter.widget-view+json"
STATE_MIME = "application/vnd.jupyter.widget-state+json"


@dataclass(frozen=True)
class WidgetViewRef:
    """The output at `index` shows model `model_id` (`fallback`: its text/plain)."""

    model_id: str
    fallback: str = ""


def view_ref(output: Any) -> WidgetViewRef | None:
    """The widget view an output displays, or None."""
    data = output.get("data") if isinstance(output, dict) else None
    view = data.get(VIEW_MIME) if isinstance(data, dict) else None
    model_id = view.get("model_id") if isinstance(view, dict) else None
    if not isinstance(model_id, str) or not model_id:
        return None
    plain = data.get("text/plain") if isinstance(data, dict) else None
    text = "".join(plain) if isinstance(plain, list) else str(plain or "")
    return WidgetViewRef(model_id, text)
