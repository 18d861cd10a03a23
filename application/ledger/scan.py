"""The hot loop of ``ledger verify``: leaf hashes straight from a binary COPY stream.

PostgreSQL's binary COPY sends one message per row (the 19-byte file header rides on
the first one, a two-byte trailer ends the stream). A row of
``notification_id, originator_id, originator_version, topic, state`` is

    int16 5 | int32 8 position | int32 16 uuid | int32 8 version | int32 n topic | int32 m state

all big-endian, which is the byte order of the leaf encoding (``heads.leaf_bytes``): the
position, originator and version are sliced from the message as they are, and the low two
bytes of the topic's length are the leaf's ``>H`` topic length, followed by the topic
itself. No per-row Python tuple, int or UUID is built. Each row yields a 40-byte record
``position (8) | leaf hash (32)``, the shape in which the sealed leaves are read for a
bulk comparison.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from application.ledger.heads import LEAF_VERSION

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00"
HEADER_SIZE = 19  # signature (11) + flags (4) + header extension length (4)
TRAILER = b"\xff\xff"
RECORD = 40  # position (8) + leaf hash (32)
_LEAF_START = b"\x00" + bytes([LEAF_VERSION])  # RFC 9162 leaf prefix, then the leaf version
_FIELDS = b"\x00\x05"


class CopyFormatError(ValueError):
    """The stream is not the binary COPY of the expected five columns."""


def leaf_records(messages: Iterable[memoryview | bytes]) -> bytes:
    """The records of a batch of COPY rows, each state hashed here (``--client-hash``)."""
    sha = hashlib.sha256
    join = b"".join
    out: list[bytes | memoryview] = []
    for m in messages:
        if m[:2] != _FIELDS or m[2:6] != b"\x00\x00\x00\x08" or m[14:18] != b"\x00\x00\x00\x10":
            raise CopyFormatError("unexpected row layout in the event table's COPY stream")
        topic_end = 50 + int.from_bytes(m[46:50], "big")
        state = m[topic_end + 4 :]
        if len(state) != int.from_bytes(m[topic_end : topic_end + 4], "big"):
            raise CopyFormatError("a row of the event table's COPY stream is cut short")
        digest = sha(state).digest()
        out.append(m[6:14])
        out.append(sha(join((_LEAF_START, m[6:14], m[18:34], m[38:46], m[48:topic_end], digest))).digest())
    return join(out)


def split_stream(messages: list[memoryview | bytes], first: bool) -> tuple[list[memoryview | bytes], bool]:
    """Rows of a batch of COPY messages, without the header (on the first) and trailer;
    the flag says the trailer was seen."""
    if first and messages:
        head = messages[0]
        if bytes(head[:11]) != COPY_HEADER:
            raise CopyFormatError("not a binary COPY stream")
        messages[0] = memoryview(head)[HEADER_SIZE:]
        if not len(messages[0]):
            messages.pop(0)
    if messages and bytes(messages[-1][:2]) == TRAILER and len(messages[-1]) == 2:
        return messages[:-1], True
    return messages, False
