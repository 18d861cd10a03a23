"""The scorecards read model (考核指标): the facts and counters behind the KPIs and SC-01.

- ``projection``: the tables (DDL), the callback/work-order/planner handler table and the
  projection; ``counts``: the callback counters kept as deltas; ``service_standards``:
  the complaint and claim-step tables and their handler table (SL-01, SL-03);
- ``queries``: KP-01..04 by agent/branch/channel/product type and month, PC-07, SC-01;
  ``claim_queries``: claim timeliness per branch or handler (SL-03);
  ``complaint_queries``: complaints per agent (SL-01f); ``coverage``: whether a month's
  callback data is whole.
"""
