"""Imports every module that registers command handlers and reactions.

Add a module here when it adds commands; the application imports this once.
"""

from application import agents, allocation, callbacks, planners, policies, service_cases, work_orders  # noqa: F401
from application.personal_data import access, erasure  # noqa: F401
