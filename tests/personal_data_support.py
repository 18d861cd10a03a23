"""The data subject of the erasure tests (RC-02 / RC-03) and the history that stores their data."""

from __future__ import annotations

from datetime import date

from application.app import PolicyTrail
from application.clock import FixedClock
from application.policies import ChangeContact, RegisterReceipt
from domain.shared.actor import Actor
from tests import factories

NAME, ID_NUMBER, PHONE, NEW_PHONE = "司马相如", "11010519700101777X", "13687654321", "13612340987"
OTHER = factories.person(name="卓文君", id_number="110105197202028888", phone="13600001111")
ADMIN = Actor("privacy-officer", "admin")


def history(app: PolicyTrail, clock: FixedClock, term: int = 20) -> None:
    """司马相如's policy (``term`` years), a second holder's, a receipt and a contact change."""
    holder = factories.person(
        name=NAME, id_number=ID_NUMBER, phone=PHONE, address="四川省成都市锦江区琴台路1号"
    )
    app.execute(factories.register_agent("A0001"), ADMIN)
    app.execute(factories.issue_policy("P2026000001", policyholder=holder, term_value=term), ADMIN)
    app.execute(factories.issue_policy("P2026000002", policyholder=OTHER), ADMIN)
    app.execute(
        RegisterReceipt(
            policy_number="P2026000001", registered_on=date(2026, 3, 2), signed_on=date(2026, 3, 2)
        ),
        ADMIN,
    )
    app.execute(
        ChangeContact(
            policy_number="P2026000001", phone=NEW_PHONE, address="四川省成都市武侯区1号", reason="客户更正"
        ),
        ADMIN,
    )
