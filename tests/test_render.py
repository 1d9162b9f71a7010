"""Tests for runt_tui.render: MIME ranking, streams, HTML, LaTeX, JSON, images, robustness."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from runt_tui.render import (
    DEFAULT_MIME_ORDER,
    HAVE_PIL,
    HalfBlockImage,
    ImagePayload,
    PayloadError,
    RenderOptions,
    cap_lines,
    choose_mime,
    clear_render_cache,
    collapse_json,
    fold_stream,
    latex_to_unicode,
    render_html,
    render_markdown_cell,
    render_output,
    render_output_json,
    sniff,
    split_attachments,
)
from runt_tui.render.html import table_to_rich
from runt_tui.render.htmltree import parse_html

OPTS = RenderOptions()


def png_bytes(w: int, h: int, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid truecolour PNG built from zlib and struct only."""
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(
        b"IEND", b""
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def text(renderable: RenderableType, width: int = 80) -> str:
    """Render to plain visible text, as a user at an 80-column terminal would see it."""
    console = Console(record=True, width=width, file=io.StringIO(), color_system="truecolor")
    console.print(renderable)
    return console.export_text()


def out_text(output: dict[str, Any], options: RenderOptions = OPTS, width: int = 80) -> str:
    return text(render_output(output, width=width, options=options, cache=False).renderable, width)


def bundle(data: dict[str, Any], metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"output_type": "display_data", "data": data, "metadata": metadata or {}}


# ---------------------------------------------------------------- MIME ranking


def test_choose_mime_prefers_richest() -> None:
    data = {"text/plain": "x", "text/html": "<b>x</b>", "image/png": b64(png_bytes(2, 2))}
    assert choose_mime(data) == "image/png"
    assert choose_mime({"text/plain": "x", "text/markdown": "*x*"}) == "text/markdown"
    assert choose_mime({"text/plain": "x", "application/json": {"a": 1}}) == "application/json"


def test_choose_mime_order_is_configurable() -> None:
    data = {"text/plain": "x", "text/html": "<b>x</b>"}
    assert choose_mime(data, ("text/plain", "text/html")) == "text/plain"


def test_choose_mime_skips_undecodable() -> None:
    data = {"image/png": "!!!not base64!!!", "text/html": 42, "text/plain": "fallback"}
    assert choose_mime(data) == "text/plain"
    assert choose_mime({"image/png": b64(b"GIF89a-not-a-png")}) == "image/png"  # sniffed as GIF?
    assert choose_mime({"image/jpeg": b64(b"hello world, not an image")}) is None
    assert choose_mime({"application/x-unknown": "x"}) is None
    assert choose_mime({}) is None


def test_choose_mime_accepts_list_of_lines() -> None:
    assert choose_mime({"text/plain": ["a\n", "b"]}) == "text/plain"
    assert "a\nb" in out_text(bundle({"text/plain": ["a\n", "b"]}))


def test_default_order_starts_with_images_ends_with_plain() -> None:
    assert DEFAULT_MIME_ORDER[0] == "image/png"
    assert DEFAULT_MIME_ORDER[-1] == "text/plain"


# ---------------------------------------------------------------- streams


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("hello", "hello"),
        ("abc\rX", "Xbc"),  # a terminal overwrites; the tail stays
        ("progress 10%\rprogress 50%\rprogress 100%\n", "progress 100%\n"),
        ("long line here\rshort", "shortline here"),
        ("abc\bd", "abd"),
        ("abc\b\b\bxyz", "xyz"),
        ("a\b\b\bb", "b"),  # cannot back up past the line start
        ("line1\r\nline2\r\n", "line1\nline2\n"),  # CRLF is a plain newline
        ("a\nb\r\nc\rd\n", "a\nb\nd\n"),
        ("|\b/\b-\b\\", "\\"),  # a spinner
        ("done\r", "done"),
    ],
)
def test_fold_stream(raw: str, shown: str) -> None:
    assert fold_stream(raw) == shown


def test_fold_stream_tqdm_like() -> None:
    frames = [f"\r{p:3d}%|{'#' * (p // 10):<10}| {p}/100" for p in range(0, 101, 5)]
    assert fold_stream("".join(frames) + "\n") == "100%|##########| 100/100\n"


