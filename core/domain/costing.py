"""Cost of a delivery: units x the rate valid on the delivery date, in EUR, cents rounded half-up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .catalogue import ServiceType
from .errors import UnitsInvalid

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def check_units(units: Decimal, service: ServiceType, *, field: str = "units") -> Decimal:
    """Units must be positive, in hundredths at most, and fit one day of the service's unit."""
    if not isinstance(units, Decimal):
        units = Decimal(str(units))
    if not units.is_finite() or units <= 0:
        raise UnitsInvalid("Units must be a positive number.", field=field)
    if units != units.quantize(CENT):
        raise UnitsInvalid("Units can have at most two decimals.", field=field)
    limit = service.unit.max_per_day
    if units > limit:
        raise UnitsInvalid(
            f"At most {limit} {service.unit.lower()}(s) of {service.name_en} fit in one day, not {units}.",
            field=field,
        )
    return units


def delivery_cost(units: Decimal, rate_amount: Decimal | None) -> Decimal | None:
    """Cost in EUR, or None when no rate is set for the service on that day."""
    if rate_amount is None:
        return None
    return to_cents(units * rate_amount)
