"""Imports every module that registers command handlers and reactions.

Add a module here when it adds commands; the application imports this once.
"""

from application import (  # noqa: F401  # noqa: F401  (SL-01..SL-04)
    agents,
    allocation,
    callbacks,
    claims,
    complaints,
    planners,
    policies,
    renewals,
    service_cases,
    work_orders,
)
