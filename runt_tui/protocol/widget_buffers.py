"""Binary buffers of ipywidgets state: taken out of a state and put back, and packed into a frame's payload.

A widget state is JSON except for binary values (an Image's bytes, a numpy
array), which the Jupyter widget protocol sends as separate buffers named by
their path in the state (`buffer_paths`). Our frames do the same: the JSON
header lists each buffer's path and length, the payload holds their bytes, so
a large image never bloats (or overflows) a header.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

Path = list[str | int]
# A model's state: JSON, with its binary values inline as bytes (narrow a value before use).
WidgetState: TypeAlias = dict[str, object]


def split_buffers(state: dict[str, Any]) -> tuple[dict[str, Any], list[Path], list[bytes]]:
    """A copy of `state` without its binary values, their paths and their bytes (as ipywidgets' _remove_buffers)."""
    paths: list[Path] = []
    buffers: list[bytes] = []

    def walk(value: Any, path: Path) -> Any:
        if isinstance(value, bytes | bytearray | memoryview):
            paths.append(path)
            buffers.append(bytes(value))
            return None
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, v in value.items():
                new = walk(v, [*path, k])
                if new is not None or not _is_binary(v):
                    out[k] = new
            return out
        if isinstance(value, list | tuple):
            return [walk(v, [*path, i]) for i, v in enumerate(value)]
        return value

    clean = walk(state, [])
    assert isinstance(clean, dict)
    return clean, paths, buffers


def _is_binary(v: Any) -> bool:
    return isinstance(v, bytes | bytearray | memoryview)


def put_buffers(state: dict[str, Any], paths: Sequence[Sequence[Any]], buffers: Sequence[bytes]) -> dict[str, Any]:
    """`state` with each buffer set at its path (in place; returns it); bad paths are skipped."""
    for path, buf in zip(paths, buffers, strict=False):
        if not path:
            continue
        target: Any = state
        try:
            for key in path[:-1]:
                target = target[key]
            if isinstance(target, dict):
                target[str(path[-1])] = bytes(buf)
            elif isinstance(target, list) and isinstance(path[-1], int) and 0 <= path[-1] < len(target):
                target[path[-1]] = bytes(buf)
        except (KeyError, IndexError, TypeError):
            continue
    return state


def pack(entries: Sequence[tuple[dict[str, Any], bytes]]) -> tuple[list[dict[str, Any]], bytes]:
    """Header entries (each given keys plus `length`) and the payload holding every buffer in order."""
    meta = [{**info, "length": len(data)} for info, data in entries]
    return meta, b"".join(data for _, data in entries)


def unpack(meta: Any, payload: bytes) -> list[tuple[dict[str, Any], bytes]]:
    """The (entry, bytes) pairs of `pack`; ValueError when the lengths do not match the payload."""
    if not isinstance(meta, list):
        raise ValueError("buffers must be a list")
    out: list[tuple[dict[str, Any], bytes]] = []
    offset = 0
    for entry in meta:
        n = entry.get("length") if isinstance(entry, dict) else None
        if not isinstance(n, int) or isinstance(n, bool) or n < 0 or offset + n > len(payload):
            raise ValueError("buffer lengths do not match the payload")
        out.append((entry, bytes(payload[offset:offset + n])))
        offset += n
    if offset != len(payload):
        raise ValueError("buffer lengths do not match the payload")
    return out


def state_with_buffers(state: dict[str, Any], meta: Any, payload: bytes) -> dict[str, Any]:
    """A state from a frame: its JSON with the payload's buffers put back at their paths."""
    pairs = unpack(meta, payload) if meta else []
    paths = [e.get("path") or [] for e, _ in pairs]
    return put_buffers(state, paths, [b for _, b in pairs])


def state_to_frame(state: dict[str, Any], extra: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]], bytes]:
    """A state's JSON part, its buffers' header entries (path, plus `extra`) and the payload."""
    clean, paths, buffers = split_buffers(state)
    meta, payload = pack([({**(extra or {}), "path": p}, b) for p, b in zip(paths, buffers, strict=True)])
    return clean, meta, payload


def encode_states(states: dict[str, Any], entries: list[tuple[dict[str, Any], bytes]]) -> tuple[dict[str, Any], bytes]:
    """Header fields and payload for JSON states plus buffers: everything large goes in the payload.

    The states' JSON leads the payload (`states_length` bytes), then the buffers
    (`buffers`: their header entries): an Output widget holding megabytes of text
    never meets the header's size cap.
    """
    import json

    body = json.dumps(states, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    meta, data = pack(entries)
    return {"states_length": len(body), "buffers": meta}, body + data


def decode_states(header: dict[str, Any], payload: bytes) -> tuple[Any, list[tuple[dict[str, Any], bytes]]]:
    """The JSON states and the (entry, bytes) buffers of `encode_states`; ValueError when malformed."""
    import json

    n = header.get("states_length")
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= len(payload):
        raise ValueError("bad states_length")
    try:
        states = json.loads(bytes(payload[:n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"bad widget state: {e}") from None
    return states, unpack(header.get("buffers") or [], bytes(payload[n:]))
