"""docs/SCENARIOS.md names real tests: every `file::function` it cites exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "SCENARIOS.md"


def _cited() -> list[tuple[str, str]]:
    """(file, function) for every citation; `::name` alone refers to the last file named in its cell."""
    cited: list[tuple[str, str]] = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        current = ""
        for file, func in re.findall(r"`([\w.]+\.py)?::(\w+)`", line):
            current = file or current
            cited.append((current, func))
    return cited


def test_every_cited_test_exists() -> None:
    cited = _cited()
    assert len(cited) > 60
    missing = [
        f"{file}::{func}" for file, func in cited
        if not file or not re.search(rf"^(async )?def {func}\(", (ROOT / "tests" / file).read_text(encoding="utf-8"), re.M)
    ]
    assert missing == []
