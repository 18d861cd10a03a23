"""RC-03 migration: a store written by the former code (whole-event AES-GCM, public
uuid5 ContactPoint ids) still loads, and ``keys migrate`` re-encodes it: the same
decoded events before and after, every row sealed, no personal data in clear."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Mapper
from eventsourcing.utils import Environment

from application.adapters.personal_data.mapper import SEAL_PREFIX
from application.app import PolicyTrail
from application.personal_data.erasure import erase
from application.personal_data.migration import legacy_rows, migrate
from application.policies import ChangeContact
from domain.contact_point import ContactPoint
from domain.policy import Policy
from domain.shared.actor import Actor
from domain.shared.aggregate import business_id
from domain.shared.errors import InvalidInput
from tests import factories

ADMIN = Actor("seed", "admin")
SHARED = "13811112222"


class FormerPolicyTrail(PolicyTrail):
    """The landed main's storage: the library's mapper with the whole-state cipher, and
    ContactPoint ids that are public uuid5 hashes of the phone."""

    name = "PolicyTrail"  # the same tables

    def construct_mapper(self) -> Any:
        env = Environment("former", {"CIPHER_KEY": self.cipher_key.key_b64})
        return Mapper(transcoder=self.construct_transcoder(), cipher=AESCipher(env))

    def contact_point_id(self, normalized_phone: str) -> UUID:
        return business_id("contact", normalized_phone)


def _decoded(app: PolicyTrail, rekey: dict[UUID, UUID]) -> list[tuple[Any, ...]]:
    out = []
    for n in app.notification_log.select(start=1, limit=10_000):
        event = app.mapper.to_domain_event(n)
        state = dict(vars(event))
        originator = state.pop("originator_id")
        out.append((n.id, n.topic, rekey.get(originator, originator), state))
    return out


@pytest.mark.timeout(300)
def test_rc03_a_former_store_loads_and_migrates_to_the_same_events(settings, database, clock):
    former = FormerPolicyTrail(settings=settings, database=database, clock=clock)
    former.execute(factories.register_agent("A0001"), ADMIN)
    for i in range(1, 41):
        holder = factories.person(
            name=f"客户{i}号", id_number=f"1101011990{i:08d}", phone=SHARED if i <= 3 else f"139{i:08d}"
        )
        former.execute(factories.issue_policy(f"P2026{i:06d}", policyholder=holder), ADMIN)
    former.execute(ChangeContact(policy_number="P2026000005", phone=SHARED, reason="客户更正"), ADMIN)
    before = _decoded(former, {})
    with psycopg.connect(database.url) as conn:
        states = [bytes(r[0]) for r in conn.execute(f"SELECT state FROM {former.events_table}")]
    former.close()
    assert states and not any(s.startswith(SEAL_PREFIX) for s in states)  # really the former format

    app = PolicyTrail(settings=settings, database=database, clock=clock)
    try:
        # the former events still load (the mapper recognises both formats)
        assert app.get(Policy, Policy.id_for("P2026000001")).facts.policyholder.name == "客户1号"
        assert _decoded(app, {}) == before
        assert legacy_rows(app) == len(before)
        with pytest.raises(InvalidInput, match="keys migrate"):  # erasure needs sealed rows
            erase(app, "110101199000000001", "客户申请", ADMIN)

        report = migrate(app)
        assert (
            report.rows == len(before) and report.contact_points_rekeyed == 39
        )  # 38 holders' numbers, 1 agent's
        rekey = {
            business_id("contact", p): app.contact_point_id(p)
            for p in [SHARED, "13900001111"] + [f"139{i:08d}" for i in range(4, 41)]
        }
        assert _decoded(app, {}) == [(pos, topic, rekey.get(o, o), s) for pos, topic, o, s in before]
        assert legacy_rows(app) == 0 and migrate(app).rows == 0  # again: nothing to do
        with psycopg.connect(database.url) as conn:
            rows = conn.execute(f"SELECT originator_id, state FROM {app.events_table}").fetchall()
        assert all(bytes(s).startswith(SEAL_PREFIX) for _, s in rows)
        stored = b"\n".join(bytes(s) for _, s in rows)
        for secret in [SHARED, "13900001111", "110101199000000001"] + [f"客户{i}号" for i in range(1, 41)]:
            assert secret.encode() not in stored, secret
        assert not {o for o, _ in rows} & set(rekey)  # no public uuid5 of a phone is left

        # the migrated store keeps working: DP-01 is decided on the re-keyed ContactPoint
        cp = app.get(ContactPoint, app.contact_point_id(SHARED))
        assert cp.distinct_holders() == 4
        holder = factories.person(name="新客户", id_number="110101199100000001", phone=SHARED)
        app.execute(factories.issue_policy("P2026000099", policyholder=holder), ADMIN)
        assert app.get(ContactPoint, app.contact_point_id(SHARED)).distinct_holders() == 5
    finally:
        app.close()
