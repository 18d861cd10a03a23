"""Worklist queries (工作队列查询): call-centre queue, branch queue (OC-05), servicer queue
(PS-04), and the cycles that ran out (for ``policytrail tick``).

"Now" matters to every queue and is the caller's: attempts left in the running
cycle and the next allowed call window (CA-01 ``next_call_window`` of
``domain.callback.windows``), the OC-05 order (``queue_key``:
"last month" depends on today), PC-03 statuses (``obligation_status``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg.sql import SQL, Composed, Identifier

from domain.callback import CallbackStatus, CallResult, OutcomeClass
from domain.callback.queue import queue_key
from domain.callback.windows import next_call_window
from domain.parameters import CallbackParams, RuleParameters
from domain.policy import Channel, ProductType
from domain.service_case import CaseStatus, ServiceClass, ServiceSource
from domain.shared.calendar import WorkingDayCalendar
from domain.shared.labels import LabelledEnum
from domain.shared.time import business_date, end_of_day
from domain.work_order import WorkOrderType, obligation_status, warning_lead
from domain.work_order.types import ObligationStatus
from projections.querying import (
    DEFAULT_LIMIT,
    Label,
    ResultPage,
    Row,
    aware,
    cached_count,
    decode_cursor,
    encode_cursor,
    in_snapshot,
    keyset_paging,
    paging,
    position_after,
    query_fingerprint,
    read_position,
    subtype_label,
)
from projections.worklists.projection import CALLABLE_SQL, QUEUE_ORDER

#: callbacks the call centre works on (a cycle is running)
CALLABLE = (CallbackStatus.AWAITING_CALL.value, CallbackStatus.IN_CALL.value)  # CALLABLE_SQL


# ----- CA-01: the next allowed call window ----------------------------------------------------
class CallWindowSlot(Row):
    """The next moment calls are allowed (``start`` may be "now") and when that window ends."""

    start: datetime
    end: datetime
    day_kind: str  # 工作日 / 休息日


def _next_slot(
    after: datetime, params: CallbackParams, calendar: WorkingDayCalendar
) -> CallWindowSlot | None:
    """CA-01 ``next_call_window`` (the domain's), as a read-model row."""
    slot = next_call_window(after, params, calendar)
    return None if slot is None else CallWindowSlot(start=slot.start, end=slot.end, day_kind=slot.day_kind)


# ----- call-centre queue ----------------------------------------------------------------------
class CallRow(Row):
    """A callback to call (回访待呼): its cycle, attempts left and when it may be called."""

    callback_id: uuid.UUID
    policy_number: str
    branch: str
    channel: Label
    product_type: Label
    agent_code: str
    status: Label
    due_on: date  # cooling-off end (CB-03)
    days_left: int  # until the due day, from today (negative: past it)
    cycle: int
    second_cycle: bool  # re-opened after the branch resolved a 核实件 (PC-05, 二次回访)
    cycle_started_at: datetime
    cycle_ends_at: datetime
    attempts_allowed: int
    attempts_made: int
    attempts_left: int  # CA-02
    last_attempt_at: datetime | None
    last_result: Label | None
    agreed_call_at: datetime | None
    next_window: CallWindowSlot | None  # CA-01; None: no window before the cycle ends
    callable_now: bool
    # CA-02: the cycle ran out and the scheduler has not closed it yet (周期已满待关闭); it stays
    # listed until it is decided, so a callback is never in neither the queue nor an outcome
    cycle_expired: bool = False


@dataclass(frozen=True)
class CallFilters:
    branch: str | None = None
    channel: str | None = None
    agent_code: str | None = None
    policy_number: str | None = None


def _equals(filters: object, names: tuple[str, ...], args: dict[str, Any]) -> Composed:
    parts = []
    for name in names:
        value = getattr(filters, name)
        if value is not None:
            parts.append(SQL(" AND {} = %({})s").format(Identifier(name), SQL(name)))
            args[name] = value
    return SQL("").join(parts)


@in_snapshot
def call_centre_queue(
    conn: Connection[Any],
    schema: str,
    *,
    now: datetime,
    params: RuleParameters,
    calendar: WorkingDayCalendar,
    filters: CallFilters | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    cursor: str | None = None,
) -> ResultPage[CallRow]:
    """Callbacks awaiting a call (CA-02), earliest cooling-off end first.

    A cycle that ran out stays listed, marked ``cycle_expired`` and not callable, until
    the scheduler's ``CloseExpiredCycle`` decides it (see ``expired_cycles``): every
    undecided callback is somewhere. Approved special callbacks (SP-02) and callbacks
    with the branch are not here.

    Keyset paging (``cursor``) on the queue order, a range of a partial index of the
    callable callbacks (``projections.worklists.projection``); the total is a cached count.
    """
    limit, offset = keyset_paging(limit, offset, cursor)
    filters = filters or CallFilters()
    args: dict[str, Any] = {"now": aware(now), "limit": limit, "offset": offset}
    more = _equals(filters, ("branch", "channel", "agent_code", "policy_number"), args)
    bound = query_fingerprint("call_queue", filters)
    keyset = SQL("")
    if cursor is not None:
        after = decode_cursor(cursor, bound, (date, datetime, str, str))
        args |= {f"after{i}": v for i, v in enumerate(after)}
        keyset = SQL(" AND ({}) > (%(after0)s, %(after1)s, %(after2)s, %(after3)s::uuid)").format(
            SQL(QUEUE_ORDER)  # type: ignore[arg-type]
        )
    where = SQL("WHERE status IN {}{}").format(SQL(CALLABLE_SQL), more)  # type: ignore[arg-type]
    query = SQL(
        "SELECT * FROM {s}.worklist_callbacks {w}{k} ORDER BY {o} LIMIT %(limit)s OFFSET %(offset)s"
    ).format(s=Identifier(schema), w=where, k=keyset, o=SQL(QUEUE_ORDER))  # type: ignore[arg-type]
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, args)
        position = position_after(conn, schema, "worklists")  # with the rows, one round trip
        records = cur.fetchall()
    counting = SQL("SELECT count(*) FROM {}.worklist_callbacks {}").format(Identifier(schema), where)
    total = cached_count(
        ("call_queue", schema, bound),
        position(),
        lambda: int(conn.execute(counting, args).fetchone()[0]),  # type: ignore[index]
    )
    last = records[-1] if len(records) == limit else None
    next_cursor = (
        encode_cursor(
            bound,
            [last[c] for c in ("cooling_off_end", "cycle_ends_at", "policy_number")]
            + [str(last["callback_id"])],
        )
        if last
        else None
    )
    windows: dict[datetime, CallWindowSlot | None] = {}

    def window_after(moment: datetime) -> CallWindowSlot | None:
        if moment not in windows:
            windows[moment] = _next_slot(moment, params.callback, calendar)
        return windows[moment]

    items = [_call_row(r, now, window_after) for r in records]
    return ResultPage[CallRow].of(items, total, limit, offset, next_cursor, by_cursor=cursor is not None)


