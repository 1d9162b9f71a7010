"""The terminal benchmark's results: one Row per case of issue 18's table, printed as a table or JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Row:
    """One case: runt-tui's samples, the peer's (same run, paired) and the target."""

    key: str
    case: str
    unit: str  # "s" or "ms"
    runt: list[float]
    peer: list[float] = field(default_factory=list)
    target: str = ""
    met: bool | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def ratio(self) -> float | None:
        """runt-tui's median over the peer's (or the extra baseline's), None without one."""
        if self.runt and self.peer:
            return statistics.median(self.runt) / statistics.median(self.peer)
        return None


def spread(values: list[float], unit: str) -> str:
    """'median (min–max)' in the row's unit, or '–' without samples."""
    if not values:
        return "–"
    scale = 1000.0 if unit == "ms" else 1.0
    digits = 1 if unit == "ms" else 3
    med, lo, hi = (scale * v for v in (statistics.median(values), min(values), max(values)))
    if len(values) == 1:
        return f"{med:.{digits}f} {unit} (1 run)"
    return f"{med:.{digits}f} {unit} ({lo:.{digits}f}–{hi:.{digits}f}, n={len(values)})"


def percentile(values: list[float], q: float) -> float:
    """The q-quantile by the nearest rank (q=0.9: the value 90 % of samples do not exceed)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


def table(rows: list[Row], peer_name: str) -> str:
    """The markdown table of issue 18: case | runt-tui | peer | ratio | target | met?."""
    lines = [f"| case | runt-tui median (min–max) | {peer_name} median (min–max) | ratio | target | met? |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        ratio = row.ratio()
        runt = row.extra.get("runt_text") or spread(row.runt, row.unit)
        peer = row.extra.get("peer_text") or spread(row.peer, row.unit)
        met = {True: "yes", False: "NO", None: "?"}[row.met]
        lines.append(f"| {row.case} | {runt} | {peer} | {'–' if ratio is None else f'{ratio:.2f}×'} "
                     f"| {row.target} | {met} |")
    return "\n".join(lines)


def notes(rows: list[Row]) -> str:
    return "\n".join(f"- {row.case}: {note}" for row in rows for note in row.notes)


def as_json(rows: list[Row], context: dict[str, Any]) -> str:
    out = {"context": context, "rows": [{**asdict(row), "ratio": row.ratio()} for row in rows]}
    return json.dumps(out, indent=2)
