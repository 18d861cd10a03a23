"""One masking home (RC-03, issue #12 point 4): the two-axis reads, the audit trail and
the exports mask exactly as ``domain.shared.masking`` does, and no other module keeps
masking rules of its own."""

from __future__ import annotations

import re

from domain.shared.masking import ERASED, mask_data
from interfaces.api.timed_views import to_json
from interfaces.exports.masking import event_data
from projections.event_facts import _clean
from tests.support import ROOT

STATE = {
    "phone": "+44 20 7946 0958",
    "holder_key": "11010519700101777X",
    "insured_name": "欧阳小明",
    "name": "张",
    "address": "北京市朝阳区建国路88号",
    "party_birthday": "1970-01-01",
    "old_phone": {"raw": "136-8765-4321", "normalized": "13687654321", "kind": "mobile"},
    "names": ["司马相如", "John Smith"],
    "erased": {"name": ERASED, "phone": ERASED},
    "product_name": "金福人生",
    "policy_number": "P2026000001",
}


def test_reads_audit_trail_and_exports_mask_as_the_one_home():
    expected = mask_data(STATE)
    assert expected["phone"] == "+442*****0958" and expected["holder_key"] == "110***********777X"
    assert expected["erased"] == {"name": ERASED, "phone": ERASED} and expected["product_name"] == "金福人生"
    assert to_json(STATE, True) == expected  # two-axis reads (GET /records/…)
    assert event_data(STATE, masked=True) == expected  # exports
    assert _clean(STATE, None) == expected  # audit trail rows
    assert event_data(STATE, masked=False) == STATE  # an auditor's unmasked export


#: a hand-made mask: stars multiplied or sliced digits kept, outside the masking home
HAND_MADE = re.compile(r"""["']\*["']\s*\*|\[:3\]\s*\+\s*["']\*""")


def test_no_second_set_of_masking_rules():
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("application", "projections", "interfaces")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_MADE.search(line)
    ]
    assert found == [], found
