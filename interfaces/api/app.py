"""The FastAPI application (HTTP API). OpenAPI at ``/openapi.json``, docs at ``/docs``."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.routing import BaseRoute

from application.app import PolicyTrail
from interfaces.api.body_limit import BodyLimit
from interfaces.api.commands import mount_commands
from interfaces.api.context import ApiContext, ProjectionStatus, WaitFor
from interfaces.api.offline_docs import install_offline_docs
from interfaces.api.pagination import MAX_LIMIT
from interfaces.api.permissions import PERMISSIONS
from interfaces.api.problems import Problem, catalogue_markdown, install_problem_handlers
from interfaces.api.routes import COMMAND_TABLES, ROUTERS
from interfaces.api.tokens import TokenStore
from interfaces.web import routes as web_routes


def _version() -> str:
    try:
        return version("policytrail")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def _permissions_markdown() -> str:
    rows = "\n".join(
        f"| {role} | {', '.join(sorted(g.scopes))} | {', '.join(f'`{c}`' for c in sorted(g.capabilities))} |"
        for role, g in PERMISSIONS.items()
    )
    return "| role | scopes | capabilities |\n|---|---|---|\n" + rows


DESCRIPTION = f"""
PolicyTrail HTTP API: commands as POST on resources, reads as GET.

**Auth 认证**: `Authorization: Bearer pt_…` with a token from
`policytrail token create --role ROLE --staff <员工号>|--agent <工号>|--branch <机构>`
(expires after `--expires-in`, default 90 days; expired → 401).
The actor recorded on every event is the principal the token names, never the body's.

{_permissions_markdown()}

Roles without `read:personal-data` see names, phones, ID numbers and addresses masked
(RC-03: `138****6138`, `110***********1234`).

**Commands 命令** answer `{{command_id, command_type, position, positions, result, duplicate}}`.
`Idempotency-Key: <key>` is the command id: sending it again returns the first answer and
stores nothing new. `?consistency=wait` (or `X-Consistency: wait`) answers after the read
models have processed the command's position (with a read replica: and the replica has replayed
them); 202 when they did not within the timeout.

**Lists 列表** take `limit` (1..{MAX_LIMIT}) and `offset`, in a stable order, and answer
`{{items, limit, offset, total, next_offset}}`.

**Errors 错误** are `application/problem+json` (RFC 9457) with a bilingual title and, when a
business rule refused the command, its `rule` id:

{catalogue_markdown()}
"""


def create_api(
    app: PolicyTrail,
    *,
    tokens: TokenStore | None = None,
    wait_for: WaitFor | None = None,
    projection_status: ProjectionStatus | None = None,
    wait_timeout: float = 5.0,
) -> FastAPI:
    """The HTTP API over one PolicyTrail application.

    ``wait_for`` and ``projection_status`` come from the projection runtime when it
    runs in this process: they back ``?consistency=wait`` and the lag in ``/health``.
    """
    api = FastAPI(
        title="PolicyTrail API",
        version=_version(),
        description=DESCRIPTION,
        docs_url=None,  # served from local assets (offline_docs)
        redoc_url=None,
    )
    store = tokens or TokenStore.for_app(app)
    store.ensure_table()
    api.state.policytrail = ApiContext(
        app=app,
        tokens=store,
        wait_for=wait_for,
        projection_status=projection_status,
        wait_timeout=wait_timeout,
    )
    install_problem_handlers(api)
    install_offline_docs(api)
    api.add_middleware(BodyLimit, max_bytes=app.settings.max_request_bytes)
    api.router.routes.extend(_routes())
    api.router.routes.extend(web_routes())  # the managers' dashboard at /
    _document_problems(api)
    return api


@cache
def _routes() -> tuple[BaseRoute, ...]:
    """Every route, built once per process: routes hold no application state (that is in
    ``api.state``), and building them (FastAPI analyses each signature) is the costly part.
    """
    router = APIRouter()
    for tag, table in COMMAND_TABLES:
        mount_commands(router, table, tag)
    for query_router in ROUTERS:
        router.include_router(query_router)
    return tuple(router.routes)


def _document_problems(api: FastAPI) -> None:
    """Add the Problem schema that the error responses reference."""

    def openapi() -> dict[str, Any]:
        if api.openapi_schema:
            return api.openapi_schema
        schema = get_openapi(
            title=api.title,
            version=api.version,
            description=api.description,
            routes=api.routes,
        )
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        api.openapi_schema = schema
        return schema

    api.openapi = openapi  # type: ignore[method-assign]
