from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.errors import PersonalCodeInvalid
from core.domain.personal_code import make_personal_code, parse_personal_code

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("raw,birth", [
    ("161175-19997", date(1975, 11, 16)),
    ("16117519997", date(1975, 11, 16)),
    (" 161175-19997 ", date(1975, 11, 16)),
    ("328673-00679", None),
])
def test_valid_codes_in_both_formats(raw, birth):
    code = parse_personal_code(raw, today=TODAY)
    assert code.birth_date == birth
    assert code.value == raw.strip().replace("-", "")[:6] + "-" + raw.strip().replace("-", "")[6:]


@pytest.mark.parametrize("raw,fragment", [
    ("", "empty"),
    ("161175-1999", "11 digits"),
    ("161175-199971", "11 digits"),
    ("16117A-19997", "only digits"),
    ("161175-19998", "check digit"),
    ("328673-00677", "check digit"),
    ("161375-19997", "birth date"),
    ("300275-19990", "birth date"),
    ("40003521600", "legal entity"),
    ("90000010008", "legal entity"),
])
def test_invalid_codes_say_what_is_wrong(raw, fragment):
    with pytest.raises(PersonalCodeInvalid) as caught:
        parse_personal_code(raw, today=TODAY)
    assert fragment in caught.value.message
    assert caught.value.code == "PERSONAL_CODE_INVALID"
    assert caught.value.field == "personalCode"


def test_birth_date_in_the_future_is_refused():
    tomorrow = TODAY + timedelta(days=1)
    with pytest.raises(PersonalCodeInvalid, match="future"):
        parse_personal_code(make_personal_code(tomorrow, 1), today=TODAY)
    assert parse_personal_code(make_personal_code(TODAY, 1), today=TODAY).birth_date == TODAY


def test_century_digit_above_two_is_refused():
    body = "1611753999"
    from stdnum.lv import pvn

    with pytest.raises(PersonalCodeInvalid):
        parse_personal_code(body + pvn.calc_check_digit_pers(body), today=TODAY)


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.integers(0, 999))
def test_generated_old_format_codes_round_trip(birth, serial):
    code = parse_personal_code(make_personal_code(birth, serial), today=TODAY)
    assert code.birth_date == birth
    assert not code.is_new_format


@given(st.integers(0, 10**8 - 1))
def test_generated_new_format_codes_round_trip(serial):
    code = parse_personal_code(make_personal_code(None, serial), today=TODAY)
    assert code.birth_date is None and code.is_new_format


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.integers(0, 999), st.integers(0, 10))
def test_any_single_digit_change_is_caught_or_still_valid_by_checksum(birth, serial, position):
    good = make_personal_code(birth, serial).replace("-", "")
    pos = position % 11
    bad_digit = str((int(good[pos]) + 1) % 10)
    bad = good[:pos] + bad_digit + good[pos + 1:]
    try:
        parsed = parse_personal_code(bad, today=TODAY)
    except PersonalCodeInvalid:
        return
    # the weights make some single-digit changes collide (mod 11 % 10); such codes must still be well formed
    assert parsed.value.replace("-", "") == bad
