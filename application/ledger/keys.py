"""Ledger signing keys (签名密钥): Ed25519, with key ids and rotation.

The signing key comes from ``POLICYTRAIL_LEDGER_KEY`` (base64 of the 32-byte Ed25519
private key; set it, and back it up, in production), else from the key file
``<data_dir>/ledger.key`` (mode 0600, created once, beside ``cipher.key``).

The key id is the first 8 bytes (16 hex digits) of SHA-256 of the raw public key; it
is in every signed tree head. Rotation (``policytrail ledger rotate-key``, key-file
mode) keeps the retired public key in ``<data_dir>/ledger-keys/<key id>.pub`` so old
heads stay verifiable; with ``POLICYTRAIL_LEDGER_KEY``, put the old public key there
(or pass it with ``--public-key``) when changing the variable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from application.settings import Settings

KEY_FILE = "ledger.key"
RETIRED_DIR = "ledger-keys"
TEXT_PREFIX = "ed25519:"


class LedgerKeyError(Exception):
    """A ledger key is missing or malformed; the message says which and where."""


@dataclass(frozen=True)
class PublicKey:
    raw: bytes  # 32 bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_text(self) -> str:
        """``ed25519:<base64>``: one line, what ``--public-key`` accepts."""
        return TEXT_PREFIX + base64.b64encode(self.raw).decode()

    def to_pem(self) -> str:
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    @classmethod
    def parse(cls, text: str, source: str = "public key") -> PublicKey:
        """A PEM public key, ``ed25519:<base64>`` or bare base64 of the 32 raw bytes."""
        text = text.strip()
        if text.startswith("-----BEGIN"):
            try:
                key = serialization.load_pem_public_key(text.encode())
            except ValueError as exc:
                raise LedgerKeyError(f"{source}: not a PEM public key ({exc})") from None
            if not isinstance(key, Ed25519PublicKey):
                raise LedgerKeyError(f"{source}: not an Ed25519 public key")
            return cls(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        raw = _b64(text.removeprefix(TEXT_PREFIX), source)
        if len(raw) != 32:
            raise LedgerKeyError(f"{source}: an Ed25519 public key has 32 bytes, got {len(raw)}")
        return cls(raw)


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    source: str  # where it came from (never the key itself)

    @property
    def public_key(self) -> PublicKey:
        return PublicKey(
            self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )

    @property
    def key_id(self) -> str:
        return self.public_key.key_id

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def __repr__(self) -> str:  # never print key material
        return f"SigningKey(key_id={self.key_id}, source={self.source!r})"


def _b64(text: str, source: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise LedgerKeyError(f"{source}: not valid base64") from None


def _private(text: str, source: str) -> SigningKey:
    raw = _b64(text.strip(), source)
    if len(raw) != 32:
        raise LedgerKeyError(f"{source}: an Ed25519 private key has 32 bytes, got {len(raw)}")
    return SigningKey(Ed25519PrivateKey.from_private_bytes(raw), source)


def _new_private_text() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def key_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / KEY_FILE


def resolve_signing_key(settings: Settings) -> SigningKey:
    """The configured key, else the key file (created once, 0600, race-free)."""
    if settings.ledger_key is not None:
        return _private(settings.ledger_key.get_secret_value(), "POLICYTRAIL_LEDGER_KEY")
    path = key_file(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two processes starting at once must not write two different keys
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(_new_private_text() + "\n")
    return _private(path.read_text(), f"key file {path}")


def retired_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / RETIRED_DIR


def trusted_public_keys(settings: Settings, extra: list[PublicKey] | None = None) -> dict[str, PublicKey]:
    """Keys whose heads ``verify`` accepts: the signing key, retired keys, ``extra``.

    Never the keys stored in the database: whoever can change the database could add one.
    """
    keys = {k.key_id: k for k in extra or []}
    folder = retired_dir(settings)
    if folder.is_dir():
        for path in sorted(folder.glob("*.pub")):
            key = PublicKey.parse(path.read_text(), str(path))
            keys[key.key_id] = key
    if settings.ledger_key is not None or key_file(settings).exists():  # never create one to verify
        current = resolve_signing_key(settings).public_key
        keys[current.key_id] = current
    return keys


def rotate_key_file(settings: Settings) -> tuple[PublicKey, PublicKey]:
    """Retire the key file's key (its public key kept) and create a new one."""
    if settings.ledger_key is not None:
        raise LedgerKeyError(
            "POLICYTRAIL_LEDGER_KEY is set: rotate by setting a new value and keeping the old "
            f"public key in {retired_dir(settings)}/<key id>.pub"
        )
    old = resolve_signing_key(settings).public_key
    folder = retired_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{old.key_id}.pub").write_text(old.to_pem())
    path = key_file(settings)
    fresh = path.with_suffix(".key.new")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(_new_private_text() + "\n")
    os.replace(fresh, path)  # atomic: a reader sees the old key or the new one
    return old, resolve_signing_key(settings).public_key
