"""A demo month (the generator at its smallest) with every read model caught up, shared by
the read-model API and dashboard tests, and a parser of the dashboard's figures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from html.parser import HTMLParser

from application.adapters.database import Database
from application.app import PolicyTrail
from application.clock import FixedClock
from domain.shared.time import SHANGHAI
from interfaces.demo import DemoConfig, build_month
from interfaces.demo.runner import run_plan
from projections import registry
from tests.read_model_steps import catch_up, private_app

MONTH, PREVIOUS = "2026-10", "2026-09"
NOW = datetime(2026, 10, 25, 10, 0, tzinfo=SHANGHAI)
GENERATED_AT = datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI)
BJ, SH = "北京分公司", "上海分公司"


@contextmanager
def demo_world(database: Database) -> Iterator[PolicyTrail]:
    with private_app(database) as app:
        clock: FixedClock = app.clock  # type: ignore[assignment]
        clock.set(GENERATED_AT)  # after the month: its events all lie in the past
        plan = build_month(DemoConfig(seed=5, policies=40, month=MONTH), app.settings.rules, app.calendar)
        run_plan(app, plan, workers=4)
        catch_up(app, *registry.names())
        clock.set(NOW)  # read mid-month: open work orders are at risk
        yield app


class Figures(HTMLParser):
    """``data-m`` key → the text shown in that element."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self._text: dict[int, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        key = dict(attrs).get("data-m")
        self._open.append((tag, key))
        if key is not None:
            self._text[len(self._open)] = []

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            depth = len(self._open)
            _, key = self._open.pop()
            if key is not None:
                self.found[key] = "".join(self._text.pop(depth)).strip()
            if _ == tag:
                break

    def handle_data(self, data: str) -> None:
        for parts in self._text.values():
            parts.append(data)


def figures(html: str) -> dict[str, str]:
    parser = Figures()
    parser.feed(html)
    return parser.found


def pct(value: str | None) -> str:
    """An API rate ("0.8214" or null) as the dashboard shows it."""
    return "—" if value is None else f"{float(value) * 100:.2f}%"


def num(value: int) -> str:
    return f"{value:,}"
