"""The timeliness read model (时效): one row per obligation with a deadline.

- ``obligations``: the rows (obligation kinds, the batch's row caches, the steps every
  handler takes: open, update, complete, cancel);
- ``projection``: the tables (DDL), the CB-03/CB-05/PC-02/PS-03/PS-04 handler table and
  the projection; ``service_standards``: the SL-01..SL-04 handler table;
- ``queries``: obligations by branch/channel/agent/status/due range, counts by status;
  ``service_queues``: who must act next on a service standard; ``service_standard_queries``:
  complaints per agent, claim timeliness, reminders due; ``disputes``: complaints as
  disputes for retention (RC-02).
"""
