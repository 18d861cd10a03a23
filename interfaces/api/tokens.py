"""API tokens (访问令牌): random secrets of which only a SHA-256 hash is stored.

The table lives next to the event store (``<events schema>.api_tokens``) and is
created idempotently. A token is shown once, when created; the database never
holds it, so a leaked table does not leak access.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

from application.availability import retry_after_outage
from interfaces.api.permissions import Principal, Scope, ScopeKind, check_role_scope

if TYPE_CHECKING:
    from application.app import PolicyTrail

TOKEN_PREFIX = "pt_"

Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    token_id: str
    role: str
    scope: Scope
    name: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def principal(self) -> Principal:
        return Principal(
            token_id=self.token_id,
            role=check_role_scope(self.role, self.scope),
            scope=self.scope,
            name=self.name,
        )


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored."""

    secret: str
    record: TokenRecord


class TokenStore:
    def __init__(self, connect: Connect, schema: str) -> None:
        self._connect = connect
        self._table = SQL("{}.{}").format(Identifier(schema), Identifier("api_tokens"))
        self._ready = False

    @classmethod
    def for_app(cls, app: PolicyTrail) -> TokenStore:
        """Tokens on the application's database, through its connection pool."""
        return cls(app.trail_recorder.datastore.get_connection, app.settings.events_schema)

    def ensure_table(self) -> None:
        if self._ready:
            return
        with self._connect() as conn:
            conn.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {t} ("
                    "token_id text PRIMARY KEY, "
                    "secret_sha256 text NOT NULL UNIQUE, "
                    "role text NOT NULL, "
                    "scope text NOT NULL, "
                    "name text NOT NULL, "
                    "created_at timestamptz NOT NULL DEFAULT now(), "
                    "created_by text NOT NULL, "
                    "revoked_at timestamptz)"
                ).format(t=self._table)
            )
            if not conn.autocommit:
                conn.commit()
        self._ready = True

    def create(self, role: str, scope: Scope, name: str = "", created_by: str = "cli") -> IssuedToken:
        """Issue a token; ``name`` is the actor id its commands record (default: derived)."""
        check_role_scope(role, scope)
        token_id = "tk_" + secrets.token_hex(4)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        actor_name = name.strip() or (scope.value if scope.kind == ScopeKind.AGENT else f"{role}-{token_id}")
        self.ensure_table()
        with self._connect() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                SQL(
                    "INSERT INTO {t} (token_id, secret_sha256, role, scope, name, created_by) "
                    "VALUES (%s, %s, %s, %s, %s, %s) RETURNING *"
                ).format(t=self._table),
                (token_id, _digest(secret), role, str(scope), actor_name, created_by),
            )
            row = cur.fetchone()
            if not conn.autocommit:
                conn.commit()
        assert row is not None
        return IssuedToken(secret=secret, record=_record(row))

    def authenticate(self, secret: str) -> TokenRecord | None:
        """The active token with this secret, or None (unknown or revoked)."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        # the first request after a database restart may meet a stale pooled connection
        return retry_after_outage(lambda: self._authenticate(secret))

    def _authenticate(self, secret: str) -> TokenRecord | None:
        self.ensure_table()
        with self._connect() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                SQL("SELECT * FROM {t} WHERE secret_sha256 = %s AND revoked_at IS NULL").format(
                    t=self._table
                ),
                (_digest(secret),),
            )
            row = cur.fetchone()
        return _record(row) if row else None

    def list(self) -> list[TokenRecord]:
        self.ensure_table()
        with self._connect() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(SQL("SELECT * FROM {t} ORDER BY created_at, token_id").format(t=self._table))
            return [_record(row) for row in cur.fetchall()]

    def revoke(self, token_id: str) -> bool:
        """Revoke a token; False when no active token has that id."""
        self.ensure_table()
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(
                SQL("UPDATE {t} SET revoked_at = now() WHERE token_id = %s AND revoked_at IS NULL").format(
                    t=self._table
                ),
                (token_id.strip(),),
            )
            changed = cur.rowcount == 1
            if not conn.autocommit:
                conn.commit()
        return changed


def _record(row: dict[str, Any]) -> TokenRecord:
    return TokenRecord(
        token_id=row["token_id"],
        role=row["role"],
        scope=Scope.parse(row["scope"]),
        name=row["name"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        revoked_at=row["revoked_at"],
    )
