"""Tests of the use cases through the application, on a real PostgreSQL."""
