"""Which scenarios exist, in run order."""

from __future__ import annotations

from bench.harness import Scenario
from bench.scenarios import as_of, write_path

SCENARIOS: dict[str, Scenario] = {
    "single-writer": write_path.single_writer,
    "concurrent-writers": write_path.concurrent_writers,
    "as-of": as_of.as_of,
}
