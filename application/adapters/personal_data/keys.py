"""Key material (密钥): per-subject data keys and the store's secrets, wrapped by the
master key (``POLICYTRAIL_CIPHER_KEY`` / key file).

Two tables in the events schema:

- ``subject_keys``: one AES-256 data key per data subject (a person, or an aggregate
  for personal fields that name no person), wrapped (AES-GCM, the subject id as
  associated data) by the master key. Erasure sets ``wrapped`` to NULL: the subject's
  ciphertexts can never be read again (crypto-shredding), the events stay as stored.
- ``key_material``: the store's own secrets (the key of keyed ids, the key of the
  row seals), wrapped the same way. Rotating the master key re-wraps both tables and
  touches no event.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg.rows import tuple_row

Connect = Callable[[], AbstractContextManager[Any]]

_ERASED = object()
#: data keys kept unwrapped in memory at most (per process)
CACHE_LIMIT = 200_000
#: how long a process trusts its unwrapped copy of a key: an erasure by another process
#: (CLI, another server) takes effect everywhere within this time
CACHE_SECONDS = 60.0


class KeyMaterialError(Exception):
    """A wrapped key cannot be opened with the configured master key."""


def _wrap(master: AESGCM, key: bytes, label: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + master.encrypt(nonce, key, label)


def _unwrap(master: AESGCM, wrapped: bytes, label: bytes) -> bytes:
    try:
        return master.decrypt(wrapped[:12], wrapped[12:], label)
    except InvalidTag:
        raise KeyMaterialError(
            f"wrapped key {label.decode(errors='replace')} does not open with the configured master key"
        ) from None


def _subject_label(subject_id: UUID) -> bytes:
    return b"subject-key:" + str(subject_id).encode()


def _material_label(name: str) -> bytes:
    return b"key-material:" + name.encode()


class KeyStore:
    """Data keys by subject id, created on first use, cached in this process."""

    def __init__(self, master_key: bytes, schema: str, connect: Connect) -> None:
        self._master = AESGCM(master_key)
        self._schema = schema
        self._connect = connect
        self._cache: dict[UUID, tuple[Any, float]] = {}
        self._lock = threading.Lock()

    @property
    def subject_table(self) -> str:
        return f'"{self._schema}".subject_keys'

    @property
    def material_table(self) -> str:
        return f'"{self._schema}".key_material'

    def create_tables(self) -> None:
        with self._connect() as c:
            conn = c.cursor(row_factory=tuple_row)
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self.subject_table} (subject_id uuid PRIMARY KEY, "
                "wrapped bytea, created_at timestamptz NOT NULL DEFAULT now(), erased_at timestamptz)"
            )
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self.material_table} "
                "(name text PRIMARY KEY, wrapped bytea NOT NULL)"
            )

    # ----- the store's secrets ------------------------------------------------------------
    def secret(self, name: str) -> bytes:
        """A 32-byte secret of the store (created once, the same for every process)."""
        label = _material_label(name)
        with self._connect() as c:
            conn = c.cursor(row_factory=tuple_row)
            conn.execute(
                f"INSERT INTO {self.material_table} VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (name, _wrap(self._master, os.urandom(32), label)),
            )
            row = conn.execute(
                f"SELECT wrapped FROM {self.material_table} WHERE name = %s", (name,)
            ).fetchone()
        return _unwrap(self._master, bytes(row[0]), label)

    # ----- data keys ----------------------------------------------------------------------
    def data_key(self, subject_id: UUID, create: bool) -> AESGCM | None:
        """The subject's data key; None when it was erased (or never created and
        ``create`` is false)."""
        cached = self._cache.get(subject_id)
        if cached is not None and time.monotonic() - cached[1] < CACHE_SECONDS:
            return None if cached[0] is _ERASED else cached[0]
        label = _subject_label(subject_id)
        with self._connect() as c:
            conn = c.cursor(row_factory=tuple_row)
            if create:
                conn.execute(
                    f"INSERT INTO {self.subject_table} (subject_id, wrapped) VALUES (%s, %s) "
                    "ON CONFLICT DO NOTHING",
                    (subject_id, _wrap(self._master, AESGCM.generate_key(256), label)),
                )
            row = conn.execute(
                f"SELECT wrapped FROM {self.subject_table} WHERE subject_id = %s", (subject_id,)
            ).fetchone()
        if row is None:
            return None
        if row[0] is None:
            with self._lock:
                self._cache[subject_id] = (_ERASED, time.monotonic())
            return None
        key = AESGCM(_unwrap(self._master, bytes(row[0]), label))
        with self._lock:
            if len(self._cache) >= CACHE_LIMIT:  # bounded: a bulk import touches millions
                self._cache.clear()
            self._cache[subject_id] = (key, time.monotonic())
        return key

    def create(self, subject_ids: Iterable[UUID]) -> None:
        """Create the data keys of ``subject_ids`` that do not exist yet, with one pipelined
        statement, and cache them: a bulk writer (the bench's data build) pays a round trip
        per page of subjects, not two per subject. Erased subjects stay erased."""
        wanted = sorted(set(subject_ids))
        if not wanted:
            return
        rows = [(s, _wrap(self._master, AESGCM.generate_key(256), _subject_label(s))) for s in wanted]
        with self._connect() as c:
            c.cursor().executemany(
                f"INSERT INTO {self.subject_table} (subject_id, wrapped) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                rows,
            )
        self.preload(wanted)

    def preload(self, subject_ids: Iterable[UUID]) -> None:
        """Cache the data keys of ``subject_ids`` (those not cached or gone stale) with one
        query: a reader of many events (a rebuild) pays a round trip per page of the log,
        not one per data subject. ``data_key`` then finds them; erased ones read as erased."""
        now = time.monotonic()
        wanted = [
            s for s in set(subject_ids) if (c := self._cache.get(s)) is None or now - c[1] >= CACHE_SECONDS
        ]
        if not wanted:
            return
        with self._connect() as c:
            rows = (
                c.cursor(row_factory=tuple_row)
                .execute(
                    f"SELECT subject_id, wrapped FROM {self.subject_table} WHERE subject_id = ANY(%s)",
                    (wanted,),
                )
                .fetchall()
            )
        loaded = {
            subject_id: _ERASED
            if wrapped is None
            else AESGCM(_unwrap(self._master, bytes(wrapped), _subject_label(subject_id)))
            for subject_id, wrapped in rows
        }
        with self._lock:
            if len(self._cache) + len(loaded) > CACHE_LIMIT:
                self._cache.clear()
            for subject_id, key in loaded.items():
                self._cache[subject_id] = (key, now)

    def destroy(self, subject_ids: list[UUID]) -> int:
        """Crypto-shredding: the wrapped keys are overwritten with NULL (the rows stay so
        that a later write never creates a fresh key for an erased subject)."""
        with self._connect() as c:
            conn = c.cursor(row_factory=tuple_row)
            for subject_id in subject_ids:
                conn.execute(
                    f"INSERT INTO {self.subject_table} (subject_id, wrapped, erased_at) "
                    "VALUES (%s, NULL, now()) "
                    "ON CONFLICT (subject_id) DO UPDATE SET wrapped = NULL, "
                    f"erased_at = coalesce({self.subject_table}.erased_at, now())",
                    (subject_id,),
                )
        with self._lock:
            for subject_id in subject_ids:
                self._cache[subject_id] = (_ERASED, time.monotonic())
        return len(subject_ids)

    def forget_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def rewrap(self, new_master_key: bytes, also: tuple[str, tuple[Any, ...]] | None = None) -> int:
        """Master-key rotation: every wrapped key re-wrapped in one transaction (with
        ``also``, a statement that records the new key's fingerprint); events are not
        touched. Returns how many keys were re-wrapped."""
        new = AESGCM(new_master_key)
        count = 0
        with self._connect() as c, c.transaction():
            conn = c.cursor(row_factory=tuple_row)
            for subject_id, wrapped in conn.execute(
                f"SELECT subject_id, wrapped FROM {self.subject_table} WHERE wrapped IS NOT NULL FOR UPDATE"
            ).fetchall():
                label = _subject_label(subject_id)
                key = _unwrap(self._master, bytes(wrapped), label)
                conn.execute(
                    f"UPDATE {self.subject_table} SET wrapped = %s WHERE subject_id = %s",
                    (_wrap(new, key, label), subject_id),
                )
                count += 1
            for name, wrapped in conn.execute(
                f"SELECT name, wrapped FROM {self.material_table} FOR UPDATE"
            ).fetchall():
                label = _material_label(name)
                secret = _unwrap(self._master, bytes(wrapped), label)
                conn.execute(
                    f"UPDATE {self.material_table} SET wrapped = %s WHERE name = %s",
                    (_wrap(new, secret, label), name),
                )
                count += 1
            if also is not None:
                conn.execute(*also)
        self._master = new
        return count

    def subject_ids(self) -> Iterator[UUID]:
        with self._connect() as c:
            conn = c.cursor(row_factory=tuple_row)
            for (subject_id,) in conn.execute(f"SELECT subject_id FROM {self.subject_table}"):
                yield subject_id
