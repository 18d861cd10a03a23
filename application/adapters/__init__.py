"""Infrastructure of the application (适配器): how it reaches PostgreSQL, keys and the calendar.

``application/`` itself holds the use cases (one module per subject: callbacks, claims,
policies …) and the machinery that runs them (``app``, ``unit_of_work``, ``batch``).
What talks to the outside world lives here, decided module by module:

- ``database``: resolving the DSN or starting the embedded pgserver — PostgreSQL itself.
- ``recorder``: the event store's recorder with the command log — SQL against the store.
- ``availability``: the fail-fast gate during an outage — watches the connection pools.
- ``replica``: the read replica — a second PostgreSQL and its replay position.
- ``encryption``: the master cipher key and its source — key material from the environment.
- ``transcodings``: how values are stored as JSON — the storage format (names never change).
- ``statistics``: PostgreSQL planner statistics — shared with the read side (the only
  ``application`` infrastructure ``projections`` may import, see the import-linter contracts).
- ``command_log_migration``: an upgrade of the command-log table — a schema migration.
- ``personal_data``: keyed ids, the field cipher, the wrapped data-key store and the
  mapper that seals personal fields — storage and crypto; the use cases over personal
  data (recorded reads, erasure, migration) stay in ``application/personal_data/``, so
  the engine that opens the store does not share a package with a use case it runs.
- ``calendar``: the PRC holiday calendar — adapts the ``chinesecalendar`` package to
  ``domain.shared.calendar.WorkingDayCalendar``.

Kept in ``application/`` on purpose: ``scheduler`` (the advisory-lock leader that runs the
tick: it drives a use case, where these are driven by one — here it would close a circle
adapters → tick → app → engine → adapters), ``clock`` (the port the use cases read time through,
with its fixed test clock), ``settings`` (configuration every layer reads), ``unit_of_work``,
``batch``, ``idempotency`` (rules of command execution, not I/O), and ``ledger/``, whose
storage (``store.py``, ``keys.py``) stays beside the sealing and proofs it serves: the ledger
is one room already (read by the projections' sealer and the exports alike), and nothing in
it imports the engine, so it closes no circle.
"""
