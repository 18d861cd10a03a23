"""Scenario 8: the monthly export's callbacks file, N rows per format (XLSX, CSV, JSONL).

The read-model rows are made directly in the database (``INSERT … SELECT`` over
``generate_series``: scorecard_callbacks plus their CB-03 and CB-05 timeliness rows),
not through commands: the scenario measures the export, not the write path. The
export reads them through its own query (the same joins as a real export; the audit
trail holds no events for these rows, so its per-callback lookups find nothing) and
writes one file per format, streaming, then all three formats from one query in one
pass (what ``policytrail export`` does). Peak RSS growth is sampled from
/proc/self/statm while each file is written.

Baseline: ``COPY (SELECT <the same rows and joins>) TO STDOUT (FORMAT csv)`` into a
file, in the same run.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from psycopg.sql import SQL, Identifier

from application.app import PolicyTrail
from bench.harness import BenchContext, Figure
from interfaces.exports.datasets import CALLBACK_COLUMNS, callback_rows
from interfaces.exports.package import ExportRequest, _snapshot
from interfaces.exports.writers import FORMATS, write_file, write_files
from projections import registry
from projections.live import LiveRunner
from projections.source import ReadSide

MONTH = "2026-03"

_FILL = """
INSERT INTO {s}.scorecard_callbacks
SELECT md5('cb' || i)::uuid, 'P' || lpad(i::text, 10, '0'),
       (ARRAY['北京分公司', '上海分公司', '广州分公司'])[1 + i %% 3],
       (ARRAY['个险', '银保', '电销'])[1 + (i / 3) %% 3],
       (ARRAY['传统', '分红', '万能', '投连'])[1 + i %% 4],
       'A' || lpad((i %% 600)::text, 4, '0'), %(month)s,
       date '2026-03-01' + i %% 28, date '2026-03-11' + i %% 28, i %% 97 = 0, 1,
       (ARRAY['标准件', '标准件', '标准件', '次标准件', '问题件', '核实件', ''])[1 + i %% 7],
       CASE WHEN i %% 7 = 4 THEN '疑似误导类' ELSE '' END,
       CASE WHEN i %% 7 = 5 THEN '联系不上' ELSE '' END,
       i %% 7 < 5, i %% 7 < 5 AND i %% 11 <> 0, CASE WHEN i %% 7 < 5 THEN date '2026-03-02' + i %% 28 END,
       i %% 7 = 4, i %% 7 = 4, false, false
  FROM generate_series(1, %(n)s) AS i
"""
_FILL_TIMELINESS = """
INSERT INTO {s}.timeliness
SELECT r.rule_id || ':' || r.subject_id, r.rule_id, r.kind, '', r.subject_type, r.subject_id,
       c.policy_number, c.branch, c.channel, c.product_type, c.agent_code,
       r.started_at, r.due_at, r.done_at, NULL, false, '', NULL, ''
  FROM {s}.scorecard_callbacks AS c
  CROSS JOIN LATERAL (VALUES
     ('CB-03', '犹豫期内回访成功', 'callback', c.callback_id,
      c.registered_on::timestamptz, (c.cooling_off_end + 1)::timestamptz - interval '1 microsecond',
      c.completed_on::timestamptz + interval '10 hours'),
     ('CB-05', '回执回销时效', 'policy', md5('p' || c.policy_number)::uuid,
      (c.registered_on - 1)::timestamptz, (c.registered_on + 1)::timestamptz - interval '1 microsecond',
      c.registered_on::timestamptz + interval '9 hours')
  ) AS r(rule_id, kind, subject_type, subject_id, started_at, due_at, done_at)
"""
_BASELINE = """
COPY (SELECT c.*, r.started_at, d.due_at, d.done_at
        FROM {s}.scorecard_callbacks AS c
        LEFT JOIN {s}.timeliness AS d ON d.obligation_id = 'CB-03:' || c.callback_id::text
        LEFT JOIN {s}.timeliness AS r ON r.policy_number = c.policy_number AND r.rule_id = 'CB-05'
       WHERE c.month = '2026-03' ORDER BY c.policy_number, c.callback_id) TO STDOUT (FORMAT csv)
