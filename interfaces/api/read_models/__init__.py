"""The read models' GET routes, one module per read model, and what they share."""
