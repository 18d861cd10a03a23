"""RC-02 / RC-03: a data subject is erased only after retention, by destroying its keys.

Inside retention the erasure is refused (RC-02, with the computed end date). After it
(a fixed clock), the subject's personal fields read as ``[已删除 erased]`` in the
aggregates, the API and every rebuilt read model, everything else is unchanged, the
erasure is an event, and no table of any schema holds the subject's phone, name or
ID number (in clear, or as the former public uuid5 of the phone).
"""

from __future__ import annotations

from datetime import date, datetime

import psycopg
import pytest

from application.personal_data.erasure import erase
from domain.callback import Callback
from domain.policy import Policy
from domain.retention import ContractFacts, DataSubject, DisputeFacts, Retention
from domain.shared.aggregate import POLICYTRAIL_NAMESPACE
from domain.shared.errors import AlreadyExists, RuleViolation
from domain.shared.masking import ERASED
from domain.shared.time import SHANGHAI
from projections import registry
from projections.rebuild import rebuild
from tests.api_support import auth, client, token
from tests.personal_data_support import ADMIN, ID_NUMBER, NAME, NEW_PHONE, PHONE, history
from tests.read_model_steps import catch_up, read_side


def _old_uuid5(value: str) -> str:
    import uuid

    return str(uuid.uuid5(POLICYTRAIL_NAMESPACE, f"contact:{value}"))


def test_rc02_retention_from_contracts_and_disputes() -> None:
    long = ContractFacts("P1", date(2030, 2, 28), True)
    short = ContractFacts("P2", date(2030, 2, 28), False)
    assert Retention((long,)).ends_on == date(2040, 2, 28)
    assert Retention((short,)).ends_on == date(2035, 2, 28)
    assert Retention((short,), (DisputeFacts("W1", date(2034, 6, 1)),)).ends_on == date(2036, 6, 1)
    assert Retention((short,), (DisputeFacts("W1", None),)).ends_on is None
    assert Retention((ContractFacts("P3", None, True),)).ends_on is None
    with pytest.raises(RuleViolation) as err:
        Retention((long,)).check_erasable(date(2040, 2, 28))
    assert err.value.rule_id == "RC-02" and "2040-02-28" in str(err.value)
    Retention((long,)).check_erasable(date(2040, 2, 29))
    with pytest.raises(RuleViolation, match="still open"):
        Retention((short,), (DisputeFacts("W1", None),)).check_erasable(date(2099, 1, 1))


def test_rc02_erasure_inside_retention_is_refused_with_the_end_date(app, clock):
    history(app, clock, term=1)  # 1 year: ends 2027-03-01, kept 5 years
    with pytest.raises(RuleViolation) as err:
        erase(app, ID_NUMBER, "客户申请删除", ADMIN)
    assert err.value.rule_id == "RC-02" and "2032-03-01" in str(err.value)
    assert app.get(Policy, Policy.id_for("P2026000001")).facts.policyholder.name == NAME  # nothing lost
    with client(app) as c:
        r = c.post(
            "/subjects/11010519700101777X/erasure",
            json={"reason": "客户申请删除"},
            headers=auth(token(app, "admin")),
        )
        assert r.status_code == 422 and r.json()["rule"] == "RC-02" and "2032-03-01" in r.json()["detail"]
        r = c.post(
            "/subjects/11010519700101777X/erasure", json={"reason": "x"}, headers=auth(token(app, "auditor"))
        )
        assert r.status_code == 403


def _everything(app) -> str:
    """Every row of every table of every schema of the database, as text."""
    parts: list[str] = []
    with psycopg.connect(app.database.url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'"
        ).fetchall()
        assert len(tables) > 10
        for schema, table in tables:
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"'):
                for value in row:
                    parts.append(value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))
    return "\n".join(parts)


