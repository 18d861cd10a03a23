"""Reading the read models from a request (读模型访问): the caller's scope as filters,
a read connection, and the query context (rules, calendar, now).

Shared by the GET routes and the dashboard, so both answer the same numbers for
the same caller.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import Connection
from psycopg_pool import ConnectionPool

from application.adapters.replica import replica_for
from application.app import PolicyTrail
from domain.shared.values import agent_code as normal_agent_code
from interfaces.api.owners import find_agent
from interfaces.api.permissions import Principal, ScopeKind
from interfaces.api.problems import OUT_OF_SCOPE, UNAVAILABLE, ProblemException


@dataclass(frozen=True)
class Narrowed:
    """The branch / agent filters a query must apply: the caller's, narrowed to its scope."""

    branch: str | None
    agent_code: str | None


def _out_of_scope(principal: Principal, what: str) -> ProblemException:
    return ProblemException(
        OUT_OF_SCOPE,
        f"{what} lies outside the scope {principal.scope} of this token",
        f"{what} 超出令牌的数据范围 {principal.scope}",
    )


def narrow(
    principal: Principal,
    branch: str | None = None,
    agent_code: str | None = None,
    app: PolicyTrail | None = None,
) -> Narrowed:
    """The filters to apply: an agent token reads its own code, a branch token its branch.

    Asking for another branch or agent than the token covers is 403 (never a silently
    empty page): a branch token asking for an agent of another branch, an agent token
    for a branch other than its own (both looked up in ``app`` when given).
    """
    if agent_code is not None:
        agent_code = normal_agent_code(agent_code)  # InvalidInput → 400
    kind, value = principal.scope.kind, principal.scope.value
    if kind == ScopeKind.BRANCH:
        if branch is not None and branch != value:
            raise _out_of_scope(principal, f"branch {branch}")
        if agent_code is not None and _branch_of(app, agent_code) not in (None, value):
            raise _out_of_scope(principal, f"agent {agent_code}")
        return Narrowed(branch=value, agent_code=agent_code)
    if kind == ScopeKind.AGENT:
        if agent_code is not None and agent_code != value:
            raise _out_of_scope(principal, f"agent {agent_code}")
        if branch is not None and _branch_of(app, value) not in (None, branch):
            raise _out_of_scope(principal, f"branch {branch}")
        return Narrowed(branch=branch, agent_code=value)
    return Narrowed(branch=branch, agent_code=agent_code)


def _branch_of(app: PolicyTrail | None, code: str) -> str | None:
    agent = find_agent(app, code) if app is not None else None
    return agent.branch if agent is not None else None


def refuse_agent_scope(principal: Principal, what: str) -> None:
    """Reads that are a branch's or everyone's (branch scorecards, the branch queue)."""
    if principal.scope.kind == ScopeKind.AGENT:
        raise _out_of_scope(principal, what)


@dataclass(frozen=True)
class ReadContext:
    """What every query takes besides its filters."""

    conn: Connection[Any]
    schema: str
    now: datetime
    app: PolicyTrail


_pools: weakref.WeakKeyDictionary[PolicyTrail, ConnectionPool] = weakref.WeakKeyDictionary()
_pools_lock = threading.Lock()


def _read_pool(app: PolicyTrail) -> ConnectionPool:
    """A bounded pool of read-only connections per application: a connection per
    request would exhaust the server's connections under concurrent readers."""
    with _pools_lock:
        pool = _pools.get(app)
        if pool is None:
            pool = ConnectionPool(
                app.database.url,
                min_size=1,
                max_size=app.settings.pool_size,
                kwargs={"autocommit": True, "options": "-c default_transaction_read_only=on"},
                timeout=30,
                name="policytrail-reads",
                # a connection the server closed (restart, outage) is replaced at checkout,
                # never handed to a request; one back from a request moments ago is not checked
                check=_check_unless_just_used,
                reset=_note_returned,
                open=True,
            )
            app.gate.add_pool(pool)
            _pools[app] = pool
            weakref.finalize(app, pool.close)  # no connection outlives its application
        return pool


#: a pooled connection returned this recently is handed out without a check (a round trip
#: saved per request under load); a server restart takes longer than this, so the first
#: checkout after one still finds the stale connections and replaces them
JUST_USED_S = 1.0
_returned_at: weakref.WeakKeyDictionary[Connection[Any], float] = weakref.WeakKeyDictionary()


def _note_returned(conn: Connection[Any]) -> None:
    _returned_at[conn] = time.monotonic()


def _check_unless_just_used(conn: Connection[Any]) -> None:
    at = _returned_at.get(conn)
    if at is None or time.monotonic() - at >= JUST_USED_S or conn.broken:
        ConnectionPool.check_connection(conn)


@contextmanager
def reading(app: PolicyTrail) -> Iterator[ReadContext]:
    """A read-only connection for one request (autocommit: each query sees the latest
    committed state); a read model that is not built yet answers 503. With
    ``POLICYTRAIL_READ_DATABASE_URL`` the connection is the hot standby's (503 while it is down)."""
    replica = replica_for(app)
    if replica is not None:  # a standby outage is the standby's: the primary's gate stays open
        with replica.connection() as conn, _missing_read_models():
            yield ReadContext(conn=conn, schema=app.settings.read_schema, now=app.clock.now(), app=app)
        return
    app.gate.check()  # fails at once during an outage (application/adapters/availability.py)
    try:
        with _read_pool(app).connection() as conn, _missing_read_models():
            yield ReadContext(conn=conn, schema=app.settings.read_schema, now=app.clock.now(), app=app)
    except Exception as exc:
        app.gate.note(exc)
        raise


@contextmanager
def _missing_read_models() -> Iterator[None]:
    """A read model that is not built yet: 503 saying how to build it."""
    try:
        yield
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
        raise ProblemException(
            UNAVAILABLE,
            "the read models are not built yet: run `policytrail projections run` (or serve)",
            "读模型尚未建立：请运行 policytrail projections run（或 serve）",
        ) from None
