"""Steps shared by the callback and work-order tests (commands through ``app.execute``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from application.app import PolicyTrail
from application.callbacks import (
    AnswerIn,
    CheckIdentity,
    RecordAnswers,
    RecordCallAttempt,
)
from application.policies import RegisterReceipt
from application.results import CommandResult
from application.work_orders import work_orders_for_policy
from domain.callback import Callback
from domain.shared.actor import Actor
from domain.shared.time import SHANGHAI
from domain.work_order import WorkOrder
from tests import factories

CALLCENTRE = Actor(id="cc-001", role="callcentre")
BRANCH = Actor(id="br-001", role="branch")
MANAGER = Actor(id="mgr-001", role="manager")


def at(day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2026) -> datetime:
    """A Shanghai business time in March 2026 unless told otherwise."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def open_callback(
    app: PolicyTrail,
    actor: Actor,
    number: str = "P2026000001",
    signed_on: date = date(2026, 3, 2),
    registered_on: date = date(2026, 3, 2),
    registered_at: datetime | None = None,
    **policy: Any,
) -> CommandResult:
    """Issue a policy and register its signed receipt: the callback becomes due (CB-03)."""
    if registered_at is not None:  # a story in the past: issued then too (RC-01b)
        policy.setdefault("occurred_at", registered_at)
    app.execute(factories.issue_policy(number, **policy), actor)
    return app.execute(
        RegisterReceipt(
            policy_number=number,
            signed_on=signed_on,
            registered_on=registered_on,
            occurred_at=registered_at or at(2, 10),
        ),
        actor,
    )


def callback(app: PolicyTrail, number: str = "P2026000001") -> Callback:
    return app.get(Callback, Callback.id_for(number))


def work_order(app: PolicyTrail, work_order_id: Any) -> WorkOrder:
    return app.get(WorkOrder, work_order_id)


def attempt(
    app: PolicyTrail,
    when: datetime,
    result: str = "无人接听",
    number: str = "P2026000001",
    actor: Actor = CALLCENTRE,
    **fields: Any,
) -> CommandResult:
    fields.setdefault("recording_ref", f"REC-{number}-{when:%m%d%H%M}")
    return app.execute(
        RecordCallAttempt(policy_number=number, result=result, occurred_at=when, **fields), actor
    )


def reach(
    app: PolicyTrail, when: datetime, number: str = "P2026000001", identity: str = "通过"
) -> CommandResult:
    """A reached call and the identity check (CB-02)."""
    attempt(app, when, "接通本人", number)
    return app.execute(CheckIdentity(policy_number=number, result=identity, occurred_at=when), CALLCENTRE)


def answers(items: list[str], **overrides: dict[str, Any] | str) -> list[AnswerIn]:
    """All items answered "是", except the overrides: {item: "否"} or {item: {...fields}}."""
    result = []
    for item in items:
        override = overrides.get(item)
        if override is None:
            result.append(AnswerIn(item=item, response="是"))
        elif isinstance(override, str):
            result.append(AnswerIn(item=item, response=override))
        else:
            result.append(AnswerIn(item=item, **override))
    return result


def answer_all(
    app: PolicyTrail,
    when: datetime,
    number: str = "P2026000001",
    **overrides: dict[str, Any] | str,
) -> CommandResult:
    items = callback(app, number).question_items
    return app.execute(
        RecordAnswers(policy_number=number, answers=answers(items, **overrides), occurred_at=when),
        CALLCENTRE,
    )


def topics(app: PolicyTrail, start: int = 1) -> list[str]:
    """Event topics in notification order, as ``Aggregate.Event`` names."""
    return [n.topic.split(":", 1)[1] for n in app.notification_log.select(start=start, limit=1000)]


def problem_case(app: PolicyTrail, actor: Actor, **overrides: Any) -> dict[str, WorkOrder]:
    """A reached callback whose answers raise problem cases; work orders by type."""
    open_callback(app, actor)
    reach(app, at(2, 10, 30))
    answer_all(app, at(2, 10, 40), **overrides)
    return {w.work_order_type: w for w in work_orders_for_policy(app, "P2026000001")}
