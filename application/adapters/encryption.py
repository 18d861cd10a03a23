"""Encryption at rest of personal data (RC-03): every stored event is AES-GCM encrypted.

Events hold names, phone numbers, ID numbers, addresses and birthdays, so the whole
event state is encrypted with the library's AES-GCM cipher before it reaches
PostgreSQL. The key comes from ``POLICYTRAIL_CIPHER_KEY`` (base64 of 16, 24 or 32
bytes; set it, and back it up, in production), else from a key file created once
in the data folder (``<data_dir>/cipher.key``, mode 0600) for local use.

A database remembers the fingerprint of the key its events were written with; a
process configured with another key refuses to start instead of failing on the
first read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.cryptography import AESCipher

from application.settings import Settings


class CipherKeyError(Exception):
    """The encryption key is missing, malformed or not the one the data was written with."""


@dataclass(frozen=True)
class CipherKey:
    key_b64: str
    source: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(base64.b64decode(self.key_b64)).hexdigest()[:16]


def validate_key(key_b64: str, source: str) -> CipherKey:
    try:
        raw = base64.b64decode(key_b64, validate=True)
    except (binascii.Error, ValueError):
        raise CipherKeyError(f"{source}: the cipher key is not valid base64") from None
    if len(raw) not in AESCipher.KEY_SIZES:
        raise CipherKeyError(f"{source}: the cipher key must be 16, 24 or 32 bytes, got {len(raw)}")
    return CipherKey(key_b64=key_b64, source=source)


def resolve_cipher_key(settings: Settings) -> CipherKey:
    if settings.cipher_key is not None:
        return validate_key(settings.cipher_key.get_secret_value().strip(), "POLICYTRAIL_CIPHER_KEY")
    path = Path(settings.data_dir) / "cipher.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = AESCipher.create_key(32)
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(key + "\n")
    return validate_key(path.read_text().strip(), f"key file {path}")
