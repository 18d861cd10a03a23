"""CPU per event of rebuilds (``python -m bench.rebuild_cpu [NAME…|together] [--events N]``).

On a shared machine wall-clock rates say little; CPU time does. For each rebuild this
prints this process's CPU per event (both threads: reader and writer) and that of the
PostgreSQL backends of the benchmark database (``/proc``: the server must run on this
machine), next to the wall-clock rate. The data (``bench_projections.seed`` +
``multiply``) is built once in schemas named by ``--tag`` and kept for the next run.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from datetime import datetime

import psycopg

from application.app import PolicyTrail
from application.clock import FixedClock
from application.settings import load_settings
from bench import bench_projections as bp
from domain.shared.time import SHANGHAI
from projections import registry
from projections.rebuild import rebuild
from projections.source import ReadSide
from projections.together import Together


class BackendCpu:
    """CPU seconds of the database's other backends, sampled every 20 ms from /proc."""

    def __init__(self, url: str) -> None:
        self._seconds: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(url,), daemon=True)
        self._thread.start()

    def total(self) -> float:
        time.sleep(0.1)  # one more sample after the work
        return sum(self._seconds.values())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self, url: str) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        with psycopg.connect(url, autocommit=True) as conn:
            while not self._stop.is_set():
                pids = conn.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                for (pid,) in pids:
                    try:
                        with open(f"/proc/{pid}/stat") as stat:
                            fields = stat.read().rsplit(")", 1)[1].split()
                    except OSError:  # ended, or the server runs elsewhere
                        continue
                    self._seconds[pid] = (int(fields[11]) + int(fields[12])) / tick
                time.sleep(0.02)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild_cpu", description=__doc__)
    parser.add_argument("names", nargs="*", help="projections, or 'together' (default: each, then together)")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed-commands", type=int, default=300)
    parser.add_argument("--tag", default="cpu", help="schema prefix of the kept data")
    args = parser.parse_args(argv)
    for name in args.names:
        if name != "together" and name not in registry.names():
            parser.error(f"unknown projection {name!r}; known: {', '.join(registry.names())}, together")
    settings = load_settings()
    settings = settings.model_copy(
        update={"events_schema": f"{args.tag}_events", "read_schema": f"{args.tag}_read"}
    )
    app = PolicyTrail(settings=settings, clock=FixedClock(datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI)))
    try:
        if app.max_position() == 0:
            bp.seed(app, args.seed_commands)
            bp.multiply(app, args.events)
        total = app.max_position()
        side = ReadSide.from_app(app)
        backends = BackendCpu(app.database.url)
        print(f"{total:,} events ({settings.events_schema})")
        for name in args.names or [*registry.names(), "together"]:
            projection = Together(registry.resolve(None)) if name == "together" else registry.get(name)
            before, cpu, started = backends.total(), time.process_time(), time.perf_counter()
            rebuild(side, projection)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            server = backends.total() - before
            print(
                f"{name:12s} {total / wall:9,.0f} events/s  CPU/event: here {1e6 * cpu / total:6.1f} µs,"
                f" PostgreSQL {1e6 * server / total:6.1f} µs"
            )
        backends.close()
    finally:
        app.close()


if __name__ == "__main__":
    main()
