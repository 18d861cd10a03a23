"""Running the plan (执行计划) through ``app.execute``, and finding earlier runs.

Business days run one after the other; inside a day, lanes (steps touching disjoint
aggregates) run on a few threads, each lane in time order. A step refused by the
application is a bug of the generator: the run stops and names the step. Running
the same plan again stores nothing (command ids are deterministic, ``app.execute``
answers a known id with its first answer), so an interrupted run resumes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from psycopg.sql import SQL, Identifier

from domain.shared.aggregate import recording_at
from domain.shared.errors import DomainError
from domain.shared.time import SHANGHAI
from interfaces.demo.plan import HISTORY, SETUP, Plan, Step

if TYPE_CHECKING:
    from application.app import PolicyTrail
    from application.results import CommandResult

StepCallback = Callable[[Step, "CommandResult"], None]
PhaseCallback = Callable[[str], None]


class DemoStepFailed(DomainError):
    """The application refused a planned step (a generator bug, or a changed rule)."""

    kind = "demo-step-failed"


@dataclass
class RunReport:
    executed: int = 0  # stored events
    repeated: int = 0  # already stored by an earlier run
    no_effect: int = 0  # accepted, nothing changed (should not happen)
    events: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, result: CommandResult) -> None:
        with self._lock:
            if result.duplicate:
                self.repeated += 1
            elif result.positions:
                self.executed += 1
                self.events += len(result.positions)
            else:
                self.no_effect += 1


#: the history before the month (agents joining, old books) was imported at this moment
#: before the month's first phase: those events are the deliberate late entries (补录)
IMPORT_LEAD = timedelta(days=21)


def record_time(plan: Plan, step: Step) -> datetime:
    """When the simulated system records ``step``: within two minutes of its business
    time, except the imported history, recorded at once when the system went live."""
    if plan.phase_of(step) in (SETUP, HISTORY):  # the branch registry too: set up at go-live
        return datetime.combine(plan.config.first_day - IMPORT_LEAD, time(7, 0), tzinfo=SHANGHAI)
    return step.at + timedelta(seconds=30 + step.seq % 90)


def run_plan(
    app: PolicyTrail,
    plan: Plan,
    *,
    workers: int = 4,
    on_step: StepCallback | None = None,
    on_phase: PhaseCallback | None = None,
) -> RunReport:
    report = RunReport()
    stop = threading.Event()

    def run_lane(steps: list[Step]) -> None:
        for step in steps:
            if stop.is_set():
                return
            try:
                with recording_at(record_time(plan, step)):
                    result = app.execute(step.command, step.actor)
            except DomainError as exc:
                stop.set()
                raise DemoStepFailed(
                    f"demo step {step.command_type} {step.command_id} at {step.at.isoformat()} "
                    f"was refused: {exc}",
                    f"演示步骤 {step.command_type} {step.command_id} 被拒绝：{exc}",
                ) from exc
            report.add(result)
            if on_step is not None:
                on_step(step, result)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="demo") as pool:
        for phase, lanes in plan.phases():
            if on_phase is not None:
                on_phase(phase)
            if workers <= 1:
                for lane in lanes:
                    run_lane(lane)
                continue
            # longest lanes first, so that no thread is left with a long tail
            futures = [pool.submit(run_lane, lane) for lane in sorted(lanes, key=len, reverse=True)]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for future in done:
                error = future.exception()
                if error is not None:
                    stop.set()
                    wait(futures)
                    raise error
    return report


# ----- earlier runs (the command log) --------------------------------------------------------
def stored_demos(app: PolicyTrail) -> dict[str, int]:
    """Command-id prefix (``demo/<seed>/<month>/<policies>``) → commands stored for it."""
    table = SQL("{}.{}").format(
        Identifier(app.settings.events_schema), Identifier(app.trail_recorder.commands_table_name)
    )
    query = SQL(
        "SELECT substring(command_id from '^demo/[^/]+/[^/]+/[^/]+'), count(*) FROM {} "
        "WHERE command_id LIKE 'demo/%%' GROUP BY 1"
    ).format(table)
    with app.database.connect() as conn:
        return {prefix: count for prefix, count in conn.execute(query).fetchall()}
