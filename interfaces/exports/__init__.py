"""Regulator and auditor exports (监管/审计导出): a monthly package of data files and a
signed manifest that ``policytrail export verify`` checks offline.

- ``masking``: the one function every export masks personal data through (RC-03);
- ``ledger_evidence``: the signing key and the manifest's ``ledger`` section;
- ``columns`` / ``writers``: bilingual columns, XLSX / CSV / JSON Lines writers;
- ``datasets``: what each file holds, read from the read models in one snapshot;
- ``package``: builds the folder; ``manifest``: canonical form and signature;
- ``verify``: the offline check; ``jobs``: HTTP export jobs.
"""
