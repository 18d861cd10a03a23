"""Build one export folder (导出包): data files in the chosen formats, events.jsonl and
the signed manifest, all from one consistent snapshot of the read models.

The snapshot is a REPEATABLE READ transaction in which the read models used
(audit_trail, timeliness, scorecards) stand at the same log position; while a live
runner moves them, the build waits briefly and tries again. Same parameters at the
same position give byte-identical data files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from application.app import PolicyTrail
from application.personal_data.access import RecordUnmaskedExport
from domain.personal_data_access import MIN_REASON_LENGTH
from domain.planner_score import month_key
from domain.shared.actor import Actor
from domain.shared.errors import DomainError, InvalidInput
from domain.shared.time import SHANGHAI
from interfaces.exports import ledger_evidence
from interfaces.exports.datasets import DATASETS, OMITTED, Period, Snapshot
from interfaces.exports.manifest import FORMAT, MANIFEST, dumps, sign
from interfaces.exports.writers import FORMATS, Written, write_files
from projections.source import AppEventSource

#: read models the files come from: they must stand at one position
READ_MODELS = ("audit_trail", "timeliness", "scorecards")
SNAPSHOT_TRIES = 60
SNAPSHOT_WAIT = 0.25  # seconds between tries while a runner moves the read models


class ExportError(DomainError):
    """The export cannot be built (one readable line; nothing stored is touched)."""

    kind = "export"


@dataclass(frozen=True)
class ExportRequest:
    month: str
    branch: str | None = None
    formats: tuple[str, ...] = FORMATS
    unmasked_reason: str | None = None  # set: an auditor's unmasked export (RC-03)

    @classmethod
    def of(
        cls, month: str, branch: str | None = None, formats: Sequence[str] | str = FORMATS,
        unmasked_reason: str | None = None,
    ) -> ExportRequest:  # fmt: skip
        """Validated parameters (InvalidInput names what is wrong)."""
        chosen = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats)]
        unknown = [f for f in chosen if f not in FORMATS]
        if unknown or not chosen:
            raise InvalidInput(
                f"unknown export format(s) {', '.join(unknown) or '(none)'}:"
                f" choose from {', '.join(FORMATS)}",
                f"导出格式无效：{', '.join(unknown) or '（空）'}；可选 {', '.join(FORMATS)}",
            )
        if unmasked_reason is not None and len(unmasked_reason.strip()) < MIN_REASON_LENGTH:
            raise InvalidInput(
                f"an unmasked export needs a reason of at least {MIN_REASON_LENGTH} characters (RC-03)",
                f"明文导出须说明理由（至少 {MIN_REASON_LENGTH} 个字符，RC-03）",
            )
        branch = (branch or "").strip() or None
        if branch is not None and len(branch) > 100:
            raise InvalidInput("branch name too long (max 100)", "机构名称过长（最多 100 字）")
        return cls(month_key(month), branch, tuple(f for f in FORMATS if f in chosen), unmasked_reason)

    @property
    def masked(self) -> bool:
        return self.unmasked_reason is None

    def period(self) -> Period:
        year, month = (int(p) for p in self.month.split("-"))
        start = datetime(year, month, 1, tzinfo=SHANGHAI)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=SHANGHAI)
        return Period(self.month, self.branch, start, end)


@dataclass
class ExportResult:
    folder: Path
    manifest: dict[str, Any]
    files: list[Written] = field(default_factory=list)


Progress = Callable[[str], None]


def build_export(
    app: PolicyTrail,
    request: ExportRequest,
    out: Path,
    actor: Actor,
    progress: Progress | None = None,
    catch_up: Callable[[], None] | None = None,
) -> ExportResult:
    """Write the export folder ``out`` (must not exist or be empty). ``catch_up`` brings
    the read models to the head of the log (after the access event, if any)."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} exists and is not an empty folder", f"{out} 已存在且不是空目录")
    key = ledger_evidence.signing_key(app.settings)  # fail before any work on a bad key
    needed = 0
    access_position = None
    if not request.masked:  # RC-03: recorded (and refused unless auditor) before anything is read
        recorded = app.execute(
            RecordUnmaskedExport(
                reason=request.unmasked_reason or "", month=request.month, branch=request.branch or "",
                formats=list(request.formats), log_position=app.max_position(),
            ),
            actor,
        )  # fmt: skip
        access_position = recorded.position
        needed = access_position or app.max_position()  # the snapshot must include the access event
    if catch_up is not None:
        catch_up()
    out.mkdir(parents=True, exist_ok=True)
    period = request.period()
    with _snapshot(app, request, needed) as snap:
        files: list[Written] = []
        log = {"first_position": None, "last_position": None, "snapshot_position": snap.position}
        for dataset in DATASETS:  # one query per dataset, written to all its formats in one pass
            targets = [(out / f"{dataset.name}.{fmt}", fmt) for fmt in dataset.formats or request.formats]
            if progress:
                progress(", ".join(path.name for path, _ in targets))
            rows = dataset.rows(snap, period)
            if dataset.name == "events":
                rows = _tracking_range(rows, log)
            files.extend(write_files(targets, dataset.columns, rows, dataset.title_en))
        status_at = snap.status_at
    manifest = {
        "format": FORMAT,
        "generator": {"name": "policytrail", "version": _version()},
        "title": {"zh": "回访监管/审计导出", "en": "Callback regulator/auditor export"},
        "parameters": {
            "month": request.month,
            "branch": request.branch,
            "formats": list(request.formats),
            "personal_data": "masked" if request.masked else "unmasked",
            "unmasked_reason": request.unmasked_reason,
            "unmasked_access_position": access_position,  # the RC-03 access event in the log
        },
        "log": {**log, "status_at": status_at.isoformat()},
        "files": [
            {"name": w.name, "rows": w.rows, "bytes": w.size, "sha256": w.sha256}
            for w in sorted(files, key=lambda w: w.name)
        ],
        "datasets": {d.name: d.describe() for d in DATASETS},
        "omitted": list(OMITTED),
        "ledger": ledger_evidence.ledger_section(app, log["last_position"] or snap.position),
    }
    signed = sign(manifest, key)
    (out / MANIFEST).write_bytes(dumps(signed))
    return ExportResult(out, signed, files)


