"""Ids that reveal nothing (无可逆标识): keyed derivations of personal data.

An id derived from a phone or ID number is ``HMAC-SHA-256(secret, kind:value)`` cut
to a UUID, with the secret held in the key material (``keys.KeyStore``). Without the
secret, trying every candidate value (10⁴ middle digits of a masked phone) cannot
confirm any of them, unlike the public ``uuid5`` used for policy numbers and agent
codes (business keys, not personal data).
"""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID


class KeyedIds:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _derive(self, kind: str, value: str) -> UUID:
        digest = hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).digest()
        return UUID(bytes=digest[:16], version=4)

    def contact_point(self, normalized_phone: str) -> UUID:
        """The ContactPoint aggregate of a normalised phone number (DP-01/02)."""
        return self._derive("contact", normalized_phone)

    def person(self, id_number: str) -> UUID:
        """The data subject of a natural person, by normalised ID number."""
        return self._derive("subject:person", id_number)

    def aggregate(self, originator_id: UUID) -> UUID:
        """The data subject of an aggregate's personal fields that name no person."""
        return self._derive("subject:aggregate", str(originator_id))
