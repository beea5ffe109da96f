"""A small Zemgale node to scope: clients in Jelgava (one under its historic code), Dobele and Bauska,
with episodes, deliveries, places, assessments, plans and audit events, written through the write path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.auth import audit
from core.auth.principal import Principal
from core.domain.personal_code import make_personal_code
from core.store.clients import NewClient, register_client
from core.store.deliveries import DeliveryInput, record_deliveries
from core.store.episodes import NewEpisode, NewServicePlace, create_service_place, start_episode
from core.store.models import Assessment, SupportPlan, SupportPlanItem

CLIENTS = {  # name -> municipality
    "jelgava": "0003000",
    "jelgava_old": "jelgavas-pilseta-2009",  # registered before the 2021 reform: Jelgava's predecessor
    "dobele": "0028000",
    "bauska": "0025000",
}
AUDIT_DOMAINS = ("lv", "lv/zemgale", "lv/zemgale/0003000", "lv/zemgale/0028000", "lv/zemgale/0025000")


@dataclass
class World:
    clients: dict[str, int] = field(default_factory=dict)
    episodes: dict[str, int] = field(default_factory=dict)
    deliveries: dict[str, list[int]] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)
    assessments: dict[str, int] = field(default_factory=dict)
    plans: dict[str, int] = field(default_factory=dict)
    plan_items: dict[str, int] = field(default_factory=dict)
    audit: dict[str, int] = field(default_factory=dict)

    def ids(self, kind: str, *names: str) -> set[int]:
        table = getattr(self, kind)
        out: set[int] = set()
        for name in names:
            value = table[name]
            out |= set(value) if isinstance(value, list) else {value}
        return out


async def build(node) -> World:
    from sqlalchemy import select

    from core.store.models import AuditEvent

    w = World()
    place_of: dict[str, int] = {}
    async with node.sessions() as s, s.begin():
        for serial, (name, muni) in enumerate(CLIENTS.items(), start=1):
            client = await register_client(
                s,
                node,
                NewClient(
                    personal_code=make_personal_code(date(1975, 4, serial), serial),
                    given_name=name.title(),
                    family_name="Tests",
                    target_group="ADULT_GRT",
                    municipality_code=muni,
                    birth_date=None,
                    address=f"{name} iela 1",
                    diagnosis="F70",
                ),
            )
            w.clients[name] = client.id
            place_muni = "0003000" if muni.startswith("jelgav") else muni
            if place_muni not in place_of:
                place = await create_service_place(
                    s, node, NewServicePlace(f"Dienas centrs {place_muni}", "DAY_CARE_CENTRE", place_muni, 20)
                )
                place_of[place_muni] = w.places[name] = place.id
            episode = await start_episode(
                s, node, NewEpisode(client.id, "HOME_CARE", place_muni, date(2018, 3, 1))
            )
            w.episodes[name] = episode.id
            rows = await record_deliveries(
                s, node, episode.id, [DeliveryInput(date(2018, 3, 1), 2), DeliveryInput(date(2018, 3, 2), 1)]
            )
            w.deliveries[name] = [r.id for r in rows]
            assessment = Assessment(
                client_id=client.id,
                instrument_code="SIS-A",
                instrument_version="1",
                assessed_on=date(2018, 2, 1),
                assessor="A. Vērtētāja",
            )
            s.add(assessment)
            await s.flush()
            w.assessments[name] = assessment.id
            plan = SupportPlan(
                client_id=client.id,
                assessment_id=assessment.id,
                valid_from=date(2018, 2, 15),
                created_by="A. Vērtētāja",
                status="APPROVED",
                goals='["Dzīvot mājās"]',
                approved_by="S. Darbiniece",
                approved_on=date(2018, 2, 20),
            )
            s.add(plan)
            await s.flush()
            w.plans[name] = plan.id
            item = SupportPlanItem(
                plan_id=plan.id, service_code="HOME_CARE", quantity=4, per="WEEK", start_date=date(2018, 3, 1)
            )
            s.add(item)
            await s.flush()
            w.plan_items[name] = item.id
        someone = Principal("setup", ())
        await audit.record_many(
            s, [audit.event(someone, "test.event", "thing", d, domain=d) for d in AUDIT_DOMAINS]
        )
        rows = (await s.execute(select(AuditEvent.id, AuditEvent.domain))).all()
        w.audit = {domain: id_ for id_, domain in rows}
    return w
