"""The worklists read model (工作队列): what is waiting for someone, one row per open item.

- ``projection``: the tables (DDL), the handler table and the projection;
- ``queries``: the call-centre queue, the branch work-order queue (OC-05), the servicer
  queue (PS-04) and the expired call cycles (for ``policytrail tick``).
"""
