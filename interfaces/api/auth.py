"""Bearer-token authentication and capability checks (认证与授权)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from interfaces.api.context import ApiContext, api_context
from interfaces.api.permissions import Capability, Owner, Principal
from interfaces.api.problems import FORBIDDEN, OUT_OF_SCOPE, UNAUTHENTICATED, ProblemException

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A token from `policytrail token create --role … --staff|--agent|--branch …` (Bearer pt_…).",
)


def authenticated(
    ctx: Annotated[ApiContext, Depends(api_context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ProblemException(
            UNAUTHENTICATED,
            "send a bearer token: Authorization: Bearer pt_…",
            "请提供访问令牌：Authorization: Bearer pt_…",
            headers=challenge,
        )
    record = ctx.tokens.authenticate(credentials.credentials)
    if record is None:
        raise ProblemException(
            UNAUTHENTICATED,
            "unknown, expired or revoked token",
            "令牌无效、已过期或已吊销",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return record.principal()


def require(capability: Capability) -> Callable[..., Principal]:
    """A dependency: the caller, if its role has the capability (else 403)."""

    def dependency(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not principal.can(capability):
            raise ProblemException(
                FORBIDDEN,
                f"role {principal.role} may not do {capability}",
                f"角色 {principal.role} 无权执行 {capability}",
                capability=str(capability),
            )
        return principal

    dependency.__name__ = f"require_{capability.replace(':', '_').replace('-', '_')}"
    return dependency


def require_scope(principal: Principal, owner: Owner | None) -> None:
    """403 when the data belongs outside the caller's scope (unknown targets pass: 404 later)."""
    if owner is not None and not principal.covers(owner):
        raise ProblemException(
            OUT_OF_SCOPE,
            f"outside the scope {principal.scope} of this token",
            f"超出令牌的数据范围 {principal.scope}",
        )
