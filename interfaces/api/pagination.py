"""Paging of every list answer (分页): limit/offset with a cap, stable order.

Every list endpoint takes ``Depends(page_params)`` and answers ``Page[Item]``; its
query orders by a unique key (e.g. version, position, id) so pages never overlap
or skip rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 10_000_000


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page (max {MAX_LIMIT})")] = (
        DEFAULT_LIMIT
    ),
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    total: int | None = Field(None, description="rows in all pages, when cheap to know")
    next_offset: int | None = Field(None, description="offset of the next page; null on the last")

    @classmethod
    def of(cls, items: list[T], params: PageParams, total: int | None = None) -> Page[T]:
        more = total > params.offset + len(items) if total is not None else len(items) == params.limit
        return cls(
            items=items,
            limit=params.limit,
            offset=params.offset,
            total=total,
            next_offset=params.offset + len(items) if more and items else None,
        )


#: the keyset cursor of the lists that page by key (the big ones)
CursorParam = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=400,
        description=(
            "opaque keyset cursor: a previous page's `next_cursor`, with the same filters. It continues"
            " after that page's last row (an index range, fast at any depth); a cursor from other"
            " filters or another scope, or altered, is refused (400). Offsets on these lists stop at"
            " 10,000: follow `next_cursor` beyond."
        ),
    ),
]
