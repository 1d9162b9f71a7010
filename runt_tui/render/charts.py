"""Vega-Lite, Vega and Plotly chart outputs: a PNG when a converter is installed, else a text summary.

Converters are optional (`pip install 'runt-tui[charts]'`) and imported lazily:
`vl-convert-python` for Vega and Vega-Lite (self-contained, no browser, no
network: external data URLs are refused), `kaleido` (through `plotly.io` when
Plotly is installed) for Plotly. Without one, or when conversion fails, the
chart is summarised in text (kind, marks, encoded fields, data size) rather
than shown as a placeholder. Specs come from notebooks: every string shown
passes the sanitizer, and nothing here raises.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from .common import plural
from .sanitize import strip_controls

_VEGALITE = {
    "application/vnd.vegalite.v6+json": "6",
    # Altair 6 names its bundle entry so (a dot where the others have a plus).
    "application/vnd.vegalite.v6.json": "6",
    "application/vnd.vegalite.v5+json": "5",
    "application/vnd.vegalite.v4+json": "4",
    "application/vnd.vegalite.v3+json": "3",
}
_VEGA = ("application/vnd.vega.v5+json",)
PLOTLY_MIME = "application/vnd.plotly.v1+json"
CHART_MIMES: tuple[str, ...] = (*_VEGALITE, *_VEGA, PLOTLY_MIME)

# Sub-specs of composite Vega-Lite charts (layers, concatenations, facets, repeats).
_NESTED = ("layer", "hconcat", "vconcat", "concat")
_MAX_FIELDS = 12
_LINK_KEYS = frozenset({"url", "href", "source"})
_MAX_DEPTH = 16
# Plotly figures carry no size of their own when autosized; draw them at Plotly's default.
_PLOTLY_SIZE = (700, 450)


def is_chart(mime: str) -> bool:
    """True for the MIME types this module draws."""
    return mime in CHART_MIMES


def chart_spec(value: object) -> Mapping[str, Any] | None:
    """The chart's JSON object (nbformat stores it parsed; some producers send text)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


_PNG_CACHE: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_PNG_CACHE_SIZE = 32
_PNG_LOCK = threading.Lock()


def chart_png(mime: str, spec: Mapping[str, Any]) -> bytes | None:
    """The chart as PNG bytes, or None when no converter is installed, it fails, or the spec links out.

    Conversions (~0.1 s each, the first ~1 s while the engine starts) are kept per
    spec: the output renderer asks again for every width the cell is drawn at.
    """
    try:
        key = (mime, hashlib.blake2b(json.dumps(spec, sort_keys=True, default=str).encode(), digest_size=16).hexdigest())
    except (TypeError, ValueError):
        return _convert(mime, spec)
    with _PNG_LOCK:
        if key in _PNG_CACHE:
            _PNG_CACHE.move_to_end(key)
            return _PNG_CACHE[key]
    png = _convert(mime, spec)
    if png is None:  # not kept: a converter installed later (or back in sys.modules) is used
        return None
    with _PNG_LOCK:
        _PNG_CACHE[key] = png
        while len(_PNG_CACHE) > _PNG_CACHE_SIZE:
            _PNG_CACHE.popitem(last=False)
    return png


def _convert(mime: str, spec: Mapping[str, Any]) -> bytes | None:
    if _links_out(spec):
        return None
    try:
        if mime in _VEGALITE or mime in _VEGA:
            return _vega_png(mime, spec)
        if mime == PLOTLY_MIME:
            return _plotly_png(spec)
    except Exception:  # a converter's failure on a bad spec is not ours to raise
        return None
    return None


def _links_out(value: object, depth: int = 0) -> bool:
    """True when a spec names a URL or file to load (vl-convert reads file:// URLs whatever it is told).

    Drawing a chart must not read the user's files or reach the network on a
    notebook's say-so: such a chart is summarised instead. Inline rows
    (`values`, `datasets`) are not walked: they are data, not links.
    """
    if depth > _MAX_DEPTH * 2:
        return True
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in _LINK_KEYS and isinstance(item, str) and not item.startswith("data:"):
                return True
            if key not in ("values", "datasets") and _links_out(item, depth + 1):
                return True
    elif isinstance(value, list):
        return any(isinstance(item, Mapping | list) and _links_out(item, depth + 1) for item in value)
    return False