def test_fold_stream_keeps_ansi_and_erase_in_line() -> None:
    assert fold_stream("\x1b[32mok\x1b[0m") == "\x1b[32mok\x1b[0m"
    folded = fold_stream("\x1b[31mold text\x1b[0m\rnew")
    shown = out_text({"output_type": "stream", "name": "stdout", "text": folded})
    assert shown.startswith("new text")
    assert fold_stream("downloading 50%\r\x1b[Kdone") == "done"
    assert fold_stream("abcdef\x1b[2K\rxy") == "xy"


def test_stream_ansi_colours_become_styles() -> None:
    out = {"output_type": "stream", "name": "stdout", "text": "\x1b[31mred\x1b[0m plain\n"}
    result = render_output(out)
    console = Console(record=True, width=40, file=io.StringIO(), color_system="truecolor")
    console.print(result.renderable)
    styled = console.export_text(styles=True)
    assert "\x1b[31mred" in styled
    assert Text.from_ansi(styled).plain.strip() == "red plain"


def test_stderr_is_tinted() -> None:
    result = render_output({"output_type": "stream", "name": "stderr", "text": "oops\n"}, width=40)
    console = Console(record=True, width=40, file=io.StringIO(), color_system="truecolor")
    console.print(result.renderable)
    styled = console.export_text(styles=True)
    assert "oops" in styled and "\x1b[48;2;" in styled  # a truecolour background


def test_long_stream_capped_with_marker() -> None:
    body = "".join(f"line {i}\n" for i in range(1000))
    result = render_output({"output_type": "stream", "name": "stdout", "text": body})
    shown = text(result.renderable)
    assert result.hidden_lines == 800
    assert "… 800 more lines" in shown
    assert "line 999" in shown and "line 800\n" in shown and "line 799\n" not in shown
    full = render_output(
        {"output_type": "stream", "name": "stdout", "text": body},
        options=RenderOptions(show_all=True),
    )
    assert full.hidden_lines == 0 and "line 0\n" in text(full.renderable)


def test_cap_lines_head_and_tail() -> None:
    assert cap_lines("a\nb\nc\n", 2, "tail") == ("b\nc", 1)
    assert cap_lines("a\nb\nc", 2, "head") == ("a\nb", 1)
    assert cap_lines("a\nb", 5, "head") == ("a\nb", 0)


def test_plain_text_result_keeps_head() -> None:
    body = "\n".join(str(i) for i in range(500))
    shown = out_text({"output_type": "execute_result", "execution_count": 3,
                      "data": {"text/plain": body}, "metadata": {}})
    assert shown.startswith("0\n1\n") and "… 300 more lines" in shown


# ---------------------------------------------------------------- errors


def test_error_shows_header_and_coloured_traceback() -> None:
    tb = [
        "\x1b[0;31m" + "-" * 75 + "\x1b[0m",
        "\x1b[0;31mZeroDivisionError\x1b[0m" + " " * 25 + "Traceback (most recent call last)",
        "Cell \x1b[0;32mIn[1], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m 1/0",
        "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero",
    ]
    result = render_output({"output_type": "error", "ename": "ZeroDivisionError",
                            "evalue": "division by zero", "traceback": tb})
    shown = text(result.renderable)
    assert shown.splitlines()[0] == "ZeroDivisionError: division by zero"
    assert "----> 1 1/0" in shown and "\x1b" not in shown


def test_error_with_garbage_fields() -> None:
    shown = out_text({"output_type": "error", "ename": None, "evalue": 5, "traceback": "nope"})
    assert "Error: 5" in shown


# ---------------------------------------------------------------- HTML

PANDAS_HTML = """<div>
<style scoped>
    .dataframe tbody tr th:only-of-type { vertical-align: middle; }
    .dataframe thead th { text-align: right; }
</style>
<table border="1" class="dataframe">
  <thead>
    <tr>
      <th></th>
      <th colspan="2" halign="left">price</th>
      <th>name</th>
    </tr>
    <tr>
      <th></th>
      <th>open</th>
      <th>close</th>
      <th></th>
    </tr>
    <tr>
      <th>city</th>
      <th>day</th>
      <th></th>
      <th></th>
    </tr>
  </thead>
  <tbody>
    <tr>
      <th rowspan="2" valign="top">Paris</th>
      <td>1.5</td>
      <td>2.25</td>
      <td>croissant</td>
    </tr>
    <tr>
      <td>-3</td>
      <td>NaN</td>
      <td>baguette &amp; jam</td>
    </tr>
    <tr>
      <th>Oslo</th>
      <td>1,000</td>
      <td>7e-3</td>
      <td>brunost</td>
    </tr>
  </tbody>
</table>
<p>3 rows × 3 columns</p>
</div>"""


