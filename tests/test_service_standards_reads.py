"""SL scorecards and worklists at a realistic size: 1 200 complaints of 40 agents, 300
claims of 3 branches, renewal series of 50 policies; counts checked against the generator."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from application.claims import DispatchClaim, ExcludeClaimStep, RecordClaimStep, ReportClaim
from application.complaints import AcknowledgeComplaint, DecideComplaint, ReceiveComplaint
from application.renewals import OpenRenewalReminders, RecordRenewalReminder
from domain.parameters import RuleParameters
from domain.shared.time import SHANGHAI
from projections.queries.service_standards import (
    claim_timeliness,
    complaints_per_agent,
    renewal_reminders_due,
)
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
        run(app, complaints + decisions + claims + renewals)
        catch_up(app, "timeliness")
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