def _vega_png(mime: str, spec: Mapping[str, Any]) -> bytes | None:
    try:
        vlc: Any = importlib.import_module("vl_convert")
    except ImportError:
        return None
    # allowed_base_urls=[]: a spec's `data.url` must not reach the network or the disk.
    if mime in _VEGA:
        png = vlc.vega_to_png(dict(spec), scale=1, allowed_base_urls=[])
    else:
        png = vlc.vegalite_to_png(dict(spec), vl_version=_vl_version(vlc, _VEGALITE[mime]),
                                  scale=1, allowed_base_urls=[])
    return png if isinstance(png, bytes) else None


def _vl_version(vlc: Any, major: str) -> str | None:
    """The newest Vega-Lite release vl-convert bundles for a spec's major version (v3/v4 use v5)."""
    wanted = major if major in ("5", "6") else "5"
    try:
        versions = [v for v in vlc.get_vegalite_versions() if str(v).split(".")[0] == wanted]
    except Exception:
        return None
    return str(versions[-1]) if versions else None


def _plotly_png(spec: Mapping[str, Any]) -> bytes | None:
    figure = {"data": spec.get("data", []), "layout": spec.get("layout", {})}
    width, height = _plotly_size(spec)
    try:
        pio: Any = importlib.import_module("plotly.io")
    except ImportError:
        pio = None
    if pio is not None:
        png = pio.to_image(figure, format="png", width=width, height=height, scale=1)
    else:
        kaleido: Any = importlib.import_module("kaleido")
        png = kaleido.calc_fig_sync(figure, opts={"format": "png", "width": width, "height": height})
    return png if isinstance(png, bytes) else None


def _plotly_size(spec: Mapping[str, Any]) -> tuple[int, int]:
    layout = spec.get("layout")
    layout = layout if isinstance(layout, Mapping) else {}
    sizes = []
    for key, default in zip(("width", "height"), _PLOTLY_SIZE, strict=True):
        value = layout.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and 50 <= value <= 4000:
            sizes.append(int(value))
        else:
            sizes.append(default)
    return sizes[0], sizes[1]


def chart_summary(mime: str, spec: Mapping[str, Any]) -> RenderableType:
    """A few lines saying what the chart shows: kind, title, marks, encoded fields, data size."""
    try:
        lines = _plotly_lines(spec) if mime == PLOTLY_MIME else _vega_lines(mime, spec)
    except Exception:  # a malformed spec still gets its kind named
        lines = [_kind(mime)]
    head = Text(strip_controls(lines[0], one_line=True), style="bold")
    rest = [Text("  " + strip_controls(line, one_line=True), style="dim") for line in lines[1:]]
    return Group(head, *rest) if rest else head


def _kind(mime: str) -> str:
    if mime == PLOTLY_MIME:
        return "Plotly chart"
    if mime in _VEGA:
        return "Vega chart"
    return f"Vega-Lite v{_VEGALITE.get(mime, '?')} chart"


def _title(value: object) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("text")
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return value if isinstance(value, str) and value.strip() else None


def _vega_lines(mime: str, spec: Mapping[str, Any]) -> list[str]:
    marks: list[str] = []
    fields: list[str] = []
    for sub in _subspecs(spec):
        mark = sub.get("mark")
        name = mark.get("type") if isinstance(mark, Mapping) else mark
        if isinstance(name, str) and name not in marks:
            marks.append(name)
        fields += [f for f in _encoded(sub.get("encoding")) if f not in fields]
    if mime in _VEGA:
        marks = [str(m.get("type")) for m in spec.get("marks", []) if isinstance(m, Mapping)]
    head = _kind(mime)
    title = _title(spec.get("title"))
    if title:
        head += f": {title}"
    if marks:
        head += " · " + ", ".join(marks[:_MAX_FIELDS])
    lines = [head]
    if fields:
        shown = fields[:_MAX_FIELDS]
        more = f", … {len(fields) - len(shown)} more" if len(fields) > len(shown) else ""
        lines.append(", ".join(shown) + more)
    lines.append(_vega_data(spec))
    return lines


