"""Which scenarios exist, in run order."""

from __future__ import annotations

from bench.harness import Scenario
from bench.scenarios import as_of, exports, http, import_path, ledger, read_side, two_axis, write_path

SCENARIOS: dict[str, Scenario] = {
    "single-writer": write_path.single_writer,
    "concurrent-writers": write_path.concurrent_writers,
    "bulk-import": import_path.bulk_import,
    "rebuild": read_side.rebuild_speed,
    "read-your-writes": read_side.read_your_writes,
    "as-of": as_of.as_of,
    "http": http.http_reads,
    "http-volume": http.http_reads_at_volume,
    "export": exports.export_callbacks,
    "two-axis": two_axis.two_axis,
    "ledger-verify": ledger.verify_rate,
    "ledger-seal-lag": ledger.seal_lag,
    "ledger-proofs": ledger.proof_latency,
}
