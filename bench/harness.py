"""The benchmark harness: own database, deterministic data, HDR percentiles, baselines."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from hdrh.histogram import HdrHistogram

from application.adapters.database import Database, resolve_database
from application.app import PolicyTrail
from application.clock import FixedClock
from application.settings import Settings, load_settings
from domain.shared.time import SHANGHAI

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
#: server settings that change the figures, recorded with every run
SERVER_SETTINGS = (
    "server_version",
    "fsync",
    "synchronous_commit",
    "shared_buffers",
    "wal_level",
    "autovacuum",
)


class Latencies:
    """An HDR histogram of latencies in microseconds (1 µs .. 60 s, 3 significant digits)."""

    def __init__(self) -> None:
        self.hist = HdrHistogram(1, 60_000_000, 3)

    def record_seconds(self, seconds: float) -> None:
        self.hist.record_value(max(1, int(seconds * 1_000_000)))

    @contextlib.contextmanager
    def time(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.record_seconds(time.perf_counter() - start)

    def merge(self, other: Latencies) -> None:
        self.hist.add(other.hist)

    @property
    def count(self) -> int:
        return int(self.hist.get_total_count())

    def percentiles_ms(self) -> dict[str, float]:
        if not self.count:
            return {}
        return {f"p{p:g}": round(self.hist.get_value_at_percentile(p) / 1000, 3) for p in (50, 95, 99)} | {
            "max": round(self.hist.get_max_value() / 1000, 3)
        }


@dataclass
class Figure:
    """One measured figure and its raw-PostgreSQL baseline from the same run."""

    scenario: str
    name: str
    unit: str  # e.g. "commands/s", "events/s", "ms"
    value: float
    baseline_name: str
    baseline: float | None
    higher_is_better: bool = True
    count: int = 0
    percentiles_ms: dict[str, float] = field(default_factory=dict)
    baseline_percentiles_ms: dict[str, float] = field(default_factory=dict)
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        """ours ÷ raw: for throughput < 1 means slower than raw; for latency > 1."""
        if not self.baseline:
            return None
        return self.value / self.baseline


T = TypeVar("T")


@dataclass
class BenchContext:
    settings: Settings
    database: Database
    quick: bool
    seed: int = 20260301
    _apps: list[PolicyTrail] = field(default_factory=list)
    #: the running scenario's set-up seconds by what (fresh store, seeding, …)
    _setup: dict[str, float] = field(default_factory=dict)
    _setup_depth: int = 0
    #: values built once per run (``shared``) and the apps they hold open until the run ends
    _shared: dict[str, Any] = field(default_factory=dict)
    _kept: list[PolicyTrail] = field(default_factory=list)
    _building_shared: int = 0

    @contextlib.contextmanager
    def setup(self, what: str) -> Iterator[None]:
        """Time set-up work (a fresh store, seeding, a server start) apart from the measuring,
        so a run can say where its time went; set-up inside set-up counts once, as the outer."""
        self._setup_depth += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self._setup_depth -= 1
            if not self._setup_depth:
                self._setup[what] = self._setup.get(what, 0.0) + time.perf_counter() - started

    def take_setup(self) -> dict[str, float]:
        """The set-up seconds recorded since the last call (one scenario's), by what."""
        taken, self._setup = self._setup, {}
        return taken

    def shared(self, key: str, build: Callable[[], T]) -> T:
        """``build()`` once per run, by the first scenario that asks; the others get the same value.

        For data several scenarios read (a seeded store, a demo month): its apps stay open
        until the run ends. A scenario using it must leave it as it found it for the others
        (read only, or write only where no other user looks), and must not rely on running
        first or alone: ``policytrail bench SCENARIO`` runs it without the others.
        """
        if key not in self._shared:
            self._building_shared += 1
            try:
                with self.setup(f"shared {key}"):
                    self._shared[key] = build()
            finally:
                self._building_shared -= 1
        return self._shared[key]

    def fresh_settings(self, **overrides: Any) -> Settings:
        tag = uuid.uuid4().hex[:8]
        return self.settings.model_copy(
            update={"events_schema": f"b{tag}_events", "read_schema": f"b{tag}_read", **overrides}
        )

    def fresh_app(self, clock: FixedClock | None = None, **overrides: Any) -> PolicyTrail:
        clock = clock or FixedClock(datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI))
        with self.setup("fresh store"):
            app = PolicyTrail(settings=self.fresh_settings(**overrides), database=self.database, clock=clock)
        (self._kept if self._building_shared else self._apps).append(app)
        return app

    def connect(self, **kwargs: Any) -> psycopg.Connection:
        return psycopg.connect(self.database.url, **kwargs)

    def close(self, *, shared: bool = False) -> None:
        """Close the running scenario's apps (and, with ``shared``, the run's shared ones)."""
        for app in self._apps + (self._kept if shared else []):
            app.close()
        self._apps.clear()
        if shared:
            self._kept.clear()
            self._shared.clear()


