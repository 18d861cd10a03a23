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

    NOT_REQUIRED = "无需回访", "not required"  # CB-01
    AWAITING_CALL = "待回访", "awaiting call"  # inside a call cycle, calls allowed (CA-01/02)
    IN_CALL = "通话中", "in call"  # policyholder reached, identity check / questionnaire running
    SENT_TO_BRANCH = "转机构处理", "sent to branch"  # a 核实件 is with the branch (CB-04, PC-05)
    SPECIAL = "特殊回访", "special callback"  # approved special callback, completed by the unit (SP-02)
    COMPLETED = "回访成功", "completed"  # questionnaire completed (OC-06)
    EXCLUDED = "犹豫期撤单", "excluded (cancelled within cooling-off)"  # cancelled within cooling-off (OC-06)


class CallResult(LabelledEnum):
    """Result of one call attempt (呼出结果), CA-02."""

    REACHED = "接通本人", "policyholder reached"
    NO_ANSWER = "无人接听", "no answer"
    BUSY = "占线", "busy"
    POWER_OFF = "关机", "power off"
    WRONG_NUMBER = "空号停机错号", "wrong or stopped number"
    NOT_HOLDER = (
        "非本人接听",
        "someone other than the policyholder answered",
    )  # CB-02: only the policyholder may be called back
    REFUSED = "拒访", "refused"
    LANGUAGE_BARRIER = "语言沟通不畅", "language barrier"
    HUNG_UP = "挂断", "hung up"


class IdentityResult(LabelledEnum):
    """Identity check at the start of the call (身份核实), CB-02."""

    PASSED = "通过", "passed"
    MISMATCH = "信息不符", "data mismatch"
    REFUSED = "拒绝核实", "refused"


class CallbackMethod(LabelledEnum):
    """How a callback was completed (回访方式), CB-04."""

    PHONE = "电话回访", "phone"
    VISIT = "上门亲访", "visit"
    LETTER = "信函回访", "letter"


class OutcomeClass(LabelledEnum):
    """Outcome classes (回访结果分类), OC-01..04."""

    STANDARD = "标准件", "standard"
    SUB_STANDARD = "次标准件", "sub-standard"
    PROBLEM = "问题件", "problem"
    VERIFICATION = "核实件", "verification"


class DoubtSubtype(LabelledEnum):
    """The six doubts of OC-02 (已纠正 → 次标准件) and OC-03 疑似误导类 (未纠正 → 问题件)."""

    DEPOSIT = "认为存款赠保险", "believed it was a deposit"
    LIABILITY = "投保提示/保险责任/责任免除不清楚", "risk notice / liability / exclusions unclear"
    COOLING_OFF = "犹豫期权益/退保损失不清楚", "cooling-off rights / surrender loss unclear"
    PAYMENT_AND_TERM = "缴费年限/保险期限不清楚", "payment period / coverage term unclear"
    RETURNS = "收益不确定性不清楚", "uncertainty of returns unclear"
    FEES = "万能险费用扣除不清楚", "universal-life fees unclear"


class ProblemCategory(LabelledEnum):
    """Categories of a 问题件 (OC-03)."""

    SUSPECTED_MISLEADING = "疑似误导类", "suspected misleading"
    EXPLANATION = "沟通解释类", "communication / explanation"
    PROXY_SIGNATURE = "代签字类", "proxy signature"


class ExplanationSubtype(LabelledEnum):
    """沟通解释类 subtypes (OC-03; 未如实告知 is our reading of QN-04, see questionnaire)."""

    CANNOT_RECALL_SIGNATURE = "记不清是否亲笔签名", "cannot recall whether signed personally"
    NON_DISCLOSURE = "未如实告知", "no truthful disclosure"


class ProxySubtype(LabelledEnum):
    """代签字类 subtypes (OC-03)."""

    DOCUMENTS = "投保资料代签字", "application / receipt / other papers signed by someone else"
    RISK_STATEMENT = "代抄录风险提示语", "risk statement copied by someone else"


class VerificationSubtype(LabelledEnum):
    """核实件 subtypes (OC-04)."""

    WRONG_PHONE = "电话有误", "wrong phone"
    DUPLICATE_PHONE = "重复号码", "duplicate number"
    REFUSED = "拒访", "refused"
    POLICY_DATA_MISMATCH = "保单信息有误", "identity data mismatch"
    LANGUAGE_BARRIER = "语言沟通不畅", "language barrier"
    UNREACHABLE = "联系不上", "unreachable"
    CONTRACT_NOT_RECEIVED = "未收到合同", "contract not received"


class MisleadingKind(LabelledEnum):
    """What the customer reported about the sale (销售误导), PC-01 销售误导件."""

    EXAGGERATED_RETURNS = "夸大保险产品收益", "exaggerated returns"
    CONFUSED_CONCEPTS = "混淆保险产品概念", "confused concepts"
    CONCEALMENT = "隐瞒合同重要内容", "concealment of important terms"
    OTHER = "其他误导", "other misleading"


class SpecialReason(LabelledEnum):
    """Eligible reasons for a special callback (特殊回访件), SP-01."""

    EMPLOYER_ARRANGED = "单位统一投保", "employer-arranged"
    COMPLEX_FAMILY = "家庭关系复杂", "complex family relations"
    OTHER_KNOWN_TO_UNIT = "投保情况特殊且销售单位了解", "other special case known to the sales unit"


class SpecialStatus(LabelledEnum):
    APPLIED = "待审批", "awaiting approval"
    APPROVED = "已批准", "approved"
    REJECTED = "已驳回", "rejected"
    COMPLETED = "已完成", "completed"
