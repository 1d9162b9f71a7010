"""render_output: one nbformat v4 output dict to a Rich renderable, never raising, cached."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.text import Text

from .charts import chart_png, chart_spec, chart_summary, is_chart
from .common import Guarded, PayloadError, payload_size, placeholder, text_of
from .halfblock import image_renderable
from .images import RASTER_MIMES, ImagePayload, rasterize_svg, svg_size
from .jsonview import render_json
from .latex import render_latex
from .mime import ranked_mimes
from .render_options import DEFAULT_OPTIONS, RenderOptions
from .sanitize import safe_text
from .stream import ansi_block, render_stream

_ERROR_HEADER = "bold red"
_BUNDLE_TYPES = ("execute_result", "display_data", "update_display_data")


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What the TUI needs to show one output: a renderable plus facts about it."""

    renderable: RenderableType
    output_type: str
    mime: str | None = None
    # Set for raster images (and rasterised SVG) unless images are off: the TUI
    # draws it with textual-image and uses `renderable` only as the fallback.
    image: ImagePayload | None = None
    # Lines elided by the line cap; nonzero means "show all" would reveal more.
    hidden_lines: int = 0
    # True when nothing could be shown but a "[type, size]" placeholder.
    placeholder: bool = False
    execution_count: int | None = None


class _LRU:
    """A small thread-safe LRU map; the TUI may render from worker threads."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[tuple[bytes, int, RenderOptions], RenderResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[bytes, int, RenderOptions]) -> RenderResult | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
            return hit

    def put(self, key: tuple[bytes, int, RenderOptions], value: RenderResult) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


_CACHE = _LRU(1024)


def clear_render_cache() -> None:
    """Forget every cached rendering (e.g. after a theme change in tests)."""
    _CACHE.clear()


# Strings longer than this enter cache keys as (length, hash()) instead of their
# bytes: a 20 MB print then costs one SipHash pass (~4 ms, and cached on the str
# object) rather than JSON-encoding and digesting 20 MB (~150 ms) on every look-up.
# hash() is a 64-bit keyed SipHash, so together with the length an accidental
# collision is as unlikely as with the digest; the key is never persisted.
_BIG_STR = 1 << 16
_MAX_DEPTH = 64


def _feed_str(h: hashlib.blake2b, tag: bytes, value: str) -> None:
    if len(value) > _BIG_STR:
        h.update(b"%s#%d:%d;" % (tag, len(value), hash(value)))
    else:
        data = value.encode("utf-8", "surrogatepass")
        h.update(b"%s%d:" % (tag, len(data)))
        h.update(data)


def _feed(h: hashlib.blake2b, value: object, depth: int = 0) -> None:
    """Feed a JSON-like value to a hash, structure included (raises on absurd nesting)."""
    if depth > _MAX_DEPTH:
        raise ValueError("output nested too deeply")
    if isinstance(value, str):
        _feed_str(h, b"s", value)
    elif isinstance(value, Mapping):
        h.update(b"{%d:" % len(value))
        for key, item in value.items():
            _feed(h, key, depth + 1)
            _feed(h, item, depth + 1)
        h.update(b"}")
    elif isinstance(value, list | tuple):
        h.update(b"[%d:" % len(value))
        for item in value:
            _feed(h, item, depth + 1)
        h.update(b"]")
    elif value is None or isinstance(value, bool | int | float):
        h.update(b"v%s;" % repr(value).encode())
    elif isinstance(value, bytes | bytearray):
        h.update(b"y%d:" % len(value))
        h.update(value)
    else:
        _feed_str(h, b"o" + type(value).__qualname__.encode(), repr(value))


def _fingerprint(output: object) -> bytes:
    """A digest of an output's content for the render cache, cheap for huge payloads."""
    h = hashlib.blake2b(digest_size=16)
    _feed(h, output)
    return h.digest()


def _digest(raw: str) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    _feed_str(h, b"j", raw)
    return h.digest()


