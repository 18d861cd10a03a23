"""New-contract callback (新契约回访): the Callback aggregate and its rules (RULES.md §1).

- ``windows``: call windows (CA-01)
- ``questionnaire``: question sets, A/B, answers (QN-01..03)
- ``outcome``: answers → outcome class, success, work-order types (QN-04, OC-01..04, OC-06, PC-01)
- ``queue``: branch work-queue order (OC-05)
- ``agent_quality``: agent warning / investigation (PC-07)
- ``aggregate``: the Callback aggregate (CB-*, CA-02, DP-*, SP-*)
"""

from domain.callback.aggregate import Callback, WorkOrderRequest
from domain.callback.labels import (
    CallbackMethod,
    CallbackStatus,
    CallResult,
    DoubtSubtype,
    ExplanationSubtype,
    IdentityResult,
    MisleadingKind,
    OutcomeClass,
    ProblemCategory,
    ProxySubtype,
    SpecialReason,
    SpecialStatus,
    VerificationSubtype,
)
from domain.callback.outcome import Finding, OutcomeDecision, classify, finding_for_answer
from domain.callback.questionnaire import (
    Answer,
    QuestionItem,
    QuestionnaireVersion,
    Response,
    choose_version,
    make_answer,
    question_set,
)

__all__ = [
    "Answer",
    "CallResult",
    "Callback",
    "CallbackMethod",
    "CallbackStatus",
    "DoubtSubtype",
    "ExplanationSubtype",
    "Finding",
    "IdentityResult",
    "MisleadingKind",
    "OutcomeClass",
    "OutcomeDecision",
    "ProblemCategory",
    "ProxySubtype",
    "QuestionItem",
    "QuestionnaireVersion",
    "Response",
    "SpecialReason",
    "SpecialStatus",
    "VerificationSubtype",
    "WorkOrderRequest",
    "choose_version",
    "classify",
    "finding_for_answer",
    "make_answer",
    "question_set",
]