def test_pandas_table_becomes_rich_table() -> None:
    root = parse_html(PANDAS_HTML)
    table = table_to_rich(root.iter("table")[0], OPTS)
    assert isinstance(table, Table)
    assert len(table.columns) == 4
    assert table.row_count == 3
    headers = [str(col.header) for col in table.columns]
    assert headers[1] == "price\nopen\nday"
    assert headers[0] == "\n\ncity"
    assert [col.justify for col in table.columns][1:] == ["right", "right", "left"]
    assert table.columns[0].style == "bold"  # index column


def test_pandas_table_visible_text() -> None:
    shown = out_text(bundle({"text/html": PANDAS_HTML, "text/plain": "DataFrame repr"}))
    assert "DataFrame repr" not in shown
    assert "vertical-align" not in shown  # <style> dropped
    lines = shown.splitlines()
    paris = next(line for line in lines if "Paris" in line)
    assert "1.5" in paris and "2.25" in paris and "croissant" in paris
    assert "baguette & jam" in shown and "brunost" in shown
    assert "3 rows × 3 columns" in shown


def test_table_without_thead_and_row_cap() -> None:
    rows = "".join(f"<tr><td>{i}</td><td>v{i}</td></tr>" for i in range(30))
    html = f"<table><tr><th>n</th><th>val</th></tr>{rows}</table>"
    shown = text(render_html(html, RenderOptions(max_table_rows=10)) or "")
    assert "n" in shown.splitlines()[0] and "val" in shown.splitlines()[0]
    assert "v9" in shown and "v10" not in shown and "… 20 more rows" in shown


def test_html_text_structure() -> None:
    html = (
        "<h2>Report</h2><p>First <b>bold</b>\n   paragraph.</p><p>Second<br>line</p>"
        "<ul><li>one</li><li>two</li></ul><ol><li>alpha</li><li>beta</li></ol>"
        "<script>var hidden = 1;</script><style>p {color: red}</style><pre>  keep   spaces</pre>"
    )
    shown = text(render_html(html, OPTS) or "")
    assert "Report" in shown and "First bold paragraph." in shown
    assert "Second\nline" in shown
    assert "• one\n• two" in shown and "1. alpha\n2. beta" in shown
    assert "hidden" not in shown and "color" not in shown
    assert "  keep   spaces" in shown


def test_script_only_html_falls_back_to_plain() -> None:
    data = {"text/html": "<script>plotly()</script>", "text/plain": "Figure()"}
    assert "Figure()" in out_text(bundle(data))


def test_malformed_html_does_not_raise() -> None:
    samples = ["<table><tr><td>1<td>2<tr><td>3", "<td colspan=99999999>x", "</div></p><<<>>"]
    for html in [*samples, "<" * 1000, "<div>" * 5000 + "deep"]:
        render_html(html, OPTS)
        out_text(bundle({"text/html": html}))


# ---------------------------------------------------------------- LaTeX


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        (r"$\displaystyle \frac{x^{2}}{2}$", "x²/2"),
        (r"\alpha + \beta_i \leq \gamma", "α + βᵢ ≤ γ"),
        (r"$$\sum_{i=1}^{n} i = \frac{n(n+1)}{2}$$", "∑ᵢ₌₁ⁿ i = n(n+1)/2"),
        (r"\sqrt{x+1} \cdot \sqrt[3]{y}", "√(x+1) · ∛y"),
        (r"\mathbb{R}^n \to \mathbb{R}", "ℝⁿ → ℝ"),
        (r"1.0 \times 10^{-5}", "1.0 × 10⁻⁵"),
        (r"e^{i\pi} + 1 = 0", "e^(iπ) + 1 = 0"),
        (r"\left( a \pm b \right)^{2}", "( a ± b )²"),
        (r"The area is $\pi r^2$.", "The area is π r²."),
        (r"x_{\text{max}}", "xₘₐₓ"),
        (r"x_{\text{big}}", "x_(big)"),
    ],
)
def test_latex_to_unicode(src: str, expected: str) -> None:
    assert latex_to_unicode(src) == expected


