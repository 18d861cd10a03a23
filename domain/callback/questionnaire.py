"""The callback questionnaire (回访问卷), QN-01..03; answer validation.

QN-03 items (REG-02 Art 15) in call order. Identity (the first item) is the CB-02
check that opens every call and is recorded separately (``IdentityChecked``).

Readings of S1 (新契约回访流程, 青岛话术, 问题件处理指导):
- "knows it is insurance and bought it" is asked as two items: whether the
  holder bought it (a denial ends the call, 核实件/拒访, QN-04) and whether they
  know it is insurance rather than a deposit (the 存款赠保险 doubt of OC-02/03).
- Participating / universal / investment-linked products (新型产品) also ask
  whether the holder copied the risk statement by hand: that is how the
  代签字类 subtype 代抄录风险提示语 (OC-03) can arise from an answer.
- Questionnaire A states the cooling-off rights; B instead reminds the holder to
  read liability, cooling-off and exclusions (S1 A卷 item 5 vs B卷 item 5).
- Satisfaction with the agent and the mailing address / phone are asked and
  recorded (征询 items); they are opinions and data, not doubts, so a "no" there
  does not change the outcome class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.callback.labels import MisleadingKind, parse_value
from domain.parameters import CallbackParams
from domain.policy import ProductType
from domain.shared.errors import InvalidInput, RuleViolation
from domain.shared.labels import LabelledEnum


class QuestionItem(LabelledEnum):
    """Questionnaire items (问卷项目), QN-03 order."""

    PURCHASE_CONFIRMED = "确认本人投保", "confirms they bought the policy"
    KNOWS_IS_INSURANCE = "知晓所购为保险产品", "knows it is insurance (not a deposit)"
    POLICY_RECEIVED = "已收到保单并签收回执", "received the policy and signed the receipt"
    SIGNED_PERSONALLY = "投保单及投保提示书本人亲笔签名", "signed application and risk notice personally"
    INSURED_SIGNED = "被保险人亲笔签名", "insured signed personally"
    RISK_STATEMENT_COPIED = "风险提示语本人亲笔抄录", "copied the risk statement personally"
    TRUTHFUL_DISCLOSURE = "如实告知", "truthful disclosure"
    PREMIUM_AND_TERM = (
        "保费、缴费期间及频率、保险期间",
        "premium, payment period and frequency, coverage term",
    )
    CLAUSES_AND_LIABILITY = "已阅读条款、保险责任及责任免除", "read clauses, liability and exclusions"
    RETURNS_UNCERTAIN = "知晓收益不确定", "knows returns are not guaranteed"
    FEES = "知晓费用扣除", "knows the fees"
    COOLING_OFF_RIGHTS = "知晓犹豫期权益及退保损失", "knows cooling-off rights and surrender loss"
    READING_REMINDER = (
        "提醒阅读保险责任、犹豫期及责任免除",
        "reminded to read liability, cooling-off, exclusions",
    )
    AGENT_SATISFACTION = "对业务员服务满意", "satisfied with the agent"
    CONTACT_CONFIRMED = "确认通讯地址及联系电话", "confirms mailing address and phone"


class QuestionnaireVersion(LabelledEnum):
    """QN-02: A within N days of underwriting (states cooling-off rights), B after."""

    A = "A卷", "questionnaire A"
    B = "B卷", "questionnaire B"


class Response(LabelledEnum):
    """The holder's answer to one item."""

    YES = "是", "yes"
    NO = "否", "no"
    UNSURE = "不清楚", "unsure / cannot recall"


#: QN-01: 新型产品 (returns not guaranteed) and products with explicit fees.
NEW_TYPE_PRODUCTS = frozenset(
    {ProductType.PARTICIPATING, ProductType.UNIVERSAL, ProductType.INVESTMENT_LINKED}
)
FEE_PRODUCTS = frozenset({ProductType.UNIVERSAL, ProductType.INVESTMENT_LINKED})

#: Knowledge items whose negative answer is a doubt the caller may correct (OC-02/03).
DOUBT_ITEMS = frozenset(
    {
        QuestionItem.KNOWS_IS_INSURANCE,
        QuestionItem.PREMIUM_AND_TERM,
        QuestionItem.CLAUSES_AND_LIABILITY,
        QuestionItem.RETURNS_UNCERTAIN,
        QuestionItem.FEES,
        QuestionItem.COOLING_OFF_RIGHTS,
        QuestionItem.READING_REMINDER,
    }
)
#: Opinion / data items: recorded, never change the outcome class.
INFORMATIONAL_ITEMS = frozenset({QuestionItem.AGENT_SATISFACTION, QuestionItem.CONTACT_CONFIRMED})


