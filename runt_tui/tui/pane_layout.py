"""Which panes show, in what order and at what widths: parsing, defaults by width, the remembered choice.

Pure functions (no Textual): the app asks `PaneLayout` what to show and the
config file (`[panes]` table of `config.toml`) remembers the user's choice per
terminal size class, never the notebook.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

PANES: tuple[str, ...] = ("cells", "output", "kernel")
SizeClass = str  # "narrow" (< 120 columns), "medium" (< 160), "wide"
SIZE_CLASSES: tuple[SizeClass, ...] = ("narrow", "medium", "wide")
MEDIUM_COLUMNS = 120
WIDE_COLUMNS = 160
CONFIG_TABLE = "panes"
# Width weights move by this much per key press, within these bounds.
WEIGHT_STEP = 1
MIN_WEIGHT, MAX_WEIGHT = 1, 8
DEFAULT_WEIGHTS = {"cells": 4, "output": 3, "kernel": 3}


class PanesError(ValueError):
    """A `--panes` value that names no pane, an unknown one or one twice."""


def parse_panes(spec: str) -> tuple[str, ...]:
    """`"cells,output"` to `("cells", "output")`: any subset in any order, each pane once."""
    names = tuple(part.strip().lower() for part in spec.split(",") if part.strip())
    if not names:
        raise PanesError("--panes needs at least one of cells, output, kernel")
    unknown = [n for n in names if n not in PANES]
    if unknown:
        raise PanesError(f"--panes: unknown pane {unknown[0]!r} (choose from cells, output, kernel)")
    if len(set(names)) != len(names):
        raise PanesError("--panes: each pane may be named once")
    return names


def size_class(columns: int) -> SizeClass:
    """The size class of a terminal `columns` wide."""
    if columns >= WIDE_COLUMNS:
        return "wide"
    if columns >= MEDIUM_COLUMNS:
        return "medium"
    return "narrow"


def default_panes(columns: int) -> tuple[str, ...]:
    """Cells alone below 120 columns, cells and kernel from 120, all three from 160."""
    return {"narrow": ("cells",), "medium": ("cells", "kernel"), "wide": PANES}[size_class(columns)]


@dataclass(frozen=True)
class PaneLayout:
    """The visible panes in order, and each pane's width weight."""

    panes: tuple[str, ...]
    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def toggled(self, pane: str) -> PaneLayout:
        """Show `pane` (in its natural place) or hide it; the last visible pane stays."""
        if pane in self.panes:
            if len(self.panes) == 1:
                return self
            return replace(self, panes=tuple(p for p in self.panes if p != pane))
        ordered = [*self.panes, pane]
        # A pane coming back goes to its natural place, unless the user chose another order.
        if list(self.panes) == sorted(self.panes, key=PANES.index):
            ordered.sort(key=PANES.index)
        return replace(self, panes=tuple(ordered))

    def resized(self, pane: str, step: int) -> PaneLayout:
        """`pane` wider (step > 0) or narrower, within the weight bounds."""
        weights = dict(self.weights)
        weights[pane] = max(MIN_WEIGHT, min(MAX_WEIGHT, weights.get(pane, 2) + step * WEIGHT_STEP))
        return replace(self, weights=weights)

    def widths(self) -> dict[str, str]:
        """Each visible pane's CSS width (`Nfr`)."""
        return {p: f"{self.weights.get(p, 2)}fr" for p in self.panes}

    def spec(self) -> str:
        """How this layout is written in the config file and on the command line."""
        return ",".join(self.panes)


# ---- remembered per size class in the config file ----------------------------


def read_remembered(config: Path) -> dict[SizeClass, tuple[str, ...]]:
    """The `[panes]` table of the config file: size class to panes (bad entries skipped)."""
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    table = data.get(CONFIG_TABLE)
    out: dict[SizeClass, tuple[str, ...]] = {}
    if isinstance(table, dict):
        for key, value in table.items():
            if key in SIZE_CLASSES and isinstance(value, str):
                try:
                    out[key] = parse_panes(value)
                except PanesError:
                    continue
    return out


_HEADER = re.compile(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$")


def with_remembered(text: str, klass: SizeClass, panes: tuple[str, ...]) -> str:
    """The config file's text with `[panes] <klass> = "..."` set; every other line kept as it was."""
    line = f'{klass} = "{",".join(panes)}"'
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if (m := _HEADER.match(ln)) and m.group(1).strip() == CONFIG_TABLE), None)
    if start is None:
        sep = [""] if lines and lines[-1].strip() else []
        return "\n".join([*lines, *sep, f"[{CONFIG_TABLE}]", line]) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
    key = re.compile(rf"^\s*{klass}\s*=")
    for i in range(start + 1, end):
        if key.match(lines[i]):
            lines[i] = line
            return "\n".join(lines) + "\n"
    lines.insert(start + 1, line)
    return "\n".join(lines) + "\n"


def remember(config: Path, klass: SizeClass, panes: tuple[str, ...]) -> None:
    """Write the choice for `klass` into the config file (only when it changes the file)."""
    try:
        old = config.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    new = with_remembered(old, klass, panes)
    if new == old:
        return
    try:
        tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        return  # a config file we cannot edit safely stays as the user wrote it
    config.parent.mkdir(parents=True, exist_ok=True)
    tmp = config.with_name(f".{config.name}.{os.getpid()}.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, config)


def initial_layout(columns: int, flag: tuple[str, ...] | None, remembered: dict[SizeClass, tuple[str, ...]]) -> PaneLayout:
    """The layout to open with: `--panes` first, then the remembered choice, then the default."""
    if flag:
        return PaneLayout(flag)
    return PaneLayout(remembered.get(size_class(columns)) or default_panes(columns))
