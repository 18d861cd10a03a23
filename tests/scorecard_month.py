"""The hand-computed month of agent A0001 (March 2026, RULES.md KP-01..KP-04): the scorecards
tests check it figure by figure, and the exports carry it."""

from __future__ import annotations

from datetime import date
from typing import Any

from application.app import PolicyTrail
from application.policies import CancelInCoolingOff
from application.work_orders import ResolveWorkOrder
from domain.callback.questionnaire import QuestionItem as Q
from domain.shared.actor import Actor
from tests import factories
from tests.callback_steps import BRANCH, answer_all, at, attempt, open_callback, reach


def person(n: int, phone: str | None = None) -> factories.PersonIn:
    return factories.person(id_number=f"11010119900101{n:04d}", phone=phone or f"1381234{n:04d}")


def number(n: int) -> str:
    return f"P20260000{n:02d}"


def succeed(app: PolicyTrail, n: int, **answers: Any) -> list[str]:
    reach(app, at(3, 10), number(n))
    return answer_all(app, at(3, 10, 10), number(n), **answers).result["work_order_ids"]


def march_of_agent_a0001(app: PolicyTrail, actor: Actor) -> dict[str, str]:
    """The hand-computed month: 10 callbacks of agent A0001 became due in March 2026.

    C1-C3 标准件, C4 次标准件, C5 问题件/代签字, C6 问题件/疑似误导 — all within
    cooling-off; C7 标准件 after its cooling-off ended; C8 联系不上 and C9 重复号码
    (核实件, with the branch); C10 cancelled within cooling-off (out of the count).
    """
    app.execute(factories.register_agent("A0001"), actor)  # phone 13900001111
    app.execute(factories.register_agent("A0002", id_number="110101198502025678", phone="13900002222"), actor)
    for n in range(1, 11):
        if n == 7:  # receipt signed long ago: cooling-off ended 03-02 (CB-03)
            open_callback(
                app,
                actor,
                number(n),
                signed_on=date(2026, 2, 20),
                underwritten_on=date(2026, 2, 19),
                policyholder=person(n),
            )
        elif n == 9:  # the holder gives the agent's phone (DP-02)
            open_callback(app, actor, number(n), policyholder=person(n, "13900001111"))
        else:
            open_callback(app, actor, number(n), policyholder=person(n))
    for n in (1, 2, 3, 7):
        succeed(app, n)
    succeed(app, 4, **{Q.RETURNS_UNCERTAIN: {"response": "否", "corrected": True}})
    (proxy_wo,) = succeed(app, 5, **{Q.SIGNED_PERSONALLY: "否"})
    (explain_wo,) = succeed(app, 6, **{Q.RETURNS_UNCERTAIN: "否"})
    attempt(app, at(2, 10, 30), number=number(8))
    attempt(app, at(3, 15, 0), "占线", number=number(8))
    attempt(app, at(4, 19, 30), "关机", number=number(8))
    app.execute(
        CancelInCoolingOff(policy_number=number(10), cancelled_on=date(2026, 3, 5), occurred_at=at(5, 9)),
        actor,
    )
    # KP-03: the 代签字 order handled on time, the explanation late; the 核实件 stay open
    for wo, day in ((proxy_wo, 5), (explain_wo, 12)):
        app.execute(
            ResolveWorkOrder(
                work_order_id=wo, evidence_ref=f"SIG-{day}", signed_by_customer=True, occurred_at=at(day, 10)
            ),
            BRANCH,
        )
    # A0002: one success in 北京; one pending in 上海 (银保, 万能)
    open_callback(app, actor, number(11), policyholder=person(11), agent_code="A0002")
    succeed(app, 11)
    open_callback(
        app,
        actor,
        number(12),
        policyholder=person(12),
        agent_code="A0002",
        branch="上海分公司",
        channel="银保",
        product_type="万能",
    )
    return {"proxy_wo": proxy_wo, "explain_wo": explain_wo}