def _call_row(
    r: dict[str, Any], now: datetime, window_after: Callable[[datetime], CallWindowSlot | None]
) -> CallRow:
    expired = r["cycle_ends_at"] <= now
    earliest = max(now, r["agreed_call_at"]) if r["agreed_call_at"] else now
    slot = None if expired else window_after(earliest)
    if slot is not None and slot.start >= r["cycle_ends_at"]:
        slot = None
    left = max(r["attempts_allowed"] - r["attempts_in_cycle"], 0)
    return CallRow(
        callback_id=r["callback_id"],
        policy_number=r["policy_number"],
        branch=r["branch"],
        channel=Label.of(Channel, r["channel"]),
        product_type=Label.of(ProductType, r["product_type"]),
        agent_code=r["agent_code"],
        status=Label.of(CallbackStatus, r["status"]),
        due_on=r["cooling_off_end"],
        days_left=(r["cooling_off_end"] - business_date(now)).days,
        cycle=r["cycle"],
        second_cycle=r["sent_to_branch"],
        cycle_started_at=r["cycle_started_at"],
        cycle_ends_at=r["cycle_ends_at"],
        attempts_allowed=r["attempts_allowed"],
        attempts_made=r["attempts_in_cycle"],
        attempts_left=left,
        last_attempt_at=r["last_attempt_at"],
        last_result=Label.maybe(CallResult, r["last_result"]),
        agreed_call_at=r["agreed_call_at"],
        next_window=slot,
        callable_now=(
            slot is not None
            and slot.start == now
            and left > 0
            and r["status"] == CallbackStatus.AWAITING_CALL.value
        ),
        cycle_expired=expired,
    )


# ----- cycles that ran out (policytrail tick) ---------------------------------------------------
class ExpiredCycle(Row):
    """A call cycle that ended without an outcome (CA-02): ``CloseExpiredCycle`` is due."""

    callback_id: uuid.UUID
    policy_number: str
    branch: str
    cycle: int
    cycle_ends_at: datetime
    attempts_made: int
    status: Label


