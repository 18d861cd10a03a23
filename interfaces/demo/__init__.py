"""The demo month (演示数据): a realistic synthetic month of business, run through the
application's commands.

- ``generator.build_month(config, params, calendar)`` → a ``plan.Plan``: every
  command with its business time, actor and deterministic command id;
- ``runner.run_plan(app, plan)`` executes it through ``app.execute`` (lanes of
  independent aggregates on a few threads, business day by business day);
  re-running it stores nothing new;
- ``summary.kpi_summary(app, ...)`` the month's KPIs computed from the stored events.
"""

from interfaces.demo.generator import build_month
from interfaces.demo.plan import DemoConfig, Plan, Step, default_month

__all__ = ["DemoConfig", "Plan", "Step", "build_month", "default_month"]
