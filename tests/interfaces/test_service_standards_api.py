"""SL-01..SL-04 over HTTP: problem+json with the rule id, branch scope, what errors reveal."""

from __future__ import annotations

import pytest

from application.branches import RegisterBranch
from domain.shared.actor import Actor
from tests.api_support import auth, client, token

PROBLEM = "application/problem+json"
COMPLAINT = {
    "complaint_no": "TS-1",
    "channel": "电话",
    "category": "服务",
    "customer": "张三",
    "branch": "北京分公司",
    "summary": "服务态度差",
    "occurred_at": "2026-03-02T09:00:00+08:00",
}


@pytest.fixture
def http(app):
    # branch tokens name a branch that exists (issue #11: a branch is a registered fact)
    for name in ("北京分公司", "上海分公司"):
        app.execute(RegisterBranch(name=name), Actor("seed", "admin"))
    return client(app)


def test_sl01_complaint_over_http_acknowledged_late_by_one_minute(app, http):
    headers = auth(token(app, "branch", "branch:北京分公司"))
    r = http.post("/complaints", json=COMPLAINT, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["result"]["ack_due_at"] == "2026-03-03T09:00:00+08:00"
    r = http.post(
        "/complaints/TS-1/acknowledgement", json={"occurred_at": "2026-03-03T09:01:00+08:00"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["result"]["acknowledgement_status"] == "逾期完成"


def test_sl01_rule_refusal_is_problem_json_naming_the_rule(app, http):
    headers = auth(token(app, "admin"))
    r = http.post("/complaints", json={**COMPLAINT, "category": "销售误导"}, headers=headers)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
    assert r.json()["rule"] == "SL-01f"


def test_sl01_another_branch_cannot_touch_or_probe_a_complaint(app, http):
    http.post("/complaints", json=COMPLAINT, headers=auth(token(app, "admin")))
    other = auth(token(app, "branch", "branch:上海分公司"))
    r = http.post("/complaints", json=COMPLAINT, headers=other)
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    touched = http.post("/complaints/TS-1/acknowledgement", json={}, headers=other)
    missing = http.post("/complaints/TS-404/acknowledgement", json={}, headers=other)
    assert touched.status_code == 403, touched.text
    # the refusal names neither the customer nor the owning branch (as for policies, a
    # 403 vs 404 still tells that the number exists: the API-wide scope rule)
    assert "张三" not in touched.text and "北京分公司" not in touched.text
    assert missing.status_code == 404 and "张三" not in missing.text


def test_sl03_claim_over_http_band_deadline_and_bad_amount(app, http):
    headers = auth(token(app, "admin"))
    claim = {"claim_no": "CL-1", "line": "车险", "tier": "VIP", "branch": "北京分公司", "customer": "李四"}
    assert (
        http.post(
            "/claims", json={**claim, "occurred_at": "2026-02-13T08:00:00+08:00"}, headers=headers
        ).status_code
        == 200
    )
    bad = http.post("/claims/CL-1/documents-complete", json={"claim_amount": "-1"}, headers=headers)
    assert bad.status_code == 400 and bad.headers["content-type"] == PROBLEM
    ok = http.post(
        "/claims/CL-1/documents-complete",
        json={"claim_amount": "5000.01", "occurred_at": "2026-02-13T10:00:00+08:00"},
        headers=headers,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["result"]["steps"]["核赔"]["due_at"] == "2026-02-24T23:59:59.999999+08:00"


def test_sl01_timeliness_by_kind_over_http_and_the_setting_from_the_environment(app, http, monkeypatch):
    from application.settings import load_settings
    from tests.read_model_steps import catch_up

    headers = auth(token(app, "admin"))
    http.post("/complaints", json=COMPLAINT, headers=headers)
    catch_up(app, "timeliness")
    r = http.get("/timeliness?kind=complaint_ack", headers=headers)
    assert r.status_code == 200, r.text
    assert [(i["rule_id"], i["due_at"]) for i in r.json()["items"]] == [("SL-01b", "2026-03-03T01:00:00Z")]
    monkeypatch.setenv("POLICYTRAIL_RULES__SERVICE_STANDARDS__COMPLAINT_ACK_HOURS", "48")
    assert load_settings().rules.service_standards.complaint_ack_hours == 48


def test_rc03_the_complainant_is_sealed_at_rest_and_masked_in_reads(app, http):
    """A complainant's name is personal data (RC-03): sealed in the event table, never in clear."""
    name = "欧阳娜娜"
    r = http.post("/complaints", json={**COMPLAINT, "customer": name}, headers=auth(token(app, "admin")))
    assert r.status_code == 200, r.text
    recorder = app.trail_recorder
    table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
    with app.database.connect() as conn:
        states = [bytes(s) for (s,) in conn.execute(f"SELECT state FROM {table}").fetchall()]
    assert states and not any(name.encode() in s for s in states)
    assert not any("欧阳".encode() in s for s in states)
