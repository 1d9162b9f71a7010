"""Unsigned LEB128, the variable-length integers of Automerge's binary formats."""

from __future__ import annotations


def read_uleb(data: bytes, off: int) -> tuple[int, int]:
    """(value, offset after it) of the uLEB128 at `off`; ValueError when truncated or overlong."""
    value = shift = 0
    while True:
        if off >= len(data) or shift > 63:
            raise ValueError("truncated or overlong uLEB128")
        byte = data[off]
        off += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, off
        shift += 7
