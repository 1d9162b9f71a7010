"""Cell values handed to API users: plain, immutable, outputs with blobs resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Cell:
    """One cell as seen through the Session API."""

    id: str
    cell_type: str
    source: str
    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, Any] | None = None
