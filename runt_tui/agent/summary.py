"""Cell outputs as plain text for an agent: ANSI stripped, images described, capped with "n more lines"."""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
from typing import Any

# CSI sequences, OSC strings (ended by BEL or ST) and lone two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_IMAGE_PREFIX = "image/"
_TEXT_PREFERENCE = ("text/plain", "text/markdown", "text/latex", "application/json")

DEFAULT_MAX_LINES = 40
DEFAULT_MAX_CHARS = 4000


def strip_ansi(text: str) -> str:
    """Text without terminal escape sequences (colours, cursor moves, titles)."""
    return _ANSI.sub("", text)


def fold_carriage_returns(text: str) -> str:
    """What a terminal would leave on each line: text after the last \\r of a line wins."""
    if "\r" not in text:
        return text
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        lines.append(line.rsplit("\r", 1)[-1])
    return "\n".join(lines)


def _joined(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def image_size(mime: str, data: bytes) -> tuple[int, int] | None:
    """Width and height read from a PNG, GIF or JPEG header, or None when unknown."""
    if mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if mime == "image/gif" and data[:4] == b"GIF8" and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    if mime == "image/jpeg" and data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        # Start-of-frame markers carry the size (C4, C8 and CC are not frames).
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(w), int(h)
        i += 2 + length
    return None


def describe_image(mime: str, value: Any) -> str:
    """`[image/png 640x480, 12.3 KB]`: what an image output is, without its bytes."""
    if value is None:  # still in the daemon's blob store
        return f"[{mime}, not fetched]"
    text = _joined(value)
    if mime == "image/svg+xml":
        return f"[{mime}, {_size(len(text.encode()))}]"
    try:
        data = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return f"[{mime}, undecodable]"
    dims = image_size(mime, data)
    shown = f" {dims[0]}x{dims[1]}" if dims else ""
    return f"[{mime}{shown}, {_size(len(data))}]"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def bundle_text(data: dict[str, Any]) -> str:
    """A MIME bundle as text: its best textual form plus a line per image."""
    parts = [describe_image(m, v) for m, v in data.items() if m.startswith(_IMAGE_PREFIX)]
    for mime in _TEXT_PREFERENCE:
        if mime in data:
            value = data[mime]
            if value is None:
                parts.insert(0, f"[{mime}, not fetched]")
                break
            text = json.dumps(value) if mime == "application/json" else _joined(value)
            parts.insert(0, strip_ansi(text))
            break
    else:
        others = [m for m in data if not m.startswith(_IMAGE_PREFIX)]
        if others:
            parts.insert(0, f"[{', '.join(sorted(others))} output]")
    return "\n".join(parts)


def error_text(output: dict[str, Any]) -> str:
    """An error output: its traceback without ANSI, or `ename: evalue`."""
    tb = output.get("traceback") or []
    if isinstance(tb, list) and tb:
        return strip_ansi("\n".join(str(line) for line in tb))
    return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"


def output_text(output: dict[str, Any]) -> str:
    """One nbformat output as plain text."""
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("text") is None:
            return "[stream output, not fetched]"
        text = fold_carriage_returns(strip_ansi(_joined(output.get("text"))))
        return f"[stderr]\n{text}" if output.get("name") == "stderr" else text
    if kind in ("execute_result", "display_data", "update_display_data"):
        data = output.get("data")
        return bundle_text(data) if isinstance(data, dict) else ""
    if kind == "error":
        return error_text(output)
    return f"[{kind} output]"


def cap_text(text: str, max_lines: int = DEFAULT_MAX_LINES, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The head of `text` within both caps, followed by "… n more lines" when cut."""
    lines = text.split("\n")
    kept: list[str] = []
    used = 0
    for line in lines[:max_lines]:
        if used + len(line) > max_chars:
            kept.append(line[: max(0, max_chars - used)] + "…")
            break
        kept.append(line)
        used += len(line) + 1
    hidden = len(lines) - len(kept)
    if hidden > 0:
        kept.append(f"… {hidden} more line{'s' if hidden != 1 else ''}")
    return "\n".join(kept)


def outputs_text(outputs: list[dict[str, Any]], max_lines: int = DEFAULT_MAX_LINES, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """A cell's outputs as one capped text (empty when there are none)."""
    text = "\n".join(t.rstrip("\n") for t in (output_text(o) for o in outputs) if t)
    return cap_text(text, max_lines, max_chars)
