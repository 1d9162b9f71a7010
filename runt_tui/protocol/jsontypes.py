"""Names for JSON values: what a frame header holds, and what notebooks and outputs are made of.

A recursive alias, not `Any`: a value read out of a header must be narrowed
(isinstance) before use, which is what decoding a peer's message has to do.
Containers are `Mapping`/`Sequence` where a function only reads them, so that
a `dict[str, str]` can be passed where a JSON object is expected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

JSONScalar: TypeAlias = bool | int | float | str | None
JSONValue: TypeAlias = JSONScalar | list["JSONValue"] | dict[str, "JSONValue"]
JSONDict: TypeAlias = dict[str, JSONValue]
# Read-only views, for parameters.
JSONLike: TypeAlias = JSONScalar | Sequence["JSONLike"] | Mapping[str, "JSONLike"]
JSONMapping: TypeAlias = Mapping[str, JSONValue]

__all__ = ["JSONDict", "JSONLike", "JSONMapping", "JSONScalar", "JSONValue"]
