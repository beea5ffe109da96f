"""Object scoping pushed into SQL: which rows of each table a caller may see, as a ``WHERE`` clause.

The rule, per table (``coverage`` = the municipalities the caller's grants cover;
a grant on a region or on ``lv`` covers the whole node):

| table | visible when |
|---|---|
| clients | ``municipality_code`` is covered (a current municipality covers its predecessors) |
| service_episodes, assessments, support_plans | their client is visible |
| deliveries | their episode's client is visible |
| support_plan_items | their plan's client is visible |
| service_places | any grant allows reading places (places are the region's shared infrastructure) |
| audit_events | ``domain`` lies at or under a grant's domain |
| reference tables, indicator snapshots | the grant allows ``reference`` / ``indicator`` reads |

Episodes and deliveries follow the person, not the granting municipality: the
municipality responsible for a person now sees the person's whole history; what
other municipalities granted and paid is visible to them as indicators.
Rows never reach Python to be filtered: everything here returns SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, select
from sqlmodel import col

from core.store import models as m

from .domains import DomainCatalogue, covers
from .principal import Grant


@dataclass(frozen=True)
class Coverage:
    """What a set of grants covers: everything on the node, or some municipalities; and which domains."""

    everything: bool
    municipalities: frozenset[str]
    domains: tuple[str, ...]

    @classmethod
    def of(cls, grants: Iterable[Grant], catalogue: DomainCatalogue) -> Coverage:
        munis: set[str] = set()
        everything = False
        domains = []
        for grant in grants:
            domains.append(grant.domain.path)
            under = catalogue.municipalities_under(grant.domain)
            if under is None:
                everything = True
            else:
                munis |= under
        return cls(everything, frozenset(munis), tuple(dict.fromkeys(domains)))

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.municipalities

    def covers_municipality(self, code: str | None) -> bool:
        return self.everything or (code is not None and code in self.municipalities)

    def covers_domain(self, path: str) -> bool:
        return any(covers(d, path) for d in self.domains)


def clients_where(cov: Coverage) -> ColumnElement[bool] | None:
    if cov.everything:
        return None
    if cov.nothing:
        return sa.false()
    return col(m.Client.municipality_code).in_(sorted(cov.municipalities))


def _client_ids(cov: Coverage):
    return select(m.Client.id).where(col(m.Client.municipality_code).in_(sorted(cov.municipalities)))


def _through_client(column) -> Callable[[Coverage], ColumnElement[bool] | None]:
    def where(cov: Coverage) -> ColumnElement[bool] | None:
        if cov.everything:
            return None
        if cov.nothing:
            return sa.false()
        return column.in_(_client_ids(cov))

    return where


episodes_where = _through_client(m.ServiceEpisode.client_id)
assessments_where = _through_client(m.Assessment.client_id)
plans_where = _through_client(m.SupportPlan.client_id)


def deliveries_where(cov: Coverage) -> ColumnElement[bool] | None:
    if cov.everything:
        return None
    if cov.nothing:
        return sa.false()
    episodes = select(m.ServiceEpisode.id).where(col(m.ServiceEpisode.client_id).in_(_client_ids(cov)))
    return col(m.Delivery.episode_id).in_(episodes)


def plan_items_where(cov: Coverage) -> ColumnElement[bool] | None:
    if cov.everything:
        return None
    if cov.nothing:
        return sa.false()
    plans = select(m.SupportPlan.id).where(col(m.SupportPlan.client_id).in_(_client_ids(cov)))
    return col(m.SupportPlanItem.plan_id).in_(plans)


def audit_events_where(cov: Coverage) -> ColumnElement[bool] | None:
    if "lv" in cov.domains:
        return None
    if not cov.domains:
        return sa.false()
    domain = col(m.AuditEvent.domain)
    return sa.or_(*(sa.or_(domain == d, domain.startswith(d + "/", autoescape=True)) for d in cov.domains))


def _all_if_any(cov: Coverage) -> ColumnElement[bool] | None:
    """Tables without personal data: all rows for anyone allowed to read the kind at all."""
    return None if cov.domains else sa.false()


def places_where(cov: Coverage) -> ColumnElement[bool] | None:
    return _all_if_any(cov)


@dataclass(frozen=True)
class ScopedTable:
    object: str
    where: Callable[[Coverage], ColumnElement[bool] | None]


TABLES: dict[type[Any], ScopedTable] = {
    m.Client: ScopedTable("client", clients_where),
    m.ServiceEpisode: ScopedTable("episode", episodes_where),
    m.Delivery: ScopedTable("delivery", deliveries_where),
    m.ServicePlace: ScopedTable("place", places_where),
    m.Assessment: ScopedTable("assessment", assessments_where),
    m.SupportPlan: ScopedTable("plan", plans_where),
    m.SupportPlanItem: ScopedTable("plan", plan_items_where),
    m.AuditEvent: ScopedTable("audit", audit_events_where),
    m.IndicatorSnapshot: ScopedTable("indicator", _all_if_any),
    **{
        model: ScopedTable("reference", _all_if_any)
        for model in (
            m.Region,
            m.MunicipalityRow,
            m.ServiceTypeRow,
            m.RateRow,
            m.Institution,
            m.DIPlanTargetRow,
        )
    },
}
"""How each table is scoped; a plugin with tables of its own adds them with :func:`register_table`."""


def register_table(
    model: type[Any], obj: str, where: Callable[[Coverage], ColumnElement[bool] | None]
) -> None:
    TABLES[model] = ScopedTable(obj, where)
