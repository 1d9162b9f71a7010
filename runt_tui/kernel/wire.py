"""Reading kernel messages off a zmq socket with less per-message overhead than jupyter_client.

`AsyncZMQSocketChannel.get_msg` awaits a poll and then a receive per message,
and `Session.deserialize` parses both headers' dates with dateutil; together
they were the daemon's largest CPU cost for a short execution. The session's
reader awaits the receive alone (it completes at once when a message is
queued), and `decode` checks the signature as jupyter_client does but leaves
dates as the ISO strings they came as (nothing downstream reads them).
"""

from __future__ import annotations

import json
from hmac import compare_digest
from typing import Any

from jupyter_client.adapter import adapt
from jupyter_client.session import Session

DELIM = b"<IDS|MSG>"


class BadMessage(ValueError):
    """A message that is unsigned, wrongly signed or malformed."""


def decode(session: Session, frames: list[bytes]) -> dict[str, Any]:
    """A wire message (identities, delimiter, signature, four JSON parts, buffers) as a message dict."""
    try:
        start = frames.index(DELIM) + 1
    except ValueError:
        raise BadMessage("no <IDS|MSG> delimiter") from None
    parts = frames[start:]
    if len(parts) < 5:
        raise BadMessage(f"malformed message: {len(parts)} parts")
    if session.auth is not None:
        if not parts[0]:
            raise BadMessage("unsigned message")
        if not compare_digest(parts[0], session.sign(parts[1:5])):
            raise BadMessage("invalid signature")
    try:
        header = json.loads(parts[1])
        msg: dict[str, Any] = {
            "header": header,
            "msg_id": header["msg_id"],
            "msg_type": header["msg_type"],
            "parent_header": json.loads(parts[2]),
            "metadata": json.loads(parts[3]),
            "content": json.loads(parts[4]),
            "buffers": [memoryview(b) for b in parts[5:]],
        }
    except (ValueError, KeyError, TypeError) as e:
        raise BadMessage(f"malformed message: {e}") from None
    if not str(header.get("version", "5")).startswith("5"):
        msg = adapt(msg)  # an older protocol: jupyter_client knows how to translate it
    return msg
