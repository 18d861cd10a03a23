"""Domain errors. A refusal by a business rule names the rule id (RULES.md)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    #: stable machine-readable type, used by the HTTP problem details.
    kind = "domain-error"

    def __init__(self, message_en: str, message_zh: str = "", **details: Any) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh or message_en
        self.details = details

    def __str__(self) -> str:
        if self.message_zh and self.message_zh != self.message_en:
            return f"{self.message_zh} / {self.message_en}"
        return self.message_en


class RuleViolation(DomainError):
    """A business rule refused the command (业务规则拒绝)."""

    kind = "rule-violation"

    def __init__(self, rule_id: str, message_en: str, message_zh: str = "", **details: Any):
        super().__init__(message_en, message_zh, **details)
        self.rule_id = rule_id

    def __str__(self) -> str:
        return f"[{self.rule_id}] {super().__str__()}"


class NotFound(DomainError):
    """The business object does not exist (不存在)."""

    kind = "not-found"


class AlreadyExists(DomainError):
    """The business key is already taken (已存在)."""

    kind = "already-exists"


class InvalidInput(DomainError):
    """Input that cannot be a valid business value (输入无效)."""

    kind = "invalid-input"
