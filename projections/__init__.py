"""Read models (读模型): PostgreSQL tables kept current from the one notification log.

Runtime
-------
- ``runtime.BatchRunner`` applies the log to a projection in batches (bounded by
  ``settings.projection_batch_size`` / ``projection_batch_seconds``). Each batch is
  one transaction: compare-and-set of the tracking position (``tracking``), the
  projection's writes, a progress NOTIFY — exactly once, crash-safe.
- ``live.LiveRunner`` / ``live.ProjectionService``: catch up, then follow new events
  via LISTEN/NOTIFY; one live runner per projection (advisory lock, others stand by).
- ``rebuild.rebuild``: blue-green rebuild into fresh tables, swapped in atomically.
- ``waiting.PositionWatcher.wait_for(names, position, timeout)``: read-your-writes.
- ``status.status``: position, lag, events/s, state of each projection.
- A poison event stops its projection with ``errors.ProjectionFailed`` naming the
  position, topic and projection; ``status`` shows it; nothing is skipped.

Read models
-----------
One package per read model: ``audit_trail/``, ``timeliness/``, ``scorecards/``,
``worklists/``. Each holds ``projection.py`` (its tables' DDL, its handler table and
the registered class), its other handler tables (``service_standards.py``: SL-01..SL-04)
and its queries (``queries.py``, ``*_queries.py``, ``service_queues.py``,
``coverage.py``, ``disputes.py``: plain functions, a connection and the read schema in,
typed rows out; whatever depends on "now" is computed there with the domain's pure
functions). The machinery they share stays here: ``base``, ``runtime``, ``source``,
``tracking``, ``rows`` (row caches), ``dispatch`` (handler tables), ``querying``
(pages, cursors, counts, one snapshot per page), ``registry``, ``together``,
``parallel``, ``rebuild``, ``live``, ``waiting``, ``status``, ``errors``,
``checksum``, ``ledger``.

Adding a projection
-------------------
Write a package, e.g. ``projections/timeliness/``, with the class in
``projection.py``, and add that module to ``registry.MODULES``. Handlers are keyed by
the event *class* in a table (``projections.dispatch``; a model of several parts joins
its tables with ``handler_table``, which refuses an event handled twice); the topics
decoded are derived from the keys. ``rows.EventTableProjection`` dispatches::

    from domain.callback import Callback
    from projections.dispatch import handler_table
    from projections.registry import register
    from projections.rows import EventTableProjection

    HANDLERS = {Callback.Opened: _opened, Callback.OutcomeDecided: _decided}

    @register
    class Timeliness(EventTableProjection):
        name = "timeliness"               # tracking key and CLI name
        version = 1                       # bump → the runtime rebuilds blue-green
        title = "时效 timeliness"
        tables = ("timeliness",)          # every table it owns (moved on a swap)
        ddl = ("CREATE TABLE {schema}.timeliness (obligation_id text PRIMARY KEY, ...)",)
        deferred_ddl = ("CREATE INDEX timeliness_due ON {schema}.timeliness (due_at)",)
        handlers = handler_table(HANDLERS)  # only these topics are decoded

        def apply(self, cur, schema, batch):       # batch: list[Envelope], in log order
            for env in batch:                       # env.position, env.topic, env.event
                self.handler(env)(..., env.event)   # or set-based SQL / COPY over the batch

``tests/projections/test_handler_tables.py`` checks that every key names a released
event class and that no event has two handler tables in one read model.

``Envelope.event`` is the decoded, upcast domain event (decoded on first use);
``Envelope.stored_json`` the stored state, decrypted but not decoded (cheaper, for
projections that copy data). Optionally, ``prepare(envelope)`` does per-event work
that needs neither the database nor other events in the reader thread, overlapping
the database's work on the previous batch; ``apply`` reads ``envelope.prepared``
(see ``audit_trail``).

Rules for ``apply``: write only to your own tables in ``schema`` (never hard-code
the read schema: a rebuild passes its build schema); never commit; be a pure
function of the events (no ``now()``, no state kept between batches other than
the tables), so that a rebuild, and any cutting of the log into batches, gives
identical tables; ignore events you do not care about but raise on one you must
handle and cannot (the runtime stops there and names it). ``deferred_ddl`` holds
indexes that only readers need; indexes ``apply`` itself relies on go in ``ddl``.

Runs with ``policytrail projections run|rebuild|status`` or, in-process,
``ProjectionService.from_app(app).start()``.
"""
