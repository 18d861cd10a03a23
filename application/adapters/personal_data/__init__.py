"""Personal data at rest (RC-03, RC-02), its storage side: keyed ids, per-subject field
encryption, the wrapped data-key store and the event mapper that seals personal fields.
The use cases over it (reads recorded, erasure, key migration) are
``application/personal_data/``. See ``docs/personal-data.md``."""
