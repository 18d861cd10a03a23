"""Imports every module that registers command handlers and reactions.

Add a module here when it adds commands; the application imports this once.
"""

from application import (  # noqa: F401
    agents,
    allocation,
    branches,
    callbacks,
    claims,  # SL-03, SL-04
    complaints,  # SL-01
    planners,
    policies,
    renewals,  # SL-02
    service_cases,
    work_orders,
)
from application.personal_data import access, erasure  # noqa: F401
