"""The audit_trail projection: one row per event, generic for every event type."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row

from application.policies import LapsePolicy, ReinstatePolicy
from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.time import SHANGHAI
from projections import registry
from projections.audit_trail.projection import text_array
from projections.live import LiveRunner
from projections.rebuild import rebuild
from tests import factories
from tests.projection_scenarios import (
    audit_positions,
    log_positions,
    policy_history,
    read_side,
    table_checksum,
)


class Gadget(TrailAggregate):
    """A type the audit trail has never heard of (events are added all the time)."""

    class Registered(TrailAggregate.Created):
        """小部件登记 Gadget registered; whatever it means (XX-01)."""

        class_version = 1
        policy_number: str
        servicer_code: str
        rule_ids: list[str]
        colour: str

    class Polished(TrailAggregate.Event):
        class_version = 1
        shine: int

    def __init__(self) -> None:
        pass


def catch_up(app: Any, **changes: Any) -> None:
    LiveRunner(read_side(app, **changes), registry.get("audit_trail")).run(catch_up_only=True)


def rows(app: Any, where: str = "true", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    schema = app.settings.read_schema
    with psycopg.connect(app.database.url, row_factory=dict_row) as conn:
        query = f'SELECT * FROM "{schema}".audit_trail WHERE {where} ORDER BY position'
        return conn.execute(query, params).fetchall()  # type: ignore[arg-type]


def one(found: list[dict[str, Any]], event_type: str) -> dict[str, Any]:
    matching = [r for r in found if r["event_type"] == event_type]
    assert len(matching) == 1, [r["event_type"] for r in found]
    return matching[0]


def test_every_event_has_exactly_one_row(app, actor):
    policy_history(app, actor)
    catch_up(app, batch_size=4)  # many small batches: creation lookups cross batches
    assert audit_positions(app) == log_positions(app)
    for row in rows(app):
        assert row["aggregate_type"] and row["event_type"] and row["topic"]
        assert row["summary_zh"] and row["summary_en"]
        assert row["occurred_at"] is not None and row["recorded_at"] is not None
        assert row["actor_id"] == "tester" and row["actor_role"] == "admin"
        assert row["command_id"]


def test_policy_rows(app, actor):
    policy_history(app, actor)
    issued = app.execute(factories.issue_policy("P2026000099"), actor)
    catch_up(app)
    policy = rows(app, "aggregate_type = 'Policy' AND business_key = %s", ("P2026000001",))
    assert [r["event_type"] for r in policy] == [
        "Issued",
        "ReceiptSigned",
        "ReceiptRegistered",
        "ContactChanged",
    ]
    first = one(policy, "Issued")
    assert first["policy_numbers"] == ["P2026000001"]
    assert first["agent_codes"] == ["A0001"]
    assert "保单承保" in first["summary_zh"] and "P2026000001" in first["summary_zh"]
    assert first["summary_en"].startswith("Policy issued (P2026000001)")
    assert first["data"]["facts"]["number"] == "P2026000001"
    assert first["data"]["facts"]["premium"] == "12000.00"  # money stays exact
    signed = one(policy, "ReceiptSigned")
    assert signed["rule_ids"] == ["CB-03"]
    assert signed["business_key"] == "P2026000001"  # inherited from the creation event
    assert signed["policy_numbers"] == ["P2026000001"]
    assert signed["agent_codes"] == []  # a policy's events do not carry its first agent
    assert signed["data"]["signed_on"] == "2026-03-01"
    assert signed["summary_zh"].startswith("回执签收（P2026000001）")
    assert signed["summary_en"].startswith("Receipt signed (P2026000001)")
    reassigned = one(rows(app, "business_key = 'P2026000002'"), "AgentReassigned")
    assert reassigned["agent_codes"] == ["A0001", "A0002"]
    assert "A0001 → A0002" in reassigned["summary_zh"]
    # The command id correlates a row with the command that caused it.
    by_command = rows(app, "command_id = %s", (issued.command_id,))
    assert [r["position"] for r in by_command] == issued.positions


def test_personal_data_is_masked(app, actor):
    policy_history(app, actor)
    catch_up(app)
    issued = one(rows(app, "business_key = 'P2026000001'"), "Issued")
    holder = issued["data"]["facts"]["policyholder"]
    assert holder["name"] == "张*"
    assert holder["id_number"] == "110***********0001"
    assert holder["phone"]["normalized"] == "138****0001"
    assert holder["address"].endswith("****") and holder["birthday"] == "****"
    registered = one(rows(app, "business_key = 'A0001'"), "Registered")
    assert registered["data"]["name"] == "李*"
    phone_rows = rows(app, "aggregate_type = 'ContactPoint'")
    assert {r["business_key"] for r in phone_rows} >= {"138****0001", "139****1111"}
    everything = str([(r["data"], r["summary_zh"], r["summary_en"]) for r in rows(app)])
    for secret in ("13812340001", "110101199001010001", "13900001111", "张三", "李四"):
        assert secret not in everything


def test_events_of_a_policy_of_an_agent_and_in_a_time_range(app, actor):
    policy_history(app, actor)
    catch_up(app)
    of_policy = rows(app, "policy_numbers @> ARRAY[%s]", ("P2026000001",))
    kinds = {(r["aggregate_type"], r["event_type"]) for r in of_policy}
    assert {("Policy", "Issued"), ("Policy", "ContactChanged")} <= kinds
    assert ("ContactPoint", "PolicyholderUseRecorded") in kinds  # other aggregates naming it
    assert all("P2026000002" not in r["policy_numbers"] for r in of_policy)
    of_agent = rows(app, "agent_codes @> ARRAY[%s]", ("A0001",))
    agent_kinds = {(r["aggregate_type"], r["event_type"]) for r in of_agent}
    assert {("Agent", "Registered"), ("Agent", "Departed"), ("Policy", "Issued")} <= agent_kinds
    assert ("Policy", "AgentReassigned") in agent_kinds
    citing = rows(app, "rule_ids @> ARRAY['DP-03']")
    assert any(r["event_type"] == "ContactChanged" for r in citing)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    in_range = rows(app, "occurred_at >= %s AND occurred_at < %s", (start, start + timedelta(hours=2)))
    assert len(in_range) == len(rows(app))  # the fixed clock: every event at 10:00
    assert rows(app, "occurred_at < %s", (start,)) == []


def test_a_late_entry_is_visible_as_such(app, actor):
    policy_history(app, actor)
    now = datetime.now(SHANGHAI)
    lapsed = app.execute(
        LapsePolicy(
            policy_number="P2026000002", lapsed_on=date(2026, 3, 5), occurred_at=now - timedelta(days=3)
        ),
        actor,
    )
    reinstated = app.execute(
        ReinstatePolicy(policy_number="P2026000002", reinstated_on=date(2026, 3, 6), occurred_at=now),
        actor,
    )
    catch_up(app)
    late = rows(app, "position = ANY(%s)", (lapsed.positions,))[0]
    on_time = rows(app, "position = ANY(%s)", (reinstated.positions,))[0]
    assert late["late_entry"] is True
    assert timedelta(days=3) <= late["entry_delay"] < timedelta(days=3, minutes=5)
    assert on_time["late_entry"] is False
    assert on_time["entry_delay"] < timedelta(minutes=5)


def test_unknown_event_types_are_recorded_generically(app, actor):
    ctx = Context(occurred_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), actor=actor, command_id="c-1")
    gadget = Gadget._start(
        Gadget.Registered,
        ctx,
        id=uuid.uuid4(),
        policy_number="P2026000007",
        servicer_code="S0001",
        rule_ids=["XX-01"],
        colour="blue",
    )
    gadget._record(Gadget.Polished, ctx, shine=3)
    app.save(gadget)
    catch_up(app)
    found = rows(app, "aggregate_type = 'Gadget'")
    registered, polished = found
    assert registered["business_key"] == "P2026000007"
    assert registered["policy_numbers"] == ["P2026000007"]
    assert registered["agent_codes"] == ["S0001"]
    assert registered["rule_ids"] == ["XX-01"]
    assert registered["summary_zh"] == "小部件登记（P2026000007）：colour=blue"
    assert registered["summary_en"] == "Gadget registered (P2026000007): colour=blue"
    assert registered["data"] == {
        "policy_number": "P2026000007",
        "servicer_code": "S0001",
        "rule_ids": ["XX-01"],
        "colour": "blue",
    }
    # No docstring: a title from the class name; key and policy inherited.
    assert polished["summary_en"] == "Polished (P2026000007): shine=3"
    assert polished["policy_numbers"] == ["P2026000007"]
    assert polished["agent_codes"] == []


def test_rows_do_not_depend_on_batch_boundaries(app, actor):
    policy_history(app, actor)
    catch_up(app, batch_size=1)  # one event per transaction
    one_by_one = table_checksum(app)
    rebuild(read_side(app, batch_size=1000), registry.get("audit_trail"))  # one transaction
    assert table_checksum(app) == one_by_one
    assert all(r["business_key"] for r in rows(app))  # every aggregate's key was found


class Gizmo(TrailAggregate):
    class Tuned(TrailAggregate.Created):
        """小器件调校 Gizmo tuned."""

        class_version = 1
        level: int

    def __init__(self) -> None:
        pass


def test_an_event_stored_under_an_older_class_version_is_recorded_upcast(app, actor, monkeypatch):
    ctx = Context(occurred_at=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), actor=actor, command_id="c-2")
    app.save(Gizmo._start(Gizmo.Tuned, ctx, id=uuid.uuid4(), level=3))  # stored as version 1
    # The code moved on: version 2 added a unit, with an upcaster for stored events.
    monkeypatch.setattr(Gizmo.Tuned, "class_version", 2)
    monkeypatch.setattr(
        Gizmo.Tuned, "upcast_v1_v2", staticmethod(lambda state: state.update(unit="级")), raising=False
    )
    catch_up(app)
    (row,) = rows(app, "aggregate_type = 'Gizmo'")
    assert row["data"] == {"level": 3, "unit": "级"}
    assert row["occurred_at"] == datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)


def test_text_array_literals_round_trip(app):
    values = ["plain", 'with "quotes"', "back\\slash", "a,b {c}", "中文"]
    with psycopg.connect(app.database.url) as conn:
        row = conn.execute("SELECT %s::text[]", (text_array(values),)).fetchone()
    assert row is not None and row[0] == values
