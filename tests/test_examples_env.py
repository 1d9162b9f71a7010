"""The bundled examples open on the default kernel: the README's first command asks no trust question."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runt_tui.env.resolve import resolve_request

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.ipynb")))
def test_examples_need_no_environment_build(name: str) -> None:
    nb = EXAMPLES / name
    data = json.loads(nb.read_text(encoding="utf-8"))
    first_code = next(("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                       for c in data["cells"] if c["cell_type"] == "code"), None)
    request = resolve_request(data["metadata"], first_code, nb)
    assert request.kind == "kernelspec", f"{name} would ask to build a {request.kind} environment"
