"""Recording deliveries (*sniegtie pakalpojumi*): a batch for one episode, all rows or none.

Each row is costed at the rate valid on its date (the tier chosen by the
``rate_tier`` hook) and given its funding source. Counts the rules need (respite
days per year, the person's first service) come from SQL, not from loading rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.catalogue import ServiceType
from core.domain.costing import check_units, delivery_cost
from core.domain.errors import DomainError, InvalidValue, raise_if_any
from core.domain.people import Residence
from core.domain.rates import Rate
from core.domain.rules import check_delivery_in_episode, check_programme_date, check_respite_days, is_respite
from core.domain.validation import DeliveryDraft
from core.node import Node

from .catalogue import rates_valid_on
from .episodes import get_episode, service
from .models import Client, Delivery, ServiceEpisode


@dataclass
class DeliveryInput:
    date: date
    units: Decimal | str | float | int


class DuplicateDelivery(DomainError):
    code = "DUPLICATE_DELIVERY"


def _units(value, field: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidValue(f"{value!r} is not a number.", field=field) from None


async def respite_days_by_year(session: AsyncSession, client_id: int, years: set[int]) -> dict[int, int]:
    year = func.extract("year", Delivery.date)
    rows = await session.execute(
        select(year, func.count())
        .join(ServiceEpisode, ServiceEpisode.id == Delivery.episode_id)
        .where(ServiceEpisode.client_id == client_id, ServiceEpisode.service_code == "RESPITE_CARE", year.in_(years))
        .group_by(year)
    )
    return {int(y): int(n) for y, n in rows.all()}


async def first_service_date(session: AsyncSession, client_id: int) -> date | None:
    first = select(func.min(ServiceEpisode.start_date)).where(ServiceEpisode.client_id == client_id)
    return await session.scalar(first)


def _pick_rate(node: Node, svc: ServiceType, day: date, care_level: int | None,
               rates: list[tuple[int, Rate]]) -> tuple[int | None, Rate | None]:
    candidates = [(i, r) for i, r in rates if r.valid_on(day)]
    if not candidates:
        return None, None
    if len(candidates) == 1:
        return candidates[0]
    candidates.sort(key=lambda p: p[1].tier)
    chosen = node.pm.hook.rate_tier(service=svc, care_level=care_level, candidates=[r for _, r in candidates])
    return next(((i, r) for i, r in candidates if r == chosen), candidates[0])


Parsed = list[tuple[date, Decimal]]
"""(day, units) of each row that passed the rules on rows by themselves."""


def check_delivery_items(svc: ServiceType, episode, items: list[DeliveryInput], today: date) -> Parsed:
    """The rules on each row by itself (a date in the programme and the episode, units that fit a day, no day
    twice); every broken one is reported with its row's index. Returns (day, units) of every row."""
    if not items:
        raise InvalidValue("Give at least one delivery.", field="deliveries")
    errors: list[DomainError] = []
    parsed: list[tuple[date, Decimal]] = []
    seen: set[date] = set()
    for i, item in enumerate(items):
        try:
            check_programme_date(item.date, today=today, field="date")
            check_delivery_in_episode(item.date, episode.start_date, episode.end_date, field="date")
            units = check_units(_units(item.units, "units"), svc, field="units")
            if item.date in seen:
                raise DuplicateDelivery(f"{item.date.isoformat()} is given twice.", field="date")
            seen.add(item.date)
            parsed.append((item.date, units))
        except DomainError as exc:
            exc.field = f"deliveries.{i}.{exc.field}" if exc.field else f"deliveries.{i}"  # the path only when refused
            errors.append(exc)
    raise_if_any(errors)
    return parsed


def new_days(parsed: Parsed, existing: set[date], skip_existing: bool) -> Parsed:
    """The rows whose day is not recorded for the episode yet; a day recorded before refuses the batch unless
    ``skip_existing`` (an import: what an earlier run wrote is skipped)."""
    if existing and not skip_existing:
        first = min(existing)
        raise DuplicateDelivery(f"A delivery on {first.isoformat()} is already recorded for this episode.",
                                field="deliveries")
    return [(d, u) for d, u in parsed if d not in existing]


@dataclass(frozen=True)
class DeliveryFacts:
    """What costing an episode's new deliveries needs from the database, looked up before."""

    respite_days: dict[int, int]
    """The person's respite days already recorded, per year (respite care only)."""
    first_service: date | None
    """The start of the person's first episode (None: this is the first)."""
    rates: list[tuple[int, Rate]]
    """Every tier of the service's rates valid on any of the days, with the row id."""
    care_level: int | None
    left_institution: bool


async def delivery_facts(session: AsyncSession, svc: ServiceType, episode, days: list[date]) -> DeliveryFacts:
    respite = {}
    if is_respite(svc):
        respite = await respite_days_by_year(session, episode.client_id, {d.year for d in days})
    client = await session.get(Client, episode.client_id)
    assert client is not None
    first = await first_service_date(session, client.id)
    rates = await rates_valid_on(session, svc.code, days)
    return DeliveryFacts(respite, first, rates, client.care_level, client.residence == Residence.LEFT_INSTITUTION)


def cost_deliveries(node: Node, svc: ServiceType, episode, parsed: Parsed, facts: DeliveryFacts) -> list[dict]:
    """The rules on the batch as a whole (respite days a year, the plugins' rules), and each row costed at the
    rate of its day (the tier the ``rate_tier`` hook picks) with its funding source: the rows to write."""
    if is_respite(svc):
        years = {d.year for d, _ in parsed}
        check_respite_days({y: n for y, n in facts.respite_days.items() if y in years}, [d for d, _ in parsed])
    first = facts.first_service or episode.start_date
    rows, drafts = [], []
    hook = node.pm.hook.validate_deliveries
    told = bool(hook.get_hookimpls())  # without a plugin rule nobody reads the drafts
    for day, units in parsed:
        rate_id, rate = _pick_rate(node, svc, day, facts.care_level, facts.rates)
        cost = delivery_cost(units, rate.amount if rate else None)
        source = node.funding.source(first_service=first, delivered_on=day, left_institution=facts.left_institution)
        rows.append(dict(episode_id=episode.id, date=day, units=units, rate_id=rate_id, cost=cost,
                         funding_source=source.value))
        if told:
            drafts.append(DeliveryDraft(node.region, episode.id, episode.client_id, svc, day, units, cost,
                                        source.value))
    if told:
        raise_if_any([e for result in hook(deliveries=drafts) if result for e in result])
    return rows


async def record_deliveries(
    session: AsyncSession, node: Node, episode_id: int, items: list[DeliveryInput], *, skip_existing: bool = False
) -> list[Delivery]:
    """Validate and cost every row, then add them all; any broken rule refuses the whole batch."""
    episode = await get_episode(session, episode_id)
    svc = service(node, episode.service_code)
    parsed = check_delivery_items(svc, episode, items, node.today())
    existing = set((await session.execute(
        select(Delivery.date).where(Delivery.episode_id == episode_id,
                                    Delivery.date.in_([d for d, _ in parsed]))  # type: ignore[attr-defined]
    )).scalars())
    parsed = new_days(parsed, existing, skip_existing)
    if not parsed:
        return []
    facts = await delivery_facts(session, svc, episode, [d for d, _ in parsed])
    rows = [Delivery(**values) for values in cost_deliveries(node, svc, episode, parsed, facts)]
    session.add_all(rows)
    await session.flush()
    return rows