def choose_version(
    callback_on: date, underwritten_on: date, params: CallbackParams
) -> tuple[QuestionnaireVersion, int]:
    """QN-02: d = callback date − underwriting date (natural days); d ≤ N → A, else B."""
    d = (callback_on - underwritten_on).days
    version = QuestionnaireVersion.A if d <= params.questionnaire_b_after_days else QuestionnaireVersion.B
    return version, d


def question_set(
    product_type: str, insured_is_holder: bool, version: QuestionnaireVersion | str
) -> list[str]:
    """QN-01 / QN-03: the items asked, in order, for this product type and version.

    CB-02: when the insured is another person the call also confirms that the
    insured signed.
    """
    product = ProductType(product_type)
    version = QuestionnaireVersion(version)
    items: list[QuestionItem] = [
        QuestionItem.PURCHASE_CONFIRMED,
        QuestionItem.KNOWS_IS_INSURANCE,
        QuestionItem.POLICY_RECEIVED,
        QuestionItem.SIGNED_PERSONALLY,
    ]
    if not insured_is_holder:
        items.append(QuestionItem.INSURED_SIGNED)
    if product in NEW_TYPE_PRODUCTS:
        items.append(QuestionItem.RISK_STATEMENT_COPIED)
    items += [
        QuestionItem.TRUTHFUL_DISCLOSURE,
        QuestionItem.PREMIUM_AND_TERM,
        QuestionItem.CLAUSES_AND_LIABILITY,
    ]
    if product in NEW_TYPE_PRODUCTS:
        items.append(QuestionItem.RETURNS_UNCERTAIN)
    if product in FEE_PRODUCTS:
        items.append(QuestionItem.FEES)
    items.append(
        QuestionItem.COOLING_OFF_RIGHTS
        if version == QuestionnaireVersion.A
        else QuestionItem.READING_REMINDER
    )
    items += [QuestionItem.AGENT_SATISFACTION, QuestionItem.CONTACT_CONFIRMED]
    return [i.value for i in items]


@dataclass(frozen=True)
class Answer:
    """One recorded answer (问卷答复).

    ``corrected``: the caller explained a doubt during the call and the holder
    then understood (已纠正, OC-02). ``misleading``: the holder reported a sales
    practice (PC-01 销售误导件), e.g. the agent promised a fixed 6% return.
    """

    item: str
    response: str
    corrected: bool = False
    misleading: str = ""
    note: str = ""

    @property
    def negative(self) -> bool:
        return self.response != Response.YES


def make_answer(
    item: str, response: str, corrected: bool = False, misleading: str = "", note: str = ""
) -> Answer:
    """Validate one answer's shape (independent of the questionnaire it belongs to)."""
    try:
        item = QuestionItem(item).value
    except ValueError:
        raise InvalidInput(f"unknown questionnaire item {item!r}", f"问卷项目 {item!r} 无效") from None
    response = parse_value(Response, response, "response", "答复").value
    if misleading:
        misleading = parse_value(MisleadingKind, misleading, "misleading kind", "销售误导类型").value
    negative = response != Response.YES
    if corrected and not (negative and item in DOUBT_ITEMS):
        raise InvalidInput(
            f"'corrected' applies only to a doubt on a knowledge item, not to {item} = {response}",
            f"“已纠正”仅适用于认知类项目的疑问，不适用于 {item} = {response}",
        )
    if misleading and not (negative and item in DOUBT_ITEMS):
        raise InvalidInput(
            f"a misleading report belongs to a doubt on a knowledge item, not to {item} = {response}",
            f"销售误导反馈应记录在认知类项目的否定答复上，不适用于 {item} = {response}",
        )
    return Answer(item, response, corrected, misleading, note.strip())


def require_in_set(answer: Answer, items: list[str], product_type: str, version: str) -> None:
    """QN-01: only the items of this product type's questionnaire may be answered."""
    if answer.item not in items:
        raise RuleViolation(
            "QN-01",
            f"item {QuestionItem(answer.item).en!r} is not on {version} for a {product_type} product",
            f"{product_type}产品的{version}不含项目“{answer.item}”",
            item=answer.item,
            items=items,
        )
