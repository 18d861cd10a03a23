"""Offline verification of an export folder (离线校验): no database, the public key only.

Checks the manifest's Ed25519 signature, that the folder holds exactly the files the
manifest lists, every file's SHA-256, size and row count (each format read back with
the standard library), that events.jsonl's positions match the manifest's log range,
and, when the manifest carries ledger evidence, the signed tree head and inclusion
proof (delegated to ``ledger_evidence.check_ledger_section``). Every problem names
the file and what is wrong.
"""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

from application.ledger.keys import PublicKey
from interfaces.exports.ledger_evidence import check_ledger_section
from interfaces.exports.manifest import FORMAT, MANIFEST, signature_problem
from interfaces.exports.writers import sha256_of

EVENTS = "events.jsonl"


def verify_folder(folder: Path, public: PublicKey | Sequence[PublicKey]) -> list[str]:
    """Every problem found (empty: the export verifies). ``public``: the trusted key, or
    several (the current one and retired ones: a tree head may predate a rotation)."""
    keys = [public] if isinstance(public, PublicKey) else list(public)
    folder = Path(folder)
    if not folder.is_dir():
        return [f"{folder}: not a folder"]
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
    except FileNotFoundError:
        return [f"{MANIFEST}: missing"]
    except (ValueError, UnicodeDecodeError) as exc:
        return [f"{MANIFEST}: not valid JSON ({exc})"]
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return [f"{MANIFEST}: not a PolicyTrail export manifest ({FORMAT})"]
    problems: list[str] = []
    if (sig := signature_problem(manifest, _signer(manifest, keys))) is not None:
        problems.append(sig)
    listed = {f.get("name"): f for f in manifest.get("files", []) if isinstance(f, dict)}
    present = {p.name for p in folder.iterdir()}
    for name in sorted(present - set(listed) - {MANIFEST}):
        problems.append(f"{name}: extra file, not in the manifest")
    for name in sorted(set(listed) - present):
        problems.append(f"{name}: missing (listed in the manifest)")
    intact = set()
    for name in sorted(set(listed) & present):
        file_problems = _check_file(folder / name, listed[name])
        problems.extend(file_problems)
        intact |= set() if file_problems else {name}
    log = manifest.get("log") if isinstance(manifest.get("log"), dict) else {}
    last_event = None
    if EVENTS in intact:  # a changed events file is already named; its lines may not parse
        range_problems, last_event = _check_range(folder / EVENTS, log)
        problems.extend(range_problems)
    ledger = manifest.get("ledger")
    if ledger is not None:
        problems.extend(check_ledger_section(ledger, log, keys, last_event))
    elif log.get("snapshot_position"):  # only an export of an empty log has nothing to prove
        problems.append(f"{MANIFEST}: no ledger evidence (signed tree head and inclusion proof)")
    return problems


def _signer(manifest: dict[str, Any], keys: list[PublicKey]) -> PublicKey:
    """The trusted key the manifest's signature names (by key id), else the first given."""
    signature = manifest.get("signature")
    named = signature.get("key_id") if isinstance(signature, dict) else None
    return next((k for k in keys if k.key_id == named), keys[0])


def _check_file(path: Path, entry: dict[str, Any]) -> list[str]:
    name = path.name
    if path.stat().st_size != entry.get("bytes"):
        return [f"{name}: size {path.stat().st_size} bytes, manifest says {entry.get('bytes')}"]
    if sha256_of(path) != entry.get("sha256"):
        return [f"{name}: SHA-256 differs from the manifest (content changed)"]
    try:
        rows = count_rows(path)
    except (ValueError, OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        return [f"{name}: cannot be read back ({exc})"]
    if rows != entry.get("rows"):
        return [f"{name}: {rows} rows, manifest says {entry.get('rows')}"]
    return []


def count_rows(path: Path) -> int:
    """Data rows of an export file (header rows not counted)."""
    suffix = path.suffix
    if suffix == ".jsonl":
        with path.open("rb") as handle:
            return sum(1 for line in handle if json.loads(line) is not None)
    if suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            if handle.read(1) != "\ufeff":
                raise ValueError("CSV without the UTF-8 BOM")
            return max(sum(1 for _ in csv.reader(handle)) - 1, 0)
    if suffix == ".xlsx":
        total = 0
        with zipfile.ZipFile(path) as book:
            for sheet in sorted(n for n in book.namelist() if n.startswith("xl/worksheets/sheet")):
                with book.open(sheet) as handle:
                    rows = sum(1 for _, el in iterparse(handle) if el.tag.endswith("}row"))
                total += max(rows - 1, 0)
        return total
    raise ValueError(f"unknown file type {suffix}")


def _check_range(path: Path, log: dict[str, Any]) -> tuple[list[str], dict[str, Any] | None]:
    """Problems with the positions of events.jsonl, and its last event."""
    first = last = event = None
    previous = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            event = json.loads(line)
            position = event.get("position") if isinstance(event, dict) else None
            if not isinstance(position, int) or position <= previous:
                return [f"{EVENTS}: line {number}: position {position!r} is not after {previous}"], None
            first = position if first is None else first
            last = previous = position
    problems = []
    if (first, last) != (log.get("first_position"), log.get("last_position")):
        problems.append(
            f"{EVENTS}: positions {first}..{last} do not match the manifest's range"
            f" {log.get('first_position')}..{log.get('last_position')}"
        )
    snapshot = log.get("snapshot_position")
    if last is not None and (not isinstance(snapshot, int) or last > snapshot):
        problems.append(f"{EVENTS}: position {last} lies beyond the snapshot position {snapshot}")
    return problems, event
