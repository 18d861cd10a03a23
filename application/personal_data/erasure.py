"""Erasure of a data subject after retention (个人信息删除, RC-02 / RC-03).

``EraseSubject`` (CLI ``policytrail subjects erase``, ``POST /subjects/{subject}/erasure``):

1. the subject is a person, named by ID number or by the keyed subject id;
2. the events that hold the subject's sealed fields are found by the subject id they
   carry in clear (a pseudonym); the contracts the subject is party to, and their
   problem cases, are loaded from the events;
3. RC-02 (``domain.retention``) refuses inside retention, naming the end date;
4. after retention, ``DataSubject.Erased`` is stored (who, when, why, the inputs),
   then the data keys are destroyed: the subject's own key, and the keys of the
   aggregates about the policies the subject holds (contact changes, call records,
   work orders) and of the phone numbers the subject used. Events are not touched
   (RC-01); their personal fields read as ``[已删除 erased]`` from then on.

Running it again for an erased subject destroys the keys again and answers the first
result (a crash between the event and the key destruction is repaired that way).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg.rows import tuple_row
from pydantic import Field

from application.messages import Command
from application.personal_data.migration import legacy_rows
from application.unit_of_work import UnitOfWork
from domain.complaint import Complaint
from domain.policy import Policy
from domain.retention import ContractFacts, DataSubject, DisputeFacts, Retention, add_months
from domain.shared.actor import Actor
from domain.shared.errors import AlreadyExists, InvalidInput
from domain.shared.time import business_date
from domain.shared.values import id_number
from domain.work_order import WorkOrder

if TYPE_CHECKING:
    from application.engine import TrailApplication
    from application.results import CommandResult

#: aggregates about a policy whose personal fields belong to its policyholder
_ABOUT_POLICY = ("domain.callback%", "domain.work_order%", "domain.service_case%", "domain.complaint%")


class EraseSubject(Command):
    """删除数据主体的个人信息 Erase a data subject's personal data (after RC-02 retention)."""

    importable = False  # keys are destroyed after the event: API and CLI only

    subject: str = Field(min_length=1, max_length=64, description="ID number 证件号码, or the subject id")
    reason: str = Field(min_length=1, max_length=500, description="why 删除原因")


def resolve_subject(app: TrailApplication, subject: str) -> UUID:
    try:
        return uuid.UUID(subject)
    except ValueError:
        return app.personal.ids.person(id_number(subject))


def _aggregates_with(
    app: TrailApplication, needles: list[bytes], topics: tuple[str, ...] = ("%",)
) -> dict[UUID, str]:
    """Originator id → topic of every aggregate whose stored events contain a needle."""
    if not needles:
        return {}
    with app.database.connect() as conn, conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute(
            f"SELECT DISTINCT ON (originator_id) originator_id, topic FROM {app.events_table} "
            "WHERE topic LIKE ANY(%s) AND ("
            + " OR ".join("position(%s::bytea in state) > 0" for _ in needles)
            + ")",
            (list(topics), *needles),
        ).fetchall()
    return dict(rows)


def _contract(policy: Policy) -> ContractFacts:
    f = policy.facts
    if policy.cancelled_on is not None:
        ended = policy.cancelled_on
    elif f.term.months is None:  # whole life: in force until a claim or surrender event
        ended = None
    else:
        ended = add_months(f.underwritten_on, f.term.months)
    return ContractFacts(policy.number, ended, f.term.over_one_year)


def _subject_of(app: TrailApplication, person: Any) -> UUID | None:
    return None if person is None else app.personal.ids.person(person.id_number)


def erase_subject(cmd: EraseSubject, uow: UnitOfWork) -> dict[str, Any]:
    app = uow.app
    if cmd.occurred_at is not None:
        raise InvalidInput(
            "an erasure happens now: occurred_at is not accepted", "删除以当前时间为准，不接受 occurred_at"
        )
    subject_id = resolve_subject(app, cmd.subject)
    left = legacy_rows(app)
    if left:  # the subject's fields are only found in sealed rows
        raise InvalidInput(
            f"{left:,} events use the former whole-event encryption: run policytrail keys migrate first",
            f"{left:,} 条事件仍为旧加密格式：请先运行 policytrail keys migrate",
        )
    if uow.find(DataSubject, subject_id) is not None:
        raise DataSubject.already_erased(subject_id)
    holding = _aggregates_with(app, [f'"_pd_":"{subject_id.hex}"'.encode()])
    if not holding:
        raise InvalidInput(
            f"no personal data of subject {subject_id}", f"未找到数据主体 {subject_id} 的个人信息"
        )
    held, party = [], []
    for aggregate_id, topic in holding.items():
        if topic.startswith("domain.policy:"):
            policy = uow.get(Policy, aggregate_id)
            party.append(policy)
            if _subject_of(app, policy.facts.policyholder) == subject_id:
                held.append(policy)
    numbers = lambda policies: [f'"policy_number":"{p.number}"'.encode() for p in policies]  # noqa: E731
    related = _aggregates_with(app, numbers(party), _ABOUT_POLICY)
    disputes = []
    for aggregate_id, topic in related.items():
        if topic.startswith("domain.work_order"):
            wo = uow.get(WorkOrder, aggregate_id)
            closed = business_date(wo.closed_at) if wo.closed_at is not None else None
            disputes.append(DisputeFacts(f"{wo.policy_number}/{aggregate_id}", closed))
        elif topic.startswith("domain.complaint"):  # a complaint is a dispute (SL-01e, RC-02)
            complaint = uow.get(Complaint, aggregate_id)
            disputes.append(DisputeFacts(f"{complaint.policy_number}/{aggregate_id}", complaint.ended_on))
    retention = Retention(tuple(_contract(p) for p in party), tuple(disputes))
    # Keys to destroy: aggregates holding the subject's fields, except policies the subject
    # is only insured on (their other fields are the policyholder's), and everything about
    # the policies the subject holds.
    others = {p.id for p in party} - {p.id for p in held}
    erased = {a for a in holding if a not in others} | set(
        _aggregates_with(app, numbers(held), _ABOUT_POLICY)
    )
    subject = DataSubject.erase(
        subject_id, retention, cmd.reason, sorted(erased), business_date(app.clock.now()), uow.ctx
    )
    uow.add(subject)
    return {
        "subject_id": str(subject_id),
        "rule_id": "RC-02",
        "retention_end": retention.ends_on.isoformat() if retention.ends_on else None,
        "erased_aggregates": len(erased),
    }


def destroy_keys(app: TrailApplication, subject_id: UUID) -> int:
    """After ``DataSubject.Erased`` is stored: the subject's key and those of the
    aggregates it names are destroyed."""
    erased = next(e for e in app.events.get(subject_id) if isinstance(e, DataSubject.Erased))
    keys = [subject_id] + [app.personal.ids.aggregate(UUID(a)) for a in erased.erased_aggregates]
    return app.personal.keys.destroy(keys)


def erase(app: TrailApplication, subject: str, reason: str, actor: Actor) -> tuple[CommandResult, int]:
    """Store the erasure (or refuse it, RC-02), then destroy the keys. An erased
    subject's keys are destroyed again and ``AlreadyExists`` raised."""
    subject_id = resolve_subject(app, subject)
    try:
        result = app.execute(EraseSubject(subject=subject, reason=reason), actor)
    except AlreadyExists:
        destroy_keys(app, subject_id)
        raise
    return result, destroy_keys(app, subject_id)
