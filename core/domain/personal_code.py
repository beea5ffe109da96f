"""Latvian personal codes (*personas kods*).

Two formats: the old ``DDMMYY-CNNNN`` (birth date, century digit, check digit)
and the new one starting with ``32`` (no birth date, issued since July 2017).
Format and check digit come from ``python-stdnum``; we add what it leaves out:
legal-entity numbers and future birth dates are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.lv import pvn

from .errors import PersonalCodeInvalid

FIELD = "personalCode"


@dataclass(frozen=True)
class PersonalCode:
    """A validated personal code: ``value`` as ``DDMMYY-NNNNN``, birth date when it carries one."""

    value: str
    birth_date: date | None

    @property
    def is_new_format(self) -> bool:
        return self.value.startswith("32")

    def __str__(self) -> str:
        return self.value


def parse_personal_code(raw: str, *, today: date | None = None) -> PersonalCode:
    """Validate ``raw`` and return it normalised, or raise :class:`PersonalCodeInvalid`."""
    if not isinstance(raw, str) or not raw.strip():
        raise PersonalCodeInvalid("The personal code is empty.", field=FIELD)
    digits = raw.strip().replace("-", "").replace(" ", "")
    if not digits.isdigit():
        raise PersonalCodeInvalid("A personal code has only digits and one hyphen.", field=FIELD)
    if len(digits) != 11:
        raise PersonalCodeInvalid(
            f"A personal code has 11 digits, this one has {len(digits)}.", field=FIELD
        )
    if digits[0] > "3":
        raise PersonalCodeInvalid(
            "This is a registration number of a legal entity, not a person's code.", field=FIELD
        )
    try:
        pvn.validate(digits)
    except InvalidChecksum:
        raise PersonalCodeInvalid("The check digit of the personal code is wrong.", field=FIELD) from None
    except InvalidComponent:
        raise PersonalCodeInvalid("The personal code does not start with a real birth date.", field=FIELD) from None
    except (InvalidFormat, InvalidLength):
        raise PersonalCodeInvalid("The personal code has the wrong format.", field=FIELD) from None
    birth = None
    if not digits.startswith("32"):
        if digits[6] not in "012":
            raise PersonalCodeInvalid("The century digit of the personal code must be 0, 1 or 2.", field=FIELD)
        birth = pvn.get_birth_date(digits)
        if birth > (today or date.today()):
            raise PersonalCodeInvalid("The birth date in the personal code is in the future.", field=FIELD)
    return PersonalCode(f"{digits[:6]}-{digits[6:]}", birth)


def make_personal_code(birth: date | None, serial: int) -> str:
    """Build a valid code (old format with ``birth``, new format without): for synthetic data only."""
    if birth is None:
        body = f"32{serial % 10**8:08d}"
    else:
        century = (birth.year - 1800) // 100
        body = f"{birth:%d%m}{birth.year % 100:02d}{century}{serial % 1000:03d}"
    return f"{body[:6]}-{body[6:]}{pvn.calc_check_digit_pers(body)}"
