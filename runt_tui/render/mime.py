"""MIME-bundle ranking: pick the richest representation we can actually decode."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from .charts import is_chart
from .common import PayloadError, text_of
from .images import RASTER_MIMES, ImagePayload
from .render_options import DEFAULT_MIME_ORDER


def check_payload(mime: str, value: object) -> None:
    """Raise PayloadError if `value` cannot be decoded as `mime` (cheap header checks only)."""
    if mime in RASTER_MIMES:
        ImagePayload.probe(mime, value)
        return
    if mime == "application/json" or mime.endswith("+json") or is_chart(mime):
        # nbformat stores JSON payloads as parsed values; a string is accepted
        # only if it parses, since some producers double-encode.
        if isinstance(value, str):
            try:
                json.loads(value)
            except ValueError:
                raise PayloadError("invalid JSON text") from None
        return
    if text_of(value) is None:
        raise PayloadError(f"expected text, got {type(value).__name__}")


def ranked_mimes(
    data: Mapping[Any, object], order: tuple[str, ...] = DEFAULT_MIME_ORDER
) -> Iterator[tuple[str, PayloadError | None]]:
    """Yield (mime, error-or-None) for the bundle's entries in preference order."""
    # Callers that want to report skipped broken entries (rather than drop them
    # silently) get the error alongside; choose_mime only wants the first clean one.
    for mime in order:
        if mime not in data:
            continue
        try:
            check_payload(mime, data[mime])
        except PayloadError as exc:
            yield mime, exc
        else:
            yield mime, None


def choose_mime(
    data: Mapping[Any, object], order: tuple[str, ...] = DEFAULT_MIME_ORDER
) -> str | None:
    """Return the highest-ranked MIME type in `data` whose payload decodes, or None."""
    if not isinstance(data, Mapping):
        return None
    for mime, error in ranked_mimes(data, order):
        if error is None:
            return mime
    return None
