"""The manifest's canonical form and Ed25519 signature (清单签名).

The signature covers the canonical JSON of the whole manifest without its
``signature`` member: keys sorted, no spaces, UTF-8. Ed25519 signatures are
deterministic, so the same manifest always carries the same signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from interfaces.exports.ledger_evidence import public_key_raw

MANIFEST = "manifest.json"
FORMAT = "policytrail-export/1"


def canonical(manifest: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def key_id(public: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex (names the key without revealing anything)."""
    return hashlib.sha256(public_key_raw(public)).hexdigest()


def sign(manifest: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    public = key.public_key()
    signature = key.sign(canonical(manifest))
    return {
        **manifest,
        "signature": {
            "algorithm": "Ed25519",
            "key_id": key_id(public),
            "public_key": base64.b64encode(public_key_raw(public)).decode(),
            "value": base64.b64encode(signature).decode(),
        },
    }


def signature_problem(manifest: dict[str, Any], public: Ed25519PublicKey) -> str | None:
    """None when the signature verifies with ``public``; else what is wrong."""
    sig = manifest.get("signature")
    if (
        not isinstance(sig, dict)
        or sig.get("algorithm") != "Ed25519"
        or not isinstance(sig.get("value"), str)
    ):
        return f"{MANIFEST}: no Ed25519 signature"
    try:
        public.verify(base64.b64decode(sig["value"], validate=True), canonical(manifest))
    except (InvalidSignature, ValueError):
        if sig.get("key_id") != key_id(public):
            return f"{MANIFEST}: signed with another key (key id {str(sig.get('key_id'))[:16]}…)"
        return f"{MANIFEST}: signature does not verify (the manifest was changed after signing)"
    return None


def dumps(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
