"""Commands over HTTP from a declarative route table (命令端点).

A ``CommandRoute`` says: POST this path runs this Command, needs this capability,
and its data belongs to the owner this rule finds. Path parameters fill the
command's key fields, the JSON body the rest; the actor is always the token's
(never the body); ``Idempotency-Key`` is the command id. Exposing a new command
module is a list of ``CommandRoute`` rows (see ``interfaces/api/routes/``).
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model

from application.messages import Command
from application.results import CommandResult
from interfaces.api.auth import require, require_scope
from interfaces.api.context import ApiContext, api_context
from interfaces.api.owners import OwnerRule
from interfaces.api.permissions import Capability, Principal
from interfaces.api.problems import problem_responses
from interfaces.input_checks import check_storable

_PATH_PARAM = re.compile(r"{(\w+)}")


class CommandResponse(BaseModel):
    """Where the command was stored (命令结果)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "command_id": "7d9f0c1e-8a42-4d55-9a0e-3f6b1c2d4e5f",
                    "command_type": "SignReceipt",
                    "position": 42,
                    "positions": [42],
                    "result": {"policy_number": "P2026000001", "cooling_off_end": "2026-03-11"},
                    "duplicate": False,
                }
            ]
        }
    )

    command_id: str = Field(description="the Idempotency-Key, or a generated id")
    command_type: str
    position: int | None = Field(description="last notification-log position written (null: nothing changed)")
    positions: list[int]
    result: dict[str, Any]
    duplicate: bool = Field(description="true: this command id was seen before; first answer")

    @classmethod
    def of(cls, result: CommandResult) -> CommandResponse:
        return cls(
            command_id=result.command_id,
            command_type=result.command_type,
            position=result.position,
            positions=result.positions,
            result=result.result,
            duplicate=result.duplicate,
        )


@dataclass(frozen=True)
class CommandRoute:
    """One row of a route table: ``POST path`` → ``command``."""

    path: str
    command: type[Command]
    needs: Capability
    owner: OwnerRule
    example: Mapping[str, Any] | None = None
    #: command fields filled from the caller's token, never from the body
    from_token: Mapping[str, Callable[[Principal], Any]] = field(default_factory=dict)
    summary: str | None = None

    @property
    def path_fields(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    @property
    def body_fields(self) -> dict[str, Any]:
        skip = {"command_id", *self.path_fields, *self.from_token}
        return {n: f for n, f in self.command.model_fields.items() if n not in skip}


Consistency = Literal["wait", "none"]


def mount_commands(router: APIRouter, routes: list[CommandRoute], tag: str) -> None:
    for route in routes:
        _check(route)
        example = dict(route.example) if route.example is not None else example_for(route)
        body_model = _body_model(route, example)
        router.add_api_route(
            route.path,
            _endpoint(route, body_model, example),
            methods=["POST"],
            response_model=CommandResponse,
            summary=route.summary or _first_line(route.command.__doc__) or route.command.__name__,
            description=_description(route),
            operation_id=route.command.command_type,
            tags=[tag],
            responses={
                202: {
                    "model": CommandResponse,
                    "description": "stored; the read models did not catch up within the wait "
                    "(?consistency=wait) 已保存，读模型尚未追上",
                },
                **problem_responses(400, 401, 403, 404, 409, 422, 503),
            },
        )


def _check(route: CommandRoute) -> None:
    fields = route.command.model_fields
    for name in route.path_fields + list(route.from_token):
        if name not in fields:
            raise ValueError(f"{route.path}: {route.command.__name__} has no field {name!r}")
        if name.endswith("_"):
            raise ValueError(f"{route.path}: parameter names must not end with '_'")


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""


def _description(route: CommandRoute) -> str:
    return (
        f"{inspect.cleandoc(route.command.__doc__ or '')}\n\n"
        f"Command `{route.command.command_type}`; needs `{route.needs}`. The actor is the "
        "token's; `Idempotency-Key` is the command id (a retry returns the first answer); "
        "`?consistency=wait` answers after the read models caught up (202 on timeout)."
    )


def _body_model(route: CommandRoute, example: dict[str, Any]) -> type[BaseModel]:
    """The JSON body: the command's fields minus the path key, command id and token fields."""
    cmd = route.command
    fields: dict[str, Any] = {n: (f.annotation, f) for n, f in route.body_fields.items()}
    return create_model(  # type: ignore[call-overload, no-any-return]
        f"{cmd.__name__}Body",
        __config__=ConfigDict(
            extra="forbid",
            str_strip_whitespace=True,
            json_schema_extra={"examples": [example]},
        ),
        __doc__=cmd.__doc__,
        **fields,
    )


def _read_models_reached(ctx: ApiContext, result: CommandResult) -> bool:
    """Read-your-writes: wait for the projections (no runtime here or nothing stored: done)."""
    if ctx.wait_for is None or result.position is None:
        return True
    return ctx.wait_for(result.position, ctx.wait_timeout)


# ----- what every command request brings besides its data --------------------------------
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="command id: the same key again returns the first answer and stores nothing new (幂等键)",
    ),
]
ConsistencyQuery = Annotated[
    Consistency | None,
    Query(
        alias="consistency",
        description="`wait`: answer after the read models reached this command "
        "(202 if they did not within the timeout)",
    ),
]
ConsistencyHeader = Annotated[
    Consistency | None, Header(alias="X-Consistency", description="same as ?consistency=")
]


