"""Small helpers shared by the renderers: payload text, sizes, placeholders, a crash guard."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from .nbtext import text_of as text_of
from .sanitize import clean_segments, strip_controls

PLACEHOLDER_STYLE = "dim italic"
MARKER_STYLE = "dim italic"


class PayloadError(ValueError):
    """A payload that cannot be shown as its declared type; the message says why."""


def human_size(n: int) -> str:
    """Format a byte count the way people read it: 812 B, 12.3 KB, 4.1 MB."""
    if n < 1024:
        return f"{n} B"
    size = float(n)
    for unit in ("KB", "MB", "GB"):
        size /= 1024.0
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
    return f"{n} B"  # pragma: no cover - loop always returns


def payload_size(value: object) -> int:
    """Estimate the size in bytes of an arbitrary payload, never raising."""
    try:
        if isinstance(value, str):
            # len() is a cheap stand-in for the UTF-8 length; exactness is not the point.
            return len(value)
        if isinstance(value, bytes | bytearray):
            return len(value)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return sum(len(v) for v in value)
        return len(json.dumps(value, default=repr))
    except Exception:
        return 0


def placeholder(label: str, size: int | None = None, reason: str | None = None) -> Text:
    """Build the one-line "[type, size]" stand-in used for anything we cannot show."""
    # Labels name MIME types and attachments taken from the notebook: untrusted.
    inner = strip_controls(label, one_line=True)
    if reason:
        inner += f": {strip_controls(reason, one_line=True)}"
    if size is not None:
        inner += f", {human_size(size)}"
    return Text(f"[{inner}]", style=PLACEHOLDER_STYLE, no_wrap=False)


def marker(message: str) -> Text:
    """A dim line marking elided content, e.g. "… 12 more lines"."""
    return Text(message, style=MARKER_STYLE)


def plural(n: int, word: str) -> str:
    """Return "1 line" / "3 lines" with thousands separators."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class Guarded:
    """Wrap a renderable so that a failure while Rich renders it becomes a placeholder."""

    # Rich renders lazily, so an exception in a nested renderable would surface in
    # the TUI's paint loop, far from here.  Rendering eagerly into a list inside a
    # try block costs nothing extra (Rich would produce the same segments) and
    # keeps the "never raises" promise through to the screen.

    def __init__(self, renderable: RenderableType, label: str = "output") -> None:
        self.renderable = renderable
        self.label = label

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        try:
            # Every output passes here: the last guard against control characters.
            segments: Iterable[Segment] = clean_segments(console.render(self.renderable, options))
        except Exception as exc:
            text = placeholder(self.label, reason=f"cannot render ({type(exc).__name__})")
            segments = [*text.render(console), Segment.line()]
        yield from segments

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        try:
            return Measurement.get(console, options, self.renderable)
        except Exception:
            return Measurement(1, options.max_width)


def style_or_null(spec: str) -> Style:
    """Parse a style string, falling back to the null style if it is invalid."""
    try:
        return Style.parse(spec)
    except Exception:
        return Style.null()


def json_safe(value: Any) -> str:
    """Serialise anything to JSON text for hashing or sizing, repr-ing the unknown."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), default=repr, ensure_ascii=False
    )


def words(spec: str) -> frozenset[str]:
    """A set of names from one space-separated string (keeps long tag tables readable)."""
    return frozenset(spec.split())
