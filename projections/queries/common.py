"""Shared pieces of the read-model queries: labels, paging, result pages."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from domain.callback import DoubtSubtype, ExplanationSubtype, ProxySubtype, VerificationSubtype
from domain.shared.errors import InvalidInput
from domain.shared.labels import LabelledEnum
from domain.shared.time import require_aware

T = TypeVar("T")

#: rows per page at most (the HTTP API has the same cap)
MAX_LIMIT = 500
DEFAULT_LIMIT = 50


class Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class Label(Row):
    """An enum value: the stored Chinese term and its English label."""

    zh: str
    en: str

    @classmethod
    def of(cls, enum_cls: type[LabelledEnum], value: str) -> Label:
        try:
            member = enum_cls(value)
        except ValueError:  # a value this code does not know (newer data): shown as is
            return cls(zh=value, en=value)
        return cls(zh=member.zh, en=member.en)

    @classmethod
    def maybe(cls, enum_cls: type[LabelledEnum], value: str | None) -> Label | None:
        return cls.of(enum_cls, value) if value else None


class ResultPage(Row, Generic[T]):
    """One page of rows in a stable order; ``total`` counts all pages."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None

    @classmethod
    def of(cls, items: list[T], total: int, limit: int, offset: int) -> ResultPage[T]:
        more = offset + len(items) < total
        return cls(
            items=items,
            total=total,
            limit=limit,
            offset=offset,
            next_offset=offset + len(items) if more and items else None,
        )


def paging(limit: int, offset: int) -> tuple[int, int]:
    """(limit, offset) with the limit capped at ``MAX_LIMIT``."""
    if limit < 1 or offset < 0:
        raise InvalidInput("limit must be >= 1 and offset >= 0", "每页行数须不小于 1，偏移量须不小于 0")
    return min(limit, MAX_LIMIT), offset


def aware(now: datetime, what: str = "now") -> datetime:
    return require_aware(now, what)


def subtype_label(value: str) -> Label | None:
    """The label of an outcome subtype (OC-02..04), whichever vocabulary it is from."""
    if not value:
        return None
    for enum_cls in (VerificationSubtype, DoubtSubtype, ExplanationSubtype, ProxySubtype):
        if value in enum_cls._value2member_map_:
            return Label.of(enum_cls, value)
    return Label(zh=value, en=value)