@dataclass(frozen=True)
class CommandCall:
    """Who sends a command, to which application, under which key, and whether to wait."""

    ctx: ApiContext
    principal: Principal
    idempotency_key: str | None
    wait: bool


def command_context(needs: Capability) -> Callable[..., Awaitable[CommandCall]]:
    """The dependency of a command route: the caller (403 unless its role ``needs`` the
    capability), the API context, the ``Idempotency-Key`` and ``?consistency=``."""

    async def context(  # async: nothing to block on, so no threadpool hop
        ctx: Annotated[ApiContext, Depends(api_context)],
        idempotency_key: IdempotencyKey = None,
        consistency: ConsistencyQuery = None,
        consistency_header: ConsistencyHeader = None,
        # a default, not an annotation: annotations are strings here, and ``needs`` is local
        principal: Principal = Depends(require(needs)),
    ) -> CommandCall:
        return CommandCall(ctx, principal, idempotency_key, "wait" in (consistency, consistency_header))

    return context


def run_command(route: CommandRoute, call: CommandCall, body: BaseModel | None, path: dict[str, str]) -> Any:
    """Build the route's command from path, body and token; check scope; execute; answer."""
    data = body.model_dump(exclude_unset=True) if body is not None else {}
    data.update(path)  # path parameters: the business key
    data.update({name: get(call.principal) for name, get in route.from_token.items()})
    if call.idempotency_key is not None:
        data["command_id"] = call.idempotency_key
    command = route.command.model_validate(data)
    check_storable(command.model_dump(), "body")
    require_scope(call.principal, route.owner(call.ctx.app, command))
    result = call.ctx.app.execute(command, call.principal.actor)
    answer = CommandResponse.of(result)
    if call.wait and not _read_models_reached(call.ctx, result):
        return JSONResponse(answer.model_dump(mode="json"), status_code=202)
    return answer


def _endpoint(
    route: CommandRoute, body_model: type[BaseModel], example: dict[str, Any]
) -> Callable[..., Any]:
    """The route's endpoint: its path fields, its JSON body and ``Depends(command_context)``.

    Path fields differ per route, so the signature FastAPI reads is written out here."""

    def endpoint(*, body_: BaseModel | None, call_: CommandCall, **path: str) -> Any:
        return run_command(route, call_, body_, path)

    required = any(f.is_required() for f in route.body_fields.values())
    body = Body(
        openapi_examples={"example": {"summary": _first_line(route.command.__doc__), "value": example}}
    )
    keyword = inspect.Parameter.KEYWORD_ONLY
    path_field = Annotated[str, Path(min_length=1, max_length=200)]
    params = [inspect.Parameter(name, keyword, annotation=path_field) for name in route.path_fields]
    params += [
        inspect.Parameter(
            "body_",
            keyword,
            annotation=Annotated[body_model if required else body_model | None, body],
            **({} if required else {"default": None}),
        ),
        inspect.Parameter(
            "call_", keyword, annotation=Annotated[CommandCall, Depends(command_context(route.needs))]
        ),
    ]
    endpoint.__signature__ = inspect.Signature(params, return_annotation=CommandResponse)  # type: ignore[attr-defined]
    endpoint.__name__ = route.command.command_type
    return endpoint


# ----- examples -------------------------------------------------------------------------
def example_for(route: CommandRoute) -> dict[str, Any]:
    """The route's body example: the command's own, else built from field examples/types."""
    extra = route.command.model_config.get("json_schema_extra")
    if isinstance(extra, dict) and extra.get("examples"):
        first = dict(extra["examples"][0])  # type: ignore[index]
        skip = {"command_id", *route.path_fields, *route.from_token}
        return {k: v for k, v in first.items() if k not in skip}
    return _example_fields(route.body_fields)


def _example_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, info in fields.items():
        if info.examples:
            out[name] = info.examples[0]
        elif info.is_required():  # optional fields without an example are left out
            out[name] = _example_value(info.annotation)
    return out


def _example_value(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Annotated:
        return _example_value(args[0])
    if origin in (typing.Union, types.UnionType):
        return _example_value(next(a for a in args if a is not type(None)))
    if origin is Literal:
        return args[0]
    if origin in (list, tuple, set, frozenset):
        return []
    if origin is dict:
        return {}
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return _example_fields(annotation.model_fields)
        if issubclass(annotation, Enum):
            return next(iter(annotation)).value
        if issubclass(annotation, bool):
            return True
        if issubclass(annotation, int):
            return 1
        if issubclass(annotation, Decimal | float):
            return "100.00"
        if issubclass(annotation, datetime):
            return "2026-03-02T10:00:00+08:00"
        if issubclass(annotation, date):
            return "2026-03-02"
    return "示例 example"
