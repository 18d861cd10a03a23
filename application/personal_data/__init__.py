"""Personal data (RC-03, RC-02), its use cases: recorded reads and unmasked exports, erasure
by crypto-shredding, migration of events stored before fields were sealed. The storage
(keyed ids, field cipher, key store, mapper) is ``application/adapters/personal_data/``.
See ``docs/personal-data.md``."""
