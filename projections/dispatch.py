"""Handler tables (处理表): the one way a read model says which events it handles.

A read model maps each event *class* it handles to its handler, e.g.
``{Policy.Issued: _policy_issued, Callback.Opened: _callback_opened}``: a key that is
no event class fails at import, and a renamed or removed class fails where the table
names it (never a silently dead string). The parts of one model (e.g. its
service-standard handlers) are joined with ``handler_table``, which refuses an event
handled twice. The topics a projection decodes are derived from the keys
(``by_topic``): every other event is skipped undecoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from eventsourcing.utils import get_topic

H = TypeVar("H")


class DuplicateHandler(ValueError):
    """One event class in two handler tables of the same read model."""


def handler_table(*tables: Mapping[type, H]) -> dict[type, H]:
    """The tables joined into one; an event class in two of them is an error."""
    joined: dict[type, H] = {}
    for table in tables:
        for cls, handler in table.items():
            if not isinstance(cls, type):
                raise TypeError(f"a handler table key must be an event class, not {cls!r}")
            if cls in joined:
                raise DuplicateHandler(f"{get_topic(cls)} has two handlers in one read model")
            joined[cls] = handler
    return joined


def by_topic(table: Mapping[type, H]) -> dict[str, H]:
    """The handlers by stored topic (what the log entries carry)."""
    return {get_topic(cls): handler for cls, handler in table.items()}
