"""Cell values handed to API users: plain, immutable, outputs with blobs resolved."""

from __future__ import annotations

from dataclasses import dataclass, field

from runt_tui.protocol.jsontypes import JSONDict


@dataclass(frozen=True)
class Cell:
    """One cell as seen through the Session API."""

    id: str
    cell_type: str
    source: str
    outputs: list[JSONDict] = field(default_factory=list)
    execution_count: int | None = None
    metadata: JSONDict = field(default_factory=dict)
    attachments: JSONDict | None = None
