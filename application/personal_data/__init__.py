"""Personal data at rest (RC-03, RC-02): keyed ids, per-subject field encryption,
crypto-shredding after retention. See ``docs/personal-data.md``."""
