"""Saving in the file's own layout (pure functions of runt_tui.doc.layout and .jsonspan):
an unchanged notebook comes back byte-identical whatever its layout, a one-character edit
changes one line, new cells follow the file's majority style, and a file without cell ids
keeps none. Checked on generated layouts and on every real notebook of the corpus."""

from __future__ import annotations

import copy
import difflib
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from runt_tui.doc import NotebookDoc, NotebookFileError
from runt_tui.doc.jsonspan import detect_layout, parse_spans
from runt_tui.doc.layout import (
    adopt_ids,
    align_cells,
    content_digest,
    load_baseline,
    same_content,
    serialize_like,
)

CORPUS = Path(__file__).parent / "corpus"


def sample(ids: bool = True) -> dict[str, Any]:
    """A notebook with markdown, code, outputs of every kind, unicode and metadata (joined strings)."""
    cells: list[dict[str, Any]] = [
        {"cell_type": "markdown", "metadata": {}, "source": "# Títle ✓\n\nSome *text* — with 𝔘nicode"},
        {
            "cell_type": "code", "execution_count": 1, "metadata": {"tags": ["a"]},
            "source": "x = 1\nprint('héllo')\nx",
            "outputs": [
                {"name": "stdout", "output_type": "stream", "text": "héllo\nworld\n"},
                {"data": {"text/plain": "1\n2", "image/png": "iVBORw0KGgo=\n"}, "execution_count": 1,
                 "metadata": {}, "output_type": "execute_result"},
            ],
        },
        {"cell_type": "code", "execution_count": None, "metadata": {}, "source": "", "outputs": []},
        {"cell_type": "raw", "metadata": {}, "source": "raw\ntext"},
    ]
    if ids:
        for i, c in enumerate(cells):
            c["id"] = f"cell-{i}"
    return {
        "nbformat": 4, "nbformat_minor": 5 if ids else 4,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     "language_info": {"name": "python", "version": "3.11.4"}},
        "cells": cells,
    }


def split(nb: dict[str, Any]) -> dict[str, Any]:
    """Multi-line strings as lists of lines, as nbformat writes them."""
    nb = copy.deepcopy(nb)
    for c in nb["cells"]:
        c["source"] = c["source"].splitlines(True)
        for o in c.get("outputs", []):
            if "text" in o:
                o["text"] = o["text"].splitlines(True)
            for mime, v in o.get("data", {}).items():
                if mime.startswith("text/"):
                    o["data"][mime] = v.splitlines(True)
    return nb


def layouts() -> dict[str, str]:
    nb = sample()
    return {
        "nbformat": nbformat.writes(nbformat.from_dict(nb)) + "\n",
        "json.dumps indent=2 strings": json.dumps(nb, indent=2),
        "json.dumps indent=2 lists ascii": json.dumps(split(nb), indent=2, ensure_ascii=True) + "\n",
        "indent 4 sorted no newline": json.dumps(split(nb), indent=4, sort_keys=True, ensure_ascii=False),
        "tabs crlf": json.dumps(split(nb), indent="\t", ensure_ascii=False).replace("\n", "\r\n") + "\r\n",
        "compact": json.dumps(nb, ensure_ascii=False),
        "compact tight": json.dumps(nb, separators=(",", ":"), ensure_ascii=False),
        "bom indent 1": "\ufeff" + json.dumps(split(nb), indent=1, ensure_ascii=False) + "\n",
        "v4.4 no ids": json.dumps(split(sample(ids=False)), indent=1, sort_keys=True, ensure_ascii=False) + "\n",
    }


def reopen(text: str) -> tuple[Any, NotebookDoc]:
    base, nb = load_baseline(text.encode("utf-8"), "t.ipynb")
    return base, NotebookDoc.load(NotebookDoc.from_notebook(nb).save())


def changed_lines(old: str, new: str) -> list[str]:
    return [
        line for line in difflib.unified_diff(old.lstrip("\ufeff").splitlines(), new.lstrip("\ufeff").splitlines(), lineterm="", n=0)
        if not line.startswith(("---", "+++", "@@"))
    ]


