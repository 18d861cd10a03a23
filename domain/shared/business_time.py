"""Business-time sanity (业务时间合理性), sub-rules of RC-01 (every event says *when*).

RC-01 makes the business time ``occurred_at`` part of every record, so a wrong one is
a wrong record forever (events are never updated). Two sub-rules keep it plausible:

- **RC-01a** — a business time may lie in the past (imports of history, late entries)
  but not further in the future than a configured clock skew: nothing can have
  happened yet that the application's clock has not reached.
- **RC-01b** — nothing happens to a business object before it existed: no event of an
  aggregate (and no business date a command carries, e.g. a receipt signed before
  underwriting) may lie before the fact that created it, or before the earlier fact
  it follows (a registration before the signature).

Pure functions: the caller passes "now" (the application reads its clock once).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.shared.errors import RuleViolation
from domain.shared.time import business_date

FUTURE_RULE = "RC-01a"
BEFORE_EXISTENCE_RULE = "RC-01b"


def _iso(value: date) -> str:
    return value.isoformat()


def require_not_in_future(occurred_at: datetime, now: datetime, skew: timedelta) -> None:
    """RC-01a: refuse a business time more than ``skew`` ahead of ``now``."""
    if occurred_at > now + skew:
        raise RuleViolation(
            FUTURE_RULE,
            f"occurred_at {_iso(occurred_at)} lies in the future (the clock says {_iso(now)}; "
            f"allowed skew {int(skew.total_seconds())} s)",
            f"业务时间 occurred_at {_iso(occurred_at)} 晚于当前时间 {_iso(now)}"
            f"（允许偏差 {int(skew.total_seconds())} 秒）",
            field="occurred_at",
            occurred_at=_iso(occurred_at),
            now=_iso(now),
            max_future_skew_seconds=int(skew.total_seconds()),
        )


def require_not_before(
    field: str,
    value: date,
    earlier_fact: str,
    earlier_at: date | None,
) -> None:
    """RC-01b: refuse ``value`` (of ``field``) when it lies before ``earlier_fact``.

    ``earlier_fact`` names the fact bilingually, e.g. ``"保单承保 Policy issued"``.
    A datetime is compared with a datetime and a date with a date (a date compared
    with a datetime uses the datetime's business date, Asia/Shanghai).
    """
    if earlier_at is None:
        return
    left, right = value, earlier_at
    if isinstance(left, datetime) != isinstance(right, datetime):
        left = business_date(left) if isinstance(left, datetime) else left
        right = business_date(right) if isinstance(right, datetime) else right
    if left < right:
        raise RuleViolation(
            BEFORE_EXISTENCE_RULE,
            f"{field} {_iso(value)} lies before the earlier fact: {earlier_fact} at {_iso(earlier_at)}",
            f"{field} {_iso(value)} 早于之前的事实：{earlier_fact}（{_iso(earlier_at)}）",
            field=field,
            value=_iso(value),
            earlier_fact=earlier_fact,
            earlier_at=_iso(earlier_at),
        )
