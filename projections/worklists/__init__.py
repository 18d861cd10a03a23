"""The worklists read model (工作队列): its tables and handlers, its queries."""
