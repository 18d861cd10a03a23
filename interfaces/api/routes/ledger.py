"""账本 Ledger GETs: signed tree heads and proofs (auditor, regulator, admin).

The bodies are exactly the ``policytrail-ledger/1`` documents of
``application.ledger.documents``: save one as a file (canonical JSON, e.g.
``documents.encode``) and ``policytrail ledger verify-proof FILE --public-key KEY``
checks it offline. A leaf names an event by position, aggregate id (keyed, not a
hash of personal data), version, topic and the SHA-256 of its stored (encrypted)
bytes: nothing personal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from application.ledger import Ledger, LedgerNotStarted, PublicKey, documents
from interfaces.api.auth import require
from interfaces.api.context import ApiContext, api_context
from interfaces.api.permissions import Capability as C
from interfaces.api.permissions import Principal
from interfaces.api.problems import UNAVAILABLE, ProblemException, problem_responses

TAG = "ledger 防篡改账本"
router = APIRouter(prefix="/ledger", tags=[TAG])
Ctx = Annotated[ApiContext, Depends(api_context)]
Auditor = Annotated[Principal, Depends(require(C.READ_LEDGER))]
MAX = 9_223_372_036_854_775_807  # bigint
Size = Annotated[int, Query(ge=1, le=MAX, description="tree size of a signed tree head 树大小")]
RESPONSES = problem_responses(400, 401, 403, 404, 503)
T = TypeVar("T")


class TreeHead(BaseModel):
    tree_size: int = Field(description="events covered: the first tree_size of the log")
    root_hash: str = Field(description="RFC 9162 root, hex")
    timestamp_ms: int = Field(description="signing time, ms since the Unix epoch")
    key_id: str = Field(description="first 8 bytes of SHA-256 of the Ed25519 public key, hex")
    signature: str = Field(description="Ed25519 signature, base64")


class LeafOut(BaseModel):
    position: int
    originator_id: str
    originator_version: int
    topic: str
    state_sha256: str = Field(description="SHA-256 of the event's stored bytes, hex")


class TreeHeadOut(BaseModel):
    format: Literal["policytrail-ledger/1"]
    kind: Literal["tree-head"]
    sth: TreeHead


class InclusionOut(BaseModel):
    format: Literal["policytrail-ledger/1"]
    kind: Literal["inclusion"]
    sth: TreeHead
    leaf: LeafOut
    leaf_index: int
    audit_path: list[str]


class ConsistencyOut(BaseModel):
    format: Literal["policytrail-ledger/1"]
    kind: Literal["consistency"]
    first: TreeHead
    second: TreeHead
    proof: list[str]


class KeyOut(BaseModel):
    key_id: str
    public_key: str = Field(description="ed25519:<base64>, what --public-key accepts")


@contextmanager
def _ledger(ctx: ApiContext) -> Iterator[Ledger]:
    try:
        yield Ledger.from_app(ctx.app, signing=False)
    except LedgerNotStarted:
        raise ProblemException(
            UNAVAILABLE,
            "the ledger has not started yet: run `policytrail ledger run` (or serve)",
            "账本尚未启动：请运行 policytrail ledger run（或 serve）",
        ) from None


def _call(ctx: ApiContext, fn: Callable[[Ledger], T]) -> T:
    with _ledger(ctx) as ledger:
        return fn(ledger)


@router.get(
    "/heads",
    response_model=list[TreeHead],
    summary="签名树头 Signed tree heads, newest first",
    responses=RESPONSES,
)
def get_heads(
    ctx: Ctx,
    _: Auditor,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=MAX, description="only heads of smaller trees (paging)")
    ] = None,
) -> Any:
    return [documents.sth_dict(s) for s in _call(ctx, lambda led: led.heads(limit, before))]


@router.get(
    "/heads/latest",
    response_model=TreeHeadOut,
    summary="最新签名树头 The latest signed tree head",
    responses=RESPONSES,
)
def get_latest_head(ctx: Ctx, _: Auditor) -> Any:
    sth = _call(ctx, lambda led: led.latest_head())
    if sth is None:
        raise ProblemException(
            UNAVAILABLE,
            "no tree head signed yet (policytrail ledger seal)",
            "尚未签署树头（policytrail ledger seal）",
        )
    return documents.TreeHeadDocument(sth).to_dict()


@router.get(
    "/proofs/inclusion",
    response_model=InclusionOut,
    summary="包含证明 Proof that the event at a position is in a signed tree",
    responses=RESPONSES,
)
def get_inclusion(
    ctx: Ctx,
    _: Auditor,
    position: Annotated[int, Query(ge=1, le=MAX, description="the event's position in the log 位置")],
    tree_size: Annotated[int | None, Query(ge=1, le=MAX, description="default: the latest head")] = None,
) -> Any:
    return _call(ctx, lambda led: led.inclusion_proof(position, tree_size)).to_dict()


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyOut,
    summary="一致性证明 Proof that a signed tree extends an older one",
    responses=RESPONSES,
)
def get_consistency(ctx: Ctx, _: Auditor, first: Size, second: Size) -> Any:
    return _call(ctx, lambda led: led.consistency_proof(first, second)).to_dict()


@router.get(
    "/keys",
    response_model=list[KeyOut],
    summary="公钥 Public keys that signed tree heads",
    responses=RESPONSES,
)
def get_keys(ctx: Ctx, _: Auditor) -> Any:
    """Informational: check a key id against the one your organisation published."""
    return [
        {"key_id": key_id, "public_key": PublicKey(raw).to_text()}
        for key_id, raw in _call(ctx, lambda led: led.public_keys())
    ]