def _subspecs(spec: Mapping[str, Any], depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """The spec and every nested unit spec (layers, concatenations, facet and repeat bodies)."""
    if depth > _MAX_DEPTH:
        return
    yield spec
    for key in _NESTED:
        children = spec.get(key)
        if isinstance(children, list):
            for child in children:
                if isinstance(child, Mapping):
                    yield from _subspecs(child, depth + 1)
    inner = spec.get("spec")
    if isinstance(inner, Mapping):
        yield from _subspecs(inner, depth + 1)


def _encoded(encoding: object) -> Iterator[str]:
    """"channel: field (type)" for each encoded channel, e.g. "x: year (temporal)"."""
    if not isinstance(encoding, Mapping):
        return
    for channel, enc in encoding.items():
        if not isinstance(enc, Mapping):
            continue
        field = enc.get("field")
        if isinstance(field, Mapping):  # repeat: {"repeat": "column"}
            field = f"repeat {field.get('repeat', '?')}"
        aggregate = enc.get("aggregate")
        if isinstance(aggregate, str):
            field = f"{aggregate}({field or ''})"
        if field is None:
            continue
        kind = enc.get("type")
        yield f"{channel}: {field}" + (f" ({kind})" if isinstance(kind, str) else "")


def _vega_data(spec: Mapping[str, Any]) -> str:
    """How much data the chart carries: inline rows (data.values and named datasets) or a URL."""
    rows = 0
    urls = 0
    datasets = spec.get("datasets")
    if isinstance(datasets, Mapping):
        rows += sum(len(v) for v in datasets.values() if isinstance(v, list))
    for sub in _subspecs(spec):
        for data in _data_entries(sub.get("data")):
            if isinstance(data.get("values"), list):
                rows += len(data["values"])
            elif isinstance(data.get("url"), str):
                urls += 1
    parts = [plural(rows, "data row")]
    if urls:
        parts.append(f"{plural(urls, 'data URL')} (not fetched)")
    return ", ".join(parts)


def _data_entries(data: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(data, Mapping):
        yield data
    elif isinstance(data, list):  # Vega: a list of data sets
        yield from (d for d in data if isinstance(d, Mapping))


def _plotly_lines(spec: Mapping[str, Any]) -> list[str]:
    traces = [t for t in spec.get("data", []) if isinstance(t, Mapping)]
    kinds: list[str] = []
    points = 0
    for trace in traces:
        kind = str(trace.get("type") or "scatter")
        if kind not in kinds:
            kinds.append(kind)
        points += max((len(trace[k]) for k in ("x", "y", "z", "values", "r") if isinstance(trace.get(k), list)), default=0)
    layout = spec.get("layout")
    layout = layout if isinstance(layout, Mapping) else {}
    head = _kind(PLOTLY_MIME)
    title = _title(layout.get("title"))
    if title:
        head += f": {title}"
    if kinds:
        head += " · " + ", ".join(kinds[:_MAX_FIELDS])
    lines = [head]
    axes = [f"{axis[0]}: {t}" for axis in ("xaxis", "yaxis")
            if isinstance(layout.get(axis), Mapping) and (t := _title(layout[axis].get("title")))]
    names = [str(t["name"]) for t in traces if isinstance(t.get("name"), str)][:_MAX_FIELDS]
    if axes or names:
        lines.append(", ".join(axes + ([f"traces: {', '.join(names)}"] if names else [])))
    lines.append(f"{plural(len(traces), 'trace')}, {plural(points, 'point')}")
    return lines
