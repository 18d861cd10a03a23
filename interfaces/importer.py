"""Import of upstream facts from JSON Lines (数据导入), the integration path.

One line = one command (format: ``docs/import-format.md``)::

    {"line_id": "PAS-20260301-0001", "type": "IssuePolicy",
     "occurred_at": "2026-03-01T16:20:00+08:00", "data": {...}}

Each line runs as its command with the command id ``import:<line_id>``, so
importing a file again changes nothing (the application answers duplicates with
the first answer). A bad line is reported with its number and reason and skipped;
the rest continues. Lines are read a batch at a time (``DEFAULT_BATCH_SIZE``, one
transaction each): memory stays flat whatever the file size.
"""

from __future__ import annotations

import difflib
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from application.app import PolicyTrail
from application.idempotency import DEFAULT_IMPORT_SOURCE, import_principal
from application.messages import Command
from domain.shared.actor import Actor
from domain.shared.errors import DomainError
from interfaces.input_checks import check_storable

log = logging.getLogger(__name__)

COMMAND_ID_PREFIX = "import:"

#: lines stored per transaction: one fsync and one table lock per batch, not per line
DEFAULT_BATCH_SIZE = 500


class ImportLine(BaseModel):
    """The envelope of one line."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    line_id: str = Field(
        min_length=1,
        max_length=150,
        description="unique and stable in the upstream system; the command id is import:<line_id>",
    )
    type: str = Field(min_length=1, max_length=100, description="command type, e.g. IssuePolicy")
    occurred_at: AwareDatetime = Field(description="business time 业务发生时间 (with offset)")
    data: dict[str, Any] = Field(default_factory=dict, description="the command's fields")


@dataclass(frozen=True)
class Rejection:
    line_no: int
    line_id: str | None
    reason: str
    text: str


@dataclass
class ImportSummary:
    applied: int = 0
    duplicate: int = 0
    rejected: int = 0
    #: first rejections kept for the caller (all of them go to ``on_rejected``)
    first_rejections: list[Rejection] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return self.applied + self.duplicate + self.rejected


class LineRejected(Exception):
    def __init__(self, reason: str, line_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line_id = line_id


def command_types(app: PolicyTrail) -> dict[str, type[Command]]:
    """Every importable command the application handles, by its stable ``command_type``."""
    return {cls.command_type: cls for cls in app.registry.handlers if cls.importable}


def _validation_reason(exc: ValidationError, prefix: str = "") -> str:
    parts = []
    for err in exc.errors(include_input=False)[:5]:
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{prefix}{loc}: {err['msg']}" if loc else err["msg"])
    more = f" (+{exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return "; ".join(parts) + more


def parse_line(text: str, types: dict[str, type[Command]]) -> Command:
    """The command a line stands for; LineRejected with a readable reason otherwise."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LineRejected(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(raw, dict):
        raise LineRejected("a line must be a JSON object {line_id, type, occurred_at, data}")
    line_id = raw.get("line_id") if isinstance(raw.get("line_id"), str) else None
    try:
        line = ImportLine.model_validate(raw)
    except ValidationError as exc:
        raise LineRejected(_validation_reason(exc), line_id) from None
    command_cls = types.get(line.type)
    if command_cls is None:
        close = difflib.get_close_matches(line.type, list(types), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"{len(types)} types are known"
        raise LineRejected(
            f"unknown command type {line.type!r}: {hint} (docs/import-format.md)", line.line_id
        )
    for reserved in ("command_id", "occurred_at"):
        if reserved in line.data:
            raise LineRejected(
                f"data.{reserved} is not allowed: "
                + (
                    "set occurred_at at the top level"
                    if reserved == "occurred_at"
                    else "it is import:<line_id>"
                ),
                line.line_id,
            )
    try:
        command = command_cls.model_validate(
            {
                **line.data,
                "command_id": COMMAND_ID_PREFIX + line.line_id,
                "occurred_at": line.occurred_at,
            }
        )
        check_storable(command.model_dump(), "data")
    except ValidationError as exc:
        raise LineRejected(_validation_reason(exc, "data."), line.line_id) from None
    except DomainError as exc:
        raise LineRejected(str(exc), line.line_id) from None
    return command


def import_lines(
    app: PolicyTrail,
    lines: Iterable[bytes],
    actor: Actor,
    *,
    on_rejected: Callable[[Rejection], None] | None = None,
    on_line: Callable[[int, int], None] | None = None,
    keep_rejections: int = 20,
    batch_size: int = DEFAULT_BATCH_SIZE,
    source: str = DEFAULT_IMPORT_SOURCE,
) -> ImportSummary:
    """Run each line as its command, in order. ``lines`` is consumed lazily.

    Line ids are the command ids of ``source`` (the sending system): the same line id
    from the same source is the same line, in whatever file it comes again.

    Up to ``batch_size`` lines are stored per transaction (``PolicyTrail.execute_many``):
    every line still gets the answer it would get on its own, and a refused line never
    takes another with it. ``on_line(line_no, bytes_of_line)`` is called after each line
    (progress); ``on_rejected`` for each rejected line, in line order.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    types = command_types(app)
    summary = ImportSummary()
    numbered = enumerate(lines, start=1)
    while chunk := list(itertools.islice(numbered, batch_size)):
        _import_chunk(app, chunk, types, actor, source, summary, on_rejected, on_line, keep_rejections)
    return summary


def _import_chunk(
    app: PolicyTrail,
    chunk: Sequence[tuple[int, bytes]],
    types: dict[str, type[Command]],
    actor: Actor,
    source: str,
    summary: ImportSummary,
    on_rejected: Callable[[Rejection], None] | None,
    on_line: Callable[[int, int], None] | None,
    keep_rejections: int,
) -> None:
    parsed: list[tuple[int, str, Command | LineRejected | None]] = []
    for line_no, raw in chunk:
        text = ""
        try:
            try:
                text = raw.decode("utf-8").strip().lstrip("\ufeff")
            except UnicodeDecodeError as exc:
                raise LineRejected(f"not UTF-8 text (byte {exc.start + 1})") from None
            # blank lines carry nothing
            parsed.append((line_no, text, parse_line(text, types) if text else None))
        except LineRejected as exc:
            parsed.append((line_no, text, exc))
    commands = [item for _, _, item in parsed if isinstance(item, Command)]
    answers = iter(
        app.execute_many(commands, actor, principal=import_principal(source))
    )  # store failures propagate
    sizes = dict(chunk)
    for line_no, text, item in parsed:
        try:
            if isinstance(item, LineRejected):
                raise item
            if item is None:
                continue
            answer = next(answers)
            if isinstance(answer, DomainError):
                raise LineRejected(str(answer), _line_id(item))
            if isinstance(answer, Exception):  # a line that trips a bug must not stop the file
                log.error("line %d (%s) failed", line_no, item.command_id, exc_info=answer)
                reason = f"unexpected error (please report): {type(answer).__name__}: {answer}"
                raise LineRejected(reason, _line_id(item))
            if answer.duplicate or not answer.positions:
                summary.duplicate += 1
            else:
                summary.applied += 1
        except LineRejected as exc:
            summary.rejected += 1
            rejection = Rejection(line_no, exc.line_id, exc.reason, text)
            if len(summary.first_rejections) < keep_rejections:
                summary.first_rejections.append(rejection)
            if on_rejected is not None:
                on_rejected(rejection)
        finally:
            if on_line is not None:
                on_line(line_no, len(sizes[line_no]))


def _line_id(command: Command) -> str:
    return command.command_id.removeprefix(COMMAND_ID_PREFIX)


def import_file(
    app: PolicyTrail,
    path: Path,
    *,
    actor: Actor | None = None,
    on_rejected: Callable[[Rejection], None] | None = None,
    on_line: Callable[[int, int], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    source: str = DEFAULT_IMPORT_SOURCE,
) -> ImportSummary:
    """Import a JSON Lines file, streaming. The actor is the importer naming the file;
    the line ids are those of ``source``."""
    who = actor or Actor.system(f"importer:{path.name}")
    with path.open("rb") as stream:
        return import_lines(
            app, stream, who, on_rejected=on_rejected, on_line=on_line, batch_size=batch_size, source=source
        )
