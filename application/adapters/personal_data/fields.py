"""Field-level envelope encryption of an event's personal data (字段级加密).

Works on the event state as the transcoder wrote it (plain JSON data, value objects
as ``{"_type_", "_data_"}``). Every personal field (``domain.shared.masking``
decides which, by name) is replaced by ``{"_pd_": subject id, "_ct_": nonce +
AES-GCM ciphertext}`` under its subject's data key:

- inside an object that has an ``id_number`` (a ``Person``; an agent's registration),
  the subject is that person; a ``*_key`` field (``holder_key``, ``agent_key``) is
  itself an ID number and belongs to that person;
- any other personal field belongs to the aggregate (its own data subject, erased
  together with the person it is about; see ``erasure``).

The associated data of every ciphertext is ``originator id | version | field path``
(e.g. ``facts.policyholder.phone.normalized``): a ciphertext copied into another row
or another field does not decrypt, and the error names the position.
"""

from __future__ import annotations

import base64
import functools
import os
from collections.abc import Callable
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag

from application.adapters.personal_data.ids import KeyedIds
from application.adapters.personal_data.keys import KeyStore
from domain.shared.masking import ERASED, is_personal_field

PD, CT = "_pd_", "_ct_"
#: what a projection that needs no personal data sees instead of a personal field
WITHHELD = "[已加密 encrypted]"


class PersonalFieldError(ValueError):
    """A ciphertext is not where it was written (moved, swapped or altered)."""


def _is_wrapper(value: dict[str, Any]) -> bool:
    return len(value) == 2 and "_type_" in value and "_data_" in value


def is_sealed(value: Any) -> bool:
    return type(value) is dict and len(value) == 2 and PD in value and CT in value


class FieldCipher:
    def __init__(self, keys: KeyStore, ids: KeyedIds) -> None:
        self.keys = keys
        self.ids = ids

    # ----- write ------------------------------------------------------------------------
    def seal(self, state: dict[str, Any], originator_id: UUID, version: int) -> dict[str, Any]:
        aad_prefix = f"{originator_id}|{version}|".encode()
        default = self.ids.aggregate(originator_id)
        return self._seal(state, "", False, default, aad_prefix)  # type: ignore[no-any-return]

    def _seal(self, value: Any, path: str, personal: bool, subject: UUID, aad: bytes) -> Any:
        kind = type(value)
        if kind is dict:
            if _is_wrapper(value):
                data = value["_data_"]
                if type(data) is dict or type(data) is list:
                    return {
                        "_type_": value["_type_"],
                        "_data_": self._seal(data, path, personal, subject, aad),
                    }
                return self._encrypt(value, path, subject, aad) if personal and data is not None else value
            id_number = value.get("id_number")
            if type(id_number) is str and id_number:
                subject = self.ids.person(id_number)
            out = {}
            for name, item in value.items():
                item_path = f"{path}.{name}" if path else name
                item_personal = is_personal_field(name)
                item_subject = subject
                if item_personal and name.endswith("_key") and type(item) is str and item:
                    item_subject = self.ids.person(item)
                out[name] = self._seal(item, item_path, item_personal, item_subject, aad)
            return out
        if kind is list:
            return [self._seal(v, f"{path}[{i}]", personal, subject, aad) for i, v in enumerate(value)]
        if personal and kind is str and value:
            return self._encrypt(value, path, subject, aad)
        return value

    def _encrypt(self, value: Any, path: str, subject: UUID, aad: bytes) -> dict[str, str]:
        key = self.keys.data_key(subject, create=True)
        if key is None:  # an erased subject's data is never written again
            return value if value == ERASED else ERASED  # type: ignore[no-any-return]
        nonce = os.urandom(12)
        sealed = nonce + key.encrypt(nonce, orjson.dumps(value), aad + path.encode())
        return {PD: subject.hex, CT: base64.b64encode(sealed).decode()}

    # ----- read -------------------------------------------------------------------------
    def open(
        self,
        state: dict[str, Any],
        originator_id: UUID,
        version: int,
        where: str | Callable[[], str],
        erased: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """The state with every personal field decrypted (``ERASED`` for an erased subject,
        and for the subjects whose hex ids are in ``erased``, even while their key exists:
        what the fields read as once an erasure being recorded has destroyed it).

        ``state`` (freshly parsed by the caller) is changed in place and returned: a
        rebuild opens every event of the log, and copying each tree cost more than the
        decryption itself."""
        aad = f"{originator_id}|{version}|".encode()
        found: dict[str, Any] = {}  # this event's keys by subject: its fields share a few

        def decrypt(sealed: dict[str, str], path: str) -> Any:
            subject = sealed[PD]
            if subject in erased:
                return ERASED
            key = found.get(subject, _UNKNOWN)
            if key is _UNKNOWN:
                key = found[subject] = self.keys.data_key(_subject_id(subject), create=False)
            if key is None:
                return ERASED
            raw = base64.b64decode(sealed[CT])
            try:
                return orjson.loads(key.decrypt(raw[:12], raw[12:], aad + path.encode()))
            except InvalidTag:
                place = where() if callable(where) else where  # named only when it fails
                raise PersonalFieldError(
                    f"personal field {path!r} of {place} does not decrypt at this position: "
                    "the ciphertext was moved, swapped or altered"
                ) from None

        return _open_in_place(state, "", decrypt)  # type: ignore[no-any-return]


_UNKNOWN = object()


@functools.lru_cache(maxsize=65_536)
def _subject_id(hex_id: str) -> UUID:
    """A sealed field's subject id (parsed once: an event holds several of one subject)."""
    return UUID(hex=hex_id)


def _open_in_place(value: Any, path: str, replace: Callable[[dict[str, str], str], Any]) -> Any:
    """``value`` (a dict or list) with every sealed field replaced, changed in place;
    only containers are visited (leaves are left as they are)."""
    if type(value) is dict:
        if len(value) == 2:
            if PD in value and CT in value:
                return replace(value, path)
            if "_data_" in value and "_type_" in value:
                data = value["_data_"]
                if type(data) is dict or type(data) is list:
                    value["_data_"] = _open_in_place(data, path, replace)
                return value
        for name, item in value.items():
            kind = type(item)
            if kind is dict or kind is list:  # same keys: changing values while iterating is safe
                value[name] = _open_in_place(item, f"{path}.{name}" if path else name, replace)
        return value
    for i, item in enumerate(value):
        kind = type(item)
        if kind is dict or kind is list:
            value[i] = _open_in_place(item, f"{path}[{i}]", replace)
    return value
