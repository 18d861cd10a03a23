"""The manifest's canonical form and Ed25519 signature (清单签名).

The signature covers the canonical JSON of the whole manifest without its
``signature`` member: keys sorted, no spaces, UTF-8. Ed25519 signatures are
deterministic, so the same manifest always carries the same signature.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from application.ledger.keys import PublicKey, SigningKey

MANIFEST = "manifest.json"
FORMAT = "policytrail-export/1"


def canonical(manifest: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sign(manifest: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """Signed with the ledger's key; ``key_id`` is the ledger's (as in every STH)."""
    public = key.public_key
    signature = key.sign(canonical(manifest))
    return {
        **manifest,
        "signature": {
            "algorithm": "Ed25519",
            "key_id": public.key_id,
            "public_key": base64.b64encode(public.raw).decode(),
            "value": base64.b64encode(signature).decode(),
        },
    }


def signature_problem(manifest: dict[str, Any], public: PublicKey) -> str | None:
    """None when the signature verifies with ``public``; else what is wrong."""
    sig = manifest.get("signature")
    if (
        not isinstance(sig, dict)
        or sig.get("algorithm") != "Ed25519"
        or not isinstance(sig.get("value"), str)
    ):
        return f"{MANIFEST}: no Ed25519 signature"
    try:
        value = base64.b64decode(sig["value"], validate=True)
    except ValueError:
        value = b""
    if not public.verify(value, canonical(manifest)):
        if sig.get("key_id") != public.key_id:
            return f"{MANIFEST}: signed with another key (key id {str(sig.get('key_id'))[:16]}…)"
        return f"{MANIFEST}: signature does not verify (the manifest was changed after signing)"
    return None


def dumps(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
