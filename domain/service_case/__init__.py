"""Policy-service cases (保单服务件, PS-01..06): the case, its per-policy index, vocabulary.

Rules: ``rules`` (PS-01 sources, PS-02/04 contacting, PS-05 records). The aggregate:
``case`` (events, state, opening, receiving, contacting) with ``obligation_commands``
(PS-04/05) and ``lapse_commands`` (PS-06) mixed in; ``index`` keeps one open case per policy.
"""

from domain.service_case.case import ServiceCase
from domain.service_case.index import ServiceCaseIndex
from domain.service_case.vocabulary import (
    CaseStatus,
    CaseTrigger,
    ContactMethod,
    ContactParty,
    ReinstatementOutcome,
    ServiceClass,
    ServiceItem,
    ServiceSource,
)

__all__ = [
    "CaseStatus",
    "CaseTrigger",
    "ContactMethod",
    "ContactParty",
    "ReinstatementOutcome",
    "ServiceCase",
    "ServiceCaseIndex",
    "ServiceClass",
    "ServiceItem",
    "ServiceSource",
]
