"""Outputs from kernel messages, as `nbformat.v4.output_from_msg` builds them, validated fast.

`output_from_msg` validates every output with jsonschema against a `$ref`
(nbformat's fastjsonschema path does not handle refs), which costs ~0.3 ms a
message — a large share of a `1+1` round trip. This builds the same dict and
checks it against the same nbformat schema definition, compiled once with
fastjsonschema (an nbformat dependency). tests/test_kernel_outputs.py checks
that both agree, on valid and invalid messages alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import nbformat.v4

JSONDict = dict[str, Any]

# new_output's defaults per type, before the message's fields are applied.
_DEFAULTS: dict[str, Callable[[], JSONDict]] = {
    "stream": lambda: {"name": "stdout", "text": ""},
    "display_data": lambda: {"metadata": {}, "data": {}},
    "execute_result": lambda: {"metadata": {}, "data": {}, "execution_count": None},
    "error": lambda: {"ename": "NotImplementedError", "evalue": "", "traceback": []},
}
_FIELDS: dict[str, tuple[str, ...]] = {
    "stream": ("name", "text"),
    "display_data": ("metadata", "data"),
    "execute_result": ("metadata", "data", "execution_count"),
    "error": ("ename", "evalue", "traceback"),
}


class InvalidOutput(ValueError):
    """The message does not make an output the nbformat schema accepts."""


@cache
def _schema() -> JSONDict:
    # The schema nbformat.v4.validate uses when no minor version is given.
    name = nbformat.v4.nbformat_schema[(None, None)]
    schema: JSONDict = json.loads((Path(nbformat.v4.__file__).parent / name).read_text(encoding="utf-8"))
    return schema


@cache
def _validator(output_type: str) -> Callable[[Any], Any]:
    schema = _schema()
    return fastjsonschema.compile(
        {"$schema": schema.get("$schema"), "$ref": f"#/definitions/{output_type}", "definitions": schema["definitions"]}
    )


def output_from_msg(msg_type: str, content: Mapping[str, Any]) -> JSONDict:
    """The output an iopub message makes (same as nbformat's); InvalidOutput if the schema rejects it."""
    fields = _FIELDS.get(msg_type)
    if fields is None:
        raise InvalidOutput(f"Unrecognized output msg type: {msg_type!r}")
    out: JSONDict = {"output_type": msg_type, **_DEFAULTS[msg_type]()}
    try:
        for key in fields:
            out[key] = content[key]
    except KeyError as e:
        raise InvalidOutput(f"{msg_type} message without {e}") from None
    if "data" in fields and out["data"] is None:
        out["data"] = {}  # new_output keeps its default when data is None
    try:
        _validator(msg_type)(out)
    except fastjsonschema.JsonSchemaException as e:
        raise InvalidOutput(f"invalid {msg_type} output: {e}") from None
    return out
