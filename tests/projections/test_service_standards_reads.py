"""SL scorecards and worklists at a realistic size: 1 200 complaints of 40 agents, 300
claims of 3 branches, renewal series of 50 policies; counts checked against the generator
(queries, the scorecards projection and the worklist / scorecard GETs with their scopes)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from application.branches import RegisterBranch
from application.claims import DispatchClaim, ExcludeClaimStep, RecordClaimStep, ReportClaim
from application.complaints import AcknowledgeComplaint, DecideComplaint, ReceiveComplaint
from application.renewals import OpenRenewalReminders, RecordRenewalReminder
from domain.parameters import RuleParameters
from domain.shared.time import SHANGHAI
from projections.scorecards.claim_queries import claim_scorecards
from projections.scorecards.complaint_queries import AgentComplaints
from projections.scorecards.queries import Rate, agent_scorecards
from projections.timeliness.service_queues import ServiceQueue, service_queue
from projections.timeliness.service_standard_queries import (
    claim_timeliness,
    complaints_per_agent,
    renewal_reminders_due,
)
from tests import factories
from tests.api_support import auth, client, token
from tests.read_model_steps import ACTOR, catch_up, private_app, reading

PARAMS = RuleParameters()
BRANCHES = ("北京分公司", "上海分公司", "广州分公司")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def run(app, commands) -> None:
    for start in range(0, len(commands), 300):
        results = app.execute_many(commands[start : start + 300], ACTOR)
        failed = [r for r in results if isinstance(r, Exception)]
        assert not failed, failed[:3]


@pytest.fixture(scope="module")
def history(database):
    with private_app(database) as app:
        complaints, decisions = [], []
        for i in range(1200):
            agent = f"A{i % 40:04d}"
            misleading = i % 3 == 0
            at = T0 + timedelta(minutes=i)
            complaints.append(
                ReceiveComplaint(
                    complaint_no=f"TS{i:05d}", channel="电话", category="销售误导" if misleading else "服务",
                    customer=f"客户{i}", branch=BRANCHES[i % 3], policy_number=f"P2026{i:06d}",
                    agent_code=agent, summary="…", occurred_at=at,
                )
            )  # fmt: skip
            if i % 2 == 0:  # decided: on day 10, or late on day 16 for every 10th
                decisions.append(
                    AcknowledgeComplaint(complaint_no=f"TS{i:05d}", occurred_at=at + timedelta(hours=1))
                )
                late = i % 10 == 0
                decisions.append(
                    DecideComplaint(
                        complaint_no=f"TS{i:05d}", outcome="不支持", summary="…",
                        occurred_at=at + timedelta(days=16 if late else 10),
                    )
                )  # fmt: skip
        claims = []
        for i in range(300):
            no, at = f"CL{i:05d}", T0 + timedelta(minutes=3 * i)
            claims += [
                ReportClaim(
                    claim_no=no, line="车险", branch=BRANCHES[i % 3], customer="客户", occurred_at=at
                ),
                DispatchClaim(
                    claim_no=no, handler_id=f"SV{i % 6:02d}", occurred_at=at + timedelta(minutes=1)
                ),
                RecordClaimStep(
                    claim_no=no, step="联系客户", occurred_at=at + timedelta(minutes=7 if i % 4 == 0 else 3)
                ),
            ]
            if i % 5 == 0:
                claims.append(
                    ExcludeClaimStep(
                        claim_no=no,
                        step="到达现场",
                        reason="交通环境",
                        occurred_at=at + timedelta(minutes=20),
                    )
                )
        renewals = []
        for i in range(50):
            key = {"policy_number": f"R2026{i:06d}", "expiry_on": date(2026, 4, 1) + timedelta(days=i % 10)}
            renewals.append(
                OpenRenewalReminders(**key, agent_code=f"A{i % 5:04d}", branch="北京分公司", occurred_at=T0)
            )
            if i % 2 == 0:
                first_due = key["expiry_on"] - timedelta(days=30)
                renewals.append(
                    RecordRenewalReminder(**key, occurred_at=datetime.combine(first_due, T0.timetz()))
                )
        setup = [RegisterBranch(name=b) for b in BRANCHES] + [factories.register_agent("A0001")]
        run(app, setup + complaints + decisions + claims + renewals)
        catch_up(app, "timeliness", "scorecards")
        yield app


def test_sl01f_complaints_per_agent_scorecard(history):
    with reading(history) as conn:
        rows = complaints_per_agent(
            conn, history.settings.read_schema, received_from=T0, received_to=T0 + timedelta(days=1)
        )
    assert len(rows) == 40 and sum(r.complaints for r in rows) == 1200
    expected = Counter(f"A{i % 40:04d}" for i in range(1200) if i % 3 == 0)
    assert {r.agent_code: r.misleading for r in rows} == dict(expected)
    a0 = next(r for r in rows if r.agent_code == "A0000")  # i = 0, 40, …, 1160
    assert (a0.complaints, a0.open, a0.decided_late) == (30, 0, 30)  # multiples of 40: all late


def test_sl03_claim_timeliness_per_branch_and_handler(history):
    now = T0 + timedelta(days=2)
    with reading(history) as conn:
        by_branch = claim_timeliness(conn, history.settings.read_schema, now=now, params=PARAMS)
        by_handler = claim_timeliness(
            conn, history.settings.read_schema, now=now, params=PARAMS, group_by="agent_code"
        )
    assert [r.key for r in by_branch] == sorted(BRANCHES)
    bj = next(r for r in by_branch if r.key == "北京分公司")  # i % 3 == 0: 100 claims
    late_contacts = sum(1 for i in range(300) if i % 3 == 0 and i % 4 == 0)
    excluded = sum(1 for i in range(300) if i % 3 == 0 and i % 5 == 0)
    assert (bj.counts.closed_late, bj.counts.closed_on_time) == (late_contacts, 100 - late_contacts)
    assert (bj.excluded, bj.counts.overdue) == (excluded, 100 - excluded)  # on site never recorded
    assert len(by_handler) == 6 and sum(r.excluded for r in by_handler) == 60


def test_sl02_agent_worklist_shows_the_reminders_due_and_not_made(history):
    now = datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI)  # first reminders due 03-02..03-11
    with reading(history) as conn:
        due = renewal_reminders_due(
            conn, history.settings.read_schema, now=now, params=PARAMS, agent_code="A0001"
        )
    # agent A0001 has i = 1, 6, 11, …: odd i made no reminder; expiry 04-01 + i % 10 days
    expected = sorted(
        (date(2026, 4, 1) + timedelta(days=i % 10) - timedelta(days=30), f"R2026{i:06d}")
        for i in range(50)
        if i % 5 == 1 and i % 2 == 1 and date(2026, 4, 1) + timedelta(days=i % 10 - 30) <= now.date()
    )
    assert sorted((r.due_at.astimezone(SHANGHAI).date(), r.policy_number) for r in due) == expected
    assert expected and all(r.rule_id == "SL-02b" and r.agent_code == "A0001" for r in due)


# ----- scorecards projection (SL-01f, SL-03) -------------------------------------------------------
def expected_complaints(agent: int, overdue: bool) -> AgentComplaints:
    mine = [i for i in range(1200) if i % 40 == agent]
    decided = [i for i in mine if i % 2 == 0]
    late = [i for i in decided if i % 10 == 0]  # decided on day 16: past SL-01c's 15 days
    return AgentComplaints(
        received=len(mine),
        misleading=sum(1 for i in mine if i % 3 == 0),  # 销售误导 counts against the selling agent
        open=len(mine) - len(decided),
        overdue=len(mine) - len(decided) if overdue else 0,
        decided_late=len(late),
    )


def test_sl01f_agent_scorecards_carry_the_complaints_column_group(history):
    schema = history.settings.read_schema
    late_now = datetime(2026, 3, 20, 12, 0, tzinfo=SHANGHAI)  # every 15-day deadline has passed
    early_now = datetime(2026, 3, 5, 12, 0, tzinfo=SHANGHAI)  # none has
    with reading(history) as conn:
        late = agent_scorecards(conn, schema, month="2026-03", now=late_now, params=PARAMS, limit=500)
        early = agent_scorecards(conn, schema, month="2026-03", now=early_now, params=PARAMS, limit=500)
        april = agent_scorecards(conn, schema, month="2026-04", now=late_now, params=PARAMS)
        bj = agent_scorecards(
            conn, schema, month="2026-03", now=late_now, params=PARAMS, branch=BRANCHES[0], limit=500
        )
    # agents without callbacks still get a scorecard when complaints name them
    assert late.total == 40 and [c.key for c in late.items] == [f"A{k:04d}" for k in range(40)]
    assert {c.key: c.complaints for c in late.items} == {
        f"A{k:04d}": expected_complaints(k, overdue=True) for k in range(40)
    }
    assert {c.key: c.complaints for c in early.items} == {
        f"A{k:04d}": expected_complaints(k, overdue=False) for k in range(40)
    }
    assert april.total == 0  # received in March: counted in March only
    assert sum(c.complaints.received for c in bj.items) == 400  # i % 3 == 0: 北京分公司


def expected_claims(claims: list[int], now_after_all_deadlines: bool = True) -> dict[str, object]:
    # SL-03a: dispatched a minute after the report, contact 3 or 7 minutes after it: 2 / 6 min vs 5
    late = sum(1 for i in claims if (7 if i % 4 == 0 else 3) - 1 > 5)
    excluded = sum(1 for i in claims if i % 5 == 0)  # SL-03c 交通环境 on the on-site step
    overdue = len(claims) - excluded  # on site (SL-03b, 30 min) never recorded
    on_time = len(claims) - late
    return {
        "steps": 2 * len(claims),
        "done_on_time": on_time,
        "done_late": late,
        "open": 0,
        "overdue": overdue,
        "excluded": excluded,
        "on_time_rate": Rate.of(on_time, on_time + late + overdue),
        "rule_ids": ["SL-03a", "SL-03b"],
    }


def test_sl03_claim_scorecards_per_branch_and_handler(history):
    schema = history.settings.read_schema
    now = T0 + timedelta(days=2)
    with reading(history) as conn:
        by_branch = claim_scorecards(conn, schema, by="branch", month="2026-03", now=now)
        by_handler = claim_scorecards(conn, schema, by="handler_id", month="2026-03", now=now)
        one = claim_scorecards(conn, schema, by="handler_id", month="2026-03", now=now, branch=BRANCHES[1])
        before = claim_scorecards(conn, schema, by="branch", month="2026-03", now=T0)
        april = claim_scorecards(conn, schema, by="branch", month="2026-04", now=now)
    fields = list(expected_claims([]))
    assert [c.key for c in by_branch.items] == sorted(BRANCHES)
    for card in by_branch.items:
        b = BRANCHES.index(card.key)
        assert card.model_dump(include=set(fields)) == {
            k: (v.model_dump() if isinstance(v, Rate) else v)
            for k, v in expected_claims([i for i in range(300) if i % 3 == b]).items()
        }
    assert by_handler.total == 6
    for card in by_handler.items:
        h = int(card.key[2:])
        assert (card.steps, card.done_late, card.excluded) == tuple(
            expected_claims([i for i in range(300) if i % 6 == h])[k]
            for k in ("steps", "done_late", "excluded")
        )
    # handler SV01 works 上海分公司 (i % 6 == 1 → i % 3 == 1) and SV04 too
    assert [c.key for c in one.items] == ["SV01", "SV04"]
    # before any deadline passed, nothing open is overdue yet
    assert sum(c.overdue for c in before.items) == 0 and sum(c.open for c in before.items) == 300 - 60
    assert april.total == 0 and april.items == []


# ----- worklists (who must act next) ----------------------------------------------------------------
def test_sl_worklist_queries_list_what_is_open_for_whom(history):
    schema = history.settings.read_schema
    now = T0 + timedelta(days=2)
    with reading(history) as conn:

        def q(queue: ServiceQueue, **kw):
            return service_queue(conn, schema, queue, now=now, params=PARAMS, limit=500, **kw)

        complaints = q(ServiceQueue.COMPLAINTS, branch=BRANCHES[0])
        claims = q(ServiceQueue.CLAIMS, branch=BRANCHES[0], agent_code="SV00")
        care = q(ServiceQueue.CARE_CALLBACKS, branch=BRANCHES[0])
    # 北京分公司: i % 3 == 0; odd i never acknowledged nor decided: two obligations each
    assert complaints.total == 2 * sum(1 for i in range(1200) if i % 3 == 0 and i % 2 == 1)
    assert {r.rule_id for r in complaints.items} == {"SL-01b", "SL-01c"}
    dues = [r.due_at for r in complaints.items]
    assert dues == sorted(dues)  # earliest due first
    # SV00: i % 6 == 0; on site open unless excluded (i % 5 == 0): cancelled rows are not work
    assert claims.total == sum(1 for i in range(300) if i % 6 == 0 and i % 5 != 0)
    assert {(r.rule_id, r.detail, r.agent_code) for r in claims.items} == {("SL-03b", "到达现场", "SV00")}
    assert care.total == 100 and {r.rule_id for r in care.items} == {"SL-04a"}  # 车险 scene reports


PROBLEM = "application/problem+json"


def test_sl_worklist_and_scorecard_gets_are_scoped(history):
    http = client(history)
    admin = auth(token(history, "admin"))
    bj = auth(token(history, "branch", f"branch:{BRANCHES[0]}"))
    sh = auth(token(history, "branch", f"branch:{BRANCHES[1]}"))
    agent = auth(token(history, "agent", "agent:A0001"))
    own = http.get("/worklists/complaints?limit=500", headers=bj)
    assert own.status_code == 200 and own.json()["total"] == 400
    assert {i["branch"] for i in own.json()["items"]} == {BRANCHES[0]}
    everyone = http.get("/worklists/complaints?limit=1", headers=admin).json()["total"]
    assert everyone == 2 * 600
    for path in (
        "/worklists/complaints",
        "/worklists/claims",
        "/worklists/care-callbacks",
        "/scorecards/claims",
    ):
        other = http.get(f"{path}?branch={BRANCHES[0]}", headers=sh)
        assert other.status_code == 403 and other.headers["content-type"] == PROBLEM, path
        refused = http.get(path, headers=agent)
        assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM, path
        # the refusal names no row of the branch asked for
        assert "TS0" not in other.text and "SV0" not in other.text
    no_agent = http.get("/worklists/renewal-reminders", headers=admin)
    assert no_agent.status_code == 400 and no_agent.headers["content-type"] == PROBLEM
    assert http.get("/worklists/renewal-reminders?agent_code=A0002", headers=agent).status_code == 403
    cards = http.get("/scorecards/claims?by=handler&month=2026-03", headers=admin).json()
    assert [c["key"] for c in cards["items"]] == [f"SV{h:02d}" for h in range(6)]
    assert http.get("/scorecards/claims?by=nobody", headers=admin).status_code in (400, 422)
    mine = http.get("/scorecards/claims?month=2026-03", headers=bj).json()["items"]
    assert [c["key"] for c in mine] == [BRANCHES[0]] and mine[0]["steps"] == 200
    a1 = http.get("/scorecards/agents?month=2026-03", headers=agent).json()["items"]
    assert [c["key"] for c in a1] == ["A0001"]
    assert a1[0]["complaints"] == expected_complaints(1, overdue=False).model_dump(mode="json")


def test_sl02_the_agents_own_reminder_list_over_http(history):
    clock = history.clock
    saved = clock.now()
    clock.set(datetime(2026, 3, 9, 12, 0, tzinfo=SHANGHAI))
    try:
        r = client(history).get(
            "/worklists/renewal-reminders", headers=auth(token(history, "agent", "agent:A0001"))
        )
    finally:
        clock.set(saved)
    assert r.status_code == 200, r.text
    # A0001: i % 5 == 1; even i made the first reminder; expiry 04-01 + i % 10 → first due 03-02 + i % 10
    expected = sorted(
        f"R2026{i:06d}"
        for i in range(50)
        if i % 5 == 1 and i % 2 == 1 and date(2026, 3, 2 + i % 10) <= date(2026, 3, 9)
    )
    assert sorted(i["policy_number"] for i in r.json()["items"]) == expected != []
