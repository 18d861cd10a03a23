"""API tokens (访问令牌): random secrets of which only a SHA-256 hash is stored.

The table lives next to the event store (``<events schema>.api_tokens``) and is
created idempotently. A token is shown once, when created; the database never
holds it, so a leaked table does not leak access. A token names one principal
(``application/principals.py``) — the actor its commands record — and expires
(default 90 days; only a ``system`` token may be made to never expire). The
dashboard's sessions (``web_sessions``) hang off a token: a session id in the
cookie, never the token itself, revoked at logout.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

from application.adapters.availability import retry_after_outage
from application.principals import PrincipalKind, PrincipalRef, check_exists
from domain.shared.actor import Role
from domain.shared.errors import InvalidInput
from interfaces.api.permissions import PRINCIPAL_KINDS, Principal, Scope, ScopeKind, check_role_scope

if TYPE_CHECKING:
    from application.app import PolicyTrail

TOKEN_PREFIX = "pt_"
SESSION_PREFIX = "ps_"
DEFAULT_LIFETIME = timedelta(days=90)
SESSION_LIFETIME = timedelta(hours=12)

Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]

#: a token checked within the last N seconds is not looked up again (a round trip per request
#: saved): a revocation or expiry made in another process (another ``serve`` worker, the CLI,
#: SQL) takes effect within this bound; one made through a ``TokenStore`` of this process, and
#: the token's own ``expires_at``, at once. Unknown secrets are never cached.
AUTH_CACHE_SECONDS = 2.0
_AUTH_CACHE_MAX = 10_000
#: every store of this process, so that a revocation reaches the caches of all of them
_stores: weakref.WeakSet[TokenStore] = weakref.WeakSet()


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
    #: ``kind:id`` of the principal it names; ``name`` is that id (the actor id)
    principal_ref: str = ""
    #: None: never (system tokens only)
    expires_at: datetime | None = None

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
    def __init__(
        self,
        connect: Connect,
        schema: str,
        app: PolicyTrail | None = None,
        *,
        cache_seconds: float = AUTH_CACHE_SECONDS,
    ) -> None:
        self._connect = connect
        self._schema = schema
        self._table = SQL("{}.{}").format(Identifier(schema), Identifier("api_tokens"))
        self._sessions = SQL("{}.{}").format(Identifier(schema), Identifier("web_sessions"))
        #: where principals are checked to exist (tokens are issued through ``for_app``)
        self._app = app
        self._ready = False
        self._cache_seconds = cache_seconds
        #: SHA-256 of a live secret → (monotonic time it was read, its record)
        self._cache: dict[str, tuple[float, TokenRecord]] = {}
        self._cache_lock = threading.Lock()
        _stores.add(self)

    @classmethod
    def for_app(cls, app: PolicyTrail, *, cache_seconds: float = AUTH_CACHE_SECONDS) -> TokenStore:
        """Tokens on the application's database, through its connection pool."""
        connect = app.trail_recorder.datastore.get_connection
        return cls(connect, app.settings.events_schema, app, cache_seconds=cache_seconds)

    def ensure_table(self) -> None:
        if self._ready:
            return
        with self._connect() as conn, conn.transaction():
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
                    "revoked_at timestamptz, "
                    "principal text NOT NULL, "
                    "expires_at timestamptz)"
                ).format(t=self._table)
            )
            self._migrate(conn)
            conn.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {s} ("
                    "session_sha256 text PRIMARY KEY, "
                    "token_id text NOT NULL REFERENCES {t} (token_id), "
                    "created_at timestamptz NOT NULL DEFAULT now(), "
                    "expires_at timestamptz NOT NULL, "
                    "revoked_at timestamptz)"
                ).format(s=self._sessions, t=self._table)
            )
        self._ready = True

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        """Tokens made before principals and expiry: each names the principal it can be
        proven to be (an agent token its agent, any other its label as a staff id) and
        expires 90 days after it was made, as a new one would."""
        conn.execute(SQL("LOCK TABLE {t} IN SHARE ROW EXCLUSIVE MODE").format(t=self._table))
        has = conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = 'api_tokens' "
            "AND column_name = 'principal'",
            (self._schema,),
        ).fetchone()
        if has:
            return
        conn.execute(
            SQL("ALTER TABLE {t} ADD COLUMN principal text, ADD COLUMN expires_at timestamptz").format(
                t=self._table
            )
        )
        conn.execute(
            SQL(
                "UPDATE {t} SET expires_at = created_at + %s, principal = CASE "
                "WHEN role = 'agent' AND scope LIKE 'agent:%%' THEN scope ELSE 'staff:' || name END"
            ).format(t=self._table),
            (DEFAULT_LIFETIME,),
        )
        conn.execute(SQL("ALTER TABLE {t} ALTER COLUMN principal SET NOT NULL").format(t=self._table))
        conn.execute(
            SQL("UPDATE {t} SET name = substr(principal, strpos(principal, ':') + 1)").format(t=self._table)
        )

    def create(
        self,
        role: str,
        scope: Scope,
        name: str = "",
        created_by: str = "cli",
        *,
        principal: PrincipalRef | None = None,
        expires_in: timedelta | None = DEFAULT_LIFETIME,
    ) -> IssuedToken:
        """Issue a token naming ``principal`` (default: derived, see ``_principal_for``),
        which must exist (``check_exists``); ``expires_in=None`` (never) only for ``system``."""
        the_role = check_role_scope(role, scope)
        who = principal or _principal_for(the_role, scope, name)
        _check_principal(the_role, scope, who)
        if expires_in is None and the_role != Role.SYSTEM:
            raise InvalidInput(
                f"only a system token may never expire, not a {role} token",
                f"只有 system 角色的令牌可以永不过期，{role} 令牌不可以",
            )
        if expires_in is not None and expires_in <= timedelta(0):
            raise InvalidInput("the lifetime must be positive", "有效期必须大于零")
        if self._app is not None:
            check_exists(self._app, who)
        token_id = "tk_" + secrets.token_hex(4)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.ensure_table()
        with self._connect() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                SQL(
                    "INSERT INTO {t} (token_id, secret_sha256, role, scope, name, created_by, principal, "
                    "expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, now() + %s) RETURNING *"
                ).format(t=self._table),
                (token_id, _digest(secret), role, str(scope), who.id, created_by, str(who), expires_in),
            )
            row = cur.fetchone()
            if not conn.autocommit:
                conn.commit()
        assert row is not None
        return IssuedToken(secret=secret, record=_record(row))

    def authenticate(self, secret: str) -> TokenRecord | None:
        """The active, unexpired token with this secret, or None."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        digest = _digest(secret)
        with self._cache_lock:
            cached = self._cache.get(digest)
        if cached is not None:
            read_at, record = cached
            if time.monotonic() - read_at < self._cache_seconds and _unexpired(record):
                return record
        # the first request after a database restart may meet a stale pooled connection
        record = retry_after_outage(lambda: self._authenticate(secret))
        with self._cache_lock:
            if record is None:
                self._cache.pop(digest, None)
            elif self._cache_seconds > 0:
                if len(self._cache) >= _AUTH_CACHE_MAX:
                    self._cache.clear()
                self._cache[digest] = (time.monotonic(), record)
        return record

    def _forget(self, token_id: str) -> None:
        with self._cache_lock:
            for digest in [d for d, (_, r) in self._cache.items() if r.token_id == token_id]:
                del self._cache[digest]

    def _authenticate(self, secret: str) -> TokenRecord | None:
        self.ensure_table()
        with self._connect() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                SQL("SELECT * FROM {t} WHERE secret_sha256 = %s AND {live}").format(
                    t=self._table, live=_LIVE
                ),
                (_digest(secret),),
            )
            row = cur.fetchone()
        return _record(row) if row else None

    # ----- dashboard sessions --------------------------------------------------------------
    def open_session(self, token: TokenRecord) -> str:
        """A new session of a token: its id (the cookie's value) is shown once, stored hashed;
        it ends after 12 hours, at logout, or when the token expires or is revoked."""
        self.ensure_table()
        session_id = SESSION_PREFIX + secrets.token_urlsafe(32)
        with self._connect() as conn:
            conn.execute(
                SQL(
                    "INSERT INTO {s} (session_sha256, token_id, expires_at) VALUES (%s, %s, now() + %s)"
                ).format(s=self._sessions),
                (_digest(session_id), token.token_id, SESSION_LIFETIME),
            )
            if not conn.autocommit:
                conn.commit()
        return session_id

    def session_token(self, session_id: str) -> TokenRecord | None:
        """The live token of a live session, or None."""
        if not session_id.startswith(SESSION_PREFIX) or len(session_id) > 200:
            return None
        self.ensure_table()
        with self._connect() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                SQL(
                    "SELECT t.* FROM {s} AS s JOIN {t} AS t USING (token_id) WHERE s.session_sha256 = %s "
                    "AND s.revoked_at IS NULL AND s.expires_at > now() AND {live}"
                ).format(s=self._sessions, t=self._table, live=_LIVE_T),
                (_digest(session_id),),
            )
            row = cur.fetchone()
        return _record(row) if row else None

    def close_session(self, session_id: str) -> bool:
        """Revoke a session (logout); False when it was not live."""
        if not session_id.startswith(SESSION_PREFIX) or len(session_id) > 200:
            return False
        self.ensure_table()
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(
                SQL(
                    "UPDATE {s} SET revoked_at = now() WHERE session_sha256 = %s AND revoked_at IS NULL"
                ).format(s=self._sessions),
                (_digest(session_id),),
            )
            changed = cur.rowcount == 1
            if not conn.autocommit:
                conn.commit()
        return changed

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
        for store in list(_stores):  # this process's caches forget it now, not after the bound
            if store._schema == self._schema:
                store._forget(token_id.strip())
        return changed


def _unexpired(record: TokenRecord) -> bool:
    return record.expires_at is None or record.expires_at > datetime.now(UTC)


_LIVE = SQL("revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())")
_LIVE_T = SQL("t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())")


def _principal_for(role: Role, scope: Scope, name: str) -> PrincipalRef:
    """The principal a token names when none is given: an agent token its agent, a
    branch token its branch, a system token its name, any other the staff id ``name``."""
    if role == Role.AGENT or (role == Role.SERVICER and scope.kind == ScopeKind.AGENT and not name.strip()):
        return PrincipalRef.of(PrincipalKind.AGENT, scope.value)
    if role == Role.BRANCH and not name.strip():
        return PrincipalRef.of(PrincipalKind.BRANCH, scope.value)
    if role == Role.SYSTEM:
        return PrincipalRef.of(PrincipalKind.SYSTEM, name or "policytrail")
    if not name.strip():
        raise InvalidInput(
            f"a {role} token names a person: give a staff id (--staff ID)",
            f"{role} 令牌须指明员工号（--staff ID）",
        )
    return PrincipalRef.of(PrincipalKind.STAFF, name)


def _check_principal(role: Role, scope: Scope, who: PrincipalRef) -> None:
    """The principal's kind fits the role, and an agent or branch is inside its own scope."""
    if who.kind not in PRINCIPAL_KINDS[role]:
        kinds = "/".join(sorted(PRINCIPAL_KINDS[role]))
        raise InvalidInput(
            f"a {role} token names a principal of kind {kinds}, not {who.kind}",
            f"{role} 令牌的主体应为 {kinds}，而不是 {who.kind}",
        )
    if scope.kind == ScopeKind.AGENT and who.kind == PrincipalKind.AGENT and scope.value != who.id:
        raise InvalidInput(
            f"agent {who.id} may not hold a token for agent {scope.value}'s data",
            f"业务员 {who.id} 不能持有业务员 {scope.value} 数据范围的令牌",
        )
    if scope.kind == ScopeKind.BRANCH and who.kind == PrincipalKind.BRANCH and scope.value != who.id:
        raise InvalidInput(
            f"branch {who.id} may not hold a token for branch {scope.value}",
            f"机构 {who.id} 不能持有机构 {scope.value} 数据范围的令牌",
        )


def _record(row: dict[str, Any]) -> TokenRecord:
    return TokenRecord(
        token_id=row["token_id"],
        role=row["role"],
        scope=Scope.parse(row["scope"]),
        name=row["name"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        revoked_at=row["revoked_at"],
        principal_ref=row["principal"],
        expires_at=row["expires_at"],
    )
