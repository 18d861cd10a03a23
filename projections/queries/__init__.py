"""Queries of the read models (读模型查询): what the HTTP API and the dashboard call.

Plain functions: a psycopg connection, the read schema, filters and paging in;
typed rows (pydantic) out, enum values with Chinese and English labels. Anything
that depends on "now" (status, overdue counts, queue order, call windows) is
computed here, at query time, with the domain's pure functions; the tables hold
only facts (started, due, done).

- ``timeliness``: obligations by branch/channel/agent/status/due range; counts by status
- ``scorecards``: callback and work-order KPIs by agent/branch/channel/product type and
  month, PC-07 warnings, SC-01 planner scores
- ``worklists``: call-centre queue, branch work-order queue (OC-05), servicer queue
  (PS-04), expired call cycles (for ``policytrail tick``)
"""
