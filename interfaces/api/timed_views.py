"""Answers of the two-axis reads (双时间轴): any aggregate's state, history and decisions.

State is shown generically: the aggregate's public attributes as JSON. Personal data
is masked for roles without ``read:personal-data`` (RC-03): persons and phone numbers
by type, and fields whose names hold contact or identity data by name.

A decision is an event that records a rule's verdict (it carries ``rule_id`` or
``rule_ids``). Its **outcome** is what the event writes into the aggregate's state
(the event's fields that name a state attribute, directly or as ``outcome_<name>``);
its **inputs** are the rest of what the event recorded (and its explicit ``inputs``
when it has them).
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from application.bitemporal import EventMark, TimedRead, rule_ids_of
from domain.rule_catalogue import rule_text
from domain.shared.actor import Actor
from domain.shared.masking import mask_birthday, masker_for
from domain.shared.values import Person, PhoneNumber, mask_id_number
from interfaces.api.views import AgentView, PolicyView, event_title, mask_address, mask_name

#: event / state fields that are metadata, not business data
_META = {"originator_id", "originator_version", "originator_topic", "timestamp", "occurred_at", "actor"}
_META_DECISION = _META | {"command_id", "rule_id", "rule_ids", "inputs"}


def _phone(phone: PhoneNumber, masked: bool) -> dict[str, Any]:
    return {
        "number": phone.masked() if masked else phone.normalized,
        "usable": phone.usable,
        "problem": phone.problem,
    }


def _masked_field(key: str | None, value: Any) -> tuple[bool, Any]:
    """(True, masked value) when ``key`` names personal data: the one masking home
    decides which fields and how (``domain.shared.masking``, RC-03)."""
    masker = masker_for(key) if key else None
    if masker is None:
        return False, value
    if masker is mask_birthday and isinstance(value, date):
        return True, None
    if not isinstance(value, str) or not value:
        return False, value
    return True, masker(value)


def to_json(value: Any, masked: bool, key: str | None = None) -> Any:
    """A JSON-ready copy of a state or event value, personal data masked when asked."""
    if masked:
        hit, out = _masked_field(key, value)
        if hit:
            return out
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, str):
        return value
    if isinstance(value, PhoneNumber):
        return _phone(value, masked)
    if isinstance(value, Person):
        return {
            "name": mask_name(value.name) if masked else value.name,
            "id_number": mask_id_number(value.id_number) if masked else value.id_number,
            "birthday": None if masked else value.birthday.isoformat(),
            "phone": _phone(value.phone, masked),
            "address": mask_address(value.address) if masked else value.address,
        }
    if isinstance(value, Actor):
        return {"id": value.id, "role": value.role}
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name), masked, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {
            str(k): to_json(v, masked, key if isinstance(k, UUID | int) else str(k)) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [to_json(v, masked, key) for v in value]
    if isinstance(value, set | frozenset):
        return [to_json(v, masked, key) for v in sorted(value, key=str)]
    return str(value)


def state_of(aggregate: Any, masked: bool) -> dict[str, Any]:
    """The aggregate's public state (attributes not starting with ``_``)."""
    return {k: to_json(v, masked, k) for k, v in vars(aggregate).items() if not k.startswith("_")}


class Axes(BaseModel):
    as_of: datetime | None = Field(None, description="business time 业务时间 asked for")
    recorded_as_of: datetime | None = Field(None, description="record time 记录时间 asked for")
    version: int | None = Field(None, description="version cut asked for")


class LateEntry(BaseModel):
    """补录 An event recorded after an event whose business time is later."""

    version: int
    occurred_at: datetime | None
    recorded_at: datetime
    late_after_version: int = Field(description="the earlier-recorded version that happened after it")


class RuleRef(BaseModel):
    """A rule from the catalogue (规则目录)."""

    rule_id: str = Field(examples=["PC-02"])
    title_zh: str | None
    title_en: str | None
    text_zh: str | None
    text_en: str | None

    @classmethod
    def of(cls, rule_id: str) -> RuleRef:
        rule = rule_text(rule_id)
        if rule is None:
            return cls(rule_id=rule_id, title_zh=None, title_en=None, text_zh=None, text_en=None)
        return cls(
            rule_id=rule_id,
            title_zh=rule.title_zh,
            title_en=rule.title_en,
            text_zh=rule.text_zh,
            text_en=rule.text_en,
        )


