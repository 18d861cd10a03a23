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

    AGENT_LEFT = "离司人员转移", "agent left (orphan policy)"
    STRIPPED = "收展剥离", "stripped from a servicer"
    LAPSE_TRANSFER = "失效转移", "lapsed policy transferred"
    TRANSFERRED_IN = "外地转入", "transferred in from elsewhere"
    COMPANY = "公司会办", "assigned by the company"
    NO_COMMISSION = "无佣期保单", "agent in no-commission period"
    DEPARTMENT_MERGE = "部门合并", "department merge"
    OWN_CUSTOMER = "本人新开发", "own new customer"


#: PS-01: transfers whose previous agent / servicer must be recorded. The seed tells
#: the servicer to distinguish the two transfer reasons 孤儿保单 (the agent left) and
#: 剥离保单 (stripped from another servicer) in the first call; both need to know who
#: had the policy before. Other sources record the previous agent when known.
ORPHAN_TRANSFER_SOURCES = frozenset({ServiceSource.AGENT_LEFT.value, ServiceSource.STRIPPED.value})


class ServiceClass(LabelledEnum):
    """PS-02 保单服务件分类."""

    NORMAL = "正常件", "normal"
    DIFFICULT = "困难件", "difficult"
    LAPSED = "失效件", "lapsed"


class CaseStatus(LabelledEnum):
    UNASSIGNED = "待分配", "unassigned"
    ASSIGNED = "待签收", "assigned, list not signed"
    IN_SERVICE = "服务中", "in service"
    CLOSED = "已关闭", "closed"


class ContactMethod(LabelledEnum):
    """PS-02 找寻客户的 6+1 种方式, in the seed's order (1..7)."""

    PHONE = "直接电话联系", "phone"
    VISIT = "按地址上门寻找", "visit home or workplace"
    NEIGHBOURS = "向邻居居委会派出所了解", "ask neighbours / residents' committee / police station"
    ORIGINAL_AGENT = "向原业务员了解", "ask the original agent"
    NOTICE_BOARD = "寻客户园地登记", "post in the find-the-customer board"
    POLICY_DATA = "通过保单信息深入查询", "search via policy data (e.g. beneficiary)"
    COMPANY_HELP = "向公司求助并登记问题保单", "ask the company, register a problem policy"

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


class ContactParty(LabelledEnum):
    """PS-04: contact the policyholder or an adult insured."""

    POLICYHOLDER = "投保人", "policyholder"
    INSURED = "被保险人", "insured"


class ServiceItem(LabelledEnum):
    """PS-05 保单服务项目 (seed S0)."""

    RENEWAL_REMINDER = "续期交费提醒", "renewal premium reminder"
    BENEFICIARY_CHANGE = "受益人变更", "beneficiary change"
    RIDERS = "保持或增加附加险", "keep or add riders"
    BASIC_DATA_CHANGE = "基本资料变更", "contact / ID data change"
    CLAIM_SERVICE = "理赔服务", "claim help"
    SURVIVAL_BENEFIT = "生存金返还", "survival benefit"
    PAYMENT_METHOD = "收费方式确认", "payment-method confirmation"
    POLICYHOLDER_CHANGE = "投保人变更", "policyholder change"
    DIVIDEND_NOTICE = "分红通知书", "dividend notice"
    CLAUSE_EXPLANATION = "条款讲解", "clause explanation"
    POLICY_REVIEW = "保单整理", "policy review"
    GREETINGS = "生日节日祝福", "birthday and holiday greetings"
    INFORMATION = "咨讯服务", "information service"


class ReinstatementOutcome(LabelledEnum):
    """PS-06 失效保单处理结果 (失效保单处理结果反馈表)."""

    REINSTATED = "已复效", "reinstated"
    AGREED = "同意复效待办理", "agreed, reinstatement pending"
    DECLINED = "拒绝复效", "declined"
    UNREACHABLE = "未能联系", "could not be reached"


class CaseTrigger(LabelledEnum):
    """What opened a case: a command, or a reaction to a policy event."""

    COMMAND = "命令", "command"
    AGENT_REASSIGNED = "保单业务员变更", "Policy.AgentReassigned"
    POLICY_LAPSED = "保单失效", "Policy.Lapsed"
