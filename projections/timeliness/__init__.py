"""The timeliness read model (时效): its tables and handlers, its queries."""
