"""New-contract callback (新契约回访): the Callback aggregate and its rules (RULES.md §1).

Where a rule is decided (pure functions, no state):

- ``opening``: when a callback is due (CB-01, CB-03), an unusable phone (CB-06)
- ``windows``: which call windows apply on a day and the next one (CA-01, REG-05)
- ``calls``: cycles and attempts (CA-02), recordings and who calls (CB-04), the
  policy's own phone (DP-03), identity-check and attempt outcomes (CB-02, OC-04)
- ``questionnaire``: question sets, A/B, one answer's shape (QN-01..03)
- ``answering``: which answers may be recorded, signed questionnaires (QN-03/04, CB-04)
- ``outcome``: answers → outcome class, success, work-order types (QN-04, OC-01..04, OC-06, PC-01)
- ``special``: special callbacks (SP-01, SP-02); ``guards``: what each status allows
- ``queue``: branch work-queue order (OC-05); ``agent_quality``: agent warning (PC-07)

The aggregate (events, state, ``apply``s, commands): ``aggregate`` (events, opening,
outcome, contact data), with its command methods for calls and the questionnaire in
``call_commands`` and for the branch and special callbacks in ``branch_commands``.
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