def expired_cycles(
    conn: Connection[Any], schema: str, *, at: datetime, limit: int | None = None
) -> list[ExpiredCycle]:
    """Callbacks whose running cycle ended at or before ``at`` (the domain's
    ``Callback.cycle_expired``), the longest expired first."""
    query = SQL(
        "SELECT callback_id, policy_number, branch, cycle, cycle_ends_at, attempts_in_cycle, status"
        " FROM {}.worklist_callbacks WHERE status = ANY(%s) AND cycle_ends_at <= %s"
        " ORDER BY cycle_ends_at, policy_number{}"
    ).format(Identifier(schema), SQL(" LIMIT %s") if limit is not None else SQL(""))
    args: list[Any] = [list(CALLABLE), aware(at, "at")]
    if limit is not None:
        args.append(limit)
    return [
        ExpiredCycle(
            callback_id=r[0],
            policy_number=r[1],
            branch=r[2],
            cycle=r[3],
            cycle_ends_at=r[4],
            attempts_made=r[5],
            status=Label.of(CallbackStatus, r[6]),
        )
        for r in conn.execute(query, args).fetchall()
    ]


# ----- branch work-order queue (OC-05) --------------------------------------------------------
class QueueGroup(LabelledEnum):
    """OC-05 groups of the branch queue, in order."""

    VERIFICATION = "核实件", "verifications"
    LAST_MONTH = "上月问题件/次标准件", "last month's problem cases"
    MONTH_BEFORE = "上上月问题件/次标准件", "problem cases of the month before"
    OLDER = "其他月份问题件/次标准件", "older problem cases"


_GROUPS = list(QueueGroup)


class BranchQueueRow(Row):
    """An open work order in the branch's queue, in OC-05 order (``rank`` from 1)."""

    rank: int
    queue_group: int  # OC-05: 0 核实件, 1 last month, 2 the month before, 3 older
    queue_group_label: Label
    work_order_id: uuid.UUID
    work_order_type: Label
    policy_number: str
    branch: str
    channel: Label
    agent_code: str
    handler_id: str
    source_class: Label
    source_subtype: Label | None
    sent_on: date
    deadline_at: datetime
    status: Label  # PC-03 at ``now``: 正常 / 警告 / 超时
    overdue_statement: bool  # PC-04
    escalated_from: uuid.UUID | None


