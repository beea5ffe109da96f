"""Scalars of the node's API: ``Date`` and ``Decimal``, and the checks of raw ``ID``/``Date``/``Decimal`` input.

Both scalars accept anything at the protocol level and hand a :class:`Malformed`
value to the resolver when the text is not a date or a number. The resolver then
reports it like every other bad value: as a ``userErrors`` entry naming the
input field (mutations) or a ``BAD_USER_INPUT`` error (query arguments), instead
of a protocol error that names no field.

* ``Date``: a calendar date ``YYYY-MM-DD`` (business dates are Europe/Riga dates).
* ``Decimal``: an exact number, serialised as a JSON string with two decimals
  (``"9.58"``); money is EUR. Inputs accept a string (``"2.5"``) or a number.
* ``ID``: the database id as a string of digits (``"42"``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from strawberry.types.scalar import ScalarDefinition

from core.domain.errors import InvalidValue

from .errors import bad_input

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ID_DIGITS = re.compile(r"^[0-9]{1,10}$")
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
CENT = Decimal("0.01")
MAX_DIGITS = 15


@dataclass(frozen=True)
class Malformed:
    """Input a scalar could not read; ``kind`` is what was expected."""

    raw: object
    kind: str


def _parse_date(value: object) -> dt.date | Malformed:
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return Malformed(value, "date")


def _parse_decimal(value: object) -> Decimal | Malformed:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            pass
    return Malformed(value, "number")


def _serialize_decimal(value: object) -> str:
    return str(Decimal(str(value)).quantize(CENT, rounding=decimal.ROUND_HALF_UP))


DateScalar = ScalarDefinition(
    name="Date", description="A calendar date, YYYY-MM-DD.", specified_by_url=None,
    serialize=lambda d: d.isoformat(), parse_value=_parse_date, parse_literal=None, origin=dt.date,
)
DecimalScalar = ScalarDefinition(
    name="Decimal",
    description="An exact decimal number as a string with two decimals, e.g. \"9.58\" (money is EUR). "
                "Inputs accept a string or a number.",
    specified_by_url=None, serialize=_serialize_decimal, parse_value=_parse_decimal, parse_literal=None,
    origin=Decimal,
)
SCALAR_OVERRIDES = {dt.date: DateScalar, Decimal: DecimalScalar}


def to_date(value: object, field: str) -> dt.date | None:
    """``value`` as a date (None stays None), or :class:`InvalidValue` naming ``field``."""
    if value is None or isinstance(value, dt.date):
        return value
    raw = value.raw if isinstance(value, Malformed) else value
    raise InvalidValue(f"{raw!r} is not a date; write it as YYYY-MM-DD.", field=field)


def to_decimal(value: object, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        # beyond 15 digits on either side of the point no amount or unit makes sense (and rounding would fail)
        if value.is_finite() and abs(value.adjusted()) > MAX_DIGITS:
            raise InvalidValue(f"{str(value)[:40]} is too large or too precise a number.", field=field)
        return value
    raw = value.raw if isinstance(value, Malformed) else value
    raise InvalidValue(f"{raw!r} is not a number.", field=field)


def to_id(value: object, field: str) -> int | None:
    """A GraphQL ``ID`` as the database id, or :class:`InvalidValue` naming ``field``."""
    if value is None:
        return None
    text = str(value).strip()
    if ID_DIGITS.match(text) and 0 < int(text) <= MAX_ID:
        return int(text)
    raise InvalidValue(f"{str(value)[:40]!r} is not an id.", field=field)


def date_arg(value: object, name: str) -> dt.date | None:
    """A query argument as a date; a malformed one is a BAD_USER_INPUT error naming the argument."""
    try:
        return to_date(value, name)
    except InvalidValue as exc:
        raise bad_input(exc.message, field=name) from None


def id_arg(value: object, name: str) -> int | None:
    """A filter's ID as the database id; a malformed one is a BAD_USER_INPUT error naming the argument."""
    try:
        return to_id(value, name)
    except InvalidValue as exc:
        raise bad_input(exc.message, field=name) from None


def lookup_id(value: object) -> int | None:
    """The id of a single-object query: None when malformed, so the answer is simply null."""
    try:
        return to_id(value, "id")
    except InvalidValue:
        return None
