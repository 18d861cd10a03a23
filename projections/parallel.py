"""Rebuilds in parallel processes (多进程重建): groups of projections side by side.

One Python process decodes and describes events on one core. ``rebuild_in_processes``
rebuilds each group of projections in a process of its own (``spawn``: a fresh
interpreter that opens the application from the same settings), each group in one
pass over the log (``Together``) with the usual blue-green swap. The groups share
nothing but PostgreSQL: each has its own build schema, tracking row and swap, so
exactly-once and "rebuild equals live" hold per group as for any rebuild. A group
is best a set of projections of similar cost (e.g. the audit trail, which decrypts
personal fields, beside the three others).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from projections import registry
from projections.rebuild import rebuild
from projections.source import ReadSide
from projections.together import Together

#: the split of ``all`` over two processes: the audit trail costs about as much as the rest
DEFAULT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("audit_trail",),
    ("timeliness", "scorecards", "worklists"),
)


def groups_for(names: Sequence[str], processes: int) -> list[list[str]]:
    """``names`` cut into at most ``processes`` groups, the default split when it fits."""
    chosen = list(dict.fromkeys(names))
    if processes <= 1 or len(chosen) <= 1:
        return [chosen]
    defaults = [[n for n in g if n in chosen] for g in DEFAULT_GROUPS]
    rest = [n for n in chosen if not any(n in g for g in DEFAULT_GROUPS)]
    groups = [g for g in defaults if g]
    if rest:
        groups.append(rest)
    while len(groups) > processes:  # fewer processes: merge the two smallest groups
        groups.sort(key=len)
        groups[:2] = [groups[0] + groups[1]]
    return groups


def rebuild_in_processes(
    settings: Any, database_url: str, groups: Sequence[Sequence[str]]
) -> list[int | None]:
    """Rebuild every group (projection names) in its own process; the swapped-in
    position of each group, in order. A group that fails raises here (the others
    finish or fail on their own; an unfinished build is removed by its process)."""
    settings = settings.model_copy(update={"database_url": database_url})
    context = multiprocessing.get_context("spawn")
    opening = context.Lock()
    with ProcessPoolExecutor(
        max_workers=len(groups), mp_context=context, initializer=_started, initargs=(opening,)
    ) as pool:
        futures = [pool.submit(_rebuild_group, settings, list(names)) for names in groups]
        return [future.result() for future in futures]


#: in a child: held while the application opens (its store set-up runs DDL, which two
#: sessions running at once may fail with "tuple concurrently updated")
_opening: Any = None


def _started(opening: Any) -> None:
    global _opening
    _opening = opening


def _rebuild_group(settings: Any, names: list[str]) -> int | None:
    from application.app import PolicyTrail  # in the child: the application's own wiring

    with _opening:
        app = PolicyTrail(settings=settings)
    try:
        projections = registry.resolve(names)
        projection = projections[0] if len(projections) == 1 else Together(projections)
        return rebuild(ReadSide.from_app(app), projection)
    finally:
        app.close()
