"""The ledger seam of exports (账本证据): the Ed25519 key that signs manifests, the
manifest's ``ledger`` section, and its offline check.

The ledger (issue #13: RFC 9162 tree over the event log, signed tree heads,
inclusion proofs) is built on another branch. Until it lands:

- ``signing_key`` loads the same key the ledger will use (``POLICYTRAIL_LEDGER_KEY``,
  else ``<data dir>/ledger.key``, created once with mode 0600), so manifests are
  already signed with the ledger's key;
- ``ledger_section`` returns None: the manifest has ``"ledger": null``;
- ``check_ledger_section`` checks what needs no tree code (the signed tree head must
  cover the manifest's range) and refuses what it cannot check yet, so a manifest
  that claims ledger evidence never verifies unchecked.

Wiring the ledger in: ``ledger_section`` returns ``{"tree_head": <STH>,
"inclusion_proof": <proof of last_position>}`` from the ledger's read model, and
``check_ledger_section`` calls the ledger's offline proof verifier.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from application.settings import Settings

KEY_ENV = "POLICYTRAIL_LEDGER_KEY"
KEY_FILE = "ledger.key"


class ExportKeyError(ValueError):
    """A signing or public key that cannot be used (one readable line)."""


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The Ed25519 private key: the setting (env ``POLICYTRAIL_LEDGER_KEY``) or the key
    file beside the cipher key, created on first use (0600, never overwritten)."""
    if settings.ledger_key is not None:
        return _private(settings.ledger_key.get_secret_value(), KEY_ENV)
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        try:  # O_EXCL: two processes starting at once must not write two keys
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.b64encode(seed).decode() + "\n")
    return _private(path.read_text(), f"key file {path}")


def _private(text: str, source: str) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError("not an Ed25519 key")
            return key
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except ValueError as exc:
        raise ExportKeyError(
            f"{source}: not an Ed25519 private key (base64 32-byte seed or PEM): {exc}"
        ) from None


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def public_key_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file: PEM (``export public-key``) or base64 of the 32 raw bytes."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportKeyError(f"public key {path}: cannot read it: {exc}") from None
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("not an Ed25519 key")
            return key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError as exc:
        raise ExportKeyError(f"public key {path}: not an Ed25519 public key: {exc}") from None


def ledger_section(app: Any, last_position: int) -> dict[str, Any] | None:
    """The signed tree head covering ``last_position`` and the inclusion proof of that
    event. None until the ledger (issue #13) is merged: exports then carry no ledger
    evidence, and their manifest says so (``"ledger": null``)."""
    return None


def check_ledger_section(
    section: dict[str, Any], log_range: dict[str, Any], public_key: Ed25519PublicKey
) -> list[str]:
    """Problems with a manifest's ledger evidence (empty: it verifies)."""
    problems: list[str] = []
    head = section.get("tree_head") if isinstance(section, dict) else None
    size = head.get("tree_size") if isinstance(head, dict) else None
    last = log_range.get("last_position")
    if not isinstance(size, int):
        return ["manifest.json: ledger section has no signed tree head with a tree_size"]
    if isinstance(last, int) and last > size:
        problems.append(
            f"manifest.json: range ends at position {last}, beyond the signed tree head (size {size})"
        )
    problems.append(
        "manifest.json: carries ledger evidence, but this build cannot check inclusion proofs"
        " (ledger not installed)"
    )
    return problems
