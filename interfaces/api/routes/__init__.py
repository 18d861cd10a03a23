"""Every route of the API (the extension point).

To expose a command module: write ``routes/<module>.py`` with ``COMMANDS`` (a list
of ``CommandRoute``) and, for its reads, a ``router``; add one line to each list. The
read models' GETs are in ``interfaces/api/read_models/``, one module per read model.
"""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.api.commands import CommandRoute
from interfaces.api.read_models import audit_trail, scorecards, timeliness, worklists
from interfaces.api.routes import (
    agents,
    allocation,
    callbacks,
    exports,
    ledger,
    planners,
    policies,
    records,
    service_cases,
    service_standards,
    subjects,
    system,
    work_orders,
)

#: (OpenAPI tag, command route table)
COMMAND_TABLES: list[tuple[str, list[CommandRoute]]] = [
    (policies.TAG, policies.COMMANDS),
    (agents.TAG, agents.COMMANDS),
    (callbacks.TAG, callbacks.COMMANDS),
    (work_orders.TAG, work_orders.COMMANDS),
    (service_cases.TAG, service_cases.COMMANDS),
    (allocation.TAG, allocation.COMMANDS),
    (planners.TAG, planners.COMMANDS),
    (service_standards.TAG, service_standards.COMMANDS),
]

#: Query routers (GET), mounted after the command routes.
ROUTERS: list[APIRouter] = [
    system.router,
    policies.router,
    agents.router,
    audit_trail.router,
    timeliness.router,
    scorecards.router,
    worklists.router,
    exports.router,
    records.router,
    subjects.router,
    ledger.router,
    worklists.service_standards_router,  # after the others: the OpenAPI document's order
    scorecards.service_standards_router,
]
