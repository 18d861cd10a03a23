"""Claims (理赔案件), SL-03, and their care callbacks, SL-04."""

from domain.claim.aggregate import CARE_LINES, ClaimCase
from domain.claim.care import closure_care_window, incident_care_window
from domain.claim.vocabulary import (
    UNREACHABLE,
    ApprovalExclusion,
    Area,
    ClaimLine,
    ClaimStep,
    CustomerTier,
    SiteExclusion,
)

__all__ = [
    "CARE_LINES",
    "UNREACHABLE",
    "ApprovalExclusion",
    "Area",
    "ClaimCase",
    "ClaimLine",
    "ClaimStep",
    "CustomerTier",
    "SiteExclusion",
    "closure_care_window",
    "incident_care_window",
]
