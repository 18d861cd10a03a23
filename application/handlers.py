"""Imports every module that registers command handlers and reactions.

Add a module here when it adds commands; the application imports this once.
"""

from application import agents, allocation, planners, policies, service_cases  # noqa: F401
