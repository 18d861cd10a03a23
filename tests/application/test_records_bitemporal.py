"""Two-axis reads of any aggregate (issue 15 point 1): business time, record time, version.

Expectations follow from RULES.md and the scenario, not from the answers: a callback
opened on 03-02 10:00 (CB-03), a call attempt on 03-04 entered first and one on
03-03 entered after it (a late entry 补录).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from application.app import PolicyTrail
from application.bitemporal import TimeAxes, timed_reader
from application.policies import ChangeContact, LapsePolicy, ReinstatePolicy
from domain.callback import Callback
from domain.policy import Policy
from tests import factories
from tests.api_support import BJ, SH, auth, client, seed_two_branches, token
from tests.callback_steps import at, attempt, open_callback

NUMBER = "P2026000009"
NOON_03_03 = "2026-03-03T12:00:00+08:00"


def _now() -> str:
    return datetime.now(UTC).isoformat()


@pytest.fixture
def late(app, actor):
    """Beijing callback of P2026000009; attempt 03-04 recorded, then attempt 03-03 (late)."""
    seed_two_branches(app)
    open_callback(app, actor, number=NUMBER)
    before_attempts = _now()
    attempt(app, at(4, 10), number=NUMBER)
    between = _now()
    attempt(app, at(3, 10), number=NUMBER)  # 补录: happened before the one recorded ahead of it
    c = client(app)
    return {
        "c": c,
        "h": auth(token(app, "auditor")),
        "before_attempts": before_attempts,
        "between": between,
    }


def _get(late, path="", **params):
    return late["c"].get(f"/callbacks/{NUMBER}{path}", params=params, headers=late["h"])


def _attempt_versions(late) -> tuple[int, int]:
    items = _get(late, "/history").json()["items"]
    attempts = [e for e in items if e["event"] == "Callback.AttemptRecorded"]
    assert [e["occurred_at"][:10] for e in attempts] == ["2026-03-04", "2026-03-03"]
    return attempts[0]["version"], attempts[1]["version"]


def test_now_shows_both_attempts_and_flags_the_late_entry(late):
    on_04, on_03 = _attempt_versions(late)
    r = _get(late)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "callback" and body["key"] == NUMBER
    assert body["state"]["attempts_total"] == 2 and body["state"]["status"] == "待回访"
    assert body["late_entries"] == [
        {
            "version": on_03,
            "occurred_at": "2026-03-03T10:00:00+08:00",
            "recorded_at": body["late_entries"][0]["recorded_at"],
            "late_after_version": on_04,
        }
    ]
    history = {e["version"]: e for e in _get(late, "/history").json()["items"]}
    assert history[on_03]["late_entry"] is True and history[on_03]["late_after_version"] == on_04
    assert [v for v, e in history.items() if e["late_entry"]] == [on_03]
    assert history[on_03]["recorded_at"] > history[on_04]["recorded_at"]


def test_business_time_skips_what_happened_later_and_includes_the_late_entry(late):
    on_04, on_03 = _attempt_versions(late)
    body = _get(late, as_of=NOON_03_03).json()
    # by 03-03 noon only the 03-03 attempt had happened; we know of it now (retroactively)
    assert body["state"]["attempts_total"] == 1
    assert body["state"]["cycle_results"] == ["无人接听"]
    assert body["skipped_versions"] == [on_04]
    assert [e["version"] for e in body["late_entries"]] == [on_03]
    assert body["axes"]["as_of"].startswith("2026-03-03T12:00:00")
    history = {e["version"]: e for e in _get(late, "/history", as_of=NOON_03_03).json()["items"]}
    assert history[on_04]["in_view"] is False and history[on_03]["in_view"] is True


def test_both_axes_answer_what_we_knew_then_about_then(late):
    # recorded by "between": only the 03-04 attempt was on record
    known_then = _get(late, recorded_as_of=late["between"]).json()
    assert known_then["state"]["attempts_total"] == 1 and known_then["late_entries"] == []
    # what we knew at "between" about 03-03 noon: no attempt yet (the late one was not entered)
    both = _get(late, as_of=NOON_03_03, recorded_as_of=late["between"]).json()
    assert both["state"]["attempts_total"] == 0 and both["state"]["cycle_results"] == []
    # ... and what we know now about 03-03 noon differs by exactly the late entry
    now_about_then = _get(late, as_of=NOON_03_03).json()
    assert now_about_then["state"]["attempts_total"] == 1
    history = _get(late, "/history", recorded_as_of=late["between"]).json()
    assert history["total"] == len(history["items"]) == known_then["latest_version"] - 1


def test_version_cut_and_the_404s_name_the_axis(late):
    on_04, _ = _attempt_versions(late)
    assert _get(late, version=on_04 - 1).json()["state"]["attempts_total"] == 0
    assert _get(late, version=on_04).json()["state"]["attempts_total"] == 1
    r = _get(late, version=99)
    assert r.status_code == 404 and "version 99" in r.json()["detail"]
    # the callback opened at 03-02 10:00 business time (receipt registered, CB-03)
    r = _get(late, as_of="2026-03-02T09:59:59+08:00")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert "business time" in r.json()["detail"] and "record time" not in r.json()["detail"]
    assert _get(late, as_of="2026-03-02T10:00:00+08:00").status_code == 200
    r = _get(late, recorded_as_of="2020-01-01T00:00:00+00:00")
    assert r.status_code == 404 and "record time" in r.json()["detail"]
    for path in ("/history", "/decisions"):
        assert _get(late, path, as_of="2026-03-01T00:00:00+08:00").status_code == 404
    r = _get(late, as_of="2026-03-03T12:00:00")  # naive: ambiguous
    assert r.status_code == 400 and "timezone" in r.json()["detail"]
    assert late["c"].get("/callbacks/P2099999999", headers=late["h"]).status_code == 404


def test_a_policy_imported_with_past_business_times_reads_at_those_times(app, actor):
    """The issue's complaint: as_of a business date of imported data answered 404."""
    seed_two_branches(app)  # P2026000001 issued with business time 2026-03-02 10:00 (the clock)
    c, h = client(app), auth(token(app, "auditor"))
    r = c.get("/policies/P2026000001", params={"as_of": "2026-03-02T10:00:00+08:00"}, headers=h)
    assert r.status_code == 200 and r.json()["version"] == 1
    r = c.get("/policies/P2026000001", params={"as_of": "2026-03-02T09:00:00+08:00"}, headers=h)
    assert r.status_code == 404 and "business time" in r.json()["detail"]


