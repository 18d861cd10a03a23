"""Every read model dispatches one way (处理表守卫): handler tables keyed by stored event classes.

Each read model lives in one package (``projections/<model>/``) and says which events it
handles with tables ``{EventClass: handler}`` (``projections.dispatch``). Guarded here:
every key is a real event class whose topic is released (tests/event_topics.txt); no
event has handlers in two tables of one model; every table of a model's package is
wired into the model; a projection decodes exactly the topics of its keys; and the audit
trail's per-event overrides (``event_facts``) are keyed the same way.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from domain.shared.aggregate import TrailAggregate
from projections import event_facts, registry
from projections.dispatch import DuplicateHandler, by_topic, handler_table
from projections.rows import EventTableProjection

TOPICS_FILE = Path(__file__).resolve().parents[1] / "event_topics.txt"
RELEASED = {line.strip() for line in TOPICS_FILE.read_text().splitlines() if line.strip()}


def _is_event(key: Any) -> bool:
    return isinstance(key, type) and issubclass(key, TrailAggregate.Event)


def _tables_in(module: ModuleType) -> dict[str, Mapping[Any, Any]]:
    """The module-level handler tables a module defines: mappings keyed by event classes."""
    found = {}
    for name, value in vars(module).items():
        if isinstance(value, Mapping) and value and any(_is_event(k) for k in value):
            found[f"{module.__name__}.{name}"] = value
    return found


def _package_tables(projection: Any) -> dict[str, Mapping[Any, Any]]:
    """Every handler table defined in the read model's package (the class's own included)."""
    package = importlib.import_module(type(projection).__module__.rpartition(".")[0])
    modules = [package] + [
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + ".")
    ]
    tables: dict[str, Mapping[Any, Any]] = {}
    for module in modules:
        tables.update(_tables_in(module))
    return tables


PROJECTIONS = registry.resolve(None)


def test_every_read_model_is_a_package_with_a_handler_table():
    assert sorted(p.name for p in PROJECTIONS) == ["audit_trail", "scorecards", "timeliness", "worklists"]
    for projection in PROJECTIONS:
        assert type(projection).__module__ == f"projections.{projection.name}.projection"
        assert projection.handlers, f"{projection.name} has no handler table"


@pytest.mark.parametrize("projection", PROJECTIONS, ids=lambda p: p.name)
def test_every_handler_key_is_a_stored_event_class(projection):
    for key in projection.handlers:
        assert _is_event(key), f"{projection.name}: handler key {key!r} is not an event class"
        topic = get_topic(key)
        assert topic in RELEASED, f"{projection.name}: {topic} is not in {TOPICS_FILE.name}"
        assert resolve_topic(topic) is key


@pytest.mark.parametrize("projection", PROJECTIONS, ids=lambda p: p.name)
def test_no_event_has_two_handler_tables_in_one_read_model(projection):
    tables = {name: t for name, t in _package_tables(projection).items() if t is not projection.handlers}
    tables = tables or {f"{type(projection).__qualname__}.handlers": projection.handlers}  # its only one
    owner: dict[type, str] = {}
    for name, table in tables.items():
        for key in table:
            assert key not in owner, f"{get_topic(key)} is handled in {owner[key]} and in {name}"
            owner[key] = name
    # every table of the package is wired into the model, and the model handles nothing else
    assert set(owner) == set(projection.handlers), (
        f"{projection.name}: tables {sorted(tables)} differ from the model's handlers"
    )


@pytest.mark.parametrize(
    "projection", [p for p in PROJECTIONS if isinstance(p, EventTableProjection)], ids=lambda p: p.name
)
def test_a_projection_decodes_exactly_the_topics_of_its_keys(projection):
    keys = {get_topic(k) for k in projection.handlers}
    assert {t for t in RELEASED if projection.handles(t)} == keys
    assert not projection.handles("domain.policy:Policy.NoSuchEvent")


def test_the_audit_trails_per_event_overrides_name_stored_event_classes():
    """The generic description's overrides (``event_facts``) are keyed like the handler tables."""
    for table in (event_facts.TITLES, event_facts.KEYS, event_facts.REFS, event_facts.SUMMARIES):
        assert table
        for key in table:
            assert _is_event(key), f"event_facts override key {key!r} is not an event class"
            assert get_topic(key) in RELEASED


def test_the_audit_trail_keeps_a_row_of_every_event():
    audit_trail = registry.get("audit_trail")
    assert all(audit_trail.handles(t) for t in RELEASED)


def test_a_handler_table_refuses_an_event_twice_and_keys_that_are_not_classes():
    from domain.policy import Policy

    def one(*_: Any) -> None: ...

    def other(*_: Any) -> None: ...

    joined = handler_table({Policy.Issued: one}, {Policy.Lapsed: other})
    assert by_topic(joined) == {"domain.policy:Policy.Issued": one, "domain.policy:Policy.Lapsed": other}
    with pytest.raises(DuplicateHandler, match=r"domain\.policy:Policy\.Issued"):
        handler_table({Policy.Issued: one}, {Policy.Issued: other})
    with pytest.raises(TypeError, match="event class"):
        handler_table({"Policy.Issued": one})
