"""PolicyTrail domain model (领域模型).

Pure: aggregates, events, value objects and rules. No I/O, no clock reads, no
database, no web. Everything time-dependent receives "now" as an argument.
"""
