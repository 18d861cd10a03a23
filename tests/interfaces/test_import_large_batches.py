"""Issue #11.1: an import at the default batch size finishes on every database.

A batch of 500 lines is one INSERT of ~1,750 encrypted events, megabytes of
statement. Over the embedded server's Unix socket (a ~200 kB send buffer) psycopg's
``pipeline.sync()`` used to leave it half-sent and wait to read while the server
waited for the rest: the import hung for ever. The pytest timeout turns such a hang
into a failure (no timing is asserted); the suite runs on the embedded server and on
a DSN, so both paths are covered.
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from bench.data import write_import_file
from domain.policy import Policy
from interfaces.importer import DEFAULT_BATCH_SIZE, import_file


@pytest.mark.timeout(180)
def test_two_thousand_generated_lines_import_at_the_default_batch_size(app, tmp_path):
    path = tmp_path / "upstream.jsonl"
    lines = write_import_file(path, 1000, 20260301)
    assert lines == 2000 and lines > 3 * DEFAULT_BATCH_SIZE  # several full batches

    summary = import_file(app, path)

    assert (summary.applied, summary.duplicate, summary.rejected) == (2000, 0, 0)
    # 1,000 policies, each issued and its receipt registered (which opens a callback)
    assert app.max_position() >= 3000
    last = app.get(Policy, Policy.id_for("I000000999"))
    assert last.version >= 2  # issued, then its receipt registered


@pytest.mark.timeout(120)
def test_one_insert_far_bigger_than_a_socket_buffer_is_stored_whole(app, actor):
    """The recorder itself: one transaction of ~20 MB of events (the largest batch
    ``--batch-size 10000`` can produce is of this order) is written and committed."""
    payload = b"x" * 20_000
    events = [
        StoredEvent(originator_id=uuid4(), originator_version=1, topic="test:Big", state=payload)
        for _ in range(1_000)
    ]
    before = app.max_position()
    ids = app.trail_recorder.insert_events(events)
    assert ids is not None and len(ids) == 1_000
    assert app.max_position() == before + 1_000
