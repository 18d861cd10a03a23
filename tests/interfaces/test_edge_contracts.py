"""Contracts of the edges that import-linter cannot state: the web pages name no read-model
table in SQL (they call the read models' queries, ``projections/<model>/``)."""

from __future__ import annotations

import re
from pathlib import Path

from projections import registry

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "interfaces" / "web"
PYTHON_IMPORT = re.compile(r"^\s*from\s+\S+\s+import\b.*$", re.MULTILINE)


def read_model_tables() -> set[str]:
    return {table for name in registry.names() for table in registry.get(name).tables}


def sql_against(tables: set[str], source: str) -> list[str]:
    """The SQL fragments in ``source`` that read or write one of ``tables``."""
    source = PYTHON_IMPORT.sub("", source)  # "from projections.timeliness.projection import …" is no SQL
    names = "|".join(sorted(map(re.escape, tables)))
    pattern = re.compile(rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+[\w\"{{}}.]*?\b(?:{names})\b", re.IGNORECASE)
    return [m.group(0) for m in pattern.finditer(source)]


def test_the_sql_finder_finds_what_the_dashboard_used_to_run():
    old = 'SQL("SELECT max(month) FROM {}.scorecard_callbacks WHERE month <= %s")'
    assert sql_against({"scorecard_callbacks"}, old) == ["FROM {}.scorecard_callbacks"]
    assert sql_against({"audit_trail"}, "routes for the audit_trail page") == []
    assert sql_against({"timeliness"}, "from projections.timeliness.obligations import ObligationKind") == []


def test_web_pages_read_through_the_read_models_queries_never_a_table():
    tables = read_model_tables()
    assert "scorecard_callbacks" in tables
    found = {
        str(path.relative_to(ROOT)): hits
        for path in sorted(WEB.rglob("*"))
        if path.suffix in {".py", ".html", ".js"} and (hits := sql_against(tables, path.read_text()))
    }
    assert found == {}, f"move this SQL into its read model's queries (projections/<model>/): {found}"
