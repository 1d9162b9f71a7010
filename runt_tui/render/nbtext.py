"""A notebook string field as one string, with no Rich import (the pre-paint uses it before Rich loads)."""

from __future__ import annotations


def text_of(value: object) -> str | None:
    """Return a MIME payload or source as one string, joining nbformat's list-of-lines form."""
    # On disk nbformat may split multiline strings into lists; in memory they are
    # usually rejoined, but raw JSON from elsewhere may still carry lists.
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return None
