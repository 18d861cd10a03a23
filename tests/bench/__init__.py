"""Tests of the benchmark harness (bench/), not of the benchmarks themselves."""
