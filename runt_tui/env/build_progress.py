"""uv's verbose output, line by line, as build progress: the step and the package (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Creating virtual environment"), "creating"),
    (re.compile(r"Adding direct dependency: (?P<pkg>[^\s\[*<>=!~;]+)"), "resolving"),
    (re.compile(r"Selecting: (?P<pkg>[^\s=]+)"), "resolving"),
    (re.compile(r"^Resolved (?P<n>\d+) packages?"), "resolved"),
    (re.compile(r"Identified uncached distribution: (?P<pkg>[^\s=]+)"), "downloading"),
    (re.compile(r"Downloading (?P<pkg>[^\s(]+)"), "downloading"),
    (re.compile(r"Building (?P<pkg>[^\s=]+)"), "building"),
    (re.compile(r"^Prepared \d+ packages?"), "installing"),
    # uv compiles the bytecode after installing, before it lists what it installed.
    (re.compile(r"^Installed (?P<n>\d+) packages?"), "compiling"),
    (re.compile(r"^Bytecode compiled"), "installed"),
    (re.compile(r"^ \+ (?P<pkg>[^\s=]+)"), "installed"),
]

KEEP_LINES = 200


@dataclass
class Progress:
    """Where a build is: a step name, the package it is on, counts when known, uv's words."""

    step: str = "starting"
    package: str | None = None
    total: int | None = None
    done: int = 0
    lines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Plain JSON for runtime state (the last few lines of output only)."""
        return {"step": self.step, "package": self.package, "total": self.total, "done": self.done,
                "output": self.lines[-5:]}


def feed(progress: Progress, line: str) -> bool:
    """Update `progress` from one line of uv's output; whether the step or package changed."""
    line = line.rstrip("\n")
    text = line[len("DEBUG "):] if line.startswith("DEBUG ") else line
    if not line.startswith("DEBUG ") and line.strip():
        progress.lines.append(line)
        del progress.lines[:-KEEP_LINES]
    for pattern, step in _RULES:
        m = pattern.search(text)
        if m is None:
            continue
        before = (progress.step, progress.package, progress.total, progress.done)
        progress.step = step
        groups = m.groupdict()
        if groups.get("pkg"):
            progress.package = groups["pkg"]
        if groups.get("n") and step == "resolved":
            progress.total = int(groups["n"])
        if step == "downloading":
            progress.done += 1
        return before != (progress.step, progress.package, progress.total, progress.done)
    return False


def error_text(progress: Progress) -> str:
    """uv's own words for a failed build: everything it said that was not debug chatter."""
    return "\n".join(progress.lines).strip() or "uv failed without a message"
