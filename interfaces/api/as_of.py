"""Shared pieces of the write-side read endpoints (as-of state, event history)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query

from application.app import PolicyTrail
from domain.shared.errors import InvalidInput, NotFound
from interfaces.api.pagination import Page, PageParams
from interfaces.api.views import HistoryEntry, history_entry, version_at
from interfaces.input_checks import check_storable

AsOfVersion = Annotated[
    int | None,
    Query(ge=1, le=2_000_000_000, description="state as of this aggregate version (as-of read)"),
]
AsOf = Annotated[
    datetime | None,
    Query(description="state as it was recorded at this instant (timezone-aware, as-of read)"),
]


def shown_version(
    app: PolicyTrail, aggregate_id: UUID, latest: int, as_of_version: int | None, as_of: datetime | None
) -> int | None:
    """Which version to load: None for the latest; 404 when it did not exist then."""
    if as_of_version is not None and as_of is not None:
        raise InvalidInput("give as_of_version or as_of, not both", "as_of_version 与 as_of 只能二选一")
    if as_of_version is not None:
        if as_of_version > latest:
            raise NotFound(
                f"version {as_of_version} does not exist (latest is {latest})",
                f"版本 {as_of_version} 不存在（最新为 {latest}）",
            )
        return as_of_version
    if as_of is not None:
        if as_of.tzinfo is None:
            raise InvalidInput("as_of must be timezone-aware", "as_of 必须带时区")
        check_storable(as_of, "as_of")
        version = version_at(app, aggregate_id, as_of)
        if version == 0:
            raise NotFound(
                f"it was not recorded yet at {as_of.isoformat()}",
                f"{as_of.isoformat()} 时尚未记录",
            )
        return version
    return None


def history_page(app: PolicyTrail, aggregate_id: UUID, latest: int, page: PageParams) -> Page[HistoryEntry]:
    """Events in version order (versions are 1..latest without gaps)."""
    events = app.events.get(aggregate_id, gt=page.offset, limit=page.limit)
    return Page[HistoryEntry].of([history_entry(e) for e in events], page, total=latest)
