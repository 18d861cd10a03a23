"""``policytrail import``: idempotent re-import, bad lines named and skipped, streaming."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from domain.agent import Agent
from domain.shared.actor import Actor
from interfaces.cli import cli
from interfaces.importer import command_types, import_file, import_lines
from tests.support import IMPORT_SAMPLE, ROOT, sample_lines


def event_count(app) -> int:
    with app.database.connect() as conn:
        return conn.execute(f"SELECT count(*) FROM {app.events_table}").fetchone()[0]


def test_the_sample_imports_cleanly_and_a_second_import_changes_nothing(app):
    first = import_file(app, IMPORT_SAMPLE)
    assert (first.applied, first.duplicate, first.rejected) == (len(sample_lines()), 0, 0)
    events = event_count(app)
    second = import_file(app, IMPORT_SAMPLE)
    assert (second.applied, second.duplicate, second.rejected) == (0, len(sample_lines()), 0)
    assert event_count(app) == events


def test_the_sample_has_every_policy_and_agent_command_and_the_dialers_facts():
    used = {json.loads(line)["type"] for line in sample_lines()}
    assert used >= {
        "RegisterAgent",
        "ChangeAgentRank",
        "ChangeAgentPhone",
        "RecordAgentDeparture",
        "IssuePolicy",
        "SignReceipt",
        "RegisterReceipt",
        "ChangeContact",
        "ReassignAgent",
        "CancelInCoolingOff",
        "LapsePolicy",
        "ReinstatePolicy",
        "RecordCallAttempt",
        "CheckIdentity",
        "RecordAnswers",
    }


def test_a_corrupt_line_is_named_and_the_rest_imports(app, tmp_path):
    lines = sample_lines()
    lines.insert(6, '{"line_id": "PAS-BROKEN", "type": "IssuePolicy", "occurred_at": "2026-02-0')
    path = tmp_path / "with-corrupt-line.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rejected = []
    summary = import_file(app, path, on_rejected=rejected.append)
    assert (summary.applied, summary.rejected) == (len(lines) - 1, 1)
    assert [(r.line_no, "not valid JSON" in r.reason) for r in rejected] == [(7, True)]


BAD_LINES = [
    ("[1, 2]", "must be a JSON object"),
    ('{"line_id": "X", "type": "SignReceipt"}', "occurred_at: Field required"),
    ('{"line_id": "X", "type": "SignReceipt", "occurred_at": "2026-02-01T10:00:00"}', "timezone"),
    (
        '{"line_id": "X", "type": "SignRecept", "occurred_at": "2026-02-01T10:00:00+08:00"}',
        "did you mean SignReceipt",
    ),
    (
        '{"line_id": "X", "type": "SignReceipt", "occurred_at": "2026-02-01T10:00:00+08:00", '
        '"data": {"policy_number": "P2026020001"}}',
        "data.signed_on: Field required",
    ),
    (
        '{"line_id": "X", "type": "SignReceipt", "occurred_at": "2026-02-01T10:00:00+08:00", '
        '"data": {"policy_number": "P2099999999", "signed_on": "2026-02-01"}}',
        "not found",
    ),
    (
        '{"line_id": "X", "type": "SignReceipt", "occurred_at": "2026-02-01T10:00:00+08:00", '
        '"data": {"policy_number": "P2099999999", "signed_on": "2026-02-01", "command_id": "c"}}',
        "data.command_id is not allowed",
    ),
    (
        '{"line_id": "X", "type": "ChangeContact", "occurred_at": "2026-02-01T10:00:00+08:00", '
        '"data": {"policy_number": "P2099999999", "phone": "139\\u00001111"}}',
        "NUL",
    ),
    (
        '{"line_id": "X", "type": "IssuePolicy", "occurred_at": "2026-02-01T10:00:00+08:00", "extra": 1}',
        "extra: Extra inputs are not permitted",
    ),
]


@pytest.mark.parametrize(("text", "reason"), BAD_LINES)
def test_each_bad_line_gets_a_readable_reason(app, text, reason):
    rejected = []
    summary = import_lines(app, [b"\n", text.encode()], Actor.system("t"), on_rejected=rejected.append)
    assert summary.rejected == 1 and rejected[0].line_no == 2
    assert reason in rejected[0].reason


def test_a_rule_refusal_is_a_rejected_line_with_the_rule(app):
    lines = [line.encode() for line in sample_lines()[:12]]
    refused = {
        "line_id": "PAS-RCPT-REG-AGAIN",
        "type": "RegisterReceipt",
        "occurred_at": "2026-02-06T10:00:00+08:00",
        "data": {"policy_number": "P2026020001", "registered_on": "2026-02-06"},
    }
    rejected = []
    import_lines(app, [*lines, json.dumps(refused).encode()], Actor.system("t"), on_rejected=rejected.append)
    assert [r.line_id for r in rejected] == ["PAS-RCPT-REG-AGAIN"]
    assert "[CB-05]" in rejected[0].reason


def test_bytes_that_are_not_utf8_reject_only_their_line(app):
    rejected = []
    summary = import_lines(
        app, [b"\xff\xfe{}", sample_lines()[0].encode()], Actor.system("t"), on_rejected=rejected.append
    )
    assert (summary.applied, summary.rejected) == (1, 1)
    assert "not UTF-8" in rejected[0].reason


@pytest.mark.parametrize("batch_size", [1, 4])
def test_lines_are_read_one_batch_at_a_time(app, batch_size):
    """Streaming: at most one batch is read ahead of what was executed."""
    handled: list[int] = []
    read = 0

    def lines():
        nonlocal read
        for line in sample_lines():
            assert read - len(handled) < batch_size  # nothing more read ahead, nothing kept
            read += 1
            yield line.encode()

    import_lines(
        app,
        lines(),
        Actor.system("t"),
        on_line=lambda n, size: handled.append(n),
        batch_size=batch_size,
    )
    assert handled == list(range(1, len(sample_lines()) + 1))


def test_the_same_line_id_in_another_file_is_a_duplicate(app, tmp_path):
    import_file(app, IMPORT_SAMPLE)
    copy = tmp_path / "redelivered.jsonl"
    copy.write_text(sample_lines()[3] + "\n", encoding="utf-8")
    summary = import_file(app, copy)
    assert (summary.applied, summary.duplicate) == (0, 1)


def test_the_importer_knows_every_registered_command(app):
    """Every command but those that only the API/CLI may issue (erasure, read records, export access)."""
    assert set(command_types(app)) == {cls.command_type for cls in app.registry.handlers if cls.importable}
    assert len(command_types(app)) == len(app.registry.handlers) - 3
    assert "RecordUnmaskedExport" not in command_types(app)  # only an export records its access (RC-03)


def test_the_actor_is_the_importer_naming_the_file(app):
    import_file(app, IMPORT_SAMPLE)
    event = next(iter(app.events.get(Agent.id_for("A0001"))))
    assert (event.actor.id, event.actor.role) == ("importer:import-sample.jsonl", "system")
    assert event.command_id == "import:HR-AGENT-A0001"


# ----- the command line ------------------------------------------------------------------
def test_import_on_the_command_line_summarises_and_exits_by_outcome(app, env, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["import", str(IMPORT_SAMPLE)], env=env)
    assert ok.exit_code == 0, ok.output
    assert "applied 已导入" in ok.stdout and str(len(sample_lines())) in ok.stdout

    bad = tmp_path / "bad.jsonl"
    bad.write_text(sample_lines()[0] + "\nnot json\n", encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    result = runner.invoke(cli, ["import", str(bad), "--rejects", str(rejects)], env=env)
    assert result.exit_code == 1
    assert "line 2:" in result.stderr
    kept = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert [(k["line"], k["text"]) for k in kept] == [(2, "not json")]

    missing = runner.invoke(cli, ["import", str(tmp_path / "nope.jsonl")], env=env)
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_the_format_document_lists_every_command_type(app):
    doc = (ROOT / "docs" / "import-format.md").read_text(encoding="utf-8")
    missing = [t for t in command_types(app) if f"`{t}`" not in doc]
    assert not missing, f"docs/import-format.md lacks {missing}"
