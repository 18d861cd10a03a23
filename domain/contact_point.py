"""ContactPoint aggregate (联系电话): who uses one normalised phone number.

One aggregate per normalised number (DP-03), so every policy and agent using the
number is decided against the same state: two policies with the same number
issued concurrently both touch this aggregate, one of them loses the optimistic
concurrency race and is decided again on fresh state. That is what keeps
DP-01 / DP-02 consistent.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.shared.aggregate import Context, TrailAggregate
from domain.shared.errors import InvalidInput
from domain.shared.values import PhoneNumber


@dataclass(frozen=True)
class DuplicateVerdict:
    """Why a policy's number counts as a duplicate (核实件/重复号码)."""

    rule_id: str  # DP-01 or DP-02
    phone: str
    policy_numbers: list[str]
    holder_count: int
    threshold: int | None
    agent_code: str | None


class ContactPoint(TrailAggregate):
    """联系电话. Id = a keyed derivation of the normalised number, given by the
    application (never a public hash of personal data: it would let anyone confirm a
    number by hashing candidates)."""

    business_object = False  # facts of many policies, in any order (RC-01b n/a)

    class Opened(TrailAggregate.Created):
        class_version = 1
        normalized: str
        kind: str

        def apply(self, cp: ContactPoint) -> None:
            cp.normalized = self.normalized
            cp.kind = self.kind
            cp.holder_uses = {}
            cp.agent_uses = {}
            cp.dp01_flagged = set()
            cp.dp02_flagged = set()

    class PolicyholderUseRecorded(TrailAggregate.Event):
        """投保人使用该号码 A policyholder uses this number on a policy."""

        class_version = 1
        policy_number: str
        holder_key: str
        agent_code: str

        def apply(self, cp: ContactPoint) -> None:
            cp.holder_uses[self.policy_number] = (self.holder_key, self.agent_code)

    class PolicyholderUseReleased(TrailAggregate.Event):
        class_version = 1
        policy_number: str
        reason: str

        def apply(self, cp: ContactPoint) -> None:
            cp.holder_uses.pop(self.policy_number, None)
            cp.dp01_flagged.discard(self.policy_number)
            cp.dp02_flagged.discard(self.policy_number)

    class AgentUseRecorded(TrailAggregate.Event):
        """业务员使用该号码 An agent uses this number."""

        class_version = 1
        agent_code: str
        agent_key: str

        def apply(self, cp: ContactPoint) -> None:
            cp.agent_uses[self.agent_code] = self.agent_key

    class AgentUseReleased(TrailAggregate.Event):
        class_version = 1
        agent_code: str
        reason: str

        def apply(self, cp: ContactPoint) -> None:
            cp.agent_uses.pop(self.agent_code, None)

    class DuplicateNumberFlagged(TrailAggregate.Event):
        """DP-01: the number is used by at least N distinct policyholders."""

        class_version = 1
        rule_id: str
        threshold: int
        holder_count: int
        policy_numbers: list[str]
        newly_flagged: list[str]

        def apply(self, cp: ContactPoint) -> None:
            cp.dp01_flagged.update(self.newly_flagged)

    class AgentNumberFlagged(TrailAggregate.Event):
        """DP-02: a policyholder uses the phone of the policy's agent (not 自保)."""

        class_version = 1
        rule_id: str
        agent_code: str
        policy_numbers: list[str]

        def apply(self, cp: ContactPoint) -> None:
            cp.dp02_flagged.update(self.policy_numbers)

    normalized: str
    kind: str
    holder_uses: dict[str, tuple[str, str]]  # policy number → (holder key, agent code)
    agent_uses: dict[str, str]  # agent code → agent identity key
    dp01_flagged: set[str]
    dp02_flagged: set[str]

    def __init__(self) -> None:
        """State comes from the events' ``apply`` (annotations above are for readers)."""

    @classmethod
    def open(cls, phone: PhoneNumber, ctx: Context, id: UUID) -> ContactPoint:
        if not phone.usable:
            raise InvalidInput(
                f"unusable phone {phone.raw!r}: {phone.problem}",
                f"号码不可用：{phone.raw!r}（{phone.problem}）",
            )
        return cls._start(
            cls.Opened,
            ctx,
            id=id,
            normalized=phone.normalized,
            kind=phone.kind,
        )

    # ----- queries -------------------------------------------------------------------
    def distinct_holders(self) -> int:
        return len({holder for holder, _ in self.holder_uses.values()})

    def verdict_for(self, policy_number: str, threshold: int) -> DuplicateVerdict | None:
        """The current DP-01 / DP-02 answer for one policy using this number."""
        use = self.holder_uses.get(policy_number)
        if use is None:
            return None
        holder_key, agent_code = use
        agent_key = self.agent_uses.get(agent_code)
        if agent_key is not None and agent_key != holder_key:
            return DuplicateVerdict(
                "DP-02", self.normalized, [policy_number], self.distinct_holders(), None, agent_code
            )
        holders = self.distinct_holders()
        if holders >= threshold:
            return DuplicateVerdict(
                "DP-01", self.normalized, sorted(self.holder_uses), holders, threshold, None
            )
        return None

    # ----- commands ------------------------------------------------------------------
    def record_policyholder(
        self, policy_number: str, holder_key: str, agent_code: str, threshold: int, ctx: Context
    ) -> None:
        if self.holder_uses.get(policy_number) == (holder_key, agent_code):
            return
        self._record(
            self.PolicyholderUseRecorded,
            ctx,
            policy_number=policy_number,
            holder_key=holder_key,
            agent_code=agent_code,
        )
        self._decide_duplicates(threshold, ctx)

    def release_policyholder(self, policy_number: str, reason: str, ctx: Context) -> None:
        if policy_number in self.holder_uses:
            self._record(self.PolicyholderUseReleased, ctx, policy_number=policy_number, reason=reason)

    def record_agent(self, agent_code: str, agent_key: str, threshold: int, ctx: Context) -> None:
        if self.agent_uses.get(agent_code) == agent_key:
            return
        self._record(self.AgentUseRecorded, ctx, agent_code=agent_code, agent_key=agent_key)
        self._decide_duplicates(threshold, ctx)

    def release_agent(self, agent_code: str, reason: str, ctx: Context) -> None:
        if agent_code in self.agent_uses:
            self._record(self.AgentUseReleased, ctx, agent_code=agent_code, reason=reason)

    def _decide_duplicates(self, threshold: int, ctx: Context) -> None:
        # DP-01: threshold or more distinct policyholders → every such policy is flagged.
        holders = self.distinct_holders()
        if holders >= threshold:
            newly = sorted(set(self.holder_uses) - self.dp01_flagged)
            if newly:
                self._record(
                    self.DuplicateNumberFlagged,
                    ctx,
                    rule_id="DP-01",
                    threshold=threshold,
                    holder_count=holders,
                    policy_numbers=sorted(self.holder_uses),
                    newly_flagged=newly,
                )
        # DP-02: the holder's number is the policy's own agent's number, holder ≠ agent.
        by_agent: dict[str, list[str]] = {}
        for policy_number, (holder_key, agent_code) in sorted(self.holder_uses.items()):
            agent_key = self.agent_uses.get(agent_code)
            if agent_key is not None and agent_key != holder_key and policy_number not in self.dp02_flagged:
                by_agent.setdefault(agent_code, []).append(policy_number)
        for agent_code, policies in sorted(by_agent.items()):
            self._record(
                self.AgentNumberFlagged,
                ctx,
                rule_id="DP-02",
                agent_code=agent_code,
                policy_numbers=policies,
            )
