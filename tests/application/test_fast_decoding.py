"""The rebuild's decoding shortcuts give what the library's path gives (#17 point 3):
orjson + revived transcodings equal ``JSONTranscoder.decode``, an opened state equals
the decrypted JSON, for every event of a varied history."""

from __future__ import annotations

import orjson
import pytest

from projections.source import ReadSide
from tests.projections.test_read_timeliness import history


def test_fast_decoding_equals_the_transcoders_for_every_event(app, actor):
    history(app, actor)
    source = ReadSide.from_app(app).source
    entries = source.read(0, 100_000)
    assert len({e.topic for e in entries}) > 10  # a varied log
    mapper = app.mapper
    for entry in entries:
        for body in (mapper.withheld_body(entry), mapper.plaintext(entry)):
            assert mapper._transcoded(body) == mapper.transcoder.decode(body), entry.topic
        assert source.opened(entry) == orjson.loads(source.plaintext(entry))
    fast = [vars(source.decode(e)) for e in entries]
    slow = _library_decoding(app, entries)
    assert fast == slow


def _library_decoding(app, entries) -> list[dict]:
    mapper = app.mapper
    mapper._transcoded = mapper.transcoder.decode  # the library's json + object hook
    try:
        return [vars(mapper.to_domain_event_withheld(e)) for e in entries]
    finally:
        del mapper._transcoded


def test_an_unknown_transcoding_is_refused_naming_it(app):
    body = orjson.dumps({"when": {"_type_": "no_such_type", "_data_": 1}})
    with pytest.raises(TypeError, match="no_such_type"):
        app.mapper._transcoded(body)


def test_a_row_checked_just_before_does_not_vouch_for_a_copy_of_its_state(app, actor):
    """The last checked body is reused only for the very same row object: a copy of its
    state under another version is refused as before (RC-03 row seal)."""
    from application.adapters.personal_data.mapper import RowSealError
    from projections.source import LogEntry

    history(app, actor)
    entry = ReadSide.from_app(app).source.read(0, 1)[0]
    app.mapper.stored_body(entry)  # remembered
    moved = LogEntry(entry.id, entry.originator_id, entry.originator_version + 1, entry.topic, entry.state)
    with pytest.raises(RowSealError, match="not written for this row"):
        app.mapper.stored_body(moved)
    assert app.mapper.stored_body(entry) == app.mapper.stored_body(LogEntry(*entry))


def test_value_objects_decode_the_same_whether_stored_whole_or_with_fields_added_or_retired():
    from dataclasses import dataclass, field

    from application.adapters.transcodings import dataclass_transcoding

    @dataclass(frozen=True)
    class Sample:
        a: int
        b: str
        c: tuple = ()
        d: list = field(default_factory=list)

    coding = dataclass_transcoding(Sample, "sample")
    whole = coding.decode({"a": 1, "b": "x", "c": (2,), "d": [3]})  # as encoded: one update
    assert whole == Sample(1, "x", (2,), [3]) and list(vars(whole)) == ["a", "b", "c", "d"]
    assert coding.decode({"a": 1, "b": "x"}) == Sample(1, "x")  # fields added since: defaults
    retired = coding.decode({"a": 1, "b": "x", "c": (), "d": [], "gone": 5})
    assert retired == Sample(1, "x") and not hasattr(retired, "gone")
    assert list(vars(coding.decode({"d": [], "c": (), "b": "x", "a": 1}))) == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="lacks field 'a'"):
        coding.decode({"b": "x"})
