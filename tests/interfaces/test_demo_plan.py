"""The demo month as planned (no database): deterministic, valid input only, calls in windows."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from application.adapters.calendar import ChineseWorkingDayCalendar
from application.callbacks import CheckIdentity, RecordCallAttempt
from application.policies import RegisterReceipt
from domain.callback.windows import check_call_window
from domain.parameters import RuleParameters
from domain.shared.errors import InvalidInput
from interfaces.demo import DemoConfig, build_month, default_month

CALENDAR = ChineseWorkingDayCalendar()
PARAMS = RuleParameters()


def plan(seed: int = 11, policies: int = 40, month: str = "2026-10"):
    return build_month(DemoConfig(seed=seed, policies=policies, month=month), PARAMS, CALENDAR)


def test_the_same_seed_plans_the_same_month():
    first, second = plan(), plan()
    assert first.command_ids() == second.command_ids()
    assert [s.command.model_dump_json() for s in first.steps] == [
        s.command.model_dump_json() for s in second.steps
    ]
    assert [(s.actor, s.lane) for s in first.steps] == [(s.actor, s.lane) for s in second.steps]
    assert first.ingredients == second.ingredients
    other = plan(seed=12)
    assert other.command_ids() != first.command_ids()


def test_command_ids_are_unique_and_carry_the_configuration():
    p = plan()
    ids = p.command_ids()
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("demo/11/2026-10/40/") for i in ids)


def test_every_call_attempt_lies_in_a_call_window_ca01():
    month = plan(policies=200)
    attempts = [s for s in month.steps if isinstance(s.command, RecordCallAttempt)]
    # the calls the stories need: one attempt reaching the holder per identity check (CB-02) ...
    reached = Counter(s.command.policy_number for s in attempts if s.command.result == "接通本人")
    checked = Counter(s.command.policy_number for s in month.steps if isinstance(s.command, CheckIdentity))
    assert reached == checked and checked
    # ... and a full cycle of failed attempts per callback left unreachable (CA-02)
    failed = Counter(s.command.policy_number for s in attempts if s.command.result != "接通本人")
    full_cycles = sum(n >= PARAMS.callback.attempts_per_cycle for n in failed.values())
    assert full_cycles >= month.ingredients["unreachable after 3 attempts 三次未接通"] > 0
    # only callbacks that are due: the policy's receipt was registered before its first call
    registered = {
        s.command.policy_number: s.at for s in month.steps if isinstance(s.command, RegisterReceipt)
    }
    assert all(s.command.policy_number in registered for s in attempts)
    assert all(registered[s.command.policy_number] < s.at for s in attempts)
    assert all(check_call_window(s.at, PARAMS.callback, CALENDAR).allowed for s in attempts)
    assert all(s.command.occurred_at == s.at for s in attempts)


def test_the_month_has_every_ingredient_even_when_small():
    counts = plan().ingredients
    for ingredient in (
        "late receipt registrations 回执逾期回销 (CB-05)",
        "outcome 回访结果: 标准件",
        "outcome 回访结果: 次标准件",
        "outcome 回访结果: 问题件",
        "outcome 回访结果: 核实件/联系不上",
        "duplicate-number callbacks 重复号码 (DP-01)",
        "duplicate-number callbacks 重复号码 (DP-02)",
        "work orders 工单: 销售误导件",
        "work orders 工单: 代签字",
        "overdue statements 逾期书面说明 (PC-04)",
        "special callbacks approved 特殊回访件批准 (SP-02)",
        "service cases from the departed agent 离司人员转移服务件 (PS-01)",
        "allocation rounds 资源分配轮次 (SC-03)",
    ):
        assert counts[ingredient] >= 1, ingredient


def test_bad_configurations_are_refused_with_a_clear_error():
    with pytest.raises(InvalidInput, match="--policies must be between 40"):
        DemoConfig(policies=5, month="2026-10")
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        DemoConfig(month="2026-13")
    with pytest.raises(InvalidInput, match="not over yet"):
        DemoConfig(month="2026-10").require_complete(date(2026, 10, 31))


def test_the_default_month_is_the_last_complete_one():
    assert default_month(date(2026, 11, 22)) == "2026-10"
    assert default_month(date(2027, 1, 1)) == "2026-12"
