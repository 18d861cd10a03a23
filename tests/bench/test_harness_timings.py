"""The harness says where a run's time went, and builds shared data once per run."""

from __future__ import annotations

from typing import Any

import pytest

from application.app import PolicyTrail
from bench import harness
from bench.harness import BenchContext, Figure, run, summary_table


@pytest.fixture(autouse=True)
def results_elsewhere(tmp_path, monkeypatch):
    """run() keeps partial results: not in the repository's bench/results."""
    monkeypatch.setattr(harness, "RESULTS_DIR", tmp_path)


def test_each_scenario_reports_its_wall_cpu_and_set_up_and_shared_data_is_built_once():
    builds: list[PolicyTrail] = []
    seen: dict[str, Any] = {}

    def build(ctx: BenchContext) -> PolicyTrail:
        app = ctx.fresh_app()
        builds.append(app)
        return app

    def first(ctx: BenchContext) -> list[Figure]:
        shared = ctx.shared("store", lambda: build(ctx))
        seen["first"] = shared
        with ctx.setup("seed"), ctx.setup("inner"):  # set-up inside set-up counts once, as the outer
            ctx.fresh_app()
        return [Figure("1 a", "x", "ops/s", 1.0, "raw", 2.0)]

    def second(ctx: BenchContext) -> list[Figure]:
        shared = ctx.shared("store", lambda: build(ctx))
        seen["second"] = shared
        seen["open in second"] = not shared.closing.is_set()  # not closed with the first scenario
        shared.max_position()
        return []

    env, figures = run({"first": first, "second": second}, ["first", "second"], quick=True, progress=print)

    assert len(builds) == 1 and seen["first"] is seen["second"] is builds[0]
    assert seen["open in second"]
    assert builds[0].closing.is_set()  # closed when the run ended
    timings = env["timings"]
    assert list(timings["scenarios"]) == ["first", "second"]
    one, two = timings["scenarios"]["first"], timings["scenarios"]["second"]
    assert set(one["setup_s"]) == {"shared store", "seed"}  # the build's fresh store counts as the build
    assert two["setup_s"] == {}  # the shared store was already there
    assert sum(one["setup_s"].values()) <= one["wall_s"]
    assert {"wall_s", "cpu_s"} <= set(one) and timings["start-up_s"] >= 0

    printed = summary_table(env, figures)
    assert "| first |" in printed and "| second |" in printed
    assert "| start-up (server, bench database) |" in printed
    assert "shared store" in printed


def test_a_run_recorded_before_timings_prints_no_time_table():
    env = {
        "when": "2026-01-01T00:00:00+00:00",
        "mode": "quick",
        "duration_s": 1.0,
        "seed": 1,
        "git_commit": "abc",
        "cpus": 2,
        "python": "3.11",
        "database": "DSN",
        "postgres": {
            "server_version": "15",
            "fsync": "on",
            "synchronous_commit": "on",
            "shared_buffers": "1",
        },
        "libraries": {},
    }
    assert "set-up" not in summary_table(env, [])
