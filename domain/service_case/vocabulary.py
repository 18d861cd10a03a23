"""The words of policy service (保单服务件): sources, classes, contact methods, items."""

from __future__ import annotations

from typing import Any

from domain.shared.errors import InvalidInput
from domain.shared.labels import LabelledEnum


def parse_enum(enum_cls: type[LabelledEnum], value: Any, what: str, rule_id: str = "") -> str:
    """The enum value for ``value`` or a clear refusal naming the allowed values."""
    try:
        return enum_cls(value).value
    except ValueError:
        allowed = "/".join(m.value for m in enum_cls)
        prefix = f"[{rule_id}] " if rule_id else ""
        raise InvalidInput(
            f"{prefix}unknown {what} {value!r} (allowed: {allowed})",
            f"{prefix}{what} {value!r} 无效（可选：{allowed}）",
        ) from None


class ServiceSource(LabelledEnum):
    """PS-01 保单服务件来源 Where a service case comes from."""

    AGENT_LEFT = "离司人员转移"
    STRIPPED = "收展剥离"
    LAPSE_TRANSFER = "失效转移"
    TRANSFERRED_IN = "外地转入"
    COMPANY = "公司会办"
    NO_COMMISSION = "无佣期保单"
    DEPARTMENT_MERGE = "部门合并"
    OWN_CUSTOMER = "本人新开发"


ServiceSource._english = {
    "离司人员转移": "agent left (orphan policy)",
    "收展剥离": "stripped from a servicer",
    "失效转移": "lapsed policy transferred",
    "外地转入": "transferred in from elsewhere",
    "公司会办": "assigned by the company",
    "无佣期保单": "agent in no-commission period",
    "部门合并": "department merge",
    "本人新开发": "own new customer",
}

#: PS-01: transfers whose previous agent / servicer must be recorded. The seed tells
#: the servicer to distinguish the two transfer reasons 孤儿保单 (the agent left) and
#: 剥离保单 (stripped from another servicer) in the first call; both need to know who
#: had the policy before. Other sources record the previous agent when known.
ORPHAN_TRANSFER_SOURCES = frozenset({ServiceSource.AGENT_LEFT.value, ServiceSource.STRIPPED.value})


class ServiceClass(LabelledEnum):
    """PS-02 保单服务件分类."""

    NORMAL = "正常件"
    DIFFICULT = "困难件"
    LAPSED = "失效件"


ServiceClass._english = {"正常件": "normal", "困难件": "difficult", "失效件": "lapsed"}


class CaseStatus(LabelledEnum):
    UNASSIGNED = "待分配"
    ASSIGNED = "待签收"
    IN_SERVICE = "服务中"
    CLOSED = "已关闭"


CaseStatus._english = {
    "待分配": "unassigned",
    "待签收": "assigned, list not signed",
    "服务中": "in service",
    "已关闭": "closed",
}


class ContactMethod(LabelledEnum):
    """PS-02 找寻客户的 6+1 种方式, in the seed's order (1..7)."""

    PHONE = "直接电话联系"
    VISIT = "按地址上门寻找"
    NEIGHBOURS = "向邻居居委会派出所了解"
    ORIGINAL_AGENT = "向原业务员了解"
    NOTICE_BOARD = "寻客户园地登记"
    POLICY_DATA = "通过保单信息深入查询"
    COMPANY_HELP = "向公司求助并登记问题保单"

    @property
    def number(self) -> int:
        return list(type(self)).index(self) + 1

    @classmethod
    def parse(cls, value: Any) -> ContactMethod:
        """A method by its number (1..7, 7 = the "+1") or its Chinese name."""
        text = str(value).strip()
        if text.isdigit() and 1 <= int(text) <= len(cls):
            return list(cls)[int(text) - 1]
        return cls(parse_enum(cls, text, "contact method 找寻方式", "PS-02"))


ContactMethod._english = {
    "直接电话联系": "phone",
    "按地址上门寻找": "visit home or workplace",
    "向邻居居委会派出所了解": "ask neighbours / residents' committee / police station",
    "向原业务员了解": "ask the original agent",
    "寻客户园地登记": "post in the find-the-customer board",
    "通过保单信息深入查询": "search via policy data (e.g. beneficiary)",
    "向公司求助并登记问题保单": "ask the company, register a problem policy",
}


class ContactParty(LabelledEnum):
    """PS-04: contact the policyholder or an adult insured."""

    POLICYHOLDER = "投保人"
    INSURED = "被保险人"


ContactParty._english = {"投保人": "policyholder", "被保险人": "insured"}


class ServiceItem(LabelledEnum):
    """PS-05 保单服务项目 (seed S0)."""

    RENEWAL_REMINDER = "续期交费提醒"
    BENEFICIARY_CHANGE = "受益人变更"
    RIDERS = "保持或增加附加险"
    BASIC_DATA_CHANGE = "基本资料变更"
    CLAIM_SERVICE = "理赔服务"
    SURVIVAL_BENEFIT = "生存金返还"
    PAYMENT_METHOD = "收费方式确认"
    POLICYHOLDER_CHANGE = "投保人变更"
    DIVIDEND_NOTICE = "分红通知书"
    CLAUSE_EXPLANATION = "条款讲解"
    POLICY_REVIEW = "保单整理"
    GREETINGS = "生日节日祝福"
    INFORMATION = "咨讯服务"


ServiceItem._english = {
    "续期交费提醒": "renewal premium reminder",
    "受益人变更": "beneficiary change",
    "保持或增加附加险": "keep or add riders",
    "基本资料变更": "contact / ID data change",
    "理赔服务": "claim help",
    "生存金返还": "survival benefit",
    "收费方式确认": "payment-method confirmation",
    "投保人变更": "policyholder change",
    "分红通知书": "dividend notice",
    "条款讲解": "clause explanation",
    "保单整理": "policy review",
    "生日节日祝福": "birthday and holiday greetings",
    "咨讯服务": "information service",
}


class ReinstatementOutcome(LabelledEnum):
    """PS-06 失效保单处理结果 (失效保单处理结果反馈表)."""

    REINSTATED = "已复效"
    AGREED = "同意复效待办理"
    DECLINED = "拒绝复效"
    UNREACHABLE = "未能联系"


ReinstatementOutcome._english = {
    "已复效": "reinstated",
    "同意复效待办理": "agreed, reinstatement pending",
    "拒绝复效": "declined",
    "未能联系": "could not be reached",
}


class CaseTrigger(LabelledEnum):
    """What opened a case: a command, or a reaction to a policy event."""

    COMMAND = "命令"
    AGENT_REASSIGNED = "保单业务员变更"
    POLICY_LAPSED = "保单失效"


CaseTrigger._english = {
    "命令": "command",
    "保单业务员变更": "Policy.AgentReassigned",
    "保单失效": "Policy.Lapsed",
}
