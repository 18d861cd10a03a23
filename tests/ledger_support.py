"""Helpers shared by the ledger tests (test_ledger_*.py)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import psycopg
from pydantic import SecretStr

from application.app import PolicyTrail
from application.ledger.keys import PublicKey, resolve_signing_key
from application.ledger.service import Ledger, events_table
from application.ledger.store import LedgerStore
from application.ledger.verify import VerifyReport, verify_ledger
from projections.ledger import catch_up, seal_now
from projections.source import ReadSide


def key_text(seed: str) -> str:
    """A deterministic Ed25519 private key (base64) for tests."""
    return base64.b64encode(hashlib.sha256(seed.encode()).digest()).decode()


def ledger_app(settings: Any, database: Any, clock: Any, *, every: int = 50, key: str = "k1") -> PolicyTrail:
    s = settings.model_copy(update={"ledger_key": SecretStr(key_text(key)), "ledger_seal_every": every})
    return PolicyTrail(settings=s, database=database, clock=clock)


def side(app: Any) -> ReadSide:
    return ReadSide.from_app(app)


def seal(app: Any) -> Any:
    s = side(app)
    return seal_now(s, s.ledger)


def append(app: Any) -> int:
    s = side(app)
    return catch_up(s, s.ledger)


def public_key(app: Any) -> PublicKey:
    return resolve_signing_key(app.settings).public_key


def verify(app: Any, *extra: PublicKey, client_hash: bool | None = None) -> VerifyReport:
    keys = {k.key_id: k for k in (public_key(app), *extra)}
    return verify_ledger(
        app.database.url,
        LedgerStore(app.settings.read_schema),
        events_table(app),
        keys,
        client_hash=client_hash,
    )


def ledger(app: Any) -> Ledger:
    return Ledger.from_app(app)


def sql(app: Any, statement: str, *params: Any) -> Any:
    with psycopg.connect(app.database.url, autocommit=True) as conn:
        cur = conn.execute(statement, params or None)
        return cur.fetchall() if cur.description else cur.rowcount


def events(app: Any) -> str:
    return app.events_table


def positions(app: Any) -> list[int]:
    """The event table's positions, in log order."""
    return [r[0] for r in sql(app, f"SELECT notification_id FROM {events(app)} ORDER BY 1")]


def heads_table(app: Any) -> str:
    return f'"{app.settings.read_schema}".ledger_heads'
