"""The widget view mounted for one widget-view output: its model tree, kept live.

Reads the session's `WidgetMirror`; a model that is not live but saved in the
notebook's metadata is drawn as a static snapshot (marked so). Tab and
Shift+Tab move between the widgets of the cell; Esc gives the keys back to
the notebook.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Input, Static

from runt_tui.client.widget_mirror import WidgetMirror
from runt_tui.tui.widgets.ipyw.base import ModelView
from runt_tui.tui.widgets.ipyw.display import MissingView
from runt_tui.tui.widgets.ipyw.logic import WidgetSource, clean
from runt_tui.tui.widgets.ipyw.ref import WidgetViewRef
from runt_tui.tui.widgets.ipyw.registry import build
from runt_tui.tui.widgets.ipyw.sources import MirrorSource, SavedSource, saved_states


def mirror_of(app: Any) -> WidgetMirror | None:
    """The app session's widget mirror (None without a joined session)."""
    session = getattr(app, "session", None)
    if session is None or getattr(session, "replica", None) is None:
        return None
    mirror: WidgetMirror = session.widget_mirror()
    return mirror


class WidgetView(Widget):
    """The root view of one displayed widget."""

    DEFAULT_CSS = """
    WidgetView { height: auto; width: 1fr; padding: 0 0 0 1; }
    WidgetView .ipyw-snapshot { color: $text-muted; text-style: italic; }
    """

    def __init__(self, ref: WidgetViewRef, mirror: WidgetMirror | None = None, saved: dict[str, Any] | None = None) -> None:
        super().__init__(classes="ipyw-root")
        self.ref = ref
        self.mirror = mirror
        self.saved = saved or {}
        self._kind = self._source_kind()

    def _source_kind(self) -> str:
        if self.mirror is not None and self.ref.model_id in self.mirror.models:
            return "live"
        if self.ref.model_id in self.saved:
            return "saved"
        return "missing"

    def _source(self) -> WidgetSource:
        if self._kind == "saved":
            return SavedSource(self.saved)
        if self.mirror is not None:
            return MirrorSource(self.mirror)
        return SavedSource({})

    def compose(self) -> ComposeResult:
        yield build(self.ref.model_id, self._source())
        if self._kind == "missing" and self.ref.fallback.strip():
            # What the kernel said in text (e.g. "IntSlider(value=3)"), through the sanitizer.
            yield Static(Text(clean(self.ref.fallback, one_line=False)), classes="ipyw-snapshot")
        if self._kind == "saved":
            yield Static(Text("(saved state: run the cell to make it live)"), classes="ipyw-snapshot")

    def on_mount(self) -> None:
        if self.mirror is not None:
            self.mirror.listeners.append(self._changed)
            # The mirror may have filled in (a first `widgets` answer) between our
            # construction and now, with no listener to tell.
            waiting = [v.model_id for v in self.query(MissingView)]
            if self._source_kind() != self._kind or any(m in self.mirror.models for m in waiting):
                self._changed(None)

    def on_unmount(self) -> None:
        if self.mirror is not None and self._changed in self.mirror.listeners:
            self.mirror.listeners.remove(self._changed)

    def _changed(self, model_id: str | None) -> None:
        kind = self._source_kind()
        if model_id is None or kind != self._kind:
            self._kind = kind
            self.call_later(self.recompose)
            return
        views = list(self.query(ModelView))
        mine = [v for v in views if v.model_id == model_id]
        if mine and self.mirror is not None and model_id not in self.mirror.models and not all(
            isinstance(v, MissingView) for v in mine
        ):
            self.call_later(self.recompose)  # closed by the kernel: its views say so
            return
        if any(isinstance(v, MissingView) for v in mine):
            self.call_later(self.recompose)  # a child it waited for has come
            return
        # A layout model touches the views whose `layout` names it.
        ref = f"IPY_MODEL_{model_id}"
        for view in mine or [v for v in views if v.st.get("layout") == ref]:
            view.sync()

    def focusables(self) -> list[Widget]:
        """The widgets of this cell that take keys, in screen order."""
        scope = self.parent if self.parent is not None else self
        return [w for w in scope.query("*") if w.focusable and isinstance(w, ModelView | Input)]

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self.app.set_focus(None)
            return
        if event.key not in ("tab", "shift+tab"):
            return
        items = self.focusables()
        focused = self.app.focused
        if not items:
            return
        event.stop()
        event.prevent_default()
        i = items.index(focused) if focused in items else -1
        step = -1 if event.key == "shift+tab" else 1
        items[(i + step) % len(items)].focus()


def widget_view(ref: WidgetViewRef, app: Any) -> WidgetView:
    """The view of a widget output for the app's session (live, saved snapshot or missing)."""
    mirror = mirror_of(app)
    saved: dict[str, Any] = {}
    session = getattr(app, "session", None)
    if session is not None and getattr(session, "replica", None) is not None:
        try:
            saved = saved_states(session.doc.metadata())
        except Exception:
            saved = {}
    return WidgetView(ref, mirror, saved)


def focus_first(cell: Widget) -> bool:
    """Focus the first widget of a cell's widget views; False when it has none that takes keys."""
    for view in cell.query(WidgetView):
        items = view.focusables()
        if items:
            items[0].focus()
            return True
    return False
