"""The masking seam of exports (导出脱敏): every personal value an export writes goes
through ``event_data`` here (RC-03: phone ``138****6138``, ID ``110***********1234``).

Today it delegates to the read side's masking by field name
(``projections.event_facts.masker_for``), the same masks the audit trail uses. When
the one masking home (``domain/shared/masking.py``) lands, only this module changes.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from projections.event_facts import ENVELOPE, masker_for
from projections.event_facts import _clean as _masked_value


def event_data(state: dict[str, Any], *, masked: bool) -> dict[str, Any]:
    """An event's own fields (envelope left out) as plain JSON data: personal data
    masked, or in clear for an unmasked export (auditor, with a recorded reason)."""
    if masked:
        return {n: _masked_value(v, masker_for(n)) for n, v in state.items() if n not in ENVELOPE}
    return {n: _plain(v) for n, v in state.items() if n not in ENVELOPE}


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