@pytest.mark.parametrize("name", list(layouts()))
def test_unchanged_notebook_is_byte_identical(name: str) -> None:
    text = layouts()[name]
    base, doc = reopen(text)
    assert same_content(doc.to_notebook(), base)
    out, _ = serialize_like(doc.to_notebook(), base)
    assert out == text


@pytest.mark.parametrize("name", list(layouts()))
def test_one_character_edit_changes_one_line(name: str) -> None:
    text = layouts()[name]
    base, doc = reopen(text)
    cid = doc.cell_ids()[1]
    doc.set_source(cid, doc.source(cid).replace("héllo", "hellö"))
    assert not same_content(doc.to_notebook(), base)
    out, written = serialize_like(doc.to_notebook(), base)
    diff = changed_lines(text, out)
    assert len(diff) == 2, diff  # compact layouts: the one line that holds everything
    assert "hell\\u00f6" in diff[1] if "\\u00e9" in text else "hellö" in diff[1]
    assert out.startswith("\ufeff") == text.startswith("\ufeff")
    assert out.endswith("\n") == text.endswith("\n")
    if text.isascii():
        assert out.isascii() and "\\u00f6" in out
    # What was written is the new baseline: saving again writes the same.
    assert serialize_like(doc.to_notebook(), written)[0] == out


def test_v44_without_ids_keeps_no_ids_and_its_minor() -> None:
    text = layouts()["v4.4 no ids"]
    base, doc = reopen(text)
    cid = doc.cell_ids()[0]
    doc.set_source(cid, doc.source(cid) + "!")
    doc.insert_cell(2, "code", "new")
    out, _ = serialize_like(doc.to_notebook(), base)
    raw = json.loads(out)
    assert raw["nbformat_minor"] == 4
    assert all("id" not in c for c in raw["cells"])
    nbformat.validate(raw)


def test_new_cells_follow_the_majority_style() -> None:
    # Sources as one string, keys in insertion order (json.dumps of a NotebookNode).
    text = layouts()["json.dumps indent=2 strings"]
    base, doc = reopen(text)
    doc.insert_cell(4, "code", "a = 1\nb = 2\n")
    out, _ = serialize_like(doc.to_notebook(), base)
    raw = json.loads(out)
    new = raw["cells"][4]
    assert new["source"] == "a = 1\nb = 2\n"
    assert list(new) == list(raw["cells"][2])  # the key order of the file's code cells
    assert changed_lines(text, out)[0].startswith("+")  # only lines added
    assert all(line.startswith("+") for line in changed_lines(text, out))
    # In a file with line lists, a new cell gets a line list.
    text = layouts()["json.dumps indent=2 lists ascii"]
    base, doc = reopen(text)
    doc.insert_cell(0, "markdown", "one\ntwo")
    raw = json.loads(serialize_like(doc.to_notebook(), base)[0])
    assert raw["cells"][0]["source"] == ["one\n", "two"]


def test_new_output_follows_the_file_and_unchanged_cells_keep_their_text() -> None:
    # Escapes nobody writes any more (\/ and upper-case \u00E9) survive in cells nobody changed.
    text = layouts()["json.dumps indent=2 strings"].replace("T\\u00edtle", "T\\u00EDtle \\/")
    assert "T\\u00EDtle \\/" in text
    base, doc = reopen(text)
    cid = doc.cell_ids()[2]
    doc.set_outputs(cid, [{"name": "stdout", "output_type": "stream", "text": "a\nb\n"}], 3)
    out, _ = serialize_like(doc.to_notebook(), base)
    assert "T\\u00EDtle \\/" in out
    raw = json.loads(out)
    assert raw["cells"][2]["outputs"][0]["text"] == "a\nb\n" and raw["cells"][2]["execution_count"] == 3


def test_invalid_notebook_is_refused() -> None:
    base, doc = reopen(layouts()["nbformat"])
    nb = doc.to_notebook()
    nb.cells[0]["execution_count"] = 3  # not allowed on a markdown cell
    with pytest.raises(NotebookFileError):
        serialize_like(nb, base)