def environment(database: Database) -> dict[str, Any]:
    with psycopg.connect(database.url) as conn:
        settings = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in SERVER_SETTINGS}
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BENCH_DIR,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except OSError:
        commit = ""
    libs = {}
    for name in ("eventsourcing", "psycopg", "pydantic", "fastapi", "pgserver", "cryptography"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            libs[name] = metadata.version(name)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": "embedded (pgserver)" if database.embedded else "DSN",
        "postgres": settings,
        "libraries": libs,
        "git_commit": commit,
    }


Scenario = Callable[[BenchContext], list[Figure]]


@contextlib.contextmanager
def bench_database(settings: Settings) -> Iterator[Database]:
    """A database of its own on the configured (or embedded) server, dropped afterwards."""
    server = resolve_database(settings)
    name = f"policytrail_bench_{uuid.uuid4().hex[:8]}"
    with server.connect(autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.with_dbname(name)
    finally:
        with server.connect(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(
    scenarios: dict[str, Scenario], names: list[str], quick: bool, progress: Callable[[str], None] = print
) -> tuple[dict[str, Any], list[Figure]]:
    settings = load_settings()
    figures: list[Figure] = []
    started = time.perf_counter()
    with bench_database(settings) as database:
        env = environment(database)
        # where the time goes (issue #17: the quick run's budget): start-up is the server
        # (started here when embedded), the bench database and the environment read
        timings: dict[str, Any] = {"start-up_s": round(time.perf_counter() - started, 2), "scenarios": {}}
        env["timings"] = timings
        ctx = BenchContext(
            settings=settings.model_copy(update={"database_url": database.url}),
            database=database,
            quick=quick,
        )
        try:
            for name in names:
                progress(f"scenario {name} …")
                t0, cpu0 = time.perf_counter(), time.process_time()
                try:
                    got = scenarios[name](ctx)
                finally:
                    ctx.close()  # free each scenario's connections before the next
                wall = time.perf_counter() - t0
                setup = ctx.take_setup()
                timings["scenarios"][name] = {
                    "wall_s": round(wall, 2),
                    # this process's CPU (all its threads; not the server's, not spawned
                    # processes'): steadier than wall time on a shared machine
                    "cpu_s": round(time.process_time() - cpu0, 2),
                    "setup_s": {what: round(s, 2) for what, s in setup.items()},
                }
                figures.extend(got)
                _save_partial(env, figures, quick)
                progress(
                    f"scenario {name}: {len(got)} figures in {wall:.1f}s (set-up {sum(setup.values()):.1f}s)"
                )
        finally:
            ctx.close(shared=True)
    env["mode"] = "quick" if quick else "full"
    env["duration_s"] = round(time.perf_counter() - started, 1)
    env["seed"] = BenchContext.seed
    return env, figures


def _save_partial(env: dict[str, Any], figures: list[Figure], quick: bool) -> None:
    """Keep what was measured so far: a long full run that dies loses nothing done."""
    RESULTS_DIR.mkdir(exist_ok=True)
    payload = {
        "environment": env | {"mode": "quick" if quick else "full", "partial": True},
        "figures": [asdict(f) | {"ratio": f.ratio} for f in figures],
    }
    (RESULTS_DIR / f"partial-{'quick' if quick else 'full'}.json").write_text(
        json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8"
    )


def write_results(env: dict[str, Any], figures: list[Figure]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{stamp}-{env['mode']}.json"
    (RESULTS_DIR / f"partial-{env['mode']}.json").unlink(missing_ok=True)
    payload = {"environment": env, "figures": [asdict(f) | {"ratio": f.ratio} for f in figures]}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}{unit}"
    return f"{value:,.2f}{unit}"


def _run_line(env: dict[str, Any]) -> str:
    return (
        f"Run: {env['when']} · {env['mode']} mode · {env['duration_s']} s · seed {env['seed']} · "
        f"commit {env['git_commit'] or '?'}"
    )


def _machine_line(env: dict[str, Any]) -> str:
    pg = env["postgres"]
    return (
        f"Machine: {env['cpus']} CPUs, Python {env['python']}, PostgreSQL {pg['server_version']} "
        f"({env['database']}; fsync={pg['fsync']}, synchronous_commit={pg['synchronous_commit']}, "
        f"shared_buffers={pg['shared_buffers']}"
        + (f", autovacuum={pg['autovacuum']}" if "autovacuum" in pg else "")
        + "); "
        + ", ".join(f"{k} {v}" for k, v in env["libraries"].items())
    )


def _table(figures: list[Figure]) -> list[str]:
    lines = [
        "| scenario | figure | PolicyTrail | raw PostgreSQL baseline | ratio (ours ÷ raw) "
        "| p50 / p95 / p99 ms (ours) | p50 / p99 ms (raw) |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        pct = f.percentiles_ms
        bpct = f.baseline_percentiles_ms
        ours_pct = f"{pct['p50']} / {pct['p95']} / {pct['p99']}" if pct else "—"
        raw_pct = f"{bpct['p50']} / {bpct['p99']}" if bpct else "—"
        lines.append(
            f"| {f.scenario} | {f.name} | {_fmt(f.value)} {f.unit} | {f.baseline_name}: "
            f"{_fmt(f.baseline)} {f.unit if f.baseline is not None else ''} | {_fmt(f.ratio)} | "
            f"{ours_pct} | {raw_pct} |"
        )
    notes = [f"- {f.scenario} / {f.name}: {f.notes}" for f in figures if f.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    return lines


def timing_table(env: dict[str, Any]) -> list[str]:
    """Where a run's wall time went: per scenario, and how much of it was set-up (fresh
    stores, seeding, shared data, servers) rather than measuring."""
    timings = env.get("timings")
    if not timings:  # runs recorded before the timings were
        return []
    total = env.get("duration_s") or 0.0
    startup = timings["start-up_s"]

    def share(seconds: float) -> str:
        return f"{seconds / total:.0%}" if total else "—"

    lines = [
        f"Time: {total} s in all (wall clock; compare shares between runs, a loaded machine "
        "stretches every second)",
        "",
        "| scenario | wall s | share | set-up s | set-up by what | CPU s (bench process) |",
        "|---|---|---|---|---|---|",
        f"| start-up (server, bench database) | {startup:.1f} | {share(startup)} | {startup:.1f} | | |",
    ]
    for name, t in timings["scenarios"].items():
        setup = t["setup_s"]
        what = ", ".join(f"{k} {v:.1f}" for k, v in sorted(setup.items(), key=lambda kv: -kv[1]))
        lines.append(
            f"| {name} | {t['wall_s']:.1f} | {share(t['wall_s'])} | {sum(setup.values()):.1f} | {what} "
            f"| {t['cpu_s']:.1f} |"
        )
    return lines


def summary_table(env: dict[str, Any], figures: list[Figure]) -> str:
    lines = [_run_line(env), _machine_line(env), "", *_table(figures)]
    timing = timing_table(env)
    if timing:
        lines += ["", *timing]
    return "\n".join(lines)


def _scenario_order(label: str) -> tuple[int, str]:
    number = label.split(" ", 1)[0]
    return (int(number), label) if number.isdigit() else (10**6, label)


def merged_section(mode: str, results_dir: Path = RESULTS_DIR, database: str | None = None) -> str:
    """The newest figures of every scenario over this mode's result files.

    A run of some scenarios (``policytrail bench http``) replaces only those
    scenarios' rows; the others keep the run that measured them, and the section
    names every run it draws on (time, commit, which scenarios). ``database``
    ("DSN" or "embedded (pgserver)") keeps only the runs on that kind of server.
    """
    newest: dict[str, tuple[int, list[Figure]]] = {}
    runs: list[dict[str, Any]] = []
    for path in sorted(results_dir.glob(f"*-{mode}.json")):
        if path.name.startswith("partial-"):
            continue
        payload = json.loads(path.read_text(encoding="utf-8"))
        env = payload["environment"]
        if database is not None and env.get("database") != database:
            continue
        figures = [Figure(**{k: v for k, v in raw.items() if k != "ratio"}) for raw in payload["figures"]]
        by_scenario: dict[str, list[Figure]] = {}
        for f in figures:
            by_scenario.setdefault(f.scenario, []).append(f)
        for scenario, group in by_scenario.items():
            newest[scenario] = (len(runs), group)
        runs.append(env)
    if not runs:
        return "(not run yet)"
    ordered = sorted(newest.items(), key=lambda kv: _scenario_order(kv[0]))
    used: dict[int, list[str]] = {}
    for scenario, (run_index, _) in ordered:
        used.setdefault(run_index, []).append(scenario.split(" ", 1)[0])
    header = [
        f"{_run_line(runs[i])} · scenario{'s' if len(scenarios) > 1 else ''} {', '.join(scenarios)}"
        for i, scenarios in sorted(used.items())
    ]
    figures = [
        f for _, (_, group) in sorted(newest.items(), key=lambda kv: _scenario_order(kv[0])) for f in group
    ]
    return "\n".join([*header, _machine_line(runs[max(used)]), "", *_table(figures)])


#: quick runs are kept per kind of server: the embedded one (a Unix socket, the
#: default users run) beside a configured DSN (TCP), each with its newest figures
QUICK_DATABASES = (
    ("embedded (pgserver)", "Embedded database (pgserver, no POLICYTRAIL_DATABASE_URL)"),
    ("DSN", "DSN (POLICYTRAIL_DATABASE_URL, PostgreSQL over TCP)"),
)


def _section_body(mode: str, results_dir: Path = RESULTS_DIR) -> str:
    if mode != "quick":
        return merged_section(mode, results_dir)
    parts = [
        f"### {title}\n\n{merged_section(mode, results_dir, database)}" for database, title in QUICK_DATABASES
    ]
    return "\n\n".join(parts)


def update_results_md(env: dict[str, Any], figures: list[Figure]) -> None:
    """Rewrite the section of this mode (quick/full) in RESULTS.md from the result
    files (the newest figures of each scenario), keep the rest of the page."""
    mode = env["mode"]
    marker_start = f"<!-- {mode}:start -->"
    marker_end = f"<!-- {mode}:end -->"
    block = f"{marker_start}\n{_section_body(mode)}\n{marker_end}"
    text = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else _RESULTS_TEMPLATE
    if marker_start in text and marker_end in text:
        before = text.split(marker_start)[0]
        after = text.split(marker_end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS_MD.write_text(text, encoding="utf-8")


_RESULTS_TEMPLATE = """# Benchmark results

Produced by `policytrail bench` (or `python -m bench`); raw JSON in `bench/results/`.
Every PolicyTrail figure stands next to the raw-PostgreSQL baseline measured in the
same run on the same server. Ratio = PolicyTrail ÷ raw (throughput: below 1 is
slower than raw; latency: above 1 is slower than raw).

## Full mode

<!-- full:start -->
(not run yet)
<!-- full:end -->

## Quick mode (regression check, < 60 s)

<!-- quick:start -->
(not run yet)
<!-- quick:end -->
"""
