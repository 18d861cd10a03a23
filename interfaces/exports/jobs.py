"""Export jobs of the HTTP API (导出任务): ``POST /exports`` queues one, a worker thread
builds it into ``<data dir>/exports/<job id>/``.

A job is visible to the token that asked for it only (another token gets 404, as
for an id that does not exist): job ids are random (122 bits), never derived from
the parameters. Files are served by looking the name up in the job's own list of
files, never by joining a requested path.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from application.app import PolicyTrail
from domain.shared.actor import Actor
from domain.shared.errors import DomainError
from interfaces.exports.ledger_evidence import ExportKeyError
from interfaces.exports.manifest import MANIFEST
from interfaces.exports.package import READ_MODELS, ExportRequest, build_export

CatchUp = Callable[[], None]
#: unfinished jobs one token may have: a token cannot queue work without bound
MAX_UNFINISHED_PER_TOKEN = 2


class TooManyJobs(Exception):
    """The token already has its share of unfinished export jobs."""


def catch_up_in_thread(app: PolicyTrail) -> CatchUp:
    """Bring the read models an export uses to the head of the log, in the job's thread
    (when no projection runner runs in this process)."""

    def run() -> None:
        from projections import registry
        from projections.live import LiveRunner
        from projections.source import ReadSide

        side = ReadSide.from_app(app)
        for name in READ_MODELS:
            LiveRunner(side, registry.get(name)).run(catch_up_only=True)

    return run


@dataclass
class ExportJob:
    id: str
    owner: str  # token id of the caller who asked
    request: ExportRequest
    folder: Path
    status: str = "queued"  # queued / running / done / failed
    error: str = ""
    error_zh: str = ""
    manifest: dict[str, Any] | None = None
    files: tuple[str, ...] = field(default=())

    def file(self, name: str) -> Path | None:
        """The path of a file this job wrote, by exact name (anything else: None)."""
        if self.status != "done" or name not in self.files:
            return None
        return self.folder / name


class ExportJobs:
    """The jobs of one API process (in memory; the folders stay on disk)."""

    def __init__(self, app: PolicyTrail, root: Path, catch_up: CatchUp | None = None) -> None:
        self.app = app
        self.root = Path(root)
        self.catch_up = catch_up
        self._jobs: dict[str, ExportJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")

    def submit(self, owner: str, actor: Actor, request: ExportRequest) -> ExportJob:
        job_id = uuid.uuid4().hex
        job = ExportJob(job_id, owner, request, self.root / job_id)
        with self._lock:
            unfinished = sum(
                1 for j in self._jobs.values() if j.owner == owner and j.status in ("queued", "running")
            )
            if unfinished >= MAX_UNFINISHED_PER_TOKEN:
                raise TooManyJobs(owner)
            self._jobs[job_id] = job
        self._pool.submit(self._run, job, actor)
        return job

    def get(self, job_id: str, owner: str) -> ExportJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def _run(self, job: ExportJob, actor: Actor) -> None:
        job.status = "running"
        try:
            result = build_export(self.app, job.request, job.folder, actor, catch_up=self.catch_up)
        except (DomainError, ExportKeyError) as exc:
            job.error = getattr(exc, "message_en", None) or str(exc)
            job.error_zh = getattr(exc, "message_zh", "") or str(exc)
            job.status = "failed"
            return
        except Exception as exc:  # a job must end in a state the caller can see
            job.error = f"internal error ({type(exc).__name__})"
            job.error_zh = "内部错误"
            job.status = "failed"
            raise
        job.manifest = result.manifest
        job.files = (*(f["name"] for f in result.manifest["files"]), MANIFEST)
        job.status = "done"

    def close(self) -> None:
        self._pool.shutdown(wait=True)
