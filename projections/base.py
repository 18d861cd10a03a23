"""What a projection is (投影/读模型): its tables and one batch handler.

A projection is a class with a ``name``, a ``version``, the DDL of its tables and
``apply(cur, schema, batch)``. The runtime (``projections.runtime``) feeds it the
notification log in order, in batches, and commits what ``apply`` wrote in the same
transaction as the new tracking position. See ``projections/__init__.py`` for how
to add one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor
from psycopg.sql import SQL, Composed, Identifier


class Envelope:
    """One event of the log as a projection sees it.

    ``event`` is the decoded (and upcast) domain event, decoded on first use, with its
    personal fields withheld (no decryption, RC-03); a projection that only copies
    data may read ``stored_json`` (the stored state with personal fields decrypted,
    not decoded) or ``stored_state`` (the same, parsed) instead.
    """

    __slots__ = ("_event", "_prepared", "_source", "entry", "position", "topic")

    def __init__(self, entry: Any, source: Any) -> None:
        self.entry = entry  # the log entry: id, originator_id/_version, topic, state
        self.position: int = entry.id  # the event's place in the one ordered log
        self.topic: str = entry.topic  # e.g. "domain.policy:Policy.Issued"
        self._source = source
        self._event: Any = _UNDECODED
        self._prepared: Any = None

    @property
    def prepared(self) -> Any:
        """What ``Projection.prepare`` returned for this event (re-raises its error)."""
        if isinstance(self._prepared, _PrepareFailed):
            raise self._prepared.error
        return self._prepared

    def prepare_with(self, projection: Projection) -> None:
        try:
            self._prepared = projection.prepare(self)
        except Exception as exc:  # raised again, in the batch, by ``prepared``
            self._prepared = _PrepareFailed(exc)

    def swap_prepared(self, outcome: Any) -> Any:
        """Put ``outcome`` (what ``prepare_with`` stored) in place and return the one it
        replaces: one envelope read and decoded once serves several projections, each
        with its own prepared value (``projections.together``)."""
        previous, self._prepared = self._prepared, outcome
        return previous

    @property
    def event(self) -> Any:
        if self._event is _UNDECODED:
            self._event = self._source.decode(self.entry)
        return self._event

    @property
    def personal_event(self) -> Any:
        """The decoded event with its personal fields decrypted (only for read models
        that show personal data, masked: the audit trail)."""
        return self._source.decode_personal(self.entry)

    @property
    def stored_json(self) -> bytes:
        return self._source.plaintext(self.entry)  # type: ignore[no-any-return]

    @property
    def stored_state(self) -> dict[str, Any]:
        """``stored_json`` parsed (a fresh dict each time: the caller may change it)."""
        return self._source.opened(self.entry)  # type: ignore[no-any-return]

    @property
    def originator_id(self) -> UUID:
        return self.entry.originator_id  # type: ignore[no-any-return]

    @property
    def originator_version(self) -> int:
        return self.entry.originator_version  # type: ignore[no-any-return]


_UNDECODED = object()


class _PrepareFailed:
    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class Projection(ABC):
    """Base of every read model. Subclasses set the class attributes and ``apply``."""

    #: stable name: the tracking key and what the CLI accepts (lower_snake_case)
    name: ClassVar[str]
    #: bump when the tables or the handler's meaning change: the runtime rebuilds
    version: ClassVar[int] = 1
    #: what it is for, Chinese and English (shown by ``projections status``)
    title: ClassVar[str] = ""
    #: every table the projection owns (moved together on a rebuild swap)
    tables: ClassVar[tuple[str, ...]]
    #: CREATE TABLE / CREATE INDEX statements with a ``{schema}`` placeholder;
    #: index names unqualified (an index lives in its table's schema)
    ddl: ClassVar[tuple[str, ...]]
    #: indexes only readers need: a rebuild creates them after its bulk catch-up
    #: (much faster than maintaining them row by row), before the swap
    deferred_ddl: ClassVar[tuple[str, ...]] = ()
    #: whether it decrypts personal fields (``personal_event``/``stored_json``): the
    #: runtime then fetches the data keys of each page it reads with one query
    reads_personal_data: ClassVar[bool] = False

    def configure(self, rules: Any) -> None:
        """Called with the rule parameters (``domain.parameters.RuleParameters``, or None:
        the defaults) before the first batch, for read models that store values derived
        from a *(config)* number (e.g. an effective due time). Default: nothing."""
        return None

    def configured_for(self, conn: Any, schema: str) -> bool:
        """Whether the stored rows were computed with the configured parameters; when
        not, the service rebuilds the read model at start. Default: always."""
        return True

    def prepare(self, envelope: Envelope) -> Any:
        """Optional per-event work done before the batch's transaction, in the reader
        thread, so that it overlaps the database's work on the previous batch (e.g.
        parsing and deriving a row). Must depend on the event alone: no database, no
        other event. ``apply`` finds the result in ``envelope.prepared``; an error
        raised here is raised again there (and names the event)."""
        return None

    def handles(self, topic: str) -> bool:
        """Whether events of this topic concern the projection (others are not even
        decoded; the position still advances past them). Default: every event."""
        return True

    @abstractmethod
    def apply(self, cur: Cursor[Any], schema: str, batch: Sequence[Envelope]) -> None:
        """Write the effect of ``batch`` (in log order) into the tables in ``schema``.

        Runs inside the runtime's transaction: never commit. Raise on an event the
        projection cannot handle (poison): the runtime stops it with the event named.
        """

    # ----- helpers for subclasses ----------------------------------------------------
    @staticmethod
    def table(schema: str, name: str) -> Composed:
        """``"schema"."name"`` for SQL composition."""
        return SQL("{}.{}").format(Identifier(schema), Identifier(name))

    @classmethod
    def statements(cls, schema: str, *, deferred: bool | None = False) -> list[Composed]:
        """The DDL formatted for ``schema``: plain (False), deferred (True) or all (None)."""
        chosen = {False: cls.ddl, True: cls.deferred_ddl, None: cls.ddl + cls.deferred_ddl}
        return [SQL(s).format(schema=Identifier(schema)) for s in chosen[deferred]]  # type: ignore[arg-type]
