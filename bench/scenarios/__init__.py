"""Benchmark scenarios; each returns figures with their same-run raw baseline."""
