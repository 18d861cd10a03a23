"""The read models behind the API: read-your-writes waits and the lag shown by /health.

``ReadModelHooks`` works whether the projections run in this process (``serve``
starts them by default) or in their own (``policytrail projections run``): it only
follows the tracking positions, which every projection NOTIFYs as it commits.
"""

from __future__ import annotations

import time
from typing import Any

from application.adapters.replica import replica_for
from application.app import PolicyTrail
from projections import registry
from projections.live import ProjectionService
from projections.source import ReadSide
from projections.status import status
from projections.waiting import PositionWatcher


class ReadModelHooks:
    """``wait_for`` and ``projection_status`` for ``create_api``; ``close`` when done."""

    def __init__(self, app: PolicyTrail, *, run_projections: bool = False) -> None:
        self.side = ReadSide.from_app(app)
        self.names = registry.names()
        self.service = ProjectionService(self.side).start() if run_projections else None
        self.watcher = PositionWatcher(self.side.url, self.side.schema)
        self.replica = replica_for(app)  # None: reads go to the primary

    def wait_for(self, position: int, timeout: float) -> bool:
        """True once every read model has committed ``position`` (False after ``timeout``)
        and, with a read replica, once the replica has replayed those commits."""
        deadline = time.monotonic() + timeout
        if not self.watcher.wait_for(self.names, position, timeout):
            return False
        if self.replica is None:
            return True
        return self.replica.wait_caught_up(deadline - time.monotonic())

    def projection_status(self) -> list[dict[str, Any]]:
        return [
            {"name": s.name, "position": s.position, "lag": s.lag, "state": s.state, "error": s.error}
            for s in status(self.side)
        ]

    def close(self) -> None:
        if self.service is not None:
            self.service.stop()
        self.watcher.close()

    def __enter__(self) -> ReadModelHooks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