def test_file_we_cannot_follow_is_written_in_nbformat_layout() -> None:
    text = (CORPUS / "edge" / "v3_notebook.ipynb").read_text(encoding="utf-8")
    base, doc = reopen(text)
    out, _ = serialize_like(doc.to_notebook(), base)
    assert out == nbformat.writes(doc.to_notebook()) + "\n"


def test_detect_layout() -> None:
    text = layouts()["tabs crlf"]
    root = parse_spans(text)
    lay = detect_layout(text, root, json.loads(text))
    assert (lay.indent, lay.newline, lay.key_sep, lay.item_sep) == ("\t", "\r\n", ": ", ",")
    assert not lay.ensure_ascii and not lay.sorted_keys and lay.source_lines
    text = layouts()["json.dumps indent=2 lists ascii"]
    lay = detect_layout(text, parse_spans(text), json.loads(text))
    assert lay.ensure_ascii and lay.indent == "  "
    text = layouts()["compact tight"]
    lay = detect_layout(text, parse_spans(text), json.loads(text))
    assert (lay.indent, lay.key_sep, lay.item_sep, lay.source_lines) == (None, ":", ",", False)


def test_align_cells_pairs_edits_in_place() -> None:
    a = [("code", "x"), ("code", "same"), ("code", "same")]
    b = [("code", "x!"), ("code", "same"), ("code", "same")]
    assert align_cells(a, b) == [(0, 0), (1, 1), (2, 2)]
    assert align_cells([("code", "new"), *b], b) == [(1, 0), (2, 1), (3, 2)]


def test_adopt_ids_keeps_a_file_without_ids_merging_by_cell() -> None:
    cells = [{"id": "r1", "cell_type": "code", "source": "a"}, {"id": "r2", "cell_type": "code", "source": "b!"},
             {"id": "r3", "cell_type": "markdown", "source": "new"}]
    adopt_ids(cells, [False, False, False], [("A", "code", "a"), ("B", "code", "b")])
    assert [c["id"] for c in cells] == ["A", "B", "r3"]


def test_content_digest_ignores_only_made_up_ids() -> None:
    nb = sample()
    other = copy.deepcopy(nb)
    other["cells"][0]["id"] = "elsewhere"
    assert content_digest(nb, [False] * 4) == content_digest(other, [False] * 4)
    assert content_digest(nb, [True] * 4) != content_digest(other, [True] * 4)
    other["cells"][1]["outputs"][0]["text"] = "changed"
    assert content_digest(nb, [False] * 4) != content_digest(other, [False] * 4)


REAL = sorted(p for p in (CORPUS / "real").rglob("*.ipynb") if json.loads(p.read_bytes()).get("nbformat") == 4)
# Files whose ids reading repairs (duplicates; 4.5 without ids): their id lines change too.
REPAIRED_IDS = {"invalid_unique_cell_id.ipynb", "v4_5_no_cell_id.ipynb"}


@pytest.mark.parametrize("path", REAL, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_one_character_edit_is_a_one_line_diff(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    base, doc = reopen(text)
    assert same_content(doc.to_notebook(), base)
    if path.name not in REPAIRED_IDS:
        assert serialize_like(doc.to_notebook(), base)[0] == text
    target = next((c for c in doc.cells() if c.source.strip()), None)
    if target is None:
        pytest.skip("no cell with a source")
    line_end = target.source.find("\n")
    i = (line_end if line_end > 0 else len(target.source)) - 1
    new = target.source[:i] + ("Z" if target.source[i] != "Z" else "Y") + target.source[i + 1 :]
    doc.set_source(target.id, new)
    out, _ = serialize_like(doc.to_notebook(), base)
    diff = changed_lines(text, out)
    if path.name in REPAIRED_IDS:
        diff = [line for line in diff if '"id":' not in line]
    assert len(diff) == 2 and diff[0].startswith("-") and diff[1].startswith("+"), diff
    added = diff[1][1:].strip().rstrip(",").removeprefix('"source":')
    assert json.loads(added) in [*new.splitlines(True), new]  # the edited line, and only it
