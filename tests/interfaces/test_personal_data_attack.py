"""Issue #12 attack: a masked phone (151****5247) must not be recoverable by trying the
10⁴ possible middle digits — neither through the API with an agent token (no
personal-data permission) nor from the database without the keys (RC-03)."""

from __future__ import annotations

import hashlib
import random
import re

import psycopg
import pytest

from domain.shared.actor import Actor
from domain.shared.aggregate import POLICYTRAIL_NAMESPACE
from projections import registry
from tests import factories
from tests.api_support import auth, client, token
from tests.read_model_steps import catch_up

POLICIES = 200
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_MASKED = re.compile(r"^(\d{3})\*{4}(\d{4})$")


_PREFIX = POLICYTRAIL_NAMESPACE.bytes + b"contact:"


def _old_contact_id(phone: str) -> str:
    """The id the landed main gave a ContactPoint: a public uuid5 of the number (hex;
    computed by hand because the attack tries millions)."""
    raw = bytearray(hashlib.sha1(_PREFIX + phone.encode()).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50
    raw[8] = (raw[8] & 0x3F) | 0x80
    return raw.hex()


def _tokens(text: str) -> tuple[set[str], set[str]]:
    ids = {m.replace("-", "") for m in _UUID.findall(text.lower())}
    return ids, set(re.findall(r"\d{11}", text))


def _database_text(app) -> str:
    parts: list[str] = []
    with psycopg.connect(app.database.url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = ANY(%s)",
            ([app.settings.events_schema, app.settings.read_schema],),
        ).fetchall()
        for schema, table in tables:
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"'):
                for value in row:
                    parts.append(value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))
    return "\n".join(parts)


@pytest.mark.timeout(300)
def test_rc03_ten_thousand_guesses_recover_no_phone(app):
    rng = random.Random(12)
    admin = Actor("seed", "admin")
    app.execute(factories.register_agent("A0001"), admin)
    phones = {}
    for i in range(1, POLICIES + 1):
        phone = f"15{rng.randrange(10)}{rng.randrange(10**8):08d}"
        number = f"P2026{i:06d}"
        holder = factories.person(name=f"客户{i}", id_number=f"1101011990{i:08d}", phone=phone)
        app.execute(factories.issue_policy(number, policyholder=holder, agent_code="A0001"), admin)
        phones[number] = phone
    catch_up(app, *registry.names())

    # Through the API, as the agent who sold every policy (no read:personal-data).
    secret = token(app, "agent", "agent:A0001")
    seen: list[str] = []
    masked: dict[str, str] = {}
    with client(app) as c:
        for path in ("/agents/A0001/audit-trail", "/audit-trail"):
            offset: int | None = 0
            while offset is not None:
                r = c.get(f"{path}?limit=500&offset={offset}", headers=auth(secret))
                assert r.status_code == 200, r.text
                seen.append(r.text)
                offset = r.json()["next_offset"]
        for number in phones:
            r = c.get(f"/policies/{number}", headers=auth(secret))
            assert r.status_code == 200, r.text
            seen.append(r.text)
            masked[number] = r.json()["policyholder"]["phone"]["number"]
            seen.append(c.get(f"/policies/{number}/audit-trail", headers=auth(secret)).text)
    api_ids, api_numbers = _tokens("\n".join(seen))
    db_ids, db_numbers = _tokens(_database_text(app))

    recovered = {"api": 0, "database": 0}
    for shown in masked.values():
        head, tail = _MASKED.match(shown).groups()  # type: ignore[union-attr]
        candidates = [f"{head}{middle:04d}{tail}" for middle in range(10_000)]
        guesses = [(p, _old_contact_id(p)) for p in candidates]
        for where, ids, numbers in (("api", api_ids, api_numbers), ("database", db_ids, db_numbers)):
            if any(p in numbers or guess in ids for p, guess in guesses):
                recovered[where] += 1
    assert recovered == {"api": 0, "database": 0}
    assert len(masked) == POLICIES
    # nor does the database answer "is this number a customer?" for a known number
    known = phones["P2026000001"]
    assert known not in db_numbers and _old_contact_id(known) not in db_ids
