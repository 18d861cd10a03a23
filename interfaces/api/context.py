"""What every request handler needs: the application, tokens and the read-model hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from application.app import PolicyTrail
from interfaces.api.tokens import TokenStore

#: ``wait_for(position, timeout_seconds) -> bool``: True once every read model has
#: processed the notification-log position (the projection runtime provides it).
WaitFor = Callable[[int, float], bool]

#: ``projection_status() -> [{"name", "position", "lag"}, ...]`` for ``GET /health``.
ProjectionStatus = Callable[[], list[dict[str, Any]]]


@dataclass
class ApiContext:
    app: PolicyTrail
    tokens: TokenStore
    wait_for: WaitFor | None = None
    projection_status: ProjectionStatus | None = None
    wait_timeout: float = 5.0


def api_context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.policytrail
    return ctx
