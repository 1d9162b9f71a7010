"""Decoding kernel wire messages: same dict as jupyter_client (dates left as strings), bad ones refused."""

from __future__ import annotations

from typing import Any

import pytest
from jupyter_client.session import Session

from runt_tui.kernel.wire import BadMessage, decode


def wire(session: Session, msg_type: str, content: dict[str, Any], buffers: list[bytes] | None = None) -> list[bytes]:
    msg = session.msg(msg_type, content, parent={"msg_id": "p1", "msg_type": "execute_request"})
    frames: list[bytes] = session.serialize(msg, ident=b"topic")
    return frames + list(buffers or [])


def test_same_as_jupyter_client_but_dates() -> None:
    session = Session(key=b"secret")
    frames = wire(session, "stream", {"name": "stdout", "text": "hi\n"}, [b"buf"])
    ours = decode(session, frames)
    _, smsg = Session(key=b"secret").feed_identities(frames)
    theirs = Session(key=b"secret").deserialize(smsg)
    assert ours["content"] == theirs["content"] == {"name": "stdout", "text": "hi\n"}
    assert ours["msg_type"] == theirs["msg_type"] == "stream"
    assert ours["msg_id"] == theirs["msg_id"]
    assert ours["parent_header"]["msg_id"] == "p1"
    assert bytes(ours["buffers"][0]) == b"buf"
    assert ours["header"]["date"] == theirs["header"]["date"].isoformat().replace("+00:00", "Z")


def test_bad_signature_and_shapes_refused() -> None:
    session = Session(key=b"secret")
    frames = wire(session, "status", {"execution_state": "idle"})
    with pytest.raises(BadMessage, match="invalid signature"):
        decode(Session(key=b"other"), frames)
    i = frames.index(b"<IDS|MSG>")
    unsigned = [*frames[: i + 1], b"", *frames[i + 2 :]]
    with pytest.raises(BadMessage, match="unsigned"):
        decode(session, unsigned)
    with pytest.raises(BadMessage, match="delimiter"):
        decode(session, frames[i + 1 :])
    with pytest.raises(BadMessage, match="parts"):
        decode(session, frames[: i + 3])
    keyless = Session(key=b"")
    garbage = [b"<IDS|MSG>", b"", b"{not json", b"{}", b"{}", b"{}"]
    with pytest.raises(BadMessage, match="malformed"):
        decode(keyless, garbage)
