"""The audit-trail read model (审计轨迹): every event of the log, flattened for auditors.

- ``projection``: the ``audit_trail`` table (DDL), one row per event derived generically
  (``projections.event_facts``), the erasure handler (its one handler-table entry);
- ``queries``: events of a policy, agent, aggregate, rule or period, by key (cursor).
"""
