"""What any event says, generically (事件要素): for the audit trail and exports.

Works on an event's *plain state*: its fields as JSON data (value objects as
objects, dates ISO strings, money exact strings). ``plain_state`` gets it from the
stored JSON in one parse (the transcoder's ``{"_type_", "_data_"}`` wrappers
unwrapped: every transcoding's data is already the plain form) or, when the
stored event is of an older ``class_version`` and must be upcast, from the decoded
event. Then, for every event type, including ones written after this module,
from conventions the domain follows:

- the first line of an event class docstring is "中文标题 English title …";
- a creation event names the aggregate's business key in a field ``number``,
  ``code``, ``policy_number``, ``normalized`` … (or ``branch`` + ``month``);
- references are fields named ``policy_number(s)``, ``…agent_code(s)``,
  ``planner_code(s)``, ``servicer_code(s)``, also one level inside value objects;
- rules are cited in ``rule_id`` / ``rule_ids`` fields.

Small per-type overrides (``TITLES``, ``KEYS``, ``REFS``, ``SUMMARIES``, keyed by the
event class like every handler table (``projections.dispatch``), given the plain state)
cover what the conventions miss.

Personal data (RC-03: names, phone and ID numbers, addresses, birthdays — found by
field name, ``domain.shared.masking``) is masked in the data, keys and summaries: the event store
keeps it encrypted, so the read side must not hold it in clear.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.utils import resolve_topic

from domain.agent import Agent
from domain.contact_point import ContactPoint
from domain.policy import Policy
from domain.shared.masking import masker_for

#: fields every event carries, stored in their own audit columns, not in ``data``
ENVELOPE = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "occurred_at",
        "actor",
        "command_id",
        "class_version",
    }
)
#: creation-event fields naming the aggregate's business key, in order of preference
KEY_FIELDS = ("number", "code", "policy_number", "case_number", "order_number", "normalized", "key")
_POLICY_REF = re.compile(r"(^|_)policy_numbers?$")
_AGENT_REF = re.compile(r"(^|_)(agent|planner|servicer)_codes?$")
_RULES = ("rule_id", "rule_ids")
#: fields kept out of summaries besides personal data
_NOT_SUMMARISED = re.compile(r"_key$|holder|insured|evidence|_ref$|note")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

State = dict[str, Any]  # an event's plain state

#: (zh, en) titles for events whose docstring is not "中文 English"
TITLES: dict[type, tuple[str, str]] = {
    ContactPoint.Opened: ("号码建档", "Phone number recorded"),
    ContactPoint.PolicyholderUseReleased: ("投保人停用该号码", "Policyholder no longer uses the number"),
    ContactPoint.AgentUseReleased: ("业务员停用该号码", "Agent no longer uses the number"),
    ContactPoint.DuplicateNumberFlagged: ("重复号码（多名投保人）", "Duplicate number (several holders)"),
    ContactPoint.AgentNumberFlagged: ("重复号码（业务员电话）", "Duplicate number (agent's phone)"),
}


@dataclass(frozen=True)
class Origin:
    """What an aggregate's creation event fixed: later events of it inherit this."""

    business_key: str | None
    policy_numbers: tuple[str, ...] = ()
    agent_codes: tuple[str, ...] = ()

    def inherited(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Policies an aggregate is about; its agent only when it is about no policy
        (an Agent's events carry its code, a Policy's events not its first agent)."""
        return self.policy_numbers, () if self.policy_numbers else self.agent_codes


@dataclass
class Facts:
    """The generic description of one event."""

    aggregate_type: str
    event_type: str
    business_key: str | None
    policy_numbers: list[str] = field(default_factory=list)
    agent_codes: list[str] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    summary_zh: str = ""
    summary_en: str = ""
    #: the fields (envelope left out) as plain JSON data, personal data masked
    data: State = field(default_factory=dict)
    info: TypeInfo | None = None
    details: list[str] = field(default_factory=list)  # "name=value" for the summary

    @property
    def origin(self) -> Origin:
        return Origin(self.business_key, tuple(self.policy_numbers), tuple(self.agent_codes))


KeyFn = Callable[[State], str | None]
RefsFn = Callable[[State], tuple[list[str], list[str]]]
SummaryFn = Callable[[State, Facts], tuple[str, str]]

#: business key of creation events the field conventions miss
KEYS: dict[type, KeyFn] = {
    Policy.Issued: lambda s: s["facts"]["number"],
}
#: (policy numbers, agent codes) an event refers to beyond its conventional fields
REFS: dict[type, RefsFn] = {
    Policy.Issued: lambda s: ([s["facts"]["number"]], []),
    Agent.Registered: lambda s: ([], [s["code"]]),
}
#: bespoke (zh, en) summaries
SUMMARIES: dict[type, SummaryFn] = {
    Policy.Issued: lambda s, f: (
        f"保单承保（{f.business_key}）：{s['facts']['channel']}/{s['facts']['product_type']}，"
        f"业务员 {s['facts']['agent_code']}，{s['facts']['branch']}",
        f"Policy issued ({f.business_key}): {s['facts']['channel']}/{s['facts']['product_type']}, "
        f"agent {s['facts']['agent_code']}, {s['facts']['branch']}",
    ),
    Policy.AgentReassigned: lambda s, f: (
        f"业务员变更（{f.business_key}）：{s['previous_agent_code']} → {s['new_agent_code']}，{s['source']}",
        f"Agent reassigned ({f.business_key}): {s['previous_agent_code']} → "
        f"{s['new_agent_code']}, {s['source']}",
    ),
}


# ----- per type (cached) ------------------------------------------------------------------
@dataclass(frozen=True)
class TypeInfo:
    cls: type
    aggregate_type: str
    event_type: str
    name: str  # "Aggregate.Event"
    title_zh: str
    title_en: str
    class_version: int


_types: dict[str, TypeInfo] = {}


def type_info(topic: str) -> TypeInfo:
    """What the class of a topic says (raises if the topic names no class)."""
    info = _types.get(topic)
    if info is None:
        cls = resolve_topic(topic)
        qualname = cls.__qualname__
        aggregate, _, event = qualname.rpartition(".")
        zh, en = TITLES.get(cls) or split_title(_docstring(cls), event)
        version = getattr(cls, "class_version", 1)
        info = _types[topic] = TypeInfo(cls, aggregate or "-", event, qualname, zh, en, version)
    return info


def _docstring(cls: type) -> str | None:
    """The class's own docstring: the library re-creates event classes as dataclasses
    whose generated ``__doc__`` is the signature, so look up the MRO for the written one."""
    for klass in cls.__mro__:
        doc = klass.__dict__.get("__doc__")
        if doc and not doc.startswith(f"{klass.__name__}("):
            return doc if klass.__qualname__ == cls.__qualname__ else None
    return None


def split_title(doc: str | None, event_name: str) -> tuple[str, str]:
    """("回执签收", "Receipt signed") from "回执签收 Receipt signed; fixes …"."""
    first = (doc or "").strip().splitlines()[0].strip() if (doc or "").strip() else ""
    fallback_en = re.sub(r"(?<!^)(?=[A-Z])", " ", event_name).lower().capitalize()
    if not first:
        return fallback_en, fallback_en
    match = re.search(r"[A-Za-z]", first)
    zh = first[: match.start()].strip() if match else first
    en = _headline(first[match.start() :]) if match else fallback_en
    if not _CJK.search(zh):  # no Chinese part: the whole line is English
        return _headline(first), _headline(first)
    return zh, en or fallback_en


def _headline(text: str) -> str:
    """The title part of a docstring line: up to the first ";", ":", " (" or " — "."""
    return re.split(r";|:| \(| — ", text, maxsplit=1)[0].strip().rstrip(".。")


# ----- plain state -----------------------------------------------------------------------
def plain_state(info: TypeInfo, stored_json: bytes | State, decoded: Callable[[], Any]) -> State:
    """The event's fields from the stored JSON, as bytes or already parsed (transcoded
    values still wrapped as ``{"_type_", "_data_"}``: ``describe`` unwraps them while it
    walks them), or from the decoded (upcast) event when it was stored under an older
    class version."""
    state: State = stored_json if type(stored_json) is dict else _loads(stored_json)
    if state.get("class_version", 1) < info.class_version:
        state = plain_fields(vars(decoded()))
    return state


def unwrapped(value: Any) -> Any:
    """A stored value without its transcoding wrapper (a transcoded value's data is
    its plain form; a UUID's is made canonical)."""
    if type(value) is dict and len(value) == 2 and "_type_" in value and "_data_" in value:
        data = value["_data_"]
        return str(UUID(data)) if value["_type_"] == "uuid_hex" else unwrapped(data)
    return value


def plain(value: Any) -> Any:
    """A decoded value as plain JSON data, the same form the stored JSON has."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    convert = _converters.get(kind)
    if convert is None:
        convert = _converters[kind] = _converter_for(kind)
    return convert(value)


_AS_IS = frozenset({str, int, float, bool, type(None)})
_converters: dict[type, Callable[[Any], Any]] = {}


def _converter_for(kind: type) -> Callable[[Any], Any]:
    if issubclass(kind, Enum):
        return lambda v: plain(v.value)
    if hasattr(kind, "__dataclass_fields__"):
        return lambda v: plain_fields(_fields_of(v))
    if issubclass(kind, datetime | date | time):
        return kind.isoformat  # type: ignore[no-any-return]
    if issubclass(kind, str | int | float):
        return lambda v: v
    if issubclass(kind, dict):
        return plain_fields
    if issubclass(kind, list | tuple):
        return lambda v: [plain(x) for x in v]
    if issubclass(kind, set | frozenset):
        return lambda v: sorted((plain(x) for x in v), key=str)
    return str  # Decimal (exact), UUID, anything else


def plain_fields(fields: dict[Any, Any]) -> State:
    return {str(name): plain(value) for name, value in fields.items()}


def _fields_of(value: Any) -> dict[str, Any]:
    """A dataclass instance's fields (``__dict__`` when it has one: the fast path)."""
    found = getattr(value, "__dict__", None)
    if found is not None:
        return found
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


# ----- per field name (cached): what a field means -----------------------------------------
SKIP, OTHER, POLICY, AGENT, RULE = range(5)


@dataclass(frozen=True, slots=True)
class FieldRole:
    kind: int
    masker: Callable[[str], str] | None
    summarised: bool  # may appear in the generic summary's details


_roles: dict[str, FieldRole] = {}


def role_of(name: str) -> FieldRole:
    role = _roles.get(name)
    if role is None:
        masker = masker_for(name)
        if name in ENVELOPE:
            kind = SKIP
        elif _POLICY_REF.search(name):
            kind = POLICY
        elif _AGENT_REF.search(name):
            kind = AGENT
        elif name in _RULES:
            kind = RULE
        else:
            kind = OTHER
        summarised = kind != RULE and masker is None and not _NOT_SUMMARISED.search(name)
        role = _roles[name] = FieldRole(kind, masker, summarised)
    return role


# ----- per event -------------------------------------------------------------------------
def describe(info: TypeInfo, state: State, origin: Origin | None) -> Facts:
    """Facts of an event from its plain ``state``; ``origin`` is its aggregate's
    creation (None for a creation event itself)."""
    return complete(read_fields(info, state, creation=origin is None), origin)


def read_fields(info: TypeInfo, state: State, *, creation: bool) -> Facts:
    """Everything that depends on the event alone (one pass over its fields); the
    business key of a later event and the summary wait for ``complete``."""
    policies: list[str] = []
    agents: list[str] = []
    rules: list[str] = []
    details: list[str] = []
    data: State = {}
    for name, value in state.items():
        role = _roles.get(name) or role_of(name)
        kind = role.kind
        if kind == SKIP:
            continue
        kind_of_value = type(value)
        if kind_of_value is dict or kind_of_value is list:
            value = _clean(value, role.masker)  # unwrapped, personal data masked
        elif role.masker is not None and kind_of_value is str:
            value = role.masker(value)
        data[name] = value
        if kind == OTHER:
            if type(value) is dict:
                _collect_nested(value, policies, agents, rules)
            elif role.summarised and len(details) < 3 and _is_scalar(value):
                text = str(value)
                if text and len(text) <= 40:
                    details.append(f"{name}={text}")
        elif kind == POLICY:
            policies.extend(_strings(value))
        elif kind == AGENT:
            agents.extend(_strings(value))
        else:
            rules.extend(_strings(value))
    extra = REFS.get(info.cls)
    if extra is not None:
        more_policies, more_agents = extra(data)
        policies[:0], agents[:0] = more_policies, more_agents
    return Facts(
        aggregate_type=info.aggregate_type,
        event_type=info.event_type,
        business_key=_creation_key(info, data) if creation else None,
        policy_numbers=policies,
        agent_codes=agents,
        rule_ids=sorted(set(rules)),
        data=data,
        info=info,
        details=details,
    )


def complete(facts: Facts, origin: Origin | None) -> Facts:
    """Add what a later event inherits from its aggregate's creation, and the summary
    (idempotent: a batch replayed event by event completes the same facts again)."""
    if origin is not None:
        facts.business_key = origin.business_key
        inherited_policies, inherited_agents = origin.inherited()
        facts.policy_numbers = [*inherited_policies, *facts.policy_numbers]
        facts.agent_codes = [*inherited_agents, *facts.agent_codes]
    facts.policy_numbers = _unique(facts.policy_numbers)
    facts.agent_codes = _unique(facts.agent_codes)
    info, key = facts.info, facts.business_key
    assert info is not None
    custom = SUMMARIES.get(info.cls)
    if custom is not None:
        facts.summary_zh, facts.summary_en = custom(facts.data, facts)
    else:
        shown = ", ".join(d for d in facts.details if d.partition("=")[2] != key)
        head_zh = f"{info.title_zh}（{key}）" if key else info.title_zh
        head_en = f"{info.title_en} ({key})" if key else info.title_en
        facts.summary_zh = f"{head_zh}：{shown}" if shown else head_zh
        facts.summary_en = f"{head_en}: {shown}" if shown else head_en
    return facts


def _creation_key(info: TypeInfo, data: State) -> str | None:
    """From the masked data: a personal key (a ContactPoint's phone) stays masked."""
    override = KEYS.get(info.cls)
    if override is not None:
        return override(data)
    for name in KEY_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and value:
            return value
    if isinstance(data.get("branch"), str) and data.get("month") is not None:
        return f"{data['branch']}/{data['month']}"
    return None


def _collect_nested(fields: State, policies: list[str], agents: list[str], rules: list[str]) -> None:
    """References and rules one level inside a value object (e.g. a verdict)."""
    for name, value in fields.items():
        kind = role_of(name).kind
        if kind == POLICY:
            policies.extend(_strings(value))
        elif kind == AGENT:
            agents.extend(_strings(value))
        elif kind == RULE:
            rules.extend(_strings(value))


def _is_scalar(value: Any) -> bool:
    return type(value) in (str, int, float)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# ----- personal data (RC-03): which fields and how, from the one masking home -----------
def _clean(value: Any, masker: Callable[[str], str] | None) -> Any:
    """A stored value made plain (wrappers off) with its personal data masked: strings
    (and lists of them) by the field's ``masker``, objects field by field by name."""
    kind = type(value)
    if kind is dict:
        if len(value) == 2 and "_data_" in value and "_type_" in value:
            data = value["_data_"]
            if value["_type_"] == "uuid_hex":
                return str(UUID(data))
            kind = type(data)
            if kind is not dict and kind is not list:
                return masker(data) if masker is not None and kind is str else data
            return _clean(data, masker)
        out = {}
        for name, item in value.items():
            inner = masker_for(name)
            item_kind = type(item)
            if item_kind is dict or item_kind is list:
                out[name] = _clean(item, inner)
            else:
                out[name] = inner(item) if inner is not None and item_kind is str else item
        return out
    if kind is list:
        return [_clean(v, masker) for v in value]
    if masker is not None and kind is str:
        return masker(value)
    return value


def to_json(data: State) -> str:
    return _dumps(data)


try:  # optional: orjson parses and writes JSON faster (~15% of a rebuild's CPU)
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads

    def _dumps(data: State) -> str:
        return orjson.dumps(data).decode()

except ImportError:  # the standard library: same data (the column is jsonb)
    _loads = json.loads
    _encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    _dumps = _encoder.encode
