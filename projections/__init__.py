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

Adding a projection
-------------------
Write one module, e.g. ``projections/timeliness/projection.py``, and add its name to
``registry.MODULES``::

    from projections.base import Envelope, Projection
    from projections.registry import register

    @register
    class Timeliness(Projection):
        name = "timeliness"               # tracking key and CLI name
        version = 1                       # bump → the runtime rebuilds blue-green
        title = "时效 timeliness"
        tables = ("timeliness",)          # every table it owns (moved on a swap)
        ddl = ("CREATE TABLE {schema}.timeliness (obligation_id text PRIMARY KEY, ...)",)
        deferred_ddl = ("CREATE INDEX timeliness_due ON {schema}.timeliness (due_at)",)

        def handles(self, topic: str) -> bool:     # others are skipped undecoded
            return topic.startswith(("domain.callback:", "domain.work_order:"))

        def apply(self, cur, schema, batch):       # batch: list[Envelope], in log order
            for env in batch:                       # env.position, env.topic, env.event
                ...                                 # or set-based SQL / COPY over the batch

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
