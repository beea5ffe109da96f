"""Service places and service episodes (*pakalpojuma epizodes*): who receives which service, from when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.catalogue import ServiceType
from core.domain.errors import DeliveryOutsideEpisode, InvalidValue, UnknownObject, raise_if_any
from core.domain.people import RecipientKind, Residence, TargetGroup
from core.domain.rules import check_capacity_value, check_period, check_place_capacity, check_programme_date
from core.domain.validation import EpisodeDraft
from core.node import Node

from .clients import get_client
from .models import Delivery, ServiceEpisode, ServicePlace


@dataclass
class NewServicePlace:
    name: str
    service_code: str
    municipality_code: str
    capacity: int
    erdf_funded: bool = False
    address: str | None = None


@dataclass
class NewEpisode:
    client_id: int
    service_code: str
    granted_by: str
    start_date: date
    end_date: date | None = None
    place_id: int | None = None
    plan_item_id: int | None = None


def service(node: Node, code: str) -> ServiceType:
    return node.registry.catalogue.get(code)


async def create_service_place(session: AsyncSession, node: Node, data: NewServicePlace) -> ServicePlace:
    if not (data.name or "").strip():
        raise InvalidValue("A place needs a name.", field="name")
    svc = service(node, data.service_code)
    node.registry.municipality(data.municipality_code)
    check_capacity_value(svc, data.capacity)
    place = ServicePlace(name=data.name.strip(), service_code=svc.code, municipality_code=data.municipality_code,
                         capacity=data.capacity, erdf_funded=data.erdf_funded, address=data.address)
    session.add(place)
    await session.flush()
    return place


async def occupancy(session: AsyncSession, place_id: int, on: date) -> int:
    """People in the place on ``on``: episodes started on or before it and not ended before it."""
    return await session.scalar(
        select(func.count()).select_from(ServiceEpisode).where(
            ServiceEpisode.place_id == place_id,
            ServiceEpisode.start_date <= on,
            (ServiceEpisode.end_date.is_(None)) | (ServiceEpisode.end_date >= on),  # type: ignore[union-attr]
        )
    ) or 0


def no_episode(episode_id: int, field: str = "episodeId") -> UnknownObject:
    return UnknownObject(f"There is no service episode with the id {episode_id}.", field=field)


async def get_episode(session: AsyncSession, episode_id: int, *, field: str = "episodeId") -> ServiceEpisode:
    episode = await session.get(ServiceEpisode, episode_id)
    if episode is None:
        raise no_episode(episode_id, field)
    return episode


def check_new_episode(node: Node, data: NewEpisode, client, today: date, place=None, occupied: int = 0) -> EpisodeDraft:
    """Every rule on a new episode (the region's plugin rules last); returns the draft the rules saw.

    ``client`` is the person's row (``id``, ``target_group``, ``recipient_kind``, ``residence``); ``place``
    the place ``data.place_id`` names (None if there is none) with ``occupied`` people in it on the start
    date. The API and the import both call this with what they have looked up.
    """
    svc = service(node, data.service_code)
    svc.check_recipient(TargetGroup(client.target_group), RecipientKind(client.recipient_kind))
    node.registry.municipality(data.granted_by, field="grantedBy")
    check_programme_date(data.start_date, today=today, field="startDate")
    check_period(data.start_date, data.end_date)
    if data.place_id is not None:
        if place is None:
            raise UnknownObject(f"There is no service place with the id {data.place_id}.", field="placeId")
        if place.service_code != svc.code:
            raise InvalidValue(f"The place offers {place.service_code}, not {svc.code}.", field="placeId")
        check_place_capacity(svc, place.capacity, occupied)
    draft = EpisodeDraft(node.region, client.id, TargetGroup(client.target_group),
                         RecipientKind(client.recipient_kind), Residence(client.residence), svc, data.granted_by,
                         data.start_date, data.end_date, data.place_id)
    raise_if_any([e for result in node.pm.hook.validate_episode(episode=draft) if result for e in result])
    return draft


def episode_values(data: NewEpisode, draft: EpisodeDraft) -> dict:
    """The row of an episode whose rules passed."""
    return dict(client_id=draft.client_id, service_code=draft.service.code, place_id=data.place_id,
                granted_by=data.granted_by, start_date=data.start_date, end_date=data.end_date,
                plan_item_id=data.plan_item_id)


async def start_episode(session: AsyncSession, node: Node, data: NewEpisode) -> ServiceEpisode:
    """Check every rule (and the region's plugin rules), then add the episode."""
    client = await get_client(session, data.client_id)
    place, occupied = None, 0
    if data.place_id is not None:
        place = await session.get(ServicePlace, data.place_id)
        occupied = await occupancy(session, place.id, data.start_date) if place is not None else 0  # type: ignore[arg-type]
    draft = check_new_episode(node, data, client, node.today(), place, occupied)
    if data.plan_item_id is not None:
        from .plans import implement_plan_item  # imported here: plans imports this module

        await implement_plan_item(session, client.id, draft.service.code, data.plan_item_id, data.start_date)  # type: ignore[arg-type]
    episode = ServiceEpisode(**episode_values(data, draft))
    session.add(episode)
    await session.flush()
    return episode


def check_episode_end(episode, end: date, today: date, later: date | None) -> None:
    """An episode ends on or after its start, not in the future, and not before a delivery recorded in it
    (``later``: the last delivery after ``end``, None if there is none)."""
    check_period(episode.start_date, end)
    if end > today:
        raise InvalidValue(f"{end.isoformat()} is in the future.", field="endDate")
    if later is not None:
        raise DeliveryOutsideEpisode(
            f"Deliveries are recorded after {end.isoformat()} (last on {later.isoformat()}).", field="endDate"
        )


async def end_episode(session: AsyncSession, node: Node, episode_id: int, end: date) -> ServiceEpisode:
    episode = await get_episode(session, episode_id)
    later = await session.scalar(
        select(func.max(Delivery.date)).where(Delivery.episode_id == episode_id, Delivery.date > end)
    )
    check_episode_end(episode, end, node.today(), later)
    episode.end_date = end
    await session.flush()
    return episode
