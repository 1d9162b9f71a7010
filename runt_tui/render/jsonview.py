"""application/json: pretty-printed with deep or wide parts collapsed into summaries."""

from __future__ import annotations

import json
import math

from rich.json import JSON
from rich.text import Text

from .render_options import RenderOptions
from .sanitize import has_controls, visible_controls

MAX_STRING = 1000
# Total values shown, whatever the shape: depth and width caps alone still allow
# items**depth nodes (50**4 = 6M), so a global budget bounds the cost.
NODE_BUDGET = 2000


def _summary(value: dict[object, object] | list[object]) -> str:
    n = len(value)
    if isinstance(value, dict):
        return f"{{…{n} key{'' if n == 1 else 's'}}}"
    return f"[…{n} item{'' if n == 1 else 's'}]"


def collapse_json(
    value: object, max_depth: int = 4, max_items: int = 50, budget: int = NODE_BUDGET
) -> object:
    """Return a JSON-safe copy with containers past max_depth/max_items summarised."""
    remaining = [budget]

    def walk(v: object, depth: int) -> object:
        remaining[0] -= 1
        if isinstance(v, dict | list):
            if depth >= max_depth or remaining[0] <= 0:
                return _summary(v)
            if isinstance(v, dict):
                out: dict[str, object] = {}
                for i, (k, item) in enumerate(v.items()):
                    if i >= max_items or remaining[0] <= 0:
                        out["…"] = f"{len(v) - i} more keys"
                        break
                    out[k if isinstance(k, str) else str(k)] = walk(item, depth + 1)
                return out
            items: list[object] = []
            for i, item in enumerate(v):
                if i >= max_items or remaining[0] <= 0:
                    items.append(f"… {len(v) - i} more items")
                    break
                items.append(walk(item, depth + 1))
            return items
        if isinstance(v, str):
            return v if len(v) <= MAX_STRING else v[:MAX_STRING] + f"… ({len(v):,} chars)"
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, int):
            # Python refuses to print ints past ~4300 digits; say how big instead.
            return v if v.bit_length() < 4000 else f"<int of {v.bit_length():,} bits>"
        if isinstance(v, float):
            # NaN/Infinity are not JSON; show them as the words Python would print.
            return v if math.isfinite(v) else repr(v)
        return repr(v)

    return walk(value, 0)


def render_json(value: object, options: RenderOptions) -> Text:
    """Pretty-print a JSON payload (a parsed value, or JSON text) with collapse."""
    if isinstance(value, str):
        value = json.loads(value)
    collapsed = collapse_json(value, options.json_max_depth, options.json_max_items)
    text = JSON.from_data(collapsed, indent=2).text
    if has_controls(text.plain):
        # json.dumps escapes C0 but not DEL or C1: show those, one for one (spans stay valid).
        text.plain = visible_controls(text.plain)
    return text
