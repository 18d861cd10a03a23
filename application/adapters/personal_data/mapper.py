"""How events are stored (存储格式): clear JSON, personal fields sealed, the row sealed.

``PersonalDataMapper`` replaces the library's whole-event cipher (it subclasses the
``Mapper``, the one place that sees both the event and its row: originator id,
version and topic):

- write: the transcoder's JSON → personal fields encrypted per subject
  (``fields.FieldCipher``) → the row seal prepended: ``{"_seal_":"<mac>",…}``, an
  HMAC-SHA-256 (cut to 128 bits) of originator id, version, topic and the JSON under
  a store secret. The state stays valid JSON, the non-personal fields readable.
- read: a row with the seal is checked (copying a whole state into another row, or
  editing it, fails naming the row) and its fields opened; a row without it is an
  event of the former scheme, whole-state AES-GCM (``eventsourcing``'s
  ``AESCipher``) under the master key, and still loads.

``to_domain_event_withheld`` / ``withheld_body`` never touch a data key: read
models that need no personal data read sealed fields as ``WITHHELD``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Cipher,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    TranscodingNotRegisteredError,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

from application.adapters.personal_data.fields import CT, PD, WITHHELD, FieldCipher, PersonalFieldError

SEAL_PREFIX = b'{"_seal_":"'
#: a sealed field exactly as ``FieldCipher`` writes it (orjson: no spaces); inside a JSON
#: string the quotes would be escaped, so a stored text never matches
_SEALED = re.compile(rb'\{"' + PD.encode() + rb'":"[0-9a-f]{32}","' + CT.encode() + rb'":"[A-Za-z0-9+/=]*"\}')
_WITHHELD_JSON = orjson.dumps(WITHHELD)
_SEALED_MARK = b'{"' + PD.encode() + b'":"'
#: the subject id (hex) of a sealed field, in clear beside its ciphertext
_SUBJECT = re.compile(re.escape(_SEALED_MARK) + rb'([0-9a-f]{32})"')
_MAC_LEN = 22  # base64url of 16 bytes, unpadded


class RowSealError(ValueError):
    """A stored state is not the one written for its row (moved, copied or edited)."""


class PersonalDataMapper(Mapper[UUID]):
    def __init__(
        self, transcoder: Transcoder, fields: FieldCipher, seal_key: bytes, legacy: Cipher | None
    ) -> None:
        super().__init__(transcoder)  # no whole-state cipher: fields are sealed instead
        self.fields = fields
        self._seal_key = seal_key
        self.legacy = legacy
        self._last_checked: tuple[Any, bytes] = (None, b"")

    # ----- write ------------------------------------------------------------------------
    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        topic = get_topic(domain_event.__class__)
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        plain = orjson.loads(self.transcoder.encode(state))
        return StoredEvent(originator_id, version, topic, self.seal_row(plain, originator_id, version, topic))

    def seal_row(self, plain: dict[str, Any], originator_id: UUID, version: int, topic: str) -> bytes:
        """The stored bytes of a plain state (also used by ``keys migrate``)."""
        body = orjson.dumps(self.fields.seal(plain, originator_id, version))
        mac = self._mac(originator_id, version, topic, body)
        return SEAL_PREFIX + mac + (b'",' + body[1:] if len(body) > 2 else b'"}')

    def _mac(self, originator_id: UUID, version: int, topic: str, body: bytes) -> bytes:
        head = f"{_text(originator_id)}|{version}|{topic}|".encode()
        digest = hmac.new(self._seal_key, head + body, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=")

    # ----- read -------------------------------------------------------------------------
    @staticmethod
    def where(stored: Any) -> str:
        return f"event {stored.originator_id} version {stored.originator_version} ({stored.topic})"

    def stored_body(self, stored: Any) -> bytes:
        """The row's state as JSON bytes (personal fields still sealed), its seal checked;
        a row of the former whole-state scheme decrypted with the master key."""
        last = self._last_checked  # one tuple, read and replaced whole: safe across threads
        if last[0] is stored:  # the same row again (several read models in one pass)
            return last[1]
        body = self._checked_body(stored)
        if type(stored.state) is bytes:  # immutable: the check holds while the row lives
            self._last_checked = (stored, body)
        return body

    def _checked_body(self, stored: Any) -> bytes:
        state = bytes(stored.state)
        if state.startswith(SEAL_PREFIX):
            cut = len(SEAL_PREFIX) + _MAC_LEN
            mac, rest = state[len(SEAL_PREFIX) : cut], state[cut + 1 :]
            body = b"{" + rest[1:] if rest[:1] == b"," else b"{}"
            expected = self._mac(stored.originator_id, stored.originator_version, stored.topic, body)
            if not hmac.compare_digest(mac, expected):
                raise RowSealError(
                    f"stored state of {self.where(stored)} was not written for this row: "
                    "moved, copied or edited outside PolicyTrail"
                )
            return body
        if self.legacy is None:
            raise RowSealError(f"stored state of {self.where(stored)} is in no known format")
        return self.legacy.decrypt(state)

    def stored_state(self, stored: Any) -> dict[str, Any]:
        """The row's state as JSON data, personal fields still sealed."""
        return orjson.loads(self.stored_body(stored))  # type: ignore[no-any-return]

    def withheld_body(self, stored: Any) -> bytes:
        """The state as JSON with every sealed field replaced by ``WITHHELD``: one regular
        expression over the bytes, no key, no tree walk (the fast path of read models)."""
        return _SEALED.sub(_WITHHELD_JSON, self.stored_body(stored))

    def opened_state(self, stored: Any, erased: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The state as JSON data, personal fields decrypted (erased ones ``ERASED``; also
        those of the subjects whose hex ids are in ``erased``)."""
        return self._opened(self.stored_body(stored), stored, erased)

    def _opened(self, body: bytes, stored: Any, erased: frozenset[str]) -> dict[str, Any]:
        state: dict[str, Any] = orjson.loads(body)
        if _SEALED_MARK not in body:  # most events hold no personal data: no walk
            return state
        return self.fields.open(
            state, stored.originator_id, stored.originator_version, lambda: self.where(stored), erased
        )

    def plaintext(self, stored: Any, erased: frozenset[str] = frozenset()) -> bytes:
        """``opened_state`` as JSON bytes (the stored bytes as they are when no field is sealed)."""
        body = self.stored_body(stored)
        if _SEALED_MARK not in body:
            return body
        return orjson.dumps(self._opened(body, stored, erased))

    def preload_keys(self, stored: Iterable[Any]) -> None:
        """Load the data keys that the personal fields of ``stored`` rows are sealed under,
        with one query (a page of the log read by a rebuild), before opening them."""
        subjects = {UUID(hex=m.decode()) for row in stored for m in _SUBJECT.findall(row.state)}
        if subjects:
            self.fields.keys.preload(subjects)

    def to_domain_event(
        self, stored_event: StoredEvent, erased: frozenset[str] = frozenset()
    ) -> DomainEventProtocol[UUID]:
        return self._decode(stored_event, lambda stored: self.plaintext(stored, erased))

    def to_domain_event_withheld(self, stored_event: Any) -> DomainEventProtocol[UUID]:
        return self._decode(stored_event, self.withheld_body)

    def _decode(self, stored: Any, body_of: Any) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored.topic)
        try:
            event_state: dict[str, Any] = self._transcoded(body_of(stored))
        except (RowSealError, PersonalFieldError):
            raise
        except Exception as e:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored {self.where(stored)}: {e}"
            ) from e
        convert = find_id_convertor(cls, type(stored.originator_id))
        event_state["originator_id"] = convert(stored.originator_id)
        event_state["originator_version"] = stored.originator_version
        class_version = getattr(cls, "class_version", 1)
        from_version = event_state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", event_state)
        return cast(DomainEventProtocol[UUID], domain_event)

    def _transcoded(self, body: bytes) -> Any:
        """``transcoder.decode(body)``, parsed by orjson (about twice as fast as the ``json``
        module with an object hook, the largest cost of a rebuild's decoding); the same
        values: every ``{"_type_", "_data_"}`` object revived by its transcoding, innermost
        first, as the library's object hook does."""
        names = getattr(self.transcoder, "names", None)
        if names is None:  # another transcoder: its own decoding
            return self.transcoder.decode(body)
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:  # e.g. an integer beyond 64 bits in a former row
            return self.transcoder.decode(body)
        return _revived(parsed, names)


@functools.lru_cache(maxsize=65_536)
def _text(originator_id: UUID) -> str:
    """``str(originator_id)`` (Python code in ``uuid``; an aggregate's events come in runs)."""
    return str(originator_id)


def _revived(value: Any, names: dict[str, Any]) -> Any:
    """``value`` (a dict or list, changed in place) with its transcoded values decoded."""
    if type(value) is dict:
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            data = value["_data_"]
            kind = type(data)
            if kind is dict or kind is list:  # innermost first, as the object hook sees them
                data = _revived(data, names)
            transcoding = names.get(value["_type_"])
            if transcoding is None:
                raise TranscodingNotRegisteredError(
                    f"Data serialized with name {value['_type_']!r} is not deserializable. "
                    "Please register a custom transcoding for this type."
                )
            return transcoding.decode(data)
        for name, item in value.items():
            kind = type(item)
            if kind is dict or kind is list:  # same keys: changing values while iterating is safe
                value[name] = _revived(item, names)
        return value
    for i, item in enumerate(value):
        kind = type(item)
        if kind is dict or kind is list:
            value[i] = _revived(item, names)
    return value