def _tracking_range(rows: Iterator[Sequence[Any]], log: dict[str, Any]) -> Iterator[Sequence[Any]]:
    for row in rows:
        if log["first_position"] is None:
            log["first_position"] = row[0]
        log["last_position"] = row[0]
        yield row


class _snapshot:
    """Context manager: a REPEATABLE READ transaction with the read models aligned."""

    def __init__(self, app: PolicyTrail, request: ExportRequest, needed: int) -> None:
        self.app, self.request, self.needed = app, request, needed
        self.conn: psycopg.Connection[Any] | None = None

    def __enter__(self) -> Snapshot:
        app = self.app
        schema = app.settings.read_schema
        positions_sql = SQL("SELECT name, position FROM {}.projection_positions WHERE name = ANY(%s)").format(
            Identifier(schema)
        )
        for _ in range(SNAPSHOT_TRIES):
            conn = psycopg.connect(app.database.url)
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            try:
                found = dict(conn.execute(positions_sql, (list(READ_MODELS),)).fetchall())
            except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
                conn.close()
                raise ExportError(
                    "the read models are not built yet: run `policytrail projections run`",
                    "读模型尚未建立：请运行 policytrail projections run",
                ) from None
            missing = [n for n in READ_MODELS if n not in found]
            if missing:
                conn.close()
                raise ExportError(
                    f"read model(s) {', '.join(missing)} not built yet: run `policytrail projections run`",
                    f"读模型 {', '.join(missing)} 尚未建立",
                )
            values = set(found.values())
            if len(values) == 1 and min(values) >= self.needed:
                self.conn = conn
                position = values.pop()
                return Snapshot(
                    conn=conn,
                    read_schema=schema,
                    events_table=SQL("{}.{}").format(
                        Identifier(app.recorder.datastore.schema), Identifier(app.recorder.events_table_name)
                    ),
                    position=position,
                    status_at=_status_at(conn, schema, position, self.request),
                    params=app.settings.rules,
                    source=AppEventSource(app),
                    masked=self.request.masked,
                )
            conn.close()
            time.sleep(SNAPSHOT_WAIT)
        where = ", ".join(f"{k} {v}" for k, v in sorted(found.items()))
        raise ExportError(
            f"the read models did not reach one common position in time ({where}):"
            " run `policytrail projections run`",
            "读模型未能在同一日志位置对齐，请先运行 policytrail projections run",
        )

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()


def _status_at(conn: psycopg.Connection[Any], schema: str, position: int, request: ExportRequest) -> datetime:
    """PC-03 statuses are taken at the latest business time the snapshot knows, at
    most the month's last instant: a function of the position, not of the wall clock."""
    month_end = request.period().end - timedelta(microseconds=1)
    row = conn.execute(
        SQL("SELECT max(occurred_at) FROM {}.audit_trail WHERE position <= %s").format(Identifier(schema)),
        (position,),
    ).fetchone()
    latest = row[0] if row else None
    return month_end if latest is None else min(latest, month_end).astimezone(SHANGHAI)


def _version() -> str:
    try:
        return metadata.version("policytrail")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "0+unknown"
