"""RC-03: unmasked reads need the personal-data permission AND a stated reason; each
one is recorded (who, when, which subjects, why) and visible to auditors."""

from __future__ import annotations

from urllib.parse import quote

from domain.personal_data_access import PersonalDataAccess
from domain.shared.actor import Actor
from projections import registry
from tests import factories
from tests.api_support import auth, client, token
from tests.read_model_steps import catch_up


def _reads(app) -> list[PersonalDataAccess.UnmaskedReadRecorded]:
    return [
        e
        for e in (app.mapper.to_domain_event(n) for n in app.notification_log.select(start=1, limit=10_000))
        if isinstance(e, PersonalDataAccess.UnmaskedReadRecorded)
    ]


def test_rc03_unmasked_only_with_a_reason_and_every_read_recorded(app):
    app.execute(factories.register_agent("A0001"), Actor("seed", "admin"))
    app.execute(factories.issue_policy("P2026000001"), Actor("seed", "admin"))
    callcentre = token(app, "callcentre", name="CC-007")
    with client(app) as c:
        before = app.max_position()
        r = c.get("/policies/P2026000001", headers=auth(callcentre))
        assert r.json()["policyholder"]["name"] == "张*" and r.json()["personal_data_masked"]
        assert app.max_position() == before  # a masked read records nothing

        r = c.get("/policies/P2026000001", params={"access_reason": "回访核实身份"}, headers=auth(callcentre))
        assert r.json()["policyholder"]["name"] == "张三" and not r.json()["personal_data_masked"]
        header = {"X-Access-Reason": quote("客户来电更正地址")}
        r = c.get("/agents/A0001", headers=auth(token(app, "servicer", name="S-01"), **header))
        assert r.status_code == 200 and r.json()["name"] == "李四"

        # the agent role has no personal-data permission: a reason changes nothing
        r = c.get(
            "/policies/P2026000001",
            params={"access_reason": "想看"},
            headers=auth(token(app, "agent", "agent:A0001")),
        )
        assert r.json()["policyholder"]["name"] == "张*"

    reads = _reads(app)
    assert [(e.actor.id, e.reason, e.policy_number, e.agent_code) for e in reads] == [
        ("CC-007", "回访核实身份", "P2026000001", None),
        ("S-01", "客户来电更正地址", None, "A0001"),
    ]
    assert reads[0].subject_ids == [str(app.personal.ids.person("110101199001011234"))]
    assert reads[0].resource == "GET /policies/P2026000001"

    catch_up(app, *registry.names())
    with client(app) as c:
        r = c.get("/policies/P2026000001/audit-trail", headers=auth(token(app, "auditor")))
        entries = [e for e in r.json()["items"] if e["aggregate_type"] == "PersonalDataAccess"]
        assert len(entries) == 1 and entries[0]["actor_id"] == "CC-007"
        assert "回访核实身份" in entries[0]["summary_zh"] + str(entries[0]["data"])


def test_rc03_reads_and_exports_are_one_kind_of_access_for_auditors(app, tmp_path):
    """An unmasked read and an unmasked export: the same aggregate type, both citing RC-03
    with actor and reason, both listed by one audit-trail query."""
    from interfaces.exports.package import ExportRequest, build_export

    app.execute(factories.register_agent("A0001"), Actor("seed", "admin"))
    app.execute(factories.issue_policy("P2026000001"), Actor("seed", "admin"))
    with client(app) as c:
        c.get(
            "/policies/P2026000001",
            params={"access_reason": "回访核实身份"},
            headers=auth(token(app, "callcentre", name="CC-007")),
        )
    catch_up(app, *registry.names())
    build_export(
        app, ExportRequest.of("2026-03", formats="jsonl", unmasked_reason="投诉调查 case 42"),
        tmp_path / "out", Actor("aud-007", "auditor"), catch_up=lambda: catch_up(app, *registry.names()),
    )  # fmt: skip
    with client(app) as c:
        r = c.get("/audit-trail", params={"rule": "RC-03"}, headers=auth(token(app, "auditor")))
    assert r.status_code == 200, r.text
    accesses = [e for e in r.json()["items"] if e["aggregate_type"] == "PersonalDataAccess"]
    assert [(e["event_type"], e["actor_id"], e["rule_ids"]) for e in accesses] == [
        ("UnmaskedReadRecorded", "CC-007", ["RC-03"]),
        ("UnmaskedExportGranted", "aud-007", ["RC-03"]),
    ]
    assert [e["data"]["reason"] for e in accesses] == ["回访核实身份", "投诉调查 case 42"]
    assert [e["data"]["purpose"] for e in accesses] == ["read", "export"]