def branch_work_queue(
    conn: Connection[Any],
    schema: str,
    *,
    branch: str,
    now: datetime,
    handler_id: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> ResultPage[BranchQueueRow]:
    """The branch's open work orders in OC-05 order (``queue_key``: group, earliest
    deadline, then id). The whole open queue of the branch is ordered, then paged."""
    limit, offset = paging(limit, offset)
    args: dict[str, Any] = {"branch": branch}
    more = SQL("")
    if handler_id is not None:
        more = SQL(" AND handler_id = %(handler_id)s")
        args["handler_id"] = handler_id
    query = SQL("SELECT * FROM {}.worklist_work_orders WHERE branch = %(branch)s{}").format(
        Identifier(schema), more
    )
    with conn.cursor(row_factory=dict_row) as cur:
        records = cur.execute(query, args).fetchall()
    today = business_date(aware(now))
    keyed = sorted(
        (queue_key(r["source_class"], r["sent_on"], r["deadline_at"], today, str(r["work_order_id"])), r)
        for r in records
    )
    page = keyed[offset : offset + limit]
    items = [_queue_row(offset + n + 1, key.group, r, now) for n, (key, r) in enumerate(page)]
    return ResultPage[BranchQueueRow].of(items, len(keyed), limit, offset)


def queue_branches(conn: Connection[Any], schema: str) -> list[str]:
    """The branches with open work orders (to choose a queue from)."""
    query = SQL("SELECT DISTINCT branch FROM {}.worklist_work_orders ORDER BY branch").format(
        Identifier(schema)
    )
    return [r[0] for r in conn.execute(query).fetchall()]


def _queue_row(rank: int, group: int, r: dict[str, Any], now: datetime) -> BranchQueueRow:
    status = obligation_status(r["deadline_at"], warning_lead(r["warning_lead_days"]), now)
    return BranchQueueRow(
        rank=rank,
        queue_group=group,
        queue_group_label=Label.of(QueueGroup, _GROUPS[group].value),
        work_order_id=r["work_order_id"],
        work_order_type=Label.of(WorkOrderType, r["work_order_type"]),
        policy_number=r["policy_number"],
        branch=r["branch"],
        channel=Label.of(Channel, r["channel"]),
        agent_code=r["agent_code"],
        handler_id=r["handler_id"],
        source_class=Label.of(OutcomeClass, r["source_class"]),
        source_subtype=subtype_label(r["source_subtype"]),
        sent_on=r["sent_on"],
        deadline_at=r["deadline_at"],
        status=Label.of(ObligationStatus, status.value),
        overdue_statement=r["overdue_statement"],
        escalated_from=r["escalated_from"],
    )


# ----- servicer queue (PS-04) -----------------------------------------------------------------
class ServiceCaseRow(Row):
    """An open service case in the servicer's queue (PS-04 order: premium due date first)."""

    rank: int
    case_id: uuid.UUID
    policy_number: str
    branch: str
    servicer_code: str
    status: Label
    service_class: Label
    source: Label
    premium_due_on: date | None
    days_to_premium_due: int | None
    assigned_on: date | None
    card_due_on: date | None
    card_number: str
    card_status: Label | None  # PC-03 of the PS-03 card while not created
    report_due_on: date | None  # PS-04 difficult-case report (困难件 only)
    report_filed_on: date | None
    next_notice_due_on: date | None  # PS-04 survival-benefit notice not delivered yet
    contact_attempts: int
    last_contact_on: date | None


@dataclass(frozen=True)
class CaseFilters:
    servicer_code: str | None = None
    branch: str | None = None
    include_unassigned: bool = False


@in_snapshot
def servicer_queue(
    conn: Connection[Any],
    schema: str,
    *,
    now: datetime,
    params: RuleParameters,
    filters: CaseFilters | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> ResultPage[ServiceCaseRow]:
    """Open service cases, PS-04 contacting order: earliest premium due date first
    (unknown last), then the case id."""
    limit, offset = paging(limit, offset)
    f = filters or CaseFilters()
    args: dict[str, Any] = {"limit": limit, "offset": offset}
    more = _equals(f, ("servicer_code", "branch"), args)
    if not f.include_unassigned:
        more = SQL("{} AND status <> %(unassigned)s").format(more)
        args["unassigned"] = CaseStatus.UNASSIGNED.value
    # offset paging (the rank is the place in the queue); a servicer's or branch's open
    # cases are few, and the total is a cached count rather than a window over them
    query = SQL(
        "SELECT * FROM {}.worklist_service_cases WHERE true{}"
        " ORDER BY premium_due_on NULLS LAST, case_id LIMIT %(limit)s OFFSET %(offset)s"
    ).format(Identifier(schema), more)
    with conn.cursor(row_factory=dict_row) as cur:
        records = cur.execute(query, args).fetchall()
    total = cached_count(
        ("service_cases", schema, f),
        read_position(conn, schema, "worklists"),
        lambda: _count(conn, query, args),
    )
    today = business_date(aware(now))
    lead = warning_lead(params.work_order.warning_lead_days)
    items = []
    for n, r in enumerate(records):
        card_status = None
        if r["card_due_on"] is not None and not r["card_number"]:
            card_status = Label.of(
                ObligationStatus, obligation_status(end_of_day(r["card_due_on"]), lead, now).value
            )
        notices = sorted(date.fromisoformat(d) for d in (r["notices_due"] or {}).values())
        items.append(
            ServiceCaseRow(
                rank=offset + n + 1,
                case_id=r["case_id"],
                policy_number=r["policy_number"],
                branch=r["branch"],
                servicer_code=r["servicer_code"],
                status=Label.of(CaseStatus, r["status"]),
                service_class=Label.of(ServiceClass, r["service_class"]),
                source=Label.of(ServiceSource, r["source"]),
                premium_due_on=r["premium_due_on"],
                days_to_premium_due=(r["premium_due_on"] - today).days if r["premium_due_on"] else None,
                assigned_on=r["assigned_on"],
                card_due_on=r["card_due_on"],
                card_number=r["card_number"],
                card_status=card_status,
                report_due_on=r["report_due_on"],
                report_filed_on=r["report_filed_on"],
                next_notice_due_on=notices[0] if notices else None,
                contact_attempts=r["contact_attempts"],
                last_contact_on=r["last_contact_on"],
            )
        )
    return ResultPage[ServiceCaseRow].of(items, total, limit, offset)


def _count(conn: Connection[Any], query: Composed, args: dict[str, Any]) -> int:
    """The total of a windowed query whose page came back empty (offset past the end)."""
    counted = conn.execute(
        SQL("SELECT count(*) FROM ({}) AS q").format(query), args | {"limit": None, "offset": 0}
    ).fetchone()
    return int(counted[0]) if counted else 0
