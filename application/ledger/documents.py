"""Ledger documents (证明文件): signed tree heads and proofs as JSON, verified offline.

One format, ``policytrail-ledger/1``, three kinds; canonical JSON (sorted keys,
two-space indent, trailing newline, hashes in lower-case hex, signatures in base64)::

    {"format": "policytrail-ledger/1", "kind": "tree-head", "sth": STH}
    {"format": "policytrail-ledger/1", "kind": "inclusion", "sth": STH, "leaf": LEAF,
     "leaf_index": 41, "audit_path": ["<hex>", ...]}
    {"format": "policytrail-ledger/1", "kind": "consistency", "first": STH, "second": STH,
     "proof": ["<hex>", ...]}

    STH  = {"tree_size": 50000, "root_hash": "<hex>", "timestamp_ms": 1767225600000,
            "key_id": "<16 hex>", "signature": "<base64>"}
    LEAF = {"position": 42, "originator_id": "<uuid>", "originator_version": 3,
            "topic": "domain.policy:Policy.Issued", "state_sha256": "<hex>"}

``verify_document(data, keys)`` needs only the bytes and the trusted public keys (no
database): every signature, the Merkle proof, and that the bytes are exactly the
canonical encoding, so that any changed byte fails rather than being ignored.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson

from application.ledger import merkle
from application.ledger.heads import Leaf, SignedTreeHead
from application.ledger.keys import PublicKey

FORMAT = "policytrail-ledger/1"


class ProofInvalid(Exception):
    """The document does not prove what it claims; the message says why."""


@dataclass(frozen=True)
class TreeHeadDocument:
    sth: SignedTreeHead

    kind = "tree-head"

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "kind": self.kind, "sth": sth_dict(self.sth)}


@dataclass(frozen=True)
class InclusionProof:
    """Leaf ``leaf`` is the ``leaf_index``-th entry of the tree signed by ``sth``."""

    sth: SignedTreeHead
    leaf: Leaf
    leaf_index: int
    audit_path: tuple[bytes, ...]

    kind = "inclusion"

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "sth": sth_dict(self.sth),
            "leaf": leaf_dict(self.leaf),
            "leaf_index": self.leaf_index,
            "audit_path": [h.hex() for h in self.audit_path],
        }


@dataclass(frozen=True)
class ConsistencyProof:
    """The tree signed by ``second`` extends the one signed by ``first``, unchanged."""

    first: SignedTreeHead
    second: SignedTreeHead
    proof: tuple[bytes, ...]

    kind = "consistency"

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "first": sth_dict(self.first),
            "second": sth_dict(self.second),
            "proof": [h.hex() for h in self.proof],
        }


Document = TreeHeadDocument | InclusionProof | ConsistencyProof


def encode(document: Document | dict[str, Any]) -> bytes:
    """The canonical bytes of a document (what is written to files and compared)."""
    data = document if isinstance(document, dict) else document.to_dict()
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"


def sth_dict(sth: SignedTreeHead) -> dict[str, Any]:
    return {
        "tree_size": sth.tree_size,
        "root_hash": sth.root_hash.hex(),
        "timestamp_ms": sth.timestamp_ms,
        "key_id": sth.key_id,
        "signature": base64.b64encode(sth.signature).decode(),
    }


def leaf_dict(leaf: Leaf) -> dict[str, Any]:
    return {
        "position": leaf.position,
        "originator_id": str(leaf.originator_id),
        "originator_version": leaf.originator_version,
        "topic": leaf.topic,
        "state_sha256": leaf.state_sha256.hex(),
    }


# ----- parsing (strict) ---------------------------------------------------------------------
def _fields(value: Any, names: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != names:
        raise ProofInvalid(f"{what}: expected exactly the fields {sorted(names)}")
    return value


def _int(value: Any, what: str) -> int:
    if type(value) is not int or value < 0 or value >= 1 << 63:
        raise ProofInvalid(f"{what}: expected a non-negative integer")
    return value


def _hex(value: Any, what: str, size: int = merkle.HASH_SIZE) -> bytes:
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        raw = None
    if raw is None or len(raw) != size:
        raise ProofInvalid(f"{what}: expected {size} bytes in hex")
    return raw


def parse_sth(value: Any, what: str = "sth") -> SignedTreeHead:
    d = _fields(value, {"tree_size", "root_hash", "timestamp_ms", "key_id", "signature"}, what)
    try:
        signature = (
            base64.b64decode(d["signature"], validate=True) if isinstance(d["signature"], str) else b""
        )
    except (binascii.Error, ValueError):
        signature = b""
    if len(signature) != 64:
        raise ProofInvalid(f"{what}.signature: expected 64 bytes in base64")
    key_id = d["key_id"]
    _hex(key_id, f"{what}.key_id", 8)
    return SignedTreeHead(
        tree_size=_int(d["tree_size"], f"{what}.tree_size"),
        root_hash=_hex(d["root_hash"], f"{what}.root_hash"),
        timestamp_ms=_int(d["timestamp_ms"], f"{what}.timestamp_ms"),
        key_id=key_id,
        signature=signature,
    )


def parse_leaf(value: Any) -> Leaf:
    d = _fields(value, {"position", "originator_id", "originator_version", "topic", "state_sha256"}, "leaf")
    try:
        originator = UUID(d["originator_id"]) if isinstance(d["originator_id"], str) else None
    except ValueError:
        originator = None
    if originator is None or not isinstance(d["topic"], str):
        raise ProofInvalid("leaf: originator_id must be a UUID and topic a string")
    return Leaf(
        position=_int(d["position"], "leaf.position"),
        originator_id=originator,
        originator_version=_int(d["originator_version"], "leaf.originator_version"),
        topic=d["topic"],
        state_sha256=_hex(d["state_sha256"], "leaf.state_sha256"),
    )


def _path(value: Any, what: str) -> tuple[bytes, ...]:
    if not isinstance(value, list) or len(value) > 128:
        raise ProofInvalid(f"{what}: expected a list of hashes")
    return tuple(_hex(h, f"{what}[{i}]") for i, h in enumerate(value))


def parse(data: bytes) -> Document:
    """The document in ``data``; raises ProofInvalid if it is not exactly a canonical one."""
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ProofInvalid(f"not JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ProofInvalid(f"not a {FORMAT} document")
    kind = raw.get("kind")
    document: Document
    if kind == TreeHeadDocument.kind:
        d = _fields(raw, {"format", "kind", "sth"}, "document")
        document = TreeHeadDocument(parse_sth(d["sth"]))
    elif kind == InclusionProof.kind:
        d = _fields(raw, {"format", "kind", "sth", "leaf", "leaf_index", "audit_path"}, "document")
        document = InclusionProof(
            parse_sth(d["sth"]),
            parse_leaf(d["leaf"]),
            _int(d["leaf_index"], "leaf_index"),
            _path(d["audit_path"], "audit_path"),
        )
    elif kind == ConsistencyProof.kind:
        d = _fields(raw, {"format", "kind", "first", "second", "proof"}, "document")
        document = ConsistencyProof(
            parse_sth(d["first"], "first"), parse_sth(d["second"], "second"), _path(d["proof"], "proof")
        )
    else:
        raise ProofInvalid(f"unknown kind {kind!r}")
    if encode(document) != data:
        raise ProofInvalid("the bytes are not the canonical encoding of the document (altered?)")
    return document


# ----- verification ---------------------------------------------------------------------------
def check_signature(sth: SignedTreeHead, keys: Mapping[str, PublicKey], what: str = "tree head") -> None:
    key = keys.get(sth.key_id)
    if key is None:
        raise ProofInvalid(
            f"{what} (size {sth.tree_size}) is signed by key {sth.key_id}, which is not trusted"
        )
    if not key.verify(sth.signature, sth.signing_input()):
        raise ProofInvalid(
            f"{what} (size {sth.tree_size}): the signature does not verify with key {sth.key_id}"
        )


def verify(document: Document, keys: Mapping[str, PublicKey]) -> str:
    """Raise ProofInvalid unless ``document`` holds; returns a one-line summary."""
    if isinstance(document, TreeHeadDocument):
        check_signature(document.sth, keys)
        return f"tree head: size {document.sth.tree_size}, signed by {document.sth.key_id}"
    if isinstance(document, InclusionProof):
        sth = document.sth
        check_signature(sth, keys)
        leaf = merkle.leaf_hash(document.leaf.encode())
        if not merkle.verify_inclusion(
            document.leaf_index, sth.tree_size, leaf, document.audit_path, sth.root_hash
        ):
            raise ProofInvalid(
                f"inclusion: the event at position {document.leaf.position} is not leaf "
                f"{document.leaf_index} of the tree of size {sth.tree_size}"
            )
        return (
            f"inclusion: event at position {document.leaf.position} is leaf {document.leaf_index} "
            f"of the signed tree of size {sth.tree_size}"
        )
    first, second = document.first, document.second
    check_signature(first, keys, "first tree head")
    check_signature(second, keys, "second tree head")
    if not merkle.verify_consistency(
        first.tree_size, second.tree_size, first.root_hash, second.root_hash, document.proof
    ):
        raise ProofInvalid(
            f"consistency: the tree of size {second.tree_size} does not extend "
            f"the tree of size {first.tree_size}"
        )
    return f"consistency: the tree of size {second.tree_size} extends the tree of size {first.tree_size}"


def verify_document(data: bytes, keys: Mapping[str, PublicKey]) -> str:
    """Offline check of a document's bytes with the trusted public keys alone."""
    return verify(parse(data), keys)
