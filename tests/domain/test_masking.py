"""RC-03: one masking home, the same formats everywhere (domain.shared.masking)."""

from __future__ import annotations

import pytest

from domain.shared.masking import (
    ERASED,
    is_personal_field,
    mask_address,
    mask_birthday,
    mask_field,
    mask_id_number,
    mask_name,
    mask_phone,
)
from domain.shared.values import PhoneNumber


def test_rc03_phone_and_id_formats() -> None:
    assert mask_phone("13812346138") == "138****6138"
    assert PhoneNumber.parse("+86 138 1234 6138").masked() == "138****6138"
    assert mask_id_number("110101199001011234") == "110***********1234"
    assert mask_id_number("11010119900101123X") == "110***********123X"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("+44 20 7946 0958", "+442*****0958"),  # foreign, formatted: digits only
        ("01012345678", "010****5678"),  # CN landline
        ("5551234", "*******"),  # too short to show anything
        ("", ""),
    ],
)
def test_rc03_foreign_and_short_phones(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("E12345678", "*****5678"),  # passport: last 4 only
        ("H1234567", "****4567"),  # 港澳通行证
        ("A12345", "******"),
    ],
)
def test_rc03_foreign_documents(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张", "*"), ("张三", "张*"), ("李小龙", "李**"), ("欧阳小明", "欧***"), ("John Smith", "J*** S****")],
)
def test_rc03_names_of_one_to_four_characters(name: str, masked: str) -> None:
    assert mask_name(name) == masked
    assert name not in mask_name(name) or len(name) == 0


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("北京市朝阳区建国路88号院3号楼2单元", "北京市朝阳区****"),
        ("上海市浦东新区", "上海****"),
        ("杭州", "****"),
        ("10 Downing Street, London", "10 Dow****"),
    ],
)
def test_rc03_addresses_keep_only_a_prefix(address: str, masked: str) -> None:
    assert mask_address(address) == masked
    assert len(masked.rstrip("*")) <= len(address) // 3


def test_rc03_birthday_hidden_and_erased_stays_erased() -> None:
    assert mask_birthday("1990-01-01") == "****"
    for fn in (mask_phone, mask_id_number, mask_name, mask_address, mask_birthday):
        assert fn(ERASED) == ERASED


def test_rc03_personal_fields_by_name() -> None:
    for name in (
        "name",
        "holder_name",
        "phone",
        "new_phone",
        "normalized",
        "raw",
        "id_number",
        "holder_key",
        "agent_key",
        "address",
        "new_address",
        "birthday",
    ):
        assert is_personal_field(name), name
    for name in ("product_name", "branch_name", "policy_number", "agent_code", "kind", "channel"):
        assert not is_personal_field(name), name
    assert mask_field("new_address", "北京市朝阳区建国路88号") == "北京市朝****"
    assert mask_field("channel", "银保") == "银保"