def test_latex_falls_back_to_source() -> None:
    src = r"\left[\begin{matrix}1 & 2\\3 & 4\end{matrix}\right]"
    assert latex_to_unicode(src) is None
    assert latex_to_unicode(r"\unknowncommand{x}") is None
    assert latex_to_unicode("{" * 5000) is None
    assert "begin{matrix}" in out_text(bundle({"text/latex": src, "text/plain": "Matrix"}))


# ---------------------------------------------------------------- JSON


def test_json_collapse_depth_and_width() -> None:
    deep = {"a": {"b": {"c": {"d": {"e": 1}}}}}
    assert collapse_json(deep, max_depth=2) == {"a": {"b": "{…1 key}"}}
    wide = list(range(100))
    collapsed = collapse_json(wide, max_items=5)
    assert collapsed == [0, 1, 2, 3, 4, "… 95 more items"]
    assert collapse_json({"x": float("nan")}) == {"x": "nan"}


def test_json_output_pretty_printed() -> None:
    shown = out_text(bundle({"application/json": {"name": "runt", "tags": [1, 2]}}))
    assert '"name": "runt"' in shown and '"tags": [' in shown


def test_json_huge_is_bounded() -> None:
    big = {f"k{i}": {f"j{j}": list(range(50)) for j in range(50)} for i in range(50)}
    shown = out_text(bundle({"application/json": big}))
    assert "more keys" in shown
    assert len(shown.splitlines()) < 5000


# ---------------------------------------------------------------- images


def test_image_payload_reads_png_header_lazily() -> None:
    data = png_bytes(64, 48)
    payload = ImagePayload.probe("image/png", b64(data))
    assert (payload.mime, payload.width, payload.height) == ("image/png", 64, 48)
    assert payload._raw is None  # not decoded until asked
    assert payload.data == data
    assert payload.describe().startswith("image/png 64×48, ")


def test_sniff_jpeg_and_gif() -> None:
    sof = b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", 120, 160) + b"\x03" + b"\x00" * 9
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + sof
    assert sniff(jpeg) == ("image/jpeg", 160, 120)
    assert sniff(b"GIF89a" + struct.pack("<HH", 7, 9)) == ("image/gif", 7, 9)
    assert sniff(b"nope") is None


def test_image_output_result_and_placeholder() -> None:
    data = {"image/png": b64(png_bytes(640, 480)), "text/plain": "<Figure>"}
    result = render_output(bundle(data), options=RenderOptions(images="none"))
    assert result.mime == "image/png" and result.image is None
    assert text(result.renderable).strip().startswith("[image/png 640×480, ")
    kitty = render_output(bundle({"image/png": b64(png_bytes(640, 480))}),
                          options=RenderOptions(images="kitty"))
    assert kitty.image is not None and kitty.image.width == 640
    assert "[image/png 640×480" in text(kitty.renderable)


@pytest.mark.skipif(not HAVE_PIL, reason="Pillow not installed")
def test_halfblock_image_draws_cells() -> None:
    payload = ImagePayload.from_bytes(png_bytes(80, 40, (0, 255, 0)))
    shown = text(HalfBlockImage(payload, max_width=20), width=80)
    rows = [r for r in shown.splitlines() if r]
    assert rows and all(set(r) == {"▀"} for r in rows)
    assert len(rows[0]) == 10  # 80 px / 8 px per cell
    segments = list(Console(width=80).render(HalfBlockImage(payload, max_width=20)))
    first = next(seg for seg in segments if "▀" in seg.text)
    assert first.style is not None and first.style.color is not None
    assert first.style.color.get_truecolor() == (0, 255, 0)
    narrow = text(HalfBlockImage(payload, max_width=4), width=80)
    assert len(narrow.splitlines()[0]) == 4
    result = render_output(bundle({"image/png": b64(png_bytes(80, 40))}),
                           options=RenderOptions(images="halfblock"))
    assert "▀" in text(result.renderable)


