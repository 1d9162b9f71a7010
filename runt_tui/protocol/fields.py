"""The fields of each request type, checked by type and range before any handler runs.

One table, `REQUEST_FIELDS`: request type -> field name -> `Field`, read off
the request shapes of requests.py (each field carries its check). A field not
listed is ignored; a listed one that is present must pass its check (null is
allowed only where `nullable`). `ROOM_REQUESTS` name the types that act on a
joined room (their `room` field is checked by the daemon, which knows the rooms).
`check_request` returns the first problem as a sentence, or None.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from runt_tui.protocol.checks import (
    CELL,
    CELL_ID,
    CELLS,
    DIGEST,
    EPOCH,
    HEAD,
    HEADS,
    KERNEL_NAME,
    MAX_CELLS,
    MAX_HEADS,
    MAX_TIMEOUT,
    PRESENCE,
    TIMEOUT,
    Field,
    any_text,
    flag,
    integer,
    list_of,
    number,
    problem,
    record,
    text,
)
from runt_tui.protocol.requests import REQUESTS, SPEC, Request


def _fields_of(cls: type[Request]) -> dict[str, Field]:
    specs: dict[str, Field] = {}
    assert dataclasses.is_dataclass(cls)
    for f in dataclasses.fields(cls):
        spec = f.metadata.get(SPEC)
        if isinstance(spec, Field):
            specs[f.name] = spec
    return specs


REQUEST_FIELDS: dict[str, dict[str, Field]] = {rtype: _fields_of(cls) for rtype, cls in REQUESTS.items()}

# Requests about a room the client joined (the `room` field names it).
ROOM_REQUESTS = frozenset(rtype for rtype, cls in REQUESTS.items() if cls.ROOM)


def check_request(rtype: str, header: Mapping[str, object]) -> str | None:
    """The first problem with a request's fields, or None when every listed field is valid."""
    fields = REQUEST_FIELDS.get(rtype)
    if fields is None:
        return f"unknown request type {rtype!r}"
    return problem(fields, header)


__all__ = [
    "CELL", "CELLS", "CELL_ID", "DIGEST", "EPOCH", "HEAD", "HEADS", "KERNEL_NAME", "MAX_CELLS", "MAX_HEADS",
    "MAX_TIMEOUT", "PRESENCE", "REQUEST_FIELDS", "ROOM_REQUESTS", "TIMEOUT", "Field", "any_text",
    "check_request", "flag", "integer", "list_of", "number", "record", "text",
]
