"""Synthetic people (虚拟人员): names and streets from Faker ``zh_CN``, the rest from the seed.

Faker's own ID-number helper draws birthdays relative to today, which would make
the same seed give different people on different days: ID numbers, birthdays and
phone numbers are built here from ``random.Random(seed)`` instead (GB 11643 check
digit included). Every phone and ID number is unique unless a scenario shares one
on purpose (duplicate numbers, DP-01/02).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker

from interfaces.demo.catalog import Branch

_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check digit of an 18-digit resident ID number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    birthday: date
    phone: str
    address: str
    male: bool


class PeopleFactory:
    """Deterministic for a seed: the same calls in the same order give the same people."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.rng = rng
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(seed)
        self._phones: set[str] = set()
        self._ids: set[str] = set()

    # ----- numbers ----------------------------------------------------------------------
    def phone(self) -> str:
        """A fresh CN mobile number nobody else uses."""
        while True:
            number = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def id_number(self, branch: Branch, birthday: date, male: bool) -> str:
        while True:
            area = self.rng.choice(branch.area_codes)
            seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd = male
            first17 = f"{area}{birthday:%Y%m%d}{seq:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self._ids:
                self._ids.add(number)
                return number

    # ----- people -----------------------------------------------------------------------
    def birthday(self, on: date, min_age: int, max_age: int) -> date:
        oldest = years_before(on, max_age + 1) + timedelta(days=1)
        youngest = years_before(on, min_age)
        return oldest + timedelta(days=self.rng.randrange((youngest - oldest).days + 1))

    def address(self, branch: Branch) -> str:
        street = self.faker.street_name()
        return (
            f"{branch.city}{self.rng.choice(branch.districts)}{street}{self.rng.randint(1, 399)}号"
            f"{self.rng.randint(1, 30)}栋{self.rng.randint(1, 6)}单元{self.rng.randint(1, 32)}"
            f"{self.rng.randint(1, 4):02d}室"
        )

    def person(
        self,
        branch: Branch,
        on: date,
        min_age: int,
        max_age: int,
        phone: str | None = None,
        address: str | None = None,
        surname: str | None = None,
    ) -> Person:
        male = self.rng.random() < 0.5
        name = self.faker.name_male() if male else self.faker.name_female()
        if surname:
            name = surname + name[1:]
        birthday = self.birthday(on, min_age, max_age)
        return Person(
            name=name,
            id_number=self.id_number(branch, birthday, male),
            birthday=birthday,
            phone=self.phone() if phone is None else phone,
            address=self.address(branch) if address is None else address,
            male=male,
        )

    def company(self) -> str:
        return self.faker.company()