def test_retina_metadata_sets_display_size() -> None:
    meta = {"image/png": {"width": 100, "height": 50}}
    out = bundle({"image/png": b64(png_bytes(200, 100))}, meta)
    result = render_output(out, options=RenderOptions(images="kitty"))
    assert result.image is not None
    assert result.image.natural_size() == (100, 50)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"image/png": "%%%%not-base64%%%%"}, "[image/png: bad base64"),
        ({"image/png": b64(b"\x89PNG\r\n\x1a\n" + b"\0" * 4)}, "[image/png: not a valid PNG"),
        ({"image/png": 12345}, "[image/png: expected base64 text, got int"),
        ({"image/jpeg": b64(b"\xff\xd8\xff\xd9")}, "[image/jpeg: not a valid JPEG image"),
        ({"application/x-weird": {"a": 1}}, "[application/x-weird, "),
        ({"text/plain": {"not": "text"}}, "[text/plain: expected text, got dict"),
        ({"image/svg+xml": '<svg width="30" height="20"></svg>'}, "[image/svg+xml 30×20, "),
    ],
)
def test_bad_payloads_become_placeholders(data: dict[str, Any], needle: str) -> None:
    result = render_output(bundle(data), cache=False)
    assert needle in text(result.renderable)


def test_broken_image_is_reported_above_fallback() -> None:
    shown = out_text(bundle({"image/png": "AAAA", "text/plain": "<Figure size 640x480>"}))
    assert "[image/png:" in shown and "<Figure size 640x480>" in shown


def test_corrupt_image_body_behind_valid_header() -> None:
    encoded = b64(png_bytes(32, 32))
    assert len(encoded) > 100
    broken = encoded[:-12] + "=" + encoded[-11:]  # good header, padding in mid-body
    payload = ImagePayload.probe("image/png", broken)
    with pytest.raises(PayloadError):
        _ = payload.data
    result = render_output(bundle({"image/png": broken}), options=RenderOptions(images="halfblock"))
    assert "[image/png 32×32" in text(result.renderable)


def test_unknown_output_types() -> None:
    assert "[output type 'weird'" in out_text({"output_type": "weird"})
    not_a_dict: Any = [1, 2]
    assert "[output: not an object" in text(render_output(not_a_dict, cache=False).renderable)
    assert "[stream: no text" in out_text({"output_type": "stream", "name": "stdout", "text": 7})


# ---------------------------------------------------------------- markdown cells


def test_markdown_output_highlights_code() -> None:
    md = "# Title\n\nSome *text*.\n\n```python\ndef f():\n    return 1\n```\n"
    shown = out_text(bundle({"text/markdown": md, "text/plain": "md"}))
    assert "Title" in shown and "def f():" in shown and "#" not in shown


def test_markdown_cell_resolves_attachments() -> None:
    attachments = {"cat.png": {"image/png": b64(png_bytes(40, 20))}, "bad.png": {"image/png": "xx"}}
    src = (
        "Before\n\n![a cat](attachment:cat.png)\n\n"
        "Middle ![b](attachment:bad.png) and ![m](attachment:gone.png)"
    )
    parts = split_attachments(src, attachments)
    assert any(isinstance(p, ImagePayload) for p in parts)
    shown = text(render_markdown_cell(src, attachments, options=RenderOptions(images="none")))
    assert "Before" in shown and "Middle" in shown
    assert "[image/png 40×20" in shown
    assert "[attachment bad.png: image/png" in shown
    assert "[attachment gone.png: missing]" in shown
    assert "attachment:" not in shown.replace("[attachment", "")


def test_markdown_cell_html_img_attachment() -> None:
    attachments = {"p.png": {"image/png": b64(png_bytes(8, 8))}}
    shown = text(render_markdown_cell('<img src="attachment:p.png" width=100>', attachments,
                                      options=RenderOptions(images="none")))
    assert "[image/png 8×8" in shown


# ---------------------------------------------------------------- caching


def test_cache_returns_same_result_and_keys_on_options() -> None:
    clear_render_cache()
    out = bundle({"text/plain": "cached"})
    first = render_output(out, width=80)
    assert render_output(dict(out), width=80) is first
    assert render_output(out, width=81) is not first
    assert render_output(out, width=80, options=RenderOptions(theme="light")) is not first