def _exec_count(output: Mapping[object, object]) -> int | None:
    count = output.get("execution_count")
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _render_mime(
    mime: str, value: object, metadata: object, width: int, options: RenderOptions
) -> RenderResult | None:
    """Render one MIME entry; None means "nothing to show, try the next one"."""
    if mime in RASTER_MIMES:
        meta = metadata.get(mime) if isinstance(metadata, Mapping) else None
        payload = ImagePayload.probe(mime, value, meta)
        shown = image_renderable(payload, width=width, options=options, pixels_in_rich=False)
        image = None if options.images == "none" else payload
        return RenderResult(shown, "display_data", payload.mime, image)
    if mime == "image/svg+xml":
        svg = text_of(value) or ""
        raster = rasterize_svg(svg)
        if raster is not None:
            shown = image_renderable(raster, width=width, options=options, pixels_in_rich=False)
            image = None if options.images == "none" else raster
            return RenderResult(shown, "display_data", mime, image)
        dims = svg_size(svg)
        label = f"{mime} {dims[0]}×{dims[1]}" if dims else mime
        return RenderResult(placeholder(label, payload_size(value)), "display_data", mime)
    if is_chart(mime):
        return _render_chart(mime, value, width, options)
    if mime == "application/json" or mime.endswith("+json"):
        return RenderResult(render_json(value, options), "display_data", mime)
    text = text_of(value)
    if text is None:
        raise PayloadError(f"expected text, got {type(value).__name__}")
    if mime == "text/markdown":
        if not text.strip():
            return None
        from .markdown import render_markdown  # on first use: markdown-it is slow to import

        return RenderResult(render_markdown(text, options), "display_data", mime)
    if mime == "text/html":
        from .html import render_html  # on first use: html.parser and the table code

        rendered = render_html(text, options)
        return None if rendered is None else RenderResult(rendered, "display_data", mime)
    if mime == "text/latex":
        return RenderResult(render_latex(text[: options.max_text_chars]), "display_data", mime)
    # text/plain and any other text/* the caller ranked: ANSI text, head kept.
    block, hidden = ansi_block(text, options, keep="head")
    return RenderResult(block, "display_data", mime, hidden_lines=hidden)


def _render_chart(mime: str, value: object, width: int, options: RenderOptions) -> RenderResult | None:
    """A chart drawn as an image when a converter is installed (and images are on), else summarised."""
    spec = chart_spec(value)
    if spec is None:
        return None
    png = None if options.images == "none" else chart_png(mime, spec)
    if png is None:
        return RenderResult(chart_summary(mime, spec), "display_data", mime)
    payload = ImagePayload.from_bytes(png)
    shown = image_renderable(payload, width=width, options=options, pixels_in_rich=False)
    return RenderResult(shown, "display_data", mime, payload)


def _render_bundle(
    output: Mapping[object, object], output_type: str, width: int, options: RenderOptions
) -> RenderResult:
    data = output.get("data")
    count = _exec_count(output)
    if not isinstance(data, Mapping):
        return RenderResult(placeholder(output_type, reason="no data"), output_type,
                            placeholder=True, execution_count=count)
    metadata = output.get("metadata")
    broken: list[Text] = []
    for mime, error in ranked_mimes(data, options.mime_order):
        value = data[mime]
        if error is None:
            try:
                result = _render_mime(mime, value, metadata, width, options)
            except Exception as exc:  # a renderer choked: report it, try the next
                reason = str(exc) if isinstance(exc, PayloadError) else type(exc).__name__
                broken.append(placeholder(mime, payload_size(value), reason))
                continue
            if result is None:
                continue
            # Say which richer entries were skipped as broken: never a silent drop.
            shown = Group(*broken, result.renderable) if broken else result.renderable
            return RenderResult(shown, output_type, result.mime, result.image,
                                result.hidden_lines, execution_count=count)
        broken.append(placeholder(mime, payload_size(value), str(error)))
    if not broken:
        # Nothing we know how to draw (e.g. a widget view with no text/plain).
        for key, value in data.items():
            broken.append(placeholder(str(key), payload_size(value)))
        if not broken:
            broken.append(placeholder(output_type, reason="empty"))
    shown = broken[0] if len(broken) == 1 else Group(*broken)
    return RenderResult(shown, output_type, placeholder=True, execution_count=count)


