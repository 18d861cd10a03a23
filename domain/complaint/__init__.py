"""Complaints (服务投诉), SL-01."""

from domain.complaint.aggregate import Complaint
from domain.complaint.vocabulary import ComplaintCategory, ComplaintChannel, ComplaintOutcome, ComplaintState

__all__ = ["Complaint", "ComplaintCategory", "ComplaintChannel", "ComplaintOutcome", "ComplaintState"]
