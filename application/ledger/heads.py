"""Leaves and signed tree heads (叶子与签名树头): their canonical bytes.

A **leaf** is one stored event, in notification-log order; its bytes are fixed here
forever (version byte 1)::

    0x01 | position u64 | originator id (16 bytes) | originator version u64
         | topic length u16 | topic (UTF-8) | SHA-256 of the stored state bytes

All integers big-endian. The state is hashed exactly as stored (ciphertext when
events are encrypted), so the ledger is independent of the transcoder and cipher
and still verifies after a data subject's key is destroyed (RC-02/RC-03).

A **signed tree head** (STH) signs, with Ed25519::

    b"PolicyTrail STH v1\\x00" | tree size u64 | timestamp ms u64 | root (32) | key id (8)
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

LEAF_VERSION = 1
STH_CONTEXT = b"PolicyTrail STH v1\x00"
_LEAF_HEAD = struct.Struct(">BQ16sQH")
_STH = struct.Struct(">QQ")


@dataclass(frozen=True)
class Leaf:
    """What a leaf commits to: one stored event."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state_sha256: bytes

    @classmethod
    def of_stored(
        cls, position: int, originator_id: UUID, originator_version: int, topic: str, state: bytes
    ) -> Leaf:
        return cls(position, originator_id, originator_version, topic, hashlib.sha256(state).digest())

    def encode(self) -> bytes:
        return leaf_bytes(
            self.position, self.originator_id.bytes, self.originator_version, self.topic, self.state_sha256
        )


def leaf_bytes(position: int, originator: bytes, version: int, topic: str, state_sha256: bytes) -> bytes:
    name = topic.encode()
    return _LEAF_HEAD.pack(LEAF_VERSION, position, originator, version, len(name)) + name + state_sha256


def stored_leaf_hash(position: int, originator: bytes, version: int, topic: str, state: bytes) -> bytes:
    """RFC 9162 leaf hash of a stored event (hot path of sealing and verifying)."""
    sha = hashlib.sha256
    return sha(b"\x00" + leaf_bytes(position, originator, version, topic, sha(state).digest())).digest()


def digest_leaf_hash(
    position: int, originator: bytes, version: int, topic: str, state_sha256: bytes
) -> bytes:
    """The same, from the SHA-256 of the state (computed elsewhere, e.g. by PostgreSQL)."""
    return hashlib.sha256(b"\x00" + leaf_bytes(position, originator, version, topic, state_sha256)).digest()


@dataclass(frozen=True)
class SignedTreeHead:
    """A signed statement: the first ``tree_size`` events of the log have this root."""

    tree_size: int
    root_hash: bytes
    timestamp_ms: int  # when it was signed, ms since the Unix epoch (UTC)
    key_id: str  # 16 hex digits: the first 8 bytes of SHA-256 of the raw public key
    signature: bytes  # Ed25519 over ``signing_input``

    def signing_input(self) -> bytes:
        return signing_input(self.tree_size, self.root_hash, self.timestamp_ms, self.key_id)

    @property
    def signed_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)


def signing_input(tree_size: int, root_hash: bytes, timestamp_ms: int, key_id: str) -> bytes:
    return STH_CONTEXT + _STH.pack(tree_size, timestamp_ms) + root_hash + bytes.fromhex(key_id)
