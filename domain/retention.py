"""Retention of records (保存期限, RC-02) and the erasure of a data subject.

RC-02: callback and sales records are kept at least **10 years after the contract
ends** when its term is over one year, **5 years** otherwise, and at least **2 years
after any dispute** (problem case / complaint) ends. A subject's personal data may be
erased (crypto-shredding, RC-03) only once every retention period of every contract
the subject is party to has passed. A contract without an end (whole life, in force)
or a dispute still open has no end date yet: erasure is refused.

Pure: the caller gathers the facts from the events and passes the business date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import AlreadyExists, RuleViolation

CONTRACT_YEARS_LONG = 10  # term over one year
CONTRACT_YEARS_SHORT = 5
DISPUTE_YEARS = 2


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def add_months(day: date, months: int) -> date:
    """Same day N months later; the month's last day when it has no such day."""
    year, month = divmod(day.month - 1 + months, 12)
    target_year, target_month = day.year + year, month + 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(target_year, target_month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"no date {months} months after {day}")  # unreachable


@dataclass(frozen=True)
class ContractFacts:
    """One contract the subject is party to: when it ended (None: not ended)."""

    policy_number: str
    ended_on: date | None
    term_over_one_year: bool

    @property
    def retained_until(self) -> date | None:
        if self.ended_on is None:
            return None
        years = CONTRACT_YEARS_LONG if self.term_over_one_year else CONTRACT_YEARS_SHORT
        return add_years(self.ended_on, years)


@dataclass(frozen=True)
class DisputeFacts:
    """A problem case or complaint on one of the subject's contracts (None: open)."""

    reference: str
    ended_on: date | None

    @property
    def retained_until(self) -> date | None:
        return None if self.ended_on is None else add_years(self.ended_on, DISPUTE_YEARS)


@dataclass(frozen=True)
class Retention:
    """RC-02 for one subject: the last day records must be kept, and why."""

    contracts: tuple[ContractFacts, ...]
    disputes: tuple[DisputeFacts, ...] = field(default_factory=tuple)

    @property
    def open_items(self) -> list[str]:
        items = [f"contract {c.policy_number} not ended" for c in self.contracts if c.ended_on is None]
        return items + [f"dispute {d.reference} still open" for d in self.disputes if d.ended_on is None]

    def inputs(self) -> list[str]:
        """What the decision used, one line per contract and dispute."""
        lines = [
            f"{c.policy_number} ended {c.ended_on} over 1 year={c.term_over_one_year} "
            f"kept until {c.retained_until}"
            for c in self.contracts
        ]
        return lines + [
            f"{d.reference} ended {d.ended_on} kept until {d.retained_until}" for d in self.disputes
        ]

    @property
    def ends_on(self) -> date | None:
        """None while a contract or dispute has no end yet."""
        if self.open_items:
            return None
        ends = [c.retained_until for c in self.contracts] + [d.retained_until for d in self.disputes]
        return max((e for e in ends if e is not None), default=None)

    def check_erasable(self, today: date) -> None:
        """RC-02: refuse erasure inside retention, naming the computed end date."""
        if self.open_items:
            raise RuleViolation(
                "RC-02",
                "inside retention: " + "; ".join(self.open_items) + " (no end date yet)",
                "仍在保存期限内：" + "；".join(self.open_items) + "（尚无终止日期）",
                retention_end=None,
            )
        end = self.ends_on
        if end is not None and today <= end:
            raise RuleViolation(
                "RC-02",
                f"inside retention until {end.isoformat()}",
                f"保存期限至 {end.isoformat()}，期限内不得删除",
                retention_end=end.isoformat(),
            )


class DataSubject(TrailAggregate):
    """数据主体. Id = the keyed subject id (never derived publicly from personal data)."""

    class Erased(TrailAggregate.Created):
        """个人信息删除 Personal data erased after retention (RC-02); the subject's data
        key was destroyed (crypto-shredding)."""

        class_version = 1
        rule_id: str
        reason: str
        retention_end: date | None
        policy_numbers: list[str]
        disputes: list[str]
        inputs: list[str]
        erased_aggregates: list[str]

        def apply(self, subject: DataSubject) -> None:
            subject.erased_on = self.occurred_at
            subject.reason = self.reason

    def __init__(self) -> None:
        """State comes from the events' ``apply``."""

    @classmethod
    def erase(
        cls,
        subject_id: UUID,
        retention: Retention,
        reason: str,
        erased_aggregates: list[UUID],
        today: date,
        ctx: Context,
    ) -> DataSubject:
        retention.check_erasable(today)
        return cls._start(
            cls.Erased,
            ctx,
            id=subject_id,
            rule_id="RC-02",
            reason=reason,
            retention_end=retention.ends_on,
            policy_numbers=sorted(c.policy_number for c in retention.contracts),
            disputes=sorted(d.reference for d in retention.disputes),
            inputs=retention.inputs(),
            erased_aggregates=sorted(str(a) for a in erased_aggregates),
        )

    @staticmethod
    def already_erased(subject_id: UUID) -> AlreadyExists:
        return AlreadyExists(
            f"data subject {subject_id} was already erased",
            f"数据主体 {subject_id} 已删除",
            subject_id=str(subject_id),
        )
