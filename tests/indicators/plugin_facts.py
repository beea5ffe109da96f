"""Plugin indicators for the engine's tests, declared the way plugins did before ``column`` and ``where``.

They cover the shapes the engine must handle: a count by municipality and
service only, a sum without municipality, a sum by recipient and funding
source, a count by municipality alone, one by residence alone, and facts with
values the frame does not have (a service no catalogue knows, a target group
that does not exist), whose rows must still be in the snapshot.
"""

from __future__ import annotations

import sqlalchemy as sa

from core import hookimpl
from core.domain.indicators import Dimension as D
from core.domain.indicators import Indicator, Measure, Unit
from core.store.indicators import IndicatorSource
from core.store.models import Client, Delivery
from core.store.models import ServiceEpisode as E


def open_ended(q):
    return (sa.select(E.granted_by.label("municipality"), E.service_code.label("service"), Client.id.label("subject"))
            .join(Client, Client.id == E.client_id).where(E.start_date <= q.day, E.end_date.is_(None)))


def units_by_residence(q):
    return (sa.select(Client.target_group.label("target_group"), q.residence().label("residence"),
                      Delivery.units.label("amount"))
            .select_from(Delivery).join(E, E.id == Delivery.episode_id).join(Client, Client.id == E.client_id)
            .where(Delivery.date <= q.day))


def cost_by_recipient(q):
    return (sa.select(E.granted_by.label("municipality"), q.recipient().label("recipient"),
                      Delivery.funding_source.label("funding_source"), Delivery.cost.label("amount"))
            .select_from(Delivery).join(E, E.id == Delivery.episode_id).join(Client, Client.id == E.client_id)
            .where(Delivery.date <= q.day))


def by_municipality(q):
    return sa.select(Client.municipality_code.label("municipality"), Client.id.label("subject"))


def by_residence(q):
    return sa.select(q.residence().label("residence"), Client.id.label("subject"))


UNKNOWN_SERVICE, UNKNOWN_GROUP = "NOT_IN_ANY_CATALOGUE", "NO_SUCH_GROUP"


def outside_the_frame(q):
    """Every third person's service and every fifth person's group are values the frame does not have."""
    service = sa.case((Client.id % 3 == 0, UNKNOWN_SERVICE), else_=E.service_code)
    group = sa.case((Client.id % 5 == 0, UNKNOWN_GROUP), else_=Client.target_group)
    return (sa.select(E.granted_by.label("municipality"), group.label("target_group"), service.label("service"),
                      Client.id.label("subject"))
            .join(Client, Client.id == E.client_id).where(E.start_date <= q.day))


def _count(code: str, *dims: D) -> Indicator:
    return Indicator(code, f"test indicator {code}", Unit.PERSONS, dims)


LEGACY_SOURCES = [
    IndicatorSource(_count("t_open_ended", D.MUNICIPALITY, D.SERVICE), open_ended),
    IndicatorSource(Indicator("t_units_by_residence", "units by residence", Unit.UNITS,
                              (D.TARGET_GROUP, D.RESIDENCE), Measure.SUM), units_by_residence),
    IndicatorSource(Indicator("t_cost_by_recipient", "cost by recipient", Unit.EUR,
                              (D.MUNICIPALITY, D.RECIPIENT, D.FUNDING_SOURCE), Measure.SUM), cost_by_recipient),
    IndicatorSource(_count("t_by_municipality", D.MUNICIPALITY), by_municipality),
    IndicatorSource(_count("t_by_residence", D.RESIDENCE), by_residence),
    IndicatorSource(_count("t_outside_the_frame", D.MUNICIPALITY, D.TARGET_GROUP, D.SERVICE), outside_the_frame),
]


class LegacyPlugin:
    """A plugin whose sources give only ``indicator`` and ``facts``."""

    @hookimpl
    def indicators(self):
        return LEGACY_SOURCES


async def build_with_deliveries(session, node) -> None:
    """The published 2018 records (:mod:`tests.indicators.published`) plus deliveries on every fourth episode,
    assessments and approved plans, written directly (their own rules are tested elsewhere)."""
    from datetime import timedelta
    from decimal import Decimal

    from core.store.models import Assessment, SupportPlan
    from tests.indicators.published import build_zemgale_2018

    await build_zemgale_2018(session, node)
    episodes = (await session.execute(sa.select(E.id, E.client_id, E.start_date).order_by(E.id))).all()
    sources = ("ESF", "STATE_BUDGET", "MUNICIPALITY")
    for n, (episode_id, client_id, start) in enumerate(episodes[::4]):
        for k, days in enumerate((0, 45, 400)):
            session.add(Delivery(episode_id=episode_id, date=start + timedelta(days=days),
                                 units=Decimal("1.50") + k, cost=Decimal("12.35") * (k + 1) + n,
                                 funding_source=sources[(n + k) % 3]))
        if n % 3 == 0:
            session.add(Assessment(client_id=client_id, instrument_code="SIS", instrument_version="1",
                                   assessed_on=start, assessor="X", complete=n % 2 == 0))
            session.add(SupportPlan(client_id=client_id, valid_from=start, created_by="X", status="APPROVED",
                                    approved_on=start + timedelta(days=30)))
    await session.flush()
