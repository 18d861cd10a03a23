"""PolicyTrail benchmarks (not part of the test run): ``policytrail bench`` / ``python -m bench``.

Every figure is measured next to its raw-PostgreSQL baseline in the same run, on
fixed seeds; results go to ``bench/results/*.json`` and the table in
``bench/RESULTS.md``.
"""
