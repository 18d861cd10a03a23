"""Tests of the pure domain: rules decided without a database."""
