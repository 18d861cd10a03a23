"""The audit-trail read model (审计轨迹): its table and handler, its queries."""
