"""The synthetic month (演示月度数据): ``build_month(config, params, calendar) -> Plan``.

Deterministic for a configuration: one ``random.Random(seed)`` (and Faker seeded with
it) drives every choice in a fixed order, and command ids derive from the seed and
stable business keys. The month contains, whatever the size (``FORCED`` guarantees
one of each even for 40 policies):

- ~60 agents of every rank in 3 branches, one of whom leaves mid-month: the book of
  in-force policies is handed to servicers (service cases, PS-01..05), one of them
  unreachable by every method (困难件); one old policy lapses and is reinstated (PS-06);
- policies across channels and product types, group and short-term ones needing no
  callback (CB-01); receipts registered on time or late (CB-05);
- callbacks: calls inside the windows (CA-01) with realistic failures, each outcome
  class (OC-01..04), duplicate numbers (DP-01 3+ holders, DP-02 the agent's phone),
  unusable numbers (CB-06), cancellations within cooling-off, special callbacks (SP-*);
- work orders of every type, on time, late, with overdue statements, still open;
- planner scores and one allocation round per branch (CR-01, SC-01..03).
"""

from __future__ import annotations

import math
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from domain.parameters import RuleParameters
from domain.shared.calendar import WorkingDayCalendar
from interfaces.demo.agency import plan_agents, plan_departure, plan_lapse
from interfaces.demo.catalog import (
    BRANCHES,
    CHANNEL_PRODUCTS,
    CHANNEL_SHARES,
    GROUP_PRODUCTS,
    PRODUCTS,
    Branch,
)
from interfaces.demo.context import AgentSpec, Month
from interfaces.demo.people import Person
from interfaces.demo.plan import DemoConfig, Plan
from interfaces.demo.planners import plan_allocation
from interfaces.demo.scenarios import SCENARIO_SHARES, Fate, Scenario, Timeliness, pick
from interfaces.demo.service_standards import plan_service_standards
from interfaces.demo.stories import BAD_PHONE, DP01, DP02, PolicySpec, PolicyStory
from interfaces.demo.timeline import at_time

BRANCH_SHARES = (0.38, 0.34, 0.28)
_RANK_SALES = {"高级": 1.3, "中级": 1.2, "初级": 1.0, "准初级": 0.9, "资深": 2.0, "见习": 0.6}

#: one policy of each, placed early in the month so that its story fits in it
FORCED: tuple[dict[str, object], ...] = (
    {"scenario": Scenario.STANDARD, "registration_lag": 3},  # late receipt (CB-05)
    {"scenario": Scenario.STANDARD, "sign_delay": 20},  # called > 18 days after underwriting: B卷
    {"scenario": Scenario.SUBSTANDARD},
    {"scenario": Scenario.EXPLANATION, "timeliness": Timeliness.ON_TIME, "recheck_fails": True},
    {"scenario": Scenario.MISLEADING, "timeliness": Timeliness.ON_TIME},
    {"scenario": Scenario.PROXY, "timeliness": Timeliness.LATE_WITH_STATEMENT},
    {"scenario": Scenario.UNREACHABLE, "timeliness": Timeliness.OPEN},  # overdue at month end
    {"scenario": Scenario.UNREACHABLE, "fate": Fate.AGREED, "timeliness": Timeliness.ON_TIME},
    {"scenario": Scenario.EXPIRED, "fate": Fate.CONTACT, "timeliness": Timeliness.LATE},
    {"scenario": Scenario.WRONG_NUMBER, "timeliness": Timeliness.ON_TIME},
    {"scenario": Scenario.REFUSED, "fate": Fate.VISIT, "timeliness": Timeliness.ON_TIME},
    {"scenario": Scenario.LANGUAGE, "timeliness": Timeliness.ON_TIME},
    {"scenario": Scenario.NOT_RECEIVED, "fate": Fate.AGREED, "timeliness": Timeliness.ON_TIME},
    {"scenario": Scenario.MISMATCH, "timeliness": Timeliness.OPEN_WITH_STATEMENT},
    {"scenario": Scenario.DENIES, "fate": Fate.VISIT, "timeliness": Timeliness.ON_TIME},
    {"scenario": Scenario.ABANDONED, "failures": 0},
    {"scenario": Scenario.CANCELLED, "failures": 1},
    {"scenario": Scenario.SPECIAL},
    {"scenario": Scenario.SPECIAL_REJECTED},
)


