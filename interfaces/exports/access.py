"""Who may export what (导出权限): roles, scope and the unmasked rule, for CLI and HTTP.

Regulators and auditors export (capability ``export``); a token's scope applies as
for reads: a branch token exports its branch only, asking for another is refused.
Personal data in clear only for the auditor role with a reason (RC-03, decided by
``domain.personal_data_access``; checked here first so nothing is read for a refused request).
"""

from __future__ import annotations

from dataclasses import replace

from application.app import PolicyTrail
from domain.shared.actor import Actor, Role
from interfaces.api.permissions import Capability, Principal, ScopeKind
from interfaces.api.tokens import TokenStore
from interfaces.exports.package import ExportRequest


class ExportRefused(Exception):
    """Not allowed (403 over HTTP; one line and exit 1 on the CLI)."""

    def __init__(self, message_en: str, message_zh: str, rule: str | None = None) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.rule = rule


def scoped(principal: Principal, request: ExportRequest) -> ExportRequest:
    """The request narrowed to the principal's scope (refused outside it)."""
    if not principal.can(Capability.EXPORT):
        raise ExportRefused(
            f"role {principal.role} may not export (regulator and auditor roles only)",
            f"角色 {principal.role} 无导出权限（仅监管与审计角色）",
        )
    kind, value = principal.scope.kind, principal.scope.value
    if kind == ScopeKind.AGENT:
        raise ExportRefused("an agent-scoped token cannot export", "业务员范围的令牌不能导出")
    if kind == ScopeKind.BRANCH:
        if request.branch not in (None, value):
            raise ExportRefused(
                f"branch {request.branch} lies outside the scope {principal.scope} of this token",
                f"机构 {request.branch} 超出令牌的数据范围 {principal.scope}",
            )
        request = replace(request, branch=value)
    if not request.masked and principal.role != Role.AUDITOR:
        raise ExportRefused(
            "only the auditor role may export personal data unmasked",
            "仅审计角色可导出明文个人信息",
            rule="RC-03",
        )
    return request


def authorise(
    app: PolicyTrail, request: ExportRequest, token: str | None, default_actor: str
) -> tuple[ExportRequest, Actor]:
    """CLI: with a token its role and scope apply; without one (an operator on the
    database host) every branch, masked only."""
    if not token:
        if not request.masked:
            raise ExportRefused(
                "an unmasked export needs an auditor token (--token or POLICYTRAIL_TOKEN)",
                "明文导出须使用审计角色令牌（--token）",
                rule="RC-03",
            )
        return request, Actor(id=default_actor, role=Role.ADMIN)
    record = TokenStore.for_app(app).authenticate(token.strip())
    if record is None:
        raise ExportRefused("unknown or revoked token", "令牌无效或已吊销")
    principal = record.principal()
    return scoped(principal, request), principal.actor
