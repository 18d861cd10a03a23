"""What every part of the generator shares (生成上下文): the seed's randomness, the
timeline, the rule parameters, the people factory, and ``emit`` which appends a step."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from application.messages import Command
from domain.parameters import RuleParameters
from domain.shared.actor import Actor
from domain.shared.calendar import WorkingDayCalendar
from interfaces.demo.catalog import Branch
from interfaces.demo.people import PeopleFactory
from interfaces.demo.plan import DemoConfig, Plan, Step
from interfaces.demo.timeline import Timeline

C = TypeVar("C", bound=Command)


@dataclass
class AgentSpec:
    code: str
    name: str
    id_number: str
    phone: str
    branch: Branch
    series: str
    level: str
    channel: str
    joined_on: Any  # date
    departs: bool = False


@dataclass
class Month:
    config: DemoConfig
    params: RuleParameters
    calendar: WorkingDayCalendar
    rng: random.Random = field(init=False)
    people: PeopleFactory = field(init=False)
    timeline: Timeline = field(init=False)
    plan: Plan = field(init=False)
    agents: list[AgentSpec] = field(default_factory=list)
    _seq: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.config.seed)
        self.people = PeopleFactory(self.rng, self.config.seed)
        self.timeline = Timeline(
            self.rng, self.params.callback, self.calendar, self.config.first_day, self.config.last_day
        )
        self.plan = Plan(self.config)

    def emit(
        self, lane: str, key: str, at: datetime, actor: Actor, command_type: type[C], **fields: Any
    ) -> C:
        """Plan one command at business time ``at`` (raises ``Cutoff`` after the month)."""
        self.timeline.check(at)
        command = command_type(command_id=f"{self.config.prefix}/{key}", occurred_at=at, **fields)
        self._seq += 1
        self.plan.steps.append(Step(at=at, lane=lane, actor=actor, command=command, seq=self._seq))
        return command

    def count(self, ingredient: str, n: int = 1) -> None:
        self.plan.ingredients[ingredient] += n

    def agents_of(self, branch: Branch, channel: str | None = None) -> list[AgentSpec]:
        return [
            a
            for a in self.agents
            if a.branch == branch and (channel is None or a.channel == channel) and not a.departs
        ]
