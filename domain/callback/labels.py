"""Business vocabulary of the new-contract callback (新契约回访), value = Chinese term.

Events store the Chinese value, so the stored meaning never depends on Python names.
"""

from __future__ import annotations

from typing import TypeVar

from domain.shared.errors import InvalidInput
from domain.shared.labels import LabelledEnum

E = TypeVar("E", bound=LabelledEnum)


def parse_value(enum_cls: type[E], value: str, what_en: str, what_zh: str) -> E:
    """The member whose Chinese term is ``value``, or a clear refusal listing the allowed terms."""
    try:
        return enum_cls(value)
    except ValueError:
        allowed = "/".join(m.value for m in enum_cls)
        raise InvalidInput(
            f"unknown {what_en} {value!r} (allowed: {allowed})",
            f"{what_zh} {value!r} 无效（可选：{allowed}）",
        ) from None


class CallbackStatus(LabelledEnum):
    """Where a callback stands (回访状态)."""

    NOT_REQUIRED = "无需回访"  # CB-01
    AWAITING_CALL = "待回访"  # inside a call cycle, calls allowed (CA-01/02)
    IN_CALL = "通话中"  # policyholder reached, identity check / questionnaire running
    SENT_TO_BRANCH = "转机构处理"  # a 核实件 is with the branch (CB-04, PC-05)
    SPECIAL = "特殊回访"  # approved special callback, completed by the unit (SP-02)
    COMPLETED = "回访成功"  # questionnaire completed (OC-06)
    EXCLUDED = "犹豫期撤单"  # cancelled within cooling-off (OC-06)


CallbackStatus._english = {
    "无需回访": "not required",
    "待回访": "awaiting call",
    "通话中": "in call",
    "转机构处理": "sent to branch",
    "特殊回访": "special callback",
    "回访成功": "completed",
    "犹豫期撤单": "excluded (cancelled within cooling-off)",
}


class CallResult(LabelledEnum):
    """Result of one call attempt (呼出结果), CA-02."""

    REACHED = "接通本人"
    NO_ANSWER = "无人接听"
    BUSY = "占线"
    POWER_OFF = "关机"
    WRONG_NUMBER = "空号停机错号"
    NOT_HOLDER = "非本人接听"  # CB-02: only the policyholder may be called back
    REFUSED = "拒访"
    LANGUAGE_BARRIER = "语言沟通不畅"
    HUNG_UP = "挂断"


CallResult._english = {
    "接通本人": "policyholder reached",
    "无人接听": "no answer",
    "占线": "busy",
    "关机": "power off",
    "空号停机错号": "wrong or stopped number",
    "非本人接听": "someone other than the policyholder answered",
    "拒访": "refused",
    "语言沟通不畅": "language barrier",
    "挂断": "hung up",
}


class IdentityResult(LabelledEnum):
    """Identity check at the start of the call (身份核实), CB-02."""

    PASSED = "通过"
    MISMATCH = "信息不符"
    REFUSED = "拒绝核实"


IdentityResult._english = {"通过": "passed", "信息不符": "data mismatch", "拒绝核实": "refused"}


class CallbackMethod(LabelledEnum):
    """How a callback was completed (回访方式), CB-04."""

    PHONE = "电话回访"
    VISIT = "上门亲访"
    LETTER = "信函回访"


CallbackMethod._english = {"电话回访": "phone", "上门亲访": "visit", "信函回访": "letter"}


class OutcomeClass(LabelledEnum):
    """Outcome classes (回访结果分类), OC-01..04."""

    STANDARD = "标准件"
    SUB_STANDARD = "次标准件"
    PROBLEM = "问题件"
    VERIFICATION = "核实件"


OutcomeClass._english = {
    "标准件": "standard",
    "次标准件": "sub-standard",
    "问题件": "problem",
    "核实件": "verification",
}


class DoubtSubtype(LabelledEnum):
    """The six doubts of OC-02 (已纠正 → 次标准件) and OC-03 疑似误导类 (未纠正 → 问题件)."""

    DEPOSIT = "认为存款赠保险"
    LIABILITY = "投保提示/保险责任/责任免除不清楚"
    COOLING_OFF = "犹豫期权益/退保损失不清楚"
    PAYMENT_AND_TERM = "缴费年限/保险期限不清楚"
    RETURNS = "收益不确定性不清楚"
    FEES = "万能险费用扣除不清楚"


