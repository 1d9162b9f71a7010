"""Where widget views read state: the session's live mirror, or the notebook's saved widget state."""

from __future__ import annotations

from typing import Any

from runt_tui.client.widget_mirror import WidgetMirror, saved_model_state
from runt_tui.tui.widgets.ipyw.ref import STATE_MIME


class MirrorSource:
    """The live models, changed through the daemon."""

    live = True

    def __init__(self, mirror: WidgetMirror) -> None:
        self.mirror = mirror

    def state(self, model_id: str) -> dict[str, Any] | None:
        return self.mirror.models.get(model_id)

    def set(self, model_id: str, **changes: Any) -> None:
        self.mirror.set(model_id, **changes)

    def send(self, model_id: str, content: dict[str, Any]) -> None:
        self.mirror.send(model_id, content)

    def why_missing(self, model_id: str) -> str:
        if model_id in self.mirror.closed:
            return "closed by the kernel"
        if self.mirror.reset_reason:
            return f"gone: {self.mirror.reset_reason}"
        return "waiting for the kernel to create it"


class SavedSource:
    """A static snapshot from `metadata.widgets` (read-only until a kernel recreates the models)."""

    live = False

    def __init__(self, saved: dict[str, Any]) -> None:
        self.saved = saved

    def state(self, model_id: str) -> dict[str, Any] | None:
        return saved_model_state(self.saved.get(model_id))

    def set(self, model_id: str, **changes: Any) -> None:
        return None

    def send(self, model_id: str, content: dict[str, Any]) -> None:
        return None

    def why_missing(self, model_id: str) -> str:
        return "not live (no kernel), and not in the saved widget state"


def saved_states(metadata: Any) -> dict[str, Any]:
    """The saved models of a notebook's metadata ({} when it has none)."""
    widgets = metadata.get("widgets") if isinstance(metadata, dict) else None
    state = widgets.get(STATE_MIME) if isinstance(widgets, dict) else None
    models = state.get("state") if isinstance(state, dict) else None
    return models if isinstance(models, dict) else {}
