"""Checks of request field values: the `Field` specs the request shapes carry (see requests.py)."""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeGuard

# Cell ids as nbformat 4.5 allows them (the document repairs any other on load).
CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# An Automerge change hash, hex.
HEAD = re.compile(r"[0-9a-f]{64}")
# A content digest of the blob store (SHA-256, hex).
DIGEST = re.compile(r"[0-9a-f]{64}")
# Kernelspec names as jupyter_client accepts them (no path separators).
KERNEL_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")
MAX_HEADS = 1024
MAX_CELLS = 100_000
MAX_TIMEOUT = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Field:
    """One request field: a check of its value and what the value must be, for the message."""

    check: Callable[[object], bool]
    expected: str
    required: bool = False
    nullable: bool = False


def _is_int(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: object) -> TypeGuard[float]:
    return (isinstance(v, float) or _is_int(v)) and math.isfinite(typing.cast(float, v))


def text(max_len: int = 4096, pattern: re.Pattern[str] | None = None, required: bool = False,
         nullable: bool = False, expected: str = "a non-empty string") -> Field:
    """A non-empty string without NUL, at most `max_len` characters, matching `pattern` if given."""

    def check(v: object) -> bool:
        if not isinstance(v, str) or not v or len(v) > max_len or "\x00" in v:
            return False
        return pattern is None or pattern.fullmatch(v) is not None

    return Field(check, expected, required, nullable)


def any_text(required: bool = False) -> Field:
    """Any string (possibly empty), e.g. code or a typed answer."""
    return Field(lambda v: isinstance(v, str), "a string", required)


def number(lo: float, hi: float, required: bool = False, nullable: bool = False) -> Field:
    """A finite number (not a boolean) in [lo, hi]."""
    return Field(lambda v: _is_number(v) and lo <= v <= hi, f"a number from {lo:g} to {hi:g}", required, nullable)


def integer(lo: int, hi: int, required: bool = False) -> Field:
    """An integer (not a boolean) in [lo, hi]."""
    return Field(lambda v: _is_int(v) and lo <= v <= hi, f"an integer from {lo} to {hi}", required)


def flag(nullable: bool = True) -> Field:
    """true or false."""
    return Field(lambda v: isinstance(v, bool), "true or false", nullable=nullable)


def list_of(item: Field, max_items: int, expected: str, required: bool = False) -> Field:
    """A list of at most `max_items` values each passing `item`."""

    def check(v: object) -> bool:
        return isinstance(v, list) and len(v) <= max_items and all(item.check(x) for x in v)

    return Field(check, expected, required)


def record(fields: Mapping[str, Field], expected: str, required: bool = False) -> Field:
    """An object whose listed keys (when present) pass their field's check."""

    def check(v: object) -> bool:
        return isinstance(v, dict) and problem(fields, v) is None

    return Field(check, expected, required)


CELL = text(64, CELL_ID, expected="a cell id")
CELLS = list_of(CELL, MAX_CELLS, "a list of cell ids", required=True)
HEADS = list_of(text(64, HEAD), MAX_HEADS, "a list of change hashes (64 hex digits)")
TIMEOUT = number(0, MAX_TIMEOUT, nullable=True)
EPOCH = text(64, nullable=True, expected="a document epoch")


def _offset(v: object) -> bool:
    return _is_int(v) and 0 <= v < 2**53


def _position(v: object) -> bool:
    """A character offset, or a short list of them ([row, column], a range)."""
    return _offset(v) or (isinstance(v, list) and len(v) <= 4 and all(_offset(x) for x in v))


PRESENCE = record(
    {
        "cell": Field(CELL.check, "a cell id", nullable=True),
        "cursor": Field(_position, "a character offset or a list of up to 4", nullable=True),
        "mode": text(32, nullable=True),
        "selection": Field(_position, "a character offset or a list of up to 4", nullable=True),
    },
    "an object with cell, cursor, mode and selection",
    required=True,
)


def problem(fields: Mapping[str, Field], header: Mapping[str, object]) -> str | None:
    """The first field of `header` that fails its check, as a sentence; None when all pass."""
    for name, spec in fields.items():
        if name not in header:
            if spec.required:
                return f"'{name}' is required ({spec.expected})"
            continue
        value = header[name]
        if value is None:
            if spec.nullable:
                continue
            return f"'{name}' must be {spec.expected}, not null"
        if not spec.check(value):
            return f"'{name}' must be {spec.expected}"
    return None