DoubtSubtype._english = {
    "认为存款赠保险": "believed it was a deposit",
    "投保提示/保险责任/责任免除不清楚": "risk notice / liability / exclusions unclear",
    "犹豫期权益/退保损失不清楚": "cooling-off rights / surrender loss unclear",
    "缴费年限/保险期限不清楚": "payment period / coverage term unclear",
    "收益不确定性不清楚": "uncertainty of returns unclear",
    "万能险费用扣除不清楚": "universal-life fees unclear",
}


class ProblemCategory(LabelledEnum):
    """Categories of a 问题件 (OC-03)."""

    SUSPECTED_MISLEADING = "疑似误导类"
    EXPLANATION = "沟通解释类"
    PROXY_SIGNATURE = "代签字类"


ProblemCategory._english = {
    "疑似误导类": "suspected misleading",
    "沟通解释类": "communication / explanation",
    "代签字类": "proxy signature",
}


class ExplanationSubtype(LabelledEnum):
    """沟通解释类 subtypes (OC-03; 未如实告知 is our reading of QN-04, see questionnaire)."""

    CANNOT_RECALL_SIGNATURE = "记不清是否亲笔签名"
    NON_DISCLOSURE = "未如实告知"


ExplanationSubtype._english = {
    "记不清是否亲笔签名": "cannot recall whether signed personally",
    "未如实告知": "no truthful disclosure",
}


class ProxySubtype(LabelledEnum):
    """代签字类 subtypes (OC-03)."""

    DOCUMENTS = "投保资料代签字"
    RISK_STATEMENT = "代抄录风险提示语"


ProxySubtype._english = {
    "投保资料代签字": "application / receipt / other papers signed by someone else",
    "代抄录风险提示语": "risk statement copied by someone else",
}


class VerificationSubtype(LabelledEnum):
    """核实件 subtypes (OC-04)."""

    WRONG_PHONE = "电话有误"
    DUPLICATE_PHONE = "重复号码"
    REFUSED = "拒访"
    POLICY_DATA_MISMATCH = "保单信息有误"
    LANGUAGE_BARRIER = "语言沟通不畅"
    UNREACHABLE = "联系不上"
    CONTRACT_NOT_RECEIVED = "未收到合同"


VerificationSubtype._english = {
    "电话有误": "wrong phone",
    "重复号码": "duplicate number",
    "拒访": "refused",
    "保单信息有误": "identity data mismatch",
    "语言沟通不畅": "language barrier",
    "联系不上": "unreachable",
    "未收到合同": "contract not received",
}


class MisleadingKind(LabelledEnum):
    """What the customer reported about the sale (销售误导), PC-01 销售误导件."""

    EXAGGERATED_RETURNS = "夸大保险产品收益"
    CONFUSED_CONCEPTS = "混淆保险产品概念"
    CONCEALMENT = "隐瞒合同重要内容"
    OTHER = "其他误导"


MisleadingKind._english = {
    "夸大保险产品收益": "exaggerated returns",
    "混淆保险产品概念": "confused concepts",
    "隐瞒合同重要内容": "concealment of important terms",
    "其他误导": "other misleading",
}


class SpecialReason(LabelledEnum):
    """Eligible reasons for a special callback (特殊回访件), SP-01."""

    EMPLOYER_ARRANGED = "单位统一投保"
    COMPLEX_FAMILY = "家庭关系复杂"
    OTHER_KNOWN_TO_UNIT = "投保情况特殊且销售单位了解"


SpecialReason._english = {
    "单位统一投保": "employer-arranged",
    "家庭关系复杂": "complex family relations",
    "投保情况特殊且销售单位了解": "other special case known to the sales unit",
}


class SpecialStatus(LabelledEnum):
    APPLIED = "待审批"
    APPROVED = "已批准"
    REJECTED = "已驳回"
    COMPLETED = "已完成"


SpecialStatus._english = {
    "待审批": "awaiting approval",
    "已批准": "approved",
    "已驳回": "rejected",
    "已完成": "completed",
}