def test_render_output_json_text() -> None:
    raw = '{"output_type": "stream", "name": "stdout", "text": "from json\\n"}'
    assert "from json" in text(render_output_json(raw).renderable)
    assert "[output: invalid JSON" in text(render_output_json("{nope").renderable)


# ---------------------------------------------------------------- never raises

_KEYS = st.sampled_from(
    ["output_type", "name", "text", "data", "metadata", "ename", "evalue", "traceback",
     "execution_count", "image/png", "image/jpeg", "image/svg+xml", "text/html", "text/plain",
     "text/markdown", "text/latex", "application/json", "width", "height", "x"]
)
_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
    | st.sampled_from(["stream", "error", "display_data", "execute_result", "stderr", "stdout",
                       "<table><tr><th>a<td>1", "iVBORw0KGgo=", "/9j/4AAQ", "$\\frac{1}{x}$",
                       "\x1b[31mx\r\b", "<svg width='5'>", "# h\n```py\nx\n```"])
)
_JSONISH = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(_KEYS | st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)
_OUTPUTS = st.fixed_dictionaries(
    {"output_type": st.sampled_from(["stream", "error", "display_data", "execute_result", "x"])},
    optional={
        "name": _JSONISH,
        "text": _JSONISH,
        "data": st.dictionaries(_KEYS, _JSONISH, max_size=4),
        "metadata": _JSONISH,
        "ename": _JSONISH,
        "evalue": _JSONISH,
        "traceback": _JSONISH,
        "execution_count": _JSONISH,
    },
) | st.dictionaries(_KEYS | st.text(max_size=8), _JSONISH, max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(output=_OUTPUTS, width=st.integers(min_value=1, max_value=200),
       images=st.sampled_from(["auto", "kitty", "sixel", "halfblock", "none"]))
def test_render_output_never_raises(output: dict[str, Any], width: int, images: Any) -> None:
    result = render_output(output, width=width, options=RenderOptions(images=images), cache=False)
    text(result.renderable, width=max(10, width))


@settings(max_examples=200, deadline=None)
@given(source=st.text(max_size=200), html=st.text(max_size=200))
def test_text_renderers_never_raise(source: str, html: str) -> None:
    text(render_markdown_cell(source, {"a.png": {"image/png": source}}))
    out_text(bundle({"text/html": html}))
    out_text(bundle({"text/latex": source}))
    fold_stream(source)


_HTML_BITS = st.sampled_from(
    ["<table>", "</table>", "<thead>", "<tbody>", "<tr>", "</tr>", "<td>", "</td>",
     '<td colspan="3">', '<th rowspan="2">', "<th>", "</th>", "<caption>", "<ul>", "<ol>",
     "<li>", "</li>", "<b>", "</b>", "<pre>", "</pre>", "<script>", "</script>", "<p>", "<br>",
     "<a href='http://x'>", "</a>", "<img alt='i'>", "&amp;", "x", "12.5", " ", "\n"]
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_HTML_BITS, max_size=80), width=st.integers(min_value=10, max_value=120))
def test_structured_html_never_raises(parts: list[str], width: int) -> None:
    out_text(bundle({"text/html": "".join(parts)}), width=width)



_PIL_CHECK = """
import json, sys
import runt_tui.tui.app, runt_tui.render.halfblock, runt_tui.render.output
print('PIL' in sys.modules, 'markdown_it' in sys.modules, 'html.parser' in sys.modules)
from rich.console import Console
from runt_tui.render import RenderOptions, render_output
out = {'output_type': 'display_data', 'metadata': {}, 'data': {'image/png': sys.argv[1]}}
result = render_output(out, width=40, options=RenderOptions(images='halfblock'))
Console(width=40, file=open('/dev/null', 'w')).print(result.renderable)
print('PIL' in sys.modules)
"""


def test_pillow_is_imported_only_to_draw_an_image() -> None:
    """Starting the app imports neither PIL nor markdown-it nor html.parser (tens of ms together);
    drawing a half-block image imports PIL."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _PIL_CHECK, b64(png_bytes(8, 8))],
                            capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.split() == ["False", "False", "False", "True"]
