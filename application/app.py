"""PolicyTrail (保单轨迹): the command engine wired with every use case's handlers.

This is the composition root of ``application/``: ``application/engine.py`` runs commands
and knows no use case, ``application/handlers.py`` lists the use cases' handlers, and
only this module imports both — so no use case imports the module that imports it.
"""

from __future__ import annotations

from application.adapters.database import Database
from application.clock import Clock
from application.engine import TrailApplication
from application.handlers import HANDLERS
from application.settings import Settings
from application.unit_of_work import Registry
from domain.shared.calendar import WorkingDayCalendar


class PolicyTrail(TrailApplication):
    name = "PolicyTrail"  # set again: the library names a subclass after itself otherwise

    def __init__(
        self,
        settings: Settings | None = None,
        database: Database | None = None,
        clock: Clock | None = None,
        calendar: WorkingDayCalendar | None = None,
        handlers: Registry | None = None,
    ) -> None:
        super().__init__(handlers or HANDLERS, settings, database, clock, calendar)
