"""The personal-data machinery of one event store, put together (密钥与加密装配)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import Environment

from application.adapters.database import Database
from application.adapters.encryption import CipherKey
from application.adapters.personal_data.fields import FieldCipher
from application.adapters.personal_data.ids import KeyedIds
from application.adapters.personal_data.keys import KeyStore
from application.adapters.personal_data.mapper import PersonalDataMapper


@dataclass
class PersonalData:
    keys: KeyStore
    ids: KeyedIds
    fields: FieldCipher
    seal_key: bytes
    legacy: AESCipher

    @classmethod
    def open(
        cls,
        master: CipherKey,
        schema: str,
        connect: Callable[[], AbstractContextManager[Any]],
        database: Database,
    ) -> PersonalData:
        # Tables and secrets once, on a connection of our own (the pool does not exist yet).
        setup = KeyStore(base64.b64decode(master.key_b64), schema, lambda: database.connect(autocommit=True))
        setup.create_tables()
        id_secret, seal_key = setup.secret("keyed_ids"), setup.secret("row_seal")
        keys = KeyStore(base64.b64decode(master.key_b64), schema, connect)
        ids = KeyedIds(id_secret)
        legacy = AESCipher(Environment("legacy", {"CIPHER_KEY": master.key_b64}))
        return cls(keys, ids, FieldCipher(keys, ids), seal_key, legacy)

    def mapper(self, transcoder: Transcoder) -> PersonalDataMapper:
        return PersonalDataMapper(transcoder, self.fields, self.seal_key, self.legacy)
