"""Opening a notebook does only what opening needs (issue 18: the daemon's open of 10,000 cells).

Counted, not timed: the span parse of a file's text (what a save in the file's
own layout needs) is made on the first save, not when the file is read.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from runt_tui.doc import layout
from runt_tui.doc.layout import load_baseline, serialize_like


def _notebook() -> dict[str, Any]:
    cells = [
        {"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
         "source": [f"x = {i}\n", "x"]}
        for i in range(3)
    ]
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def test_reading_a_file_parses_no_spans_until_a_save_needs_them(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = layout.parse_spans

    def counting(text: str) -> Any:
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(layout, "parse_spans", counting)
    text = json.dumps(_notebook(), indent=3) + "\n"  # a layout that is not nbformat's own
    base, nb = load_baseline(text.encode("utf-8"), "t.ipynb")
    assert calls == []
    nb.cells[1].source = "x = 10\nx"
    out, _ = serialize_like(nb, base, "t.ipynb")
    assert calls == [len(text)]  # parsed once, on the save (the saved text's baseline waits too)
    assert out == text.replace('"x = 1\\n"', '"x = 10\\n"')  # written in the file's own layout
    assert base.template is not None
    assert calls == [len(text)]  # kept, not parsed again
