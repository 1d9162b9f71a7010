"""Outputs as plain text (to copy and search) and as files (to save, by MIME type); pure."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from runt_tui.render.sanitize import strip_controls
from runt_tui.render.stream import fold_stream

# What a saved output becomes, best first: (MIME type, file extension, binary).
SAVE_TYPES: tuple[tuple[str, str, bool], ...] = (
    ("image/png", ".png", True),
    ("image/jpeg", ".jpg", True),
    ("image/gif", ".gif", True),
    ("image/svg+xml", ".svg", False),
    ("text/html", ".html", False),
    ("application/json", ".json", False),
    ("text/plain", ".txt", False),
)


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def output_plain(output: Mapping[str, Any]) -> str:
    """What a reader sees of one output, as text without escapes (streams folded, tracebacks uncoloured)."""
    kind = output.get("output_type")
    if kind == "stream":
        return strip_controls(fold_stream(_joined(output.get("text"))))
    if kind == "error":
        trace = output.get("traceback")
        if isinstance(trace, list) and trace:
            return strip_controls("\n".join(str(t) for t in trace)) + "\n"
        return strip_controls(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}") + "\n"
    data = output.get("data")
    if not isinstance(data, dict):
        return ""
    for mime in ("text/plain", "text/markdown", "text/latex"):
        if mime in data:
            text = strip_controls(_joined(data[mime]))
            return text if text.endswith("\n") else text + "\n"
    if "application/json" in data:
        return json.dumps(data["application/json"], indent=2, ensure_ascii=False) + "\n"
    return ""


def outputs_plain(outputs: Iterable[Mapping[str, Any]]) -> str:
    """Every output of a cell as one text."""
    return "".join(output_plain(o) for o in outputs)


@dataclass(frozen=True)
class SavedOutput:
    """An output as a file: its suggested extension, MIME type and bytes."""

    extension: str
    mime: str
    content: bytes


def output_file(output: Mapping[str, Any]) -> SavedOutput | None:
    """The richest form of `output` as a file (`.png` for an image, `.json`, `.html`, else `.txt`)."""
    data = output.get("data")
    if isinstance(data, dict):
        for mime, ext, binary in SAVE_TYPES:
            if mime not in data:
                continue
            value = data[mime]
            if binary:
                try:
                    return SavedOutput(ext, mime, base64.b64decode(_joined(value).replace("\n", ""), validate=True))
                except (binascii.Error, ValueError):
                    continue
            if mime == "application/json":
                return SavedOutput(ext, mime, (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
            return SavedOutput(ext, mime, _joined(value).encode("utf-8"))
    text = output_plain(output)
    return SavedOutput(".txt", "text/plain", text.encode("utf-8")) if text else None


def search_lines(lines: list[str], query: str) -> list[tuple[int, int]]:
    """Every (line, column) where `query` starts, case-insensitive unless the query has a capital."""
    if not query:
        return []
    fold = query == query.lower()
    needle = query.lower() if fold else query
    hits: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        hay = line.lower() if fold else line
        start = hay.find(needle)
        while start >= 0:
            hits.append((i, start))
            start = hay.find(needle, start + max(1, len(needle)))
    return hits
