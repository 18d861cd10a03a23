"""Several projections fed by one pass over the log (一次读取，多个读模型).

Rebuilding every read model one after the other reads and decodes the log once per
projection. ``Together`` is a projection made of others: the runtime reads each
page once, each event is decoded once (``Envelope.event`` is cached) and prepared
by every part that handles it, and one transaction per batch writes every part's
tables with the one tracking position. ``rebuild`` builds it into one build schema
and swaps each part's tables and live position in (``projections.rebuild``).

Each part sees exactly the batch it would see alone (its own topics, in log order,
its own ``prepared``), so the tables are the same as those of separate rebuilds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor
from psycopg.sql import Composed

from projections.base import Envelope, Projection


class Together(Projection):
    """The projections ``parts`` as one (for a rebuild of several)."""

    def __init__(self, parts: Sequence[Projection]) -> None:
        if not parts:
            raise ValueError("Together needs at least one projection")
        self.parts = tuple(parts)
        # Instance values of the class-level description every projection has.
        self.name = "+".join(p.name for p in self.parts)  # type: ignore[misc]
        self.title = ", ".join(p.title or p.name for p in self.parts)  # type: ignore[misc]
        self.tables = tuple(t for p in self.parts for t in p.tables)  # type: ignore[misc]
        self.reads_personal_data = any(p.reads_personal_data for p in self.parts)  # type: ignore[misc]
        self._topics: dict[str, tuple[int, ...]] = {}

    def configure(self, rules: Any) -> None:
        for part in self.parts:  # e.g. timeliness stores due times computed with the rules
            part.configure(rules)

    def configured_for(self, conn: Any, schema: str) -> bool:
        return all(part.configured_for(conn, schema) for part in self.parts)

    def statements(self, schema: str, *, deferred: bool | None = False) -> list[Composed]:  # type: ignore[override]
        return [s for p in self.parts for s in p.statements(schema, deferred=deferred)]

    def _handling(self, topic: str) -> tuple[int, ...]:
        """Indexes of the parts that handle ``topic`` (cached per topic)."""
        found = self._topics.get(topic)
        if found is None:
            found = self._topics[topic] = tuple(i for i, p in enumerate(self.parts) if p.handles(topic))
        return found

    def handles(self, topic: str) -> bool:
        return bool(self._handling(topic))

    def prepare(self, envelope: Envelope) -> dict[int, Any]:
        """Every interested part's outcome (its value or its error), by part index."""
        outcomes: dict[int, Any] = {}
        for i in self._handling(envelope.topic):
            envelope.prepare_with(self.parts[i])
            outcomes[i] = envelope.swap_prepared(None)
        return outcomes

    def apply(self, cur: Cursor[Any], schema: str, batch: Sequence[Envelope]) -> None:
        outcomes: list[dict[int, Any]] = [envelope.prepared for envelope in batch]
        try:
            for i, part in enumerate(self.parts):
                mine = []
                for envelope, outcome in zip(batch, outcomes, strict=True):
                    if i in outcome:
                        envelope.swap_prepared(outcome[i])
                        mine.append(envelope)
                if mine:
                    part.apply(cur, schema, mine)
        finally:  # a failed batch is replayed event by event: the outcomes are needed again
            for envelope, outcome in zip(batch, outcomes, strict=True):
                envelope.swap_prepared(outcome)
