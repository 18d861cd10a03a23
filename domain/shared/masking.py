"""The one place personal data is masked (脱敏, RC-03).

The API, the read models, the dashboard and the exports mask with these functions,
so a value is shown the same way everywhere. Which fields hold personal data is
decided here too (by field name, ``masker_for``): the field-level encryption of the
event store uses the same decision, so what is encrypted and what is masked agree.

Formats (RC-03): phone ``138****6138`` (first 3 and last 4 digits); ID number
``110***********1234``; a name keeps its first character only (``张*``, ``欧***``;
a one-character name is fully hidden); an address keeps its province/city prefix;
a birthday is hidden. A value erased after retention (``ERASED``) stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: what an erased personal field reads as (crypto-shredding after RC-02 retention)
ERASED = "[已删除 erased]"

_DIGIT = re.compile(r"\d")


def _keep_ends(text: str, head: int, tail: int) -> str:
    hidden = len(text) - head - tail
    return text[:head] + "*" * hidden + text[len(text) - tail :]


def mask_phone(value: str) -> str:
    """138****6138. Foreign or formatted numbers are masked on their digits
    (+44 20 7946 0958 → +44*****0958); 7 digits or fewer are hidden entirely."""
    if not value or value == ERASED:
        return value
    digits = "".join(_DIGIT.findall(value))
    prefix = "+" if value.strip().startswith("+") else ""
    if len(digits) <= 7:
        return prefix + "*" * len(digits) if digits else "*" * len(value)
    return prefix + _keep_ends(digits, 3, 4)


def mask_id_number(value: str) -> str:
    """110***********1234 for a resident ID (18 characters). A shorter document
    number (passport, 港澳通行证 …) keeps its last 4 only, 7 or fewer nothing."""
    if not value or value == ERASED:
        return value
    if len(value) >= 14:
        return _keep_ends(value, 3, 4)
    if len(value) >= 8:
        return _keep_ends(value, 0, 4)
    return "*" * len(value)


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***; one character → *; Latin names keep the
    initial of each word (John Smith → J*** S****)."""
    if not value or value == ERASED:
        return value
    words = value.split()
    if len(words) > 1:
        return " ".join(w[:1] + "*" * (len(w) - 1) for w in words)
    if len(value) == 1:
        return "*"
    return value[:1] + "*" * (len(value) - 1)


def mask_address(value: str) -> str:
    """Keeps the province/city prefix (at most 6 characters, never more than a
    third of the address) and hides the rest: 北京市朝阳区建国路88号 → 北京市朝****."""
    if not value or value == ERASED:
        return value
    keep = min(6, len(value) // 3)
    return value[:keep] + "****"


def mask_birthday(value: str) -> str:
    """A birthday is hidden entirely (it answers identity checks, CB-02)."""
    if not value or value == ERASED:
        return value
    return "****"


#: personal data by field name (RC-03), first match wins
_PERSONAL_FIELDS: tuple[tuple[re.Pattern[str], Callable[[str], str]], ...] = (
    (re.compile(r"(^|_)(phones?|mobile|normalized|raw)$"), mask_phone),
    (re.compile(r"(^|_)(id_numbers?|(holder|agent|insured|person)_key)$"), mask_id_number),
    (re.compile(r"(^|_)(address|addresses)$"), mask_address),
    (re.compile(r"(^|_)(birthday|birth_date|date_of_birth)$"), mask_birthday),
    (re.compile(r"(^|_)(name|names)$"), mask_name),
    # a complainant's or claimant's name (SL-01, SL-03: ``customer``)
    (re.compile(r"(^|_)customers?$"), mask_name),
)
#: field names that look personal but are not
NOT_PERSONAL = frozenset(
    {"product_name", "branch_name", "rank_name", "item_name", "file_name", "projection_name"}
)

_maskers: dict[str, Callable[[str], str] | None] = {}


def masker_for(field_name: str) -> Callable[[str], str] | None:
    """How to mask values of a field with this name (None: not personal data)."""
    try:
        return _maskers[field_name]
    except KeyError:
        found: Callable[[str], str] | None = None
        if field_name not in NOT_PERSONAL:
            found = next((fn for pattern, fn in _PERSONAL_FIELDS if pattern.search(field_name)), None)
        _maskers[field_name] = found
        return found


def is_personal_field(field_name: str) -> bool:
    return masker_for(field_name) is not None


def mask_field(field_name: str, value: str) -> str:
    """A value of the named field as shown without the personal-data permission."""
    masker = masker_for(field_name)
    return masker(value) if masker is not None else value


def mask_data(value: object, field_name: str | None = None) -> object:
    """Plain JSON data (e.g. an event's fields) with every personal value masked: a
    string by the name of the field that holds it (lists take their field's name),
    an object field by field by the names of its own fields."""
    if isinstance(value, dict):
        return {name: mask_data(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [mask_data(item, field_name) for item in value]
    if isinstance(value, str) and field_name is not None:
        return mask_field(field_name, value)
    return value
