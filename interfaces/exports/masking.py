"""The masking seam of exports (导出脱敏): every personal value an export writes goes
through ``event_data`` here, which masks with the one masking home
(``domain.shared.masking``: which fields are personal and how each is shown, RC-03:
phone ``138****6138``, ID ``110***********1234``). Values come decrypted from the
event store (``EventSource.plaintext`` / ``decode_personal``), so an erased subject's
fields arrive as ``ERASED`` and stay so, masked or not.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.shared.masking import mask_data
from projections.event_facts import ENVELOPE


def event_data(state: dict[str, Any], *, masked: bool) -> dict[str, Any]:
    """An event's own fields (envelope left out) as plain JSON data: personal data
    masked, or in clear for an unmasked export (auditor, with a recorded reason)."""
    data = {n: _plain(v) for n, v in state.items() if n not in ENVELOPE}
    return mask_data(data) if masked else data  # type: ignore[return-value]


def _plain(value: Any) -> Any:
    """A stored value without transcoding wrappers, nothing masked."""
    if type(value) is dict:
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            data = value["_data_"]
            return str(UUID(data)) if value["_type_"] == "uuid_hex" else _plain(data)
        return {k: _plain(v) for k, v in value.items()}
    if type(value) is list:
        return [_plain(v) for v in value]
    return value