def test_scope_and_masking_follow_todays_rules(late, app):
    c = late["c"]
    # auditor: no read:personal-data → masked everywhere (RC-03), also in decisions
    for path in ("", "/decisions", "/history"):
        text = _get(late, path).text
        assert "13812346138" not in text and "110101199001011234" not in text and "张三" not in text
    assert _get(late).json()["state"]["phone"]["number"] == "138****6138"
    # call centre: read:personal-data, but unmasked only with a stated reason (RC-03)
    cc_token = token(app, "callcentre")
    cc = c.get(f"/callbacks/{NUMBER}", headers=auth(cc_token))
    assert cc.json()["state"]["phone"]["number"] == "138****6138"
    assert cc.json()["personal_data_masked"] is True
    cc = c.get(f"/callbacks/{NUMBER}", params={"access_reason": "回访 callback"}, headers=auth(cc_token))
    assert cc.json()["state"]["phone"]["number"] == "13812346138"
    assert cc.json()["personal_data_masked"] is False
    reads = [
        e
        for e in (app.mapper.to_domain_event(n) for n in app.notification_log.select(start=1, limit=10_000))
        if type(e).__qualname__ == "PersonalDataAccess.UnmaskedReadRecorded"
    ]
    assert [(r.resource, r.reason) for r in reads] == [(f"GET callback {NUMBER}", "回访 callback")]
    for role, scope, status in (
        ("branch", f"branch:{BJ}", 200),
        ("branch", f"branch:{SH}", 403),
        ("agent", "agent:A0001", 200),
        ("agent", "agent:B0001", 403),
    ):
        for path in ("", "/history", "/decisions"):
            r = c.get(f"/callbacks/{NUMBER}{path}", headers=auth(token(app, role, scope)))
            assert r.status_code == status, (role, scope, path, r.text)
            if status == 403:
                assert "13812346138" not in r.text and "2026-03" not in r.text
    assert c.get(f"/callbacks/{NUMBER}").status_code == 401