_DECISION_EXAMPLE: dict[str, Any] = {
    "version": 1,
    "event": "WorkOrder.Created",
    "title": "工单生成 Work order created from a callback outcome (PC-01, PC-02).",
    "rules": [
        {
            "rule_id": "PC-02",
            "title_zh": "问题件处理时限",
            "title_en": "Work-order deadlines",
            "text_zh": "自生成起：核实件……7 个自然日（可配置）；销售误导件 15 个工作日。",
            "text_en": "Deadlines from creation: 7 natural days for 核实件, …",
        }
    ],
    "inputs": {"created_on": "2026-03-05", "deadline_basis": "自然日", "deadline_days": 7},
    "outcome": {"work_order_type": "核实件", "deadline_on": "2026-03-12"},
    "occurred_at": "2026-03-05T10:00:00+08:00",
    "recorded_at": "2026-03-05T02:00:03.120000Z",
    "late_entry": False,
    "actor_id": "cc-001",
    "actor_role": "callcentre",
    "command_id": "7a1c2d9e-attempt-3",
}


class Decision(BaseModel):
    """决定 One decision event: the rules, what they used, what they decided, when, who."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DECISION_EXAMPLE]})

    version: int
    event: str = Field(examples=["WorkOrder.Created"])
    title: str = Field(description="what was decided (中文 English)")
    rules: list[RuleRef]
    inputs: dict[str, Any] = Field(description="what the rule used")
    outcome: dict[str, Any] = Field(description="what the decision set on the aggregate")
    occurred_at: datetime | None = Field(description="business time 业务时间")
    recorded_at: datetime = Field(description="record time 记录时间")
    late_entry: bool
    actor_id: str | None
    actor_role: str | None
    command_id: str | None


class TimedHistoryEntry(BaseModel):
    """One stored event with both times, its late-entry flag and its place in the view."""

    version: int
    event: str = Field(examples=["Callback.AttemptRecorded"])
    title: str
    rule_id: str | None = Field(None, description="the first rule id (as in the older history)")
    rule_ids: list[str]
    occurred_at: datetime | None = Field(description="business time 业务时间")
    recorded_at: datetime = Field(description="record time 记录时间")
    late_entry: bool = Field(description="补录: recorded after an event that happened later")
    late_after_version: int | None
    in_view: bool = Field(description="part of the state on the asked axes (false: happened after as_of)")
    actor_id: str | None
    actor_role: str | None
    command_id: str | None


class AggregateRecord(BaseModel):
    """An aggregate on the asked axes, with the events behind it and its decisions."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "callback",
                    "kind_zh": "回访",
                    "key": "P2026000009",
                    "id": "634ca46a-f5e5-53b0-b851-377981a677a8",
                    "version": 4,
                    "latest_version": 4,
                    "axes": {"as_of": "2026-03-03T12:00:00+08:00", "recorded_as_of": None, "version": None},
                    "state": {"status": "待回访", "attempts_total": 1, "cycle_results": ["无人接听"]},
                    "began_at": "2026-03-02T10:00:00+08:00",
                    "created_at": "2026-03-02T02:00:00.100000Z",
                    "modified_at": "2026-03-04T03:00:00.200000Z",
                    "applied_versions": 3,
                    "skipped_versions": [3],
                    "late_entries": [
                        {
                            "version": 4,
                            "occurred_at": "2026-03-03T10:00:00+08:00",
                            "recorded_at": "2026-03-04T03:00:00.200000Z",
                            "late_after_version": 3,
                        }
                    ],
                    "decisions_total": 3,
                    "decisions": [],
                    "personal_data_masked": True,
                }
            ]
        }
    )

    kind: str = Field(examples=["callback"])
    kind_zh: str = Field(examples=["回访"])
    key: str = Field(examples=["P2026000001"])
    id: UUID
    version: int = Field(description="last version applied to the shown state")
    latest_version: int
    axes: Axes
    state: dict[str, Any]
    began_at: datetime | None = Field(description="business time of its first event")
    created_at: datetime = Field(description="record time of its first event")
    modified_at: datetime = Field(description="record time of the last applied event")
    applied_versions: int = Field(description="how many events make up the shown state")
    skipped_versions: list[int] = Field(description="recorded by the cut but happening after as_of")
    late_entries: list[LateEntry] = Field(description="applied late entries: the retroactive part")
    decisions_total: int = Field(description="decisions in the shown state (all at …/decisions)")
    decisions: list[Decision] = Field(description="the latest decisions, oldest first")
    personal_data_masked: bool


def _actor(event: Any) -> tuple[str | None, str | None]:
    actor = getattr(event, "actor", None)
    return getattr(actor, "id", None), getattr(actor, "role", None)