"""


class PeakRss:
    """Samples the resident set size every 20 ms; ``growth_mb``: peak minus start."""

    def __init__(self) -> None:
        self._page = os.sysconf("SC_PAGE_SIZE")
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * self._page

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def export_callbacks(ctx: BenchContext) -> list[Figure]:
    n = 5_000 if ctx.quick else 1_000_000
    app = ctx.fresh_app()
    with ctx.setup(f"{n:,} callbacks' read-model rows"):
        _fill(ctx, app, n)
    schema = Identifier(app.settings.read_schema)
    figures = []
    with tempfile.TemporaryDirectory(prefix="policytrail-bench-export-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        with (
            ctx.connect() as conn,
            (folder / "baseline.csv").open("wb") as out,
            conn.cursor().copy(SQL(_BASELINE).format(s=schema)) as copy,
        ):
            for chunk in copy:
                out.write(chunk)
        baseline = time.perf_counter() - t0
        request = ExportRequest.of(MONTH)
        for fmt in FORMATS:
            with _snapshot(app, request, 0) as snap, PeakRss() as rss:
                t0 = time.perf_counter()
                written = write_file(
                    folder / f"callbacks.{fmt}",
                    fmt,
                    CALLBACK_COLUMNS,
                    callback_rows(snap, request.period()),
                    "callbacks",
                )
                elapsed = time.perf_counter() - t0
            assert written.rows == n, (written.rows, n)
            figures.append(_figure(f"callbacks.{fmt}", n, elapsed, baseline, written.size, rss.growth_mb))
        # what `policytrail export` does: one query, the rows written to the three formats in one pass
        with _snapshot(app, request, 0) as snap, PeakRss() as rss:
            t0 = time.perf_counter()
            all_three = write_files(
                [(folder / f"all.{fmt}", fmt) for fmt in FORMATS],
                CALLBACK_COLUMNS,
                callback_rows(snap, request.period()),
                "callbacks",
            )
            elapsed = time.perf_counter() - t0
        assert [w.rows for w in all_three] == [n] * 3
        size = sum(w.size for w in all_three)
        figures.append(
            _figure("callbacks.xlsx+csv+jsonl in one pass", n, elapsed, baseline, size, rss.growth_mb)
        )
    return figures


def _fill(ctx: BenchContext, app: PolicyTrail, n: int) -> None:
    """The read-model tables (log empty), ``n`` callbacks' rows by SQL, the readers' indexes."""
    side = ReadSide.from_app(app)
    for name in ("audit_trail", "timeliness", "scorecards"):  # tables and positions (log empty)
        LiveRunner(side, registry.get(name)).run(catch_up_only=True)
    schema = Identifier(app.settings.read_schema)
    with ctx.connect(autocommit=True) as conn:
        conn.execute(SQL(_FILL).format(s=schema), {"month": MONTH, "n": n})
        conn.execute(SQL(_FILL_TIMELINESS).format(s=schema))
        for projection in ("timeliness", "scorecards"):  # the readers' indexes, as after a catch-up
            for statement in registry.get(projection).statements(app.settings.read_schema, deferred=True):
                text = statement.as_string(conn)
                conn.execute(text.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))  # type: ignore[call-overload]
        conn.execute(SQL("ANALYZE {s}.scorecard_callbacks").format(s=schema))
        conn.execute(SQL("ANALYZE {s}.timeliness").format(s=schema))


def _figure(what: str, n: int, elapsed: float, baseline: float, size: int, growth_mb: float) -> Figure:
    return Figure(
        "8 export",
        f"{what}, {n:,} rows",
        "s",
        elapsed,
        "COPY (SELECT same rows) TO STDOUT",
        baseline,
        higher_is_better=False,
        count=n,
        notes=(
            f"{n / elapsed:,.0f} rows/s, {size / 2**20:,.0f} MB file(s), "
            f"peak RSS growth {growth_mb:,.0f} MB (target: ≤ 30 s per format and < 200 MB at 1M rows)"
        ),
    )
