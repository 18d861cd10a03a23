"""The scorecards read model (考核指标): its tables and handlers, its queries."""