@pytest.mark.timeout(300)
def test_rc02_after_retention_the_subject_reads_as_erased_everywhere(app, clock):
    history(app, clock)
    catch_up(app, *registry.names())
    clock.set(datetime(2056, 3, 2, 10, 0, tzinfo=SHANGHAI))  # ended 2046-03-01, kept 10 years
    result, destroyed = erase(app, ID_NUMBER, "客户申请删除（PIPL 第47条）", ADMIN)
    assert destroyed >= 4 and result.result["retention_end"] == "2056-03-01"
    app.repository.cache = None

    policy = app.get(Policy, Policy.id_for("P2026000001"))
    assert policy.facts.policyholder.name == ERASED and policy.facts.policyholder.id_number == ERASED
    assert policy.holder_phone.normalized == ERASED and policy.holder_address == ERASED
    assert policy.facts.channel == "个险" and policy.receipt_registered_on == date(
        2026, 3, 2
    )  # facts unchanged
    callback = app.get(Callback, Callback.id_for("P2026000001"))
    assert callback.phone.normalized == ERASED and callback.phone.usable  # call records: the holder's
    other = app.get(Policy, Policy.id_for("P2026000002"))
    assert other.facts.policyholder.name == "卓文君"  # another subject keeps its data
    erased = app.get(DataSubject, app.personal.ids.person(ID_NUMBER))
    assert erased.reason.startswith("客户申请删除")
    with pytest.raises(AlreadyExists):
        erase(app, ID_NUMBER, "again", ADMIN)

    with client(app) as c:
        r = c.get("/policies/P2026000001", headers=auth(token(app, "admin")))
        assert r.status_code == 200, r.text
        holder = r.json()["policyholder"]
        assert holder["name"] == ERASED and holder["id_number"] == ERASED and holder["birthday"] is None
        assert holder["phone"]["number"] == ERASED and r.json()["channel"] == "个险"

    side = read_side(app, batch_size=5000)
    for name in registry.names():
        rebuild(side, registry.get(name))
    with psycopg.connect(app.database.url) as conn:
        rows = conn.execute(
            f'SELECT data::text FROM "{app.settings.read_schema}".audit_trail WHERE %s = ANY(policy_numbers)',
            ("P2026000001",),
        ).fetchall()
    assert any(ERASED in r[0] for r in rows) and not any("司*" in r[0] for r in rows)

    text = _everything(app)
    for secret in (NAME, ID_NUMBER, PHONE, NEW_PHONE, _old_uuid5(PHONE), _old_uuid5(NEW_PHONE)):
        assert secret not in text, secret
    assert "卓文君" not in text  # and no other subject's data in clear either


def test_rc02_erasure_and_read_records_cannot_be_imported(app):
    from interfaces.importer import LineRejected, command_types, parse_line

    types = command_types(app)
    assert "EraseSubject" not in types and "RecordPersonalDataRead" not in types and "IssuePolicy" in types
    with pytest.raises(LineRejected):
        parse_line(
            '{"line_id": "X1", "type": "EraseSubject", "data": {"subject": "1", "reason": "x"}}', types
        )


def test_rc02_a_complaint_is_a_dispute_two_more_years_after_it_ends(app, clock):
    """RC-02 + SL-01e: a complaint about the policy keeps its records 2 years after it ends."""
    from application.complaints import AcknowledgeComplaint, DecideComplaint, ReceiveComplaint

    history(app, clock, term=1)  # 1 year: ends 2027-03-01, kept 5 years → 2032-03-01
    app.execute(
        ReceiveComplaint(
            complaint_no="TS-RC02",
            channel="电话",
            category="服务",
            customer=NAME,
            branch="北京分公司",
            policy_number="P2026000001",
            summary="服务态度差",
            occurred_at=datetime(2031, 6, 1, 9, 0, tzinfo=SHANGHAI),
        ),
        ADMIN,
    )
    clock.set(datetime(2031, 6, 1, 15, 0, tzinfo=SHANGHAI))
    app.execute(AcknowledgeComplaint(complaint_no="TS-RC02"), ADMIN)
    clock.set(datetime(2031, 6, 2, 10, 0, tzinfo=SHANGHAI))
    app.execute(DecideComplaint(complaint_no="TS-RC02", outcome="部分支持", summary="已致歉"), ADMIN)
    clock.set(datetime(2033, 1, 2, 10, 0, tzinfo=SHANGHAI))  # after the contract's 5 years
    with pytest.raises(RuleViolation) as err:
        erase(app, ID_NUMBER, "客户申请删除", ADMIN)
    # decided 2031-06-02 (business date) + 2 years
    assert err.value.rule_id == "RC-02" and "2033-06-02" in str(err.value)