def decision_of(event: Any, mark: EventMark, state_keys: set[str], masked: bool) -> Decision:
    data = {k: v for k, v in vars(event).items() if k not in _META_DECISION}
    # a field sets state when the state has it by name (or as ``outcome_<name>``)
    sets = {k for k in data if k in state_keys or f"outcome_{k}" in state_keys}
    outcome = {k: to_json(v, masked, k) for k, v in data.items() if k in sets}
    inputs = {k: to_json(v, masked, k) for k, v in data.items() if k not in sets}
    explicit = getattr(event, "inputs", None)
    if isinstance(explicit, dict):
        inputs = {**{k: to_json(v, masked, k) for k, v in explicit.items()}, **inputs}
    actor_id, actor_role = _actor(event)
    return Decision(
        version=event.originator_version,
        event=type(event).__qualname__,
        title=event_title(type(event)),
        rules=[RuleRef.of(r) for r in rule_ids_of(event)],
        inputs=inputs,
        outcome=outcome,
        occurred_at=getattr(event, "occurred_at", None),
        recorded_at=event.timestamp,
        late_entry=mark.late_entry,
        actor_id=actor_id,
        actor_role=actor_role,
        command_id=getattr(event, "command_id", None),
    )


def decision_versions(read: TimedRead) -> list[int]:
    """The versions of the decision events applied to the shown state, in order."""
    applied = set(read.applied)
    return [m.version for m in read.marks if m.version in applied and m.rule_ids]


def decisions_of(events: list[Any], read: TimedRead, masked: bool) -> list[Decision]:
    """``events`` (decision events of ``read``) as decisions, in order."""
    marks = {m.version: m for m in read.marks}
    keys = {k for k in vars(read.aggregate) if not k.startswith("_")}
    return [decision_of(e, marks[e.originator_version], keys, masked) for e in events]


def history_entry_of(event: Any, mark: EventMark, in_view: bool) -> TimedHistoryEntry:
    actor_id, actor_role = _actor(event)
    return TimedHistoryEntry(
        version=event.originator_version,
        event=type(event).__qualname__,
        title=event_title(type(event)),
        rule_id=next(iter(rule_ids_of(event)), None),
        rule_ids=list(rule_ids_of(event)),
        occurred_at=mark.occurred_at,
        recorded_at=mark.recorded_at,
        late_entry=mark.late_entry,
        late_after_version=mark.late_after,
        in_view=in_view,
        actor_id=actor_id,
        actor_role=actor_role,
        command_id=getattr(event, "command_id", None),
    )


def late_entries_of(read: TimedRead) -> list[LateEntry]:
    return [
        LateEntry(
            version=m.version,
            occurred_at=m.occurred_at,
            recorded_at=m.recorded_at,
            late_after_version=m.late_after or 0,
        )
        for m in read.late_entries
    ]


def axes_of(read: TimedRead) -> Axes:
    return Axes(as_of=read.axes.as_of, recorded_as_of=read.axes.recorded_as_of, version=read.axes.version)


def record_of(
    kind: str, kind_zh: str, key: str, read: TimedRead, decisions: list[Decision], masked: bool
) -> AggregateRecord:
    agg = read.aggregate
    first = read.marks[0]
    return AggregateRecord(
        kind=kind,
        kind_zh=kind_zh,
        key=key,
        id=agg.id,
        version=read.applied[-1],
        latest_version=read.latest_version,
        axes=axes_of(read),
        state=state_of(agg, masked),
        began_at=first.occurred_at,
        created_at=first.recorded_at,
        modified_at=read.marks[read.applied[-1] - 1].recorded_at,
        applied_versions=len(read.applied),
        skipped_versions=list(read.skipped),
        late_entries=late_entries_of(read),
        decisions_total=len(decision_versions(read)),
        decisions=decisions,
        personal_data_masked=masked,
    )


class TimedFields(BaseModel):
    """What a two-axis read adds to the policy and agent answers."""

    axes: Axes
    applied_versions: int = Field(description="how many events make up the shown state")
    skipped_versions: list[int] = Field(description="recorded by the cut but happening after as_of")
    late_entries: list[LateEntry] = Field(description="applied late entries: the retroactive part")
    decisions_total: int
    decisions: list[Decision] = Field(description="the latest decisions, oldest first")


class TimedPolicyView(PolicyView, TimedFields):
    """保单 A policy on the asked axes."""


class TimedAgentView(AgentView, TimedFields):
    """业务员 An agent on the asked axes."""


def timed_fields(read: TimedRead, decisions: list[Decision]) -> dict[str, Any]:
    return {
        "axes": axes_of(read),
        "applied_versions": len(read.applied),
        "skipped_versions": list(read.skipped),
        "late_entries": late_entries_of(read),
        "decisions_total": len(decision_versions(read)),
        "decisions": decisions,
    }
