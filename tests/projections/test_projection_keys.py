"""A projection that decrypts personal fields (the audit trail) fetches the data keys
of a page of the log with one query, not one per data subject; same plaintext."""

from __future__ import annotations

from projections.source import ReadSide
from tests.projection_scenarios import issue_many, policy_history


def test_a_page_of_the_log_fetches_its_data_keys_with_one_query(app, actor):
    policy_history(app, actor)
    issue_many(app, actor, 5)  # more data subjects than the history has
    keys = app.mapper.fields.keys
    source = ReadSide.from_app(app).source
    entries = source.read(0, 1000)
    keys.forget_cache()
    expected = [source.plaintext(e) for e in entries]  # one key at a time
    keys.forget_cache()
    queries: list[int] = []
    connect = keys._connect
    keys._connect = lambda: (queries.append(1), connect())[1]
    try:
        source.preload_keys(entries)
        assert queries == [1]
        assert [source.plaintext(e) for e in entries] == expected
        assert queries == [1]  # every key was already there
        source.preload_keys(entries)
        assert queries == [1]  # cached keys are not fetched again
    finally:
        keys._connect = connect
    assert any(b'"_pd_"' in e.state for e in entries)  # the page did hold sealed fields
