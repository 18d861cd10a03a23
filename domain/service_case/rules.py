"""Pure decisions of the service case (保单服务件): PS-01 sources, PS-02/04 contacting, PS-05 records.

The ServiceCase aggregate (``case.py`` and its command mixins) records what these
allow; each function names the rule it decides.
"""

from __future__ import annotations

from datetime import date

from domain.service_case.vocabulary import (
    ORPHAN_TRANSFER_SOURCES,
    ContactMethod,
    ContactParty,
    ServiceClass,
    ServiceSource,
)
from domain.shared.errors import InvalidInput, RuleViolation

ADULT_AGE = 18


def age_on(birthday: date, day: date) -> int:
    """Full years of age on ``day``."""
    return day.year - birthday.year - ((day.month, day.day) < (birthday.month, birthday.day))


def require_not_after(day: date, today: date, what_en: str, what_zh: str) -> None:
    """A fact's date cannot lie after the business day it is recorded on."""
    if day > today:
        raise InvalidInput(f"{what_en} lies in the future", f"{what_zh}晚于当前业务日期")


def require_source(
    source: str,
    *,
    policy_number: str,
    previous_agent_code: str,
    previous_agent_departed: bool | None,
    policy_lapsed: bool,
) -> None:
    """PS-01: a known source; orphan transfers name a previous agent who has really left;
    a 失效转移 needs a lapsed policy."""
    if source not in {s.value for s in ServiceSource}:
        allowed = "/".join(s.value for s in ServiceSource)
        raise RuleViolation(
            "PS-01",
            f"unknown service-case source {source!r} (allowed: {allowed})",
            f"保单服务件来源 {source!r} 无效（可选：{allowed}）",
            source=source,
        )
    if source in ORPHAN_TRANSFER_SOURCES and not previous_agent_code:
        raise RuleViolation(
            "PS-01",
            f"a {source} transfer must record the previous agent",
            f"{source}必须登记原业务员/原服务人员",
            source=source,
        )
    if source == ServiceSource.AGENT_LEFT and previous_agent_departed is False:
        raise RuleViolation(
            "PS-01",
            f"agent {previous_agent_code} has not left; the policy is not an orphan",
            f"原业务员 {previous_agent_code} 未离司，不是离司人员转移保单",
            previous_agent_code=previous_agent_code,
        )
    if source == ServiceSource.LAPSE_TRANSFER and not policy_lapsed:
        raise RuleViolation(
            "PS-01",
            f"policy {policy_number} is not lapsed; source 失效转移 needs a lapsed policy",
            f"保单 {policy_number} 未失效，来源不能为失效转移",
        )


def contact_rule_ids(party: str, age: int | None, reached: bool) -> list[str]:
    """PS-02 every attempt; PS-04 only the policyholder or an adult insured counts as reached."""
    if party != ContactParty.INSURED:
        return ["PS-02"]
    if reached and (age is None or age < ADULT_AGE):
        shown = age if age is not None else "of unknown age"
        raise RuleViolation(
            "PS-04",
            f"contact the policyholder or an adult insured (the insured is {shown})",
            f"应联系投保人或成年被保险人（被保险人年龄：{age if age is not None else '未知'}）",
            age=age,
        )
    return ["PS-02", "PS-04"]


def require_difficult_allowed(service_class: str, missing: list[ContactMethod]) -> None:
    """PS-02: 困难件 only when all 6+1 methods were tried without success; a 失效件 stays one."""
    if service_class == ServiceClass.LAPSED:
        raise RuleViolation(
            "PS-02", "a lapsed case stays 失效件 (PS-06); it cannot become 困难件", "失效件不能改为困难件"
        )
    if missing:
        raise RuleViolation(
            "PS-02",
            "困难件 needs all 6+1 methods tried without success; missing: "
            + ", ".join(f"{m.number} {m.en}" for m in missing),
            "困难件须 6+1 种方式均已尝试且未果，尚缺：" + "、".join(f"{m.number}.{m.value}" for m in missing),
            missing_methods=[m.value for m in missing],
            missing_method_numbers=[m.number for m in missing],
        )


def require_complete_record(content: str, customer_attitude: str, result: str) -> None:
    """PS-05: every service record states 服务内容、客户态度、问题解答及处理结果."""
    missing = [
        name
        for name, value in (
            ("content 服务内容", content),
            ("customer attitude 客户态度", customer_attitude),
            ("result 处理结果", result),
        )
        if not value.strip()
    ]
    if missing:
        raise RuleViolation(
            "PS-05",
            "a service record needs content, customer attitude and result; missing: " + ", ".join(missing),
            "服务记录须写明服务内容、客户态度及处理结果，缺：" + "、".join(missing),
            missing=missing,
        )
