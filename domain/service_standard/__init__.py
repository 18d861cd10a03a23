"""Service standards S3/S4 (SL-01..SL-04): parameters and the shared clock arithmetic.

Kept free of aggregates so ``domain.parameters`` can import the parameters without a cycle;
the aggregates live in ``domain.complaint``, ``domain.renewal`` and ``domain.claim``.
"""
