"""The terminal sanitizer: unit tests, and a property test over every renderer and cell drawing.

Random text mixed with escape sequences (CSI, OSC incl. 52/8/0/2, DCS, APC, PM, SOS,
their 8-bit C1 forms, lone controls, HTML entities of controls) goes through every
renderer and the cell widgets' renderables; the rendered segments may hold no control
character: colour survives only as Rich styles, links only without controls.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console, RenderableType
from rich.segment import Segment

from runt_tui.render import (
    DEFAULT_OPTIONS,
    render_html,
    render_json,
    render_latex,
    render_markdown,
    render_markdown_cell,
    render_output,
    render_stream,
)
from runt_tui.render.sanitize import (
    ansi_text,
    clean_segments,
    has_controls,
    strip_controls,
    visible_controls,
)
from runt_tui.tui.model import CellModel, PeerMark, ViewFlags
from runt_tui.tui.widgets.cellrender import GutterLayout, gutter, output_parts, source_renderable
from runt_tui.tui.widgets.status import StatusInfo, status_text

BAD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

SEQUENCES = [
    "\x1b]2;PWNED\x1b\\", "\x1b]0;PWNED\x07", "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x1b\\",
    "\x1b]8;;http://evil/\x1b\\", "\x1b]8;;\x1b\\", "\x1bP1$tq\x1b\\", "\x1b_Gi=1;AAAA\x1b\\",
    "\x1b^pm\x1b\\", "\x1bXsos\x1b\\", "\x9b2J", "\x9d0;t\x9c", "\x90q\x9c", "\x9fG\x9c",
    "\x1b[2J", "\x1b[?1049l", "\x1b[6n", "\x1bc", "\x1b(0", "\x1b#8", "\x1b[31m", "\x1b[1;38;5;200m",
    "\x1b[0m", "\x1b[38:2::1:2:3m", "\x1b]2;unterminated", "\x1b", "\x1b[", "\r", "\b", "\r\n",
    "&#27;]2;x&#7;", "&#x1b;", "&#155;", "&#x9d;", "\\u001b",
]
_csi = st.builds(lambda p, f: "\x1b[" + p + f, st.text(alphabet="0123456789;:?<=>", max_size=6),
                 st.characters(min_codepoint=0x40, max_codepoint=0x7E))
_string_seq = st.builds(
    lambda intro, payload, term: intro + payload + term,
    st.sampled_from(["\x1b]", "\x1bP", "\x1b_", "\x1b^", "\x1bX", "\x9d", "\x90", "\x9f", "\x98", "\x9e"]),
    st.text(max_size=10),
    st.sampled_from(["\x07", "\x1b\\", "\x9c", ""]),
)
_piece = st.one_of(
    st.text(max_size=12),
    st.sampled_from(SEQUENCES),
    st.characters(max_codepoint=0x9F),
    _csi,
    _string_seq,
)
hostile = st.lists(_piece, max_size=14).map("".join)

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def segments_of(renderable: RenderableType, width: int = 60) -> list[Segment]:
    console = Console(width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor")
    return list(console.render(renderable, console.options))


def assert_clean(segments: Iterable[Segment]) -> None:
    for seg in segments:
        assert seg.control is None, seg
        assert BAD.search(seg.text) is None, repr(seg.text)
        link = seg.style.link if seg.style is not None else None
        assert link is None or BAD.search(link) is None, repr(link)


def bundle(mime: str, value: object) -> dict[str, Any]:
    return {"output_type": "display_data", "metadata": {}, "data": {mime: value}}


def outputs_for(h: str) -> list[dict[str, Any]]:
    """One output per renderer, each carrying `h` where the notebook puts strings."""
    return [
        {"output_type": "stream", "name": "stdout", "text": h},
        {"output_type": "stream", "name": "stderr", "text": [h, "\n", h]},
        {"output_type": "error", "ename": h, "evalue": h, "traceback": [h, f"\x1b[31m{h}\x1b[0m"]},
        {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/plain": h}},
        bundle("text/html", f"<p>{h}</p><a href='{h}'>{h}</a><img alt='{h}'>"
                            f"<table><tr><th>{h}</th></tr><tr><td>{h}</td></tr></table><pre>{h}</pre>"),
        bundle("text/markdown", f"# {h}\n\n{h} [{h}](http://x/{h}) `{h}`\n\n```python\n{h}\n```\n"),
        bundle("text/latex", f"$\\frac{{{h}}}{{2}}$ {h}"),
        bundle("application/json", {"k": h, h: [h, 1]}),
        bundle("application/vnd.custom+json", {h: h}),
        bundle("text/x-other", h),
        bundle(f"image/{h}", h),
        bundle("image/png", h),
        bundle("image/svg+xml", f"<svg>{h}</svg>"),
        {"output_type": h, "data": {}},
        {"output_type": "display_data", "data": {h: h}},
    ]


# ---- the sanitizer itself ----------------------------------------------------


def test_strip_controls_removes_every_sequence_and_control() -> None:
    for seq in SEQUENCES[:-5]:
        assert not has_controls(strip_controls(f"a{seq}b")), repr(seq)
    assert strip_controls("a\x1b]2;title\x1b\\b\x1b]52;c;QQ==\x07c") == "abc"
    assert strip_controls("a\x1bP1$tq\x1b\\b\x1b_G1\x1b\\c\x9d0;t\x9cd\x9b2Je") == "abcde"
    assert strip_controls("tab\tline\nend") == "tab\tline\nend"
    assert strip_controls("name\nwith\ttabs", one_line=True) == "name with tabs"
    # An unterminated OSC loses its introducer; what follows is shown, harmlessly.
    assert strip_controls("\x1b]2;title") == "2;title"
    assert strip_controls("\x1b[31mred\x1b[0m\x1b[2J", keep_sgr=True) == "\x1b[31mred\x1b[0m"


def test_ansi_text_keeps_colour_as_styles_only() -> None:
    text = ansi_text("\x1b[31mred\x1b[0m \x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\ \x1b]2;t\x07end")
    assert text.plain == "red link end"
    red = [s for s in text.spans if getattr(getattr(s.style, "color", None), "number", None) == 1]
    assert [(s.start, s.end) for s in red] == [(0, 3)]
    assert all(getattr(span.style, "link", None) is None for span in text.spans)


def test_visible_controls_is_one_for_one() -> None:
    source = "a\x1b]2;t\x07b\x9bc\x7f\x00d\re\r\nf"
    shown = visible_controls(source)
    assert len(shown) == len(source)
    assert shown == "a␛]2;t␇b\ufffdc␡␀d␍e\r\nf"
    assert not has_controls(shown.replace("\r\n", "\n"))


def test_clean_segments_drops_controls_from_text_and_links() -> None:
    from rich.style import Style

    segs = clean_segments([Segment("a\x1b]2;x\x07b", Style(link="http://x/\x1b]2;y\x07"))])
    assert segs[0].text == "ab"
    assert segs[0].style is not None and segs[0].style.link == "http://x/"


# ---- every renderer ------------------------------------------------------------


@PROPERTY
@given(hostile)
def test_every_output_renderer_draws_no_control(h: str) -> None:
    for output in outputs_for(h):
        result = render_output(output, width=60, cache=False)
        assert_clean(segments_of(result.renderable))


@PROPERTY
@given(hostile)
def test_each_renderer_alone_draws_no_control(h: str) -> None:
    options = DEFAULT_OPTIONS
    assert_clean(segments_of(render_markdown(f"# {h}\n{h} [{h}]({h})\n```\n{h}\n```", options)))
    assert_clean(segments_of(render_markdown_cell(f"{h} ![a](attachment:{h})", {h: {h: h}})))
    assert_clean(segments_of(render_stream(h, "stdout", options)[0]))
    assert_clean(segments_of(render_stream(h, "stderr", options)[0]))
    html = render_html(f"<b>{h}</b><a href='{h}'>x</a><table><tr><td>{h}</td></tr></table>", options)
    if html is not None:
        assert_clean(segments_of(html))
    assert_clean(segments_of(render_latex(h)))
    assert_clean(segments_of(render_latex(f"\\alpha {h}")))
    assert_clean(segments_of(render_json({"k": h, h: [h]}, options)))


@PROPERTY
@given(hostile, hostile)
def test_cell_drawings_draw_no_control(h: str, name: str) -> None:
    peers = (PeerMark("p1", name, "#ff0000", cursor=len(h) // 2), PeerMark("p2", h, "#00ff00"))
    for cell_type in ("code", "markdown", "raw"):
        model = CellModel(id="c", cell_type=cell_type, source=h, outputs=tuple(outputs_for(h)), peers=peers)
        for flags in (ViewFlags(), ViewFlags(layout="outputs"), ViewFlags(line_numbers=True, dark=False)):
            source = source_renderable(model, flags, 60)
            assert_clean(segments_of(source))
            parts = [p for p in output_parts(model, flags, 60) if not hasattr(p, "mime")]
            layout = GutterLayout(gutter(model), [source, *parts])  # type: ignore[list-item]
            assert_clean(segments_of(layout, 70))
    info = StatusInfo(kernel_name=h, kernel_status=h, save=h, file=h, connection=h, follow=name,
                      peers=((name, "#ff0000"),), me=(h, ""), title=h)
    assert_clean(segments_of(status_text(info, 100), 100))