def build_month(config: DemoConfig, params: RuleParameters, calendar: WorkingDayCalendar) -> Plan:
    m = Month(config, params, calendar)
    plan_agents(m)
    for spec in PolicyMaker(m).specs():
        PolicyStory(m, spec).tell()
    plan_departure(m)
    plan_lapse(m)
    plan_allocation(m)
    plan_service_standards(m)  # last: the rest of the month keeps its random draws
    return m.plan


class PolicyMaker:
    """The month's new policies: who bought what, through whom, and their scenario."""

    def __init__(self, m: Month) -> None:
        self.m = m
        self.rng = m.rng
        self.first = m.config.first_day
        self.last = m.config.last_day
        self._seq: dict[str, int] = {}
        self.days = m.timeline.days(self.first - timedelta(days=8), self.last - timedelta(days=1))
        self.day_weights = [1.0 if m.timeline.is_working(d) else 0.2 for d in self.days]
        early = m.timeline.days(self.first, self.first + timedelta(days=12))
        self.early = [d for d in early if m.timeline.is_working(d)] or early

    # ----- building blocks ------------------------------------------------------------------
    def number(self, branch: Branch, underwritten_on: date) -> str:
        self._seq[branch.code] = self._seq.get(branch.code, 0) + 1
        return f"P{branch.code}{underwritten_on:%y%m}{self._seq[branch.code]:05d}"

    def branch(self) -> Branch:
        return self.rng.choices(BRANCHES, weights=BRANCH_SHARES)[0]

    def agent(self, branch: Branch, channel: str) -> AgentSpec:
        agents = self.m.agents_of(branch, channel) or self.m.agents_of(branch, "个险")
        return self.rng.choices(agents, weights=[_RANK_SALES[a.level] for a in agents])[0]

    def underwriting_day(self) -> date:
        return self.rng.choices(self.days, weights=self.day_weights)[0]

    def premium(self, low: int, high: int) -> Decimal:
        value = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        return Decimal(int(round(value, -1))).quantize(Decimal("0.01"))

    def sign_delay(self, channel: str) -> int:
        if self.rng.random() < 0.04:
            return self.rng.randint(15, 22)  # contract delivered late
        low, high = {"个险": (1, 8), "银保": (2, 10), "电销": (0, 2), "网销": (0, 2), "经代": (2, 9)}[channel]
        return self.rng.randint(low, high)

    def registration_lag(self) -> int:
        return self.rng.choices((0, 1, 2, 3, 4, 6), weights=(65, 28, 3, 2, 1, 1))[0]

    def people(self, branch: Branch, on: date) -> tuple[Person, Person]:
        holder = self.m.people.person(branch, on, 24, 62)
        kind = self.rng.random()
        if kind < 0.62:
            return holder, holder
        if kind < 0.84:  # a child: no phone of their own, same home
            surname = holder.name[0] if holder.male else None
            child = self.m.people.person(branch, on, 0, 17, phone="", address=holder.address, surname=surname)
            return holder, child
        return holder, self.m.people.person(branch, on, 24, 62, address=holder.address)

    def individual(
        self,
        *,
        channel: str | None = None,
        long_term: bool = False,
        branch: Branch | None = None,
        agent: AgentSpec | None = None,
        underwritten_on: date | None = None,
        **overrides: Any,
    ) -> PolicySpec:
        """An individual policy; ``overrides`` set ``PolicySpec`` fields (scenario, forced details)."""
        branch = branch or self.branch()
        channel = channel or pick(self.rng, CHANNEL_SHARES)
        choices = {
            name: w
            for name, w in CHANNEL_PRODUCTS[channel].items()
            if not (long_term and PRODUCTS[name].short_term)
        }
        product = PRODUCTS[pick(self.rng, choices)]
        underwritten_on = underwritten_on or self.underwriting_day()
        holder, insured = self.people(branch, underwritten_on)
        agent = agent or self.agent(branch, channel)
        number = self.number(branch, underwritten_on)
        spec = PolicySpec(
            number=number,
            branch=branch,
            channel=channel,
            product=product,
            agent=agent,
            holder=holder,
            insured=insured,
            organisation="",
            underwritten_on=underwritten_on,
            term=self.rng.choice(product.terms),
            payment=self.rng.choice(product.payments),
            premium=self.premium(*product.premium),
            lane=number,
            sign_delay=self.sign_delay(channel),
            registration_lag=self.registration_lag(),
        )
        for key, value in overrides.items():
            setattr(spec, key, value)
        if spec.scenario in (Scenario.SPECIAL, Scenario.SPECIAL_REJECTED) and channel != "个险":
            spec.scenario = Scenario.STANDARD  # special callbacks are an agency (sales unit) matter
        return spec

    def group(self) -> PolicySpec:
        branch = self.branch()
        product = PRODUCTS[self.rng.choice(GROUP_PRODUCTS)]
        underwritten_on = self.underwriting_day()
        manager = next(a for a in self.m.agents_of(branch, "个险") if a.series == "管理")
        number = self.number(branch, underwritten_on)
        return PolicySpec(
            number=number,
            branch=branch,
            channel="个险",
            product=product,
            agent=manager,
            holder=None,
            insured=self.m.people.person(branch, underwritten_on, 25, 55),
            organisation=self.m.people.company(),
            underwritten_on=underwritten_on,
            term=product.terms[0],
            payment=product.payments[0],
            premium=self.premium(*product.premium),
            lane=number,
            sign_delay=self.rng.randint(2, 6),
            registration_lag=self.registration_lag(),
        )

    # ----- the month's policies -------------------------------------------------------------
    def specs(self) -> list[PolicySpec]:
        total = self.m.config.policies
        specs: list[PolicySpec] = []
        for n, forced in enumerate(FORCED):
            fields = dict(forced)
            specs.append(
                self.individual(
                    channel="个险",
                    long_term=True,
                    underwritten_on=self.early[n % len(self.early)],
                    registration_lag=fields.pop("registration_lag", 0),
                    sign_delay=fields.pop("sign_delay", self.rng.randint(1, 4)),
                    **fields,
                )
            )
        specs += self.duplicate_groups(max(1, round(total / 600)))
        for n in range(max(1, round(total / 300))):
            specs.append(self.agent_phone_hit(n))
        for n in range(max(1, round(total / 400))):
            specs.append(self.bad_phone(n))
        for _ in range(max(1, round(total * 0.02))):
            specs.append(self.group())
        while len(specs) < total:
            specs.append(self.individual(scenario=pick(self.rng, SCENARIO_SHARES)))
        return specs

    def duplicate_groups(self, count: int) -> list[PolicySpec]:
        """DP-01: 3+ policyholders on one number (the agent wrote his assistant's phone)."""
        result = []
        for g in range(count):
            branch = self.branch()
            agent = self.agent(branch, "个险")
            shared = self.m.people.phone()
            start = self.early[(g * 3) % len(self.early)] if g == 0 else self.underwriting_day()
            start = min(start, self.last - timedelta(days=8))
            size = 4 if g == 1 else 3
            days = [start + timedelta(days=self.rng.randint(0, 2)) for _ in range(size)]
            registration_day = self.m.timeline.office_at(at_time(max(days) + timedelta(days=3), time(0, 0)))
            members = []
            for k, day in enumerate(sorted(days)):
                spec = self.individual(
                    channel="个险", long_term=True, branch=branch, agent=agent, underwritten_on=day
                )
                spec.phone_issue, spec.holder_phone, spec.lane = DP01, shared, f"phone:{shared}"
                # all receipts of the group come in together, after the third policy was issued
                spec.registered_at = registration_day + timedelta(minutes=7 * k)
                spec.sign_delay = min(spec.sign_delay, (registration_day.date() - day).days)
                members.append(spec)
            result += members
        return result

    def agent_phone_hit(self, n: int) -> PolicySpec:
        """DP-02: the holder's phone is the agent's own (the agent is not the holder)."""
        candidates = [a for a in self.m.agents if not a.departs and a.channel == "个险"]
        agent = candidates[(n * 7) % len(candidates)]
        spec = self.individual(
            channel="个险",
            long_term=True,
            branch=agent.branch,
            agent=agent,
            underwritten_on=self.early[n % len(self.early)] if n == 0 else None,
        )
        spec.phone_issue, spec.holder_phone, spec.lane = DP02, agent.phone, f"phone:{agent.phone}"
        return spec

    def bad_phone(self, n: int) -> PolicySpec:
        """CB-06: a blank or malformed number on the application."""
        spec = self.individual(long_term=True, underwritten_on=self.early[-1] if n == 0 else None)
        assert spec.holder is not None
        spec.phone_issue = BAD_PHONE
        spec.holder_phone = (
            "" if self.rng.random() < 0.4 else spec.holder.phone[:-1]
        )  # blank or one digit short
        return spec
