"""The one sanitizer for untrusted strings drawn in the terminal: pure functions, Rich only.

Everything from a notebook, a kernel or another peer (sources, outputs, errors,
names, prompts, completions, file names) is untrusted terminal input: an
``ESC]52;c;…`` in a markdown cell would fill the user's clipboard, an
``ESC]2;…`` would retitle the pane. Every such string goes through one of these
functions before it reaches Rich or Textual:

- ``strip_controls``: plain text. Every escape sequence (CSI, OSC, DCS, SOS,
  PM, APC, two-byte escapes, their 8-bit C1 forms), every C0 control but
  ``\\n`` and ``\\t``, DEL and every C1 control are removed.
- ``ansi_text``: text where ANSI colour is expected (streams, tracebacks,
  text/plain, inspection): SGR sequences become Rich styles through Rich's own
  decoder, everything else is removed as above.
- ``visible_controls``: sources (code, markdown, raw cells, the editor): each
  control character is replaced by a visible stand-in (ESC shows as ``␛``),
  one code point for one, so offsets into the source stay valid.
- ``clean_segments``: a last guard over rendered Rich segments (text and link).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

# Rich is imported where it is used: the pre-paint (render/prepaint.py) draws the
# notebook through this module before anything else needs Rich (~30 ms to import).
if TYPE_CHECKING:
    from rich.segment import Segment
    from rich.style import Style
    from rich.text import Text

# Any character a terminal may act on: C0 but \t and \n, DEL, C1.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# One match per thing to remove, longest forms first. String payloads stop at any
# ESC or C1 character, so a run of unterminated introducers costs linear time.
_SEQUENCE = re.compile(
    r"(?P<sgr>\x1b\[[0-9;]*m)"  # SGR colours: kept only by ansi_text / keep_sgr
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI (7-bit and 8-bit)
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x80-\x9f]*(?:\x07|\x1b\\|\x9c)"
    # ^ OSC, DCS, SOS, PM, APC with their terminator (BEL, ESC \ or 8-bit ST)
    r"|\x1b[ -/]*[0-~]"  # two-byte and nF escapes; an unterminated string's introducer
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # any control left: lone ESC, BEL, C1 ...
)

# Control pictures: U+2400 + code for C0, U+2421 for DEL; C1 has no pictures.
_VISIBLE = {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}
_VISIBLE[0x7F] = 0x2421
_VISIBLE.update({c: 0xFFFD for c in range(0x80, 0xA0)})
_LONE_CR = re.compile(r"\r(?!\n)")


def has_controls(text: str) -> bool:
    """True when `text` holds any character a terminal would act on (besides \\n and \\t)."""
    return CONTROL.search(text) is not None


def strip_controls(text: str, *, keep_sgr: bool = False, one_line: bool = False) -> str:
    """Remove every control sequence and control character (SGR kept if asked).

    `one_line` also turns newlines and tabs into spaces, for names and titles.
    """
    if CONTROL.search(text) is not None:
        if keep_sgr:
            text = _SEQUENCE.sub(lambda m: m.group(0) if m.group("sgr") else "", text)
        else:
            text = _SEQUENCE.sub("", text)
    if one_line:
        text = _CONTROL_OR_NEWLINE.sub(" ", text)
    return text


def ansi_text(text: str, style: str = "") -> Text:
    """ANSI-coloured text as Rich Text: SGR becomes styles, every other control is gone."""
    from rich.text import Text

    text = strip_controls(text, keep_sgr=True)
    if "\x1b" not in text:
        return Text(text, style=style)
    decoded = Text.from_ansi(text, style=style)
    if has_controls(decoded.plain):  # Rich's decoder left something: never draw it
        return Text(strip_controls(decoded.plain), style=style)
    return decoded


def safe_text(text: str, style: str = "", *, one_line: bool = False) -> Text:
    """Plain untrusted text as a Rich Text, controls removed (never parsed as markup)."""
    from rich.text import Text

    return Text(strip_controls(text, one_line=one_line), style=style)


def visible_controls(text: str) -> str:
    """Show each control character as a visible stand-in (␛, ␇, ␡, �), one for one.

    A \\r before \\n is kept: Rich and the editor treat CRLF as a line end.
    """
    if CONTROL.search(text) is None:
        return text
    text = _LONE_CR.sub("\u240d", text)
    return text.translate(_VISIBLE)


def _clean_style(style: Style | None) -> Style | None:
    if style is None or style.link is None or not _CONTROL_OR_NEWLINE.search(style.link):
        return style
    from rich.style import Style

    return style + Style(link=strip_controls(style.link, one_line=True))


def clean_segment(segment: Segment) -> Segment:
    """One segment with controls removed from its text and its link; control codes dropped."""
    text, style, control = segment
    if control is not None:
        from rich.segment import Segment  # loaded already by whoever made `segment`

        # Cursor moves and the like: our renderables never need them, content must not make them.
        return Segment("", style)
    clean_style = _clean_style(style)
    if CONTROL.search(text) is None and clean_style is style:
        return segment
    from rich.segment import Segment

    return Segment(strip_controls(text), clean_style)


def clean_segments(segments: Iterable[Segment]) -> list[Segment]:
    """Apply clean_segment to every segment (the guard for everything drawn in a cell)."""
    return [clean_segment(s) for s in segments]
