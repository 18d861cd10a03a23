"""Building blocks shared by every aggregate: the event base, actors, errors, values."""
