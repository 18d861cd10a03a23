"""Contracts that keep the system honest: layers, event versions and topics, settings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from eventsourcing.utils import get_topic, resolve_topic
from typer.testing import CliRunner

import application.handlers  # noqa: F401  (imports every aggregate module)
from application.settings import SettingsError, load_settings
from domain.shared.aggregate import TrailAggregate
from tests.support import ROOT

TOPICS_FILE = ROOT / "tests" / "event_topics.txt"


def test_layers_are_enforced_by_import_linter():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    run = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "domain is pure" in run.stdout and "BROKEN" not in run.stdout


def test_domain_uses_only_the_librarys_domain_module():
    """import-linter cannot forbid sub-packages of external packages; check them here."""
    import ast

    offenders = []
    for path in (ROOT / "domain").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("eventsourcing") and name != "eventsourcing.domain":
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


def _aggregates() -> list[type[TrailAggregate]]:
    found, todo = [], list(TrailAggregate.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [c for c in found if c.__module__.startswith("domain.")]


def _event_classes() -> list[type]:
    events = []
    for agg in _aggregates():
        for value in vars(agg).values():
            if (
                isinstance(value, type)
                and issubclass(value, TrailAggregate.Event)
                and value.__name__ not in {"Event", "Created"}
            ):
                events.append(value)
    return events


def test_every_event_class_declares_its_version():
    # The library re-bases nested event classes, so look at the class as written too.
    def declared(e: type) -> bool:
        return any("class_version" in vars(k) for k in e.__mro__ if k.__qualname__ == e.__qualname__)

    missing = [get_topic(e) for e in _event_classes() if not declared(e)]
    assert not missing, f"events without class_version: {missing}"


def test_every_event_class_documents_itself():
    undocumented = [get_topic(e) for e in _event_classes() if not (e.__doc__ or "").strip()]
    assert not undocumented, f"events without a docstring: {undocumented}"


def test_stored_event_topics_never_disappear():
    """Events are forever (RC-02): every topic ever released must still resolve.

    A new event class must be added to tests/event_topics.txt on purpose; a renamed or
    moved class needs ``register_topic(old, cls)`` so old events still load.
    """
    released = [line.strip() for line in TOPICS_FILE.read_text().splitlines() if line.strip()]
    for topic in released:
        resolve_topic(topic)  # raises TopicError if gone
    current = sorted(get_topic(e) for e in _event_classes())
    unreleased = sorted(set(current) - set(released))
    assert not unreleased, f"add these new event topics to {TOPICS_FILE.name}: {unreleased}"


def test_settings_defaults_are_the_rules_numbers():
    rules = load_settings().rules
    assert rules.callback.cooling_off_days["银保"] == 15 and rules.callback.cooling_off_days["个险"] == 10
    assert rules.callback.receipt_registration_lag_days == 1
    assert (rules.callback.attempts_per_cycle, rules.callback.cycle_days) == (3, 7)
    assert rules.callback.questionnaire_b_after_days == 18
    assert rules.callback.duplicate_phone_threshold == 3
    assert rules.work_order.misleading_working_days == 15
    assert rules.work_order.warning_lead_days == 2


def test_settings_from_environment_and_partial_override(monkeypatch):
    monkeypatch.setenv("POLICYTRAIL_RULES__CALLBACK__COOLING_OFF_DAYS", '{"银保": 20}')
    monkeypatch.setenv("POLICYTRAIL_RULES__CALLBACK__ATTEMPTS_PER_CYCLE", "4")
    rules = load_settings().rules
    assert rules.callback.cooling_off_days["银保"] == 20
    assert rules.callback.cooling_off_days["个险"] == 10  # untouched channels keep the default
    assert rules.callback.attempts_per_cycle == 4


def test_settings_from_toml_file(tmp_path, monkeypatch):
    config = tmp_path / "policytrail.toml"
    config.write_text("[rules.work_order]\nwarning_lead_days = 3\n", encoding="utf-8")
    monkeypatch.setenv("POLICYTRAIL_CONFIG", str(config))
    assert load_settings().rules.work_order.warning_lead_days == 3


@pytest.mark.parametrize(
    ("env", "value", "named"),
    [
        (
            "POLICYTRAIL_RULES__CALLBACK__ATTEMPTS_PER_CYCLE",
            "0",
            "POLICYTRAIL_RULES__CALLBACK__ATTEMPTS_PER_CYCLE",
        ),
        ("POLICYTRAIL_RULES__CALLBACK__CYCLE_DAYS", "abc", "cycle_days"),
        ("POLICYTRAIL_DATABASE_URL", "mysql://x", "database_url"),
        ("POLICYTRAIL_EVENTS_SCHEMA", "Bad-Name", "events_schema"),
        ("POLICYTRAIL_RULES__CALLBACK__WEEKDAY_WINDOWS", '[{"start": "08:00", "end": "12:00"}]', "REG-05"),
        ("POLICYTRAIL_RULES__ALLOCATION__SHARES", '{"满期": "0.5"}', "add up to 1"),
    ],
)
def test_a_bad_setting_is_a_clear_error_naming_it(monkeypatch, env, value, named):
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_cli_db_shows_the_database(database, monkeypatch):
    from interfaces.cli import cli

    monkeypatch.setenv("POLICYTRAIL_DATABASE_URL", database.url)
    result = CliRunner().invoke(cli, ["db"])
    assert result.exit_code == 0, result.output
    assert "events" in result.output and "last position" in result.output


def test_cli_reports_an_unreachable_database_in_one_line(monkeypatch):
    from interfaces.cli import cli

    monkeypatch.setenv("POLICYTRAIL_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(cli, ["db"])
    assert result.exit_code == 2
    assert "cannot connect" in result.output


def test_the_cli_also_runs_as_a_module():
    """``python -m interfaces.cli`` is the console script (every sub-command registered)."""
    command = [sys.executable, "-m", "interfaces.cli", "--help"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    for command in ("import", "projections", "serve", "bench", "demo", "token", "tick"):
        assert command in run.stdout