def _render_error(output: Mapping[object, object], options: RenderOptions) -> RenderResult:
    ename = output.get("ename")
    evalue = output.get("evalue")
    name = "Error" if ename is None else str(ename)
    value = "" if evalue is None else str(evalue)
    header = safe_text(f"{name}: {value}", style=_ERROR_HEADER)
    tb = output.get("traceback")
    lines = [str(line) for line in tb] if isinstance(tb, list) else []
    if not lines:
        return RenderResult(header, "error")
    # The kernel coloured the traceback with ANSI codes: show it as it coloured it,
    # tail kept like a stream since the innermost frame matters most.
    body, hidden = ansi_block("\n".join(lines), options, keep="tail")
    return RenderResult(Group(header, body), "error", hidden_lines=hidden)


def _render(output: object, width: int, options: RenderOptions) -> RenderResult:
    if not isinstance(output, Mapping):
        return RenderResult(placeholder("output", payload_size(output), "not an object"),
                            "unknown", placeholder=True)
    output_type = output.get("output_type")
    if output_type == "stream":
        text = text_of(output.get("text"))
        if text is None:
            shown = placeholder("stream", payload_size(output.get("text")), "no text")
            return RenderResult(shown, "stream", placeholder=True)
        name = output.get("name")
        rendered, hidden = render_stream(text, name if isinstance(name, str) else "stdout", options)
        return RenderResult(rendered, "stream", hidden_lines=hidden)
    if output_type == "error":
        return _render_error(output, options)
    if output_type in _BUNDLE_TYPES:
        return _render_bundle(output, str(output_type), width, options)
    label = f"output type {output_type!r}" if isinstance(output_type, str) else "output"
    return RenderResult(placeholder(label, payload_size(output), "unknown"),
                        str(output_type), placeholder=True)


def _render_safe(output: object, width: int, options: RenderOptions) -> RenderResult:
    try:
        result = _render(output, width, options)
    except Exception as exc:
        shown = placeholder("output", payload_size(output), f"cannot render ({type(exc).__name__})")
        return RenderResult(shown, "unknown", placeholder=True)
    guarded = Guarded(result.renderable, result.mime or result.output_type)
    return RenderResult(guarded, result.output_type, result.mime, result.image,
                        result.hidden_lines, result.placeholder, result.execution_count)


def render_output(
    output: Mapping[str, object],
    *,
    width: int = 80,
    options: RenderOptions | None = None,
    cache: bool = True,
) -> RenderResult:
    """Render one nbformat v4 output dict; never raises, whatever the input."""
    options = options or DEFAULT_OPTIONS
    if not cache:
        return _render_safe(output, width, options)
    try:
        key = (_fingerprint(output), width, options)
        hash(key)
    except Exception:  # unhashable options, circular data, mixed-type keys
        return _render_safe(output, width, options)
    hit = _CACHE.get(key)
    if hit is None:
        hit = _render_safe(output, width, options)
        _CACHE.put(key, hit)
    return hit


def render_output_json(
    raw: str, *, width: int = 80, options: RenderOptions | None = None
) -> RenderResult:
    """Render an output kept as JSON text (as the document stores it), cached by that text."""
    options = options or DEFAULT_OPTIONS
    # Hashing the stored string skips both parsing and re-serialising on a hit.
    try:
        key: tuple[bytes, int, RenderOptions] | None = (_digest(raw), width, options)
        hash(key)
    except Exception:
        key = None
    hit = _CACHE.get(key) if key is not None else None
    if hit is not None:
        return hit
    try:
        output = json.loads(raw)
    except Exception:
        shown = placeholder("output", payload_size(raw), "invalid JSON")
        hit = RenderResult(shown, "unknown", placeholder=True)
    else:
        hit = _render_safe(output, width, options)
    if key is not None:
        _CACHE.put(key, hit)
    return hit
