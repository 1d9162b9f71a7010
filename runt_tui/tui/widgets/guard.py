"""Drawing failures stay inside the widget that failed.

Textual lets an exception raised while drawing or measuring one widget end
the whole app (and the keys typed next go to the shell). Every widget of a
cell (and the status bar) takes `GuardedRender` first in its bases: a failure
is logged once, a one-line placeholder is drawn in its place, and the widget
is redrawn a moment later (backing off), which is all a transient race needs.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget
else:
    _Base = object

log = logging.getLogger("runt_tui.tui")

RETRY_SECONDS = (0.1, 0.5, 2.0, 5.0)
PLACEHOLDER_STYLE = Style(color="red", italic=True)


def placeholder(error: BaseException, crop: Region) -> list[Strip]:
    """One line naming the error, then blank lines, `crop` sized."""
    message = f"⚠ could not draw this ({type(error).__name__}); retrying"
    first = Strip([Segment(message, PLACEHOLDER_STYLE)]).crop(0, crop.width).extend_cell_length(crop.width)
    return [first if y == 0 else Strip.blank(crop.width) for y in range(crop.y, crop.y + crop.height)]


RenderLines = Callable[[Any, Region], list[Strip]]
ContentHeight = Callable[[Any, Size, Size, int], int]


def _guard_render(method: RenderLines) -> RenderLines:
    @functools.wraps(method)
    def render_lines(self: Any, crop: Region) -> list[Strip]:
        if not self.is_attached:
            # Removed, but still in a compositor map the screen has not rebuilt yet: its
            # styles are gone (TextArea raised KeyError on them). The next layout drops it.
            return [Strip.blank(crop.width) for _ in range(crop.height)]
        try:
            strips = method(self, crop)
        except Exception as e:
            self._drawing_failed(e)
            return placeholder(e, crop)
        self._drawing_worked()
        return strips

    return render_lines


def _guard_height(method: ContentHeight) -> ContentHeight:
    @functools.wraps(method)
    def get_content_height(self: Any, container: Size, viewport: Size, width: int) -> int:
        try:
            return method(self, container, viewport, width)
        except Exception as e:
            self._drawing_failed(e)
            return 1

    return get_content_height


class GuardedRender(_Base):
    """Mixin for a Widget subclass: drawing and measuring never raise out of the widget.

    Subclasses that define `render_lines` or `get_content_height` themselves get
    those wrapped too (in `__init_subclass__`), so the guard cannot be bypassed.
    """

    _render_error: str | None = None
    _render_retries: int = 0
    _retry_pending: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        if "render_lines" in own:
            cls.render_lines = _guard_render(own["render_lines"])  # type: ignore[method-assign]
        if "get_content_height" in own:
            cls.get_content_height = _guard_height(own["get_content_height"])  # type: ignore[method-assign]

    @_guard_render
    def render_lines(self, crop: Region) -> list[Strip]:
        return super().render_lines(crop)

    @_guard_height
    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return super().get_content_height(container, viewport, width)

    def _drawing_failed(self, error: Exception) -> None:
        key = f"{type(error).__name__}: {error}"
        if key != self._render_error:
            log.error("drawing %r failed", self, exc_info=error)
            self._render_error = key
        if self._retry_pending or not self.is_running:
            return
        delay = RETRY_SECONDS[min(self._render_retries, len(RETRY_SECONDS) - 1)]
        self._render_retries += 1
        self._retry_pending = True
        self.set_timer(delay, self._retry_drawing)

    def _drawing_worked(self) -> None:
        if self._render_error is not None:
            log.info("%r draws again", self)
            self._render_error, self._render_retries = None, 0

    def _retry_drawing(self) -> None:
        self._retry_pending = False
        self.refresh(layout=True)


class GuardedStatic(GuardedRender, Static):
    """A Static whose drawing failures stay inside it."""