@pytest.mark.timeout(120)
def test_marks_are_read_once_and_follow_new_events(late, app):
    reader = timed_reader(app)
    cid = Callback.id_for(NUMBER)
    first = reader.read(Callback, cid, TimeAxes(), "callback")
    attempt(app, at(5, 10), number=NUMBER)  # third failed attempt: CA-02 closes the cycle
    again = reader.read(Callback, cid, TimeAxes(), "callback")
    assert again.latest_version > first.latest_version
    assert again.aggregate.attempts_total == 3
    assert len(reader.marks(cid)) == again.latest_version


@pytest.mark.timeout(300)
def test_snapshots_give_the_same_state_as_a_full_replay_at_every_instant(settings, database, clock, actor):
    """Snapshots cover only prefixes wholly inside the chosen events; with a late entry
    the reader must fall back to an older snapshot (or none), never show a later fact."""
    snapshotting = PolicyTrail(
        settings=settings.model_copy(update={"snapshot_interval": 3}), database=database, clock=clock
    )
    plain = PolicyTrail(settings=settings, database=database, clock=clock)
    try:
        snapshotting.execute(factories.issue_policy("P2026000001"), actor)
        day = date(2026, 3, 10)
        for i in range(12):  # lapse / reinstate on successive business days
            when = at(day.day + i, 10)
            cmd = (
                LapsePolicy(policy_number="P2026000001", lapsed_on=(day + timedelta(i)), occurred_at=when)
                if i % 2 == 0
                else ReinstatePolicy(
                    policy_number="P2026000001", reinstated_on=(day + timedelta(i)), occurred_at=when
                )
            )
            snapshotting.execute(cmd, actor)
        # a contact change that happened on 03-11 09:00, entered last (a late entry)
        snapshotting.execute(
            ChangeContact(policy_number="P2026000001", phone="13911112222", occurred_at=at(11, 9)), actor
        )
        pid = Policy.id_for("P2026000001")
        assert list(snapshotting.snapshots.get(pid)), "snapshots were taken"
        fast, slow = timed_reader(snapshotting), timed_reader(plain)
        for day_no in range(3, 24):
            for hour in (9, 10, 11):
                axes = TimeAxes(as_of=at(day_no, hour))
                a = fast.read(Policy, pid, axes, "policy")
                b = slow.read(Policy, pid, axes, "policy")
                assert (a.applied, a.aggregate.status, a.aggregate.holder_phone) == (
                    b.applied,
                    b.aggregate.status,
                    b.aggregate.holder_phone,
                ), axes
        late_view = fast.read(Policy, pid, TimeAxes(as_of=at(11, 9, 30)), "policy")
        assert late_view.aggregate.holder_phone.normalized == "13911112222"  # retroactive
        assert late_view.late_entries and late_view.late_entries[0].version == late_view.latest_version
        # 03-10 10:00 lapsed, 03-11 10:00 reinstated: at 03-11 09:30 the policy is lapsed
        assert late_view.aggregate.lapsed_on == date(2026, 3, 10)
    finally:
        snapshotting.close()
        plain.close()
