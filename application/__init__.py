"""Use cases (应用层): the eventsourcing application, commands, reactions and wiring."""
