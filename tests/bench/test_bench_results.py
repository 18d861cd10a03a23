"""bench/RESULTS.md sections: the newest figures of each scenario, with their runs named."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from bench.harness import Figure, _section_body, merged_section


def write_run(folder: Path, stamp: str, commit: str, figures: list[Figure]) -> None:
    env = {
        "when": stamp,
        "mode": "full",
        "duration_s": 10.0,
        "seed": 1,
        "git_commit": commit,
        "cpus": 2,
        "python": "3.11",
        "database": "DSN",
        "postgres": {
            "server_version": "15",
            "fsync": "on",
            "synchronous_commit": "on",
            "shared_buffers": "1",
        },
        "libraries": {"eventsourcing": "9.5.6"},
    }
    payload = {"environment": env, "figures": [asdict(f) | {"ratio": f.ratio} for f in figures]}
    (folder / f"{stamp}-full.json").write_text(json.dumps(payload), encoding="utf-8")


def figure(scenario: str, name: str, value: float) -> Figure:
    return Figure(scenario, name, "events/s", value, "raw", value * 10)


def test_a_partial_run_replaces_only_its_scenarios_and_names_every_run(tmp_path):
    write_run(
        tmp_path, "20260101T000000Z", "aaa", [figure("1 single writer", "w", 1), figure("3 bulk", "old", 2)]
    )
    write_run(
        tmp_path, "20260102T000000Z", "bbb", [figure("3 bulk", "new a", 3), figure("3 bulk", "new b", 4)]
    )
    (tmp_path / "partial-full.json").write_text("{not json", encoding="utf-8")  # ignored
    section = merged_section("full", tmp_path)
    assert "commit aaa · scenario 1\n" in section
    assert "commit bbb · scenario 3\n" in section
    assert "| 3 bulk | old |" not in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [row.split(" | ")[1] for row in rows] == ["w", "new a", "new b"]
    assert "0.10" in rows[0]  # ratio ours ÷ raw


def test_no_runs_yet(tmp_path):
    assert merged_section("full", tmp_path) == "(not run yet)"


def write_quick_run(folder: Path, stamp: str, database: str, figures: list[Figure]) -> None:
    write_run(folder, stamp, "ccc", figures)
    path = folder / f"{stamp}-full.json"
    payload = json.loads(path.read_text(encoding="utf-8"))
    payload["environment"] |= {"mode": "quick", "database": database}
    path.unlink()
    (folder / f"{stamp}-quick.json").write_text(json.dumps(payload), encoding="utf-8")


def test_the_quick_section_keeps_the_embedded_and_the_dsn_tables_side_by_side(tmp_path):
    write_quick_run(tmp_path, "20260101T000000Z", "DSN", [figure("3 bulk", "over tcp", 5)])
    write_quick_run(tmp_path, "20260102T000000Z", "embedded (pgserver)", [figure("3 bulk", "over socket", 6)])
    body = _section_body("quick", tmp_path)
    embedded, dsn = body.split("### DSN")
    assert embedded.startswith("### Embedded database")
    assert "| over socket |" in embedded and "over tcp" not in embedded
    assert "| over tcp |" in dsn and "over socket" not in dsn  # a newer run of one kind never hides the other
    assert _section_body("full", tmp_path) == "(not run yet)"  # full mode: one table, as before
