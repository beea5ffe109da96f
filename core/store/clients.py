"""Registering and changing clients (*klientu reģistrēšana*): the write path the API and importers share.

Every function works inside the caller's transaction and raises a
:class:`~core.domain.errors.DomainError` before writing anything when a rule fails.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain.errors import DomainError, DuplicatePersonalCode, InvalidValue, UnknownObject
from core.domain.people import RecipientKind, Residence, ResidencePathway, TargetGroup
from core.domain.personal_code import PersonalCode, parse_personal_code
from core.domain.rules import check_programme_date
from core.node import Node

from .models import Client, Institution, utcnow

NAME_MAX = 100


@dataclass
class NewClient:
    personal_code: str
    given_name: str
    family_name: str
    target_group: str
    municipality_code: str
    birth_date: date | None = None
    address: str | None = None
    diagnosis: str | None = None
    recipient_kind: str = "PERSON"
    represents_client_id: int | None = None
    residence: str = "COMMUNITY"
    institution_id: int | None = None
    preparing_since: date | None = None
    left_institution_on: date | None = None


@dataclass
class ClientChanges:
    """Fields to change; None means "leave as it is"."""

    given_name: str | None = None
    family_name: str | None = None
    address: str | None = None
    diagnosis: str | None = None
    municipality_code: str | None = None
    residence: str | None = None
    institution_id: int | None = None
    preparing_since: date | None = None
    care_level: int | None = None


def _enum(kind, value: str, field: str):
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in kind)
        raise InvalidValue(f"{value!r} is not one of {allowed}.", field=field) from None


def _name(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidValue("A name cannot be empty.", field=field)
    if len(value) > NAME_MAX:
        raise InvalidValue(f"A name has at most {NAME_MAX} characters.", field=field)
    return value


def no_client(client_id: int, field: str = "clientId") -> UnknownObject:
    return UnknownObject(f"There is no client with the id {client_id}.", field=field)


async def get_client(session: AsyncSession, client_id: int, *, field: str = "clientId") -> Client:
    client = await session.get(Client, client_id)
    if client is None:
        raise no_client(client_id, field)
    return client


async def _check_institution(session: AsyncSession, institution_id: int | None) -> None:
    if institution_id is not None and await session.get(Institution, institution_id) is None:
        raise _no_institution(institution_id)


def _no_institution(institution_id: int) -> UnknownObject:
    return UnknownObject(f"There is no institution with the id {institution_id}.", field="institutionId")


def _pathway(residence: str, institution_id, preparing_since, left_on) -> ResidencePathway:
    pathway = ResidencePathway(_enum(Residence, residence, "residence"), institution_id, preparing_since, left_on)
    pathway.check()
    return pathway


@dataclass(frozen=True)
class ClientFacts:
    """What the rules on a new client need from the database, looked up before they run."""

    child: Any = None
    """The client ``represents_client_id`` names (``target_group``, ``recipient_kind``), None if there is none."""
    institution_found: bool = True
    code_taken: bool = False
    """A client with the same personal code is registered already."""
    code: PersonalCode | None = None
    """``data.personal_code`` parsed already by the caller (None: the rules parse it)."""


async def client_facts(session: AsyncSession, data: NewClient, today: date) -> ClientFacts:
    child = None
    if data.represents_client_id is not None:
        child = await session.get(Client, data.represents_client_id)
    found = data.institution_id is None or await session.get(Institution, data.institution_id) is not None
    try:
        code = parse_personal_code(data.personal_code, today=today).value
    except DomainError:  # check_new_client refuses it with its reason
        return ClientFacts(child, found)
    taken = await session.scalar(select(Client.id).where(Client.personal_code == code)) is not None
    return ClientFacts(child, found, taken)


def check_new_client(node: Node, data: NewClient, facts: ClientFacts, today: date) -> dict[str, Any]:
    """Every rule on a new client, in the order the API reports them; returns the values of its row.

    The API (one client) and the import (a batch at once) both call this: the facts
    are what each has looked up beforehand.
    """
    code = facts.code or parse_personal_code(data.personal_code, today=today)
    given, family = _name(data.given_name, "givenName"), _name(data.family_name, "familyName")
    group = _enum(TargetGroup, data.target_group, "targetGroup")
    recipient = _enum(RecipientKind, data.recipient_kind, "recipientKind")
    node.registry.municipality(data.municipality_code)
    birth = data.birth_date or code.birth_date
    if birth is not None and birth > today:
        raise InvalidValue("The birth date is in the future.", field="birthDate")
    if code.birth_date is not None and data.birth_date is not None and data.birth_date != code.birth_date:
        raise InvalidValue("The birth date does not match the personal code.", field="birthDate")
    if recipient is not RecipientKind.PERSON:
        _check_represented(group, data.represents_client_id, facts.child)
    elif data.represents_client_id is not None:
        raise InvalidValue("Only a representative or foster family represents a child.", field="representsClientId")
    _pathway(data.residence, data.institution_id, data.preparing_since, data.left_institution_on)
    for day, name in ((data.preparing_since, "preparingSince"), (data.left_institution_on, "leftOn")):
        if day is not None:
            check_programme_date(day, today=today, field=name)
    if not facts.institution_found:
        raise _no_institution(data.institution_id)  # type: ignore[arg-type]
    if facts.code_taken:
        raise DuplicatePersonalCode("A client with this personal code is already registered.", field="personalCode")
    return dict(
        personal_code=code.value, given_name=given, family_name=family, birth_date=birth,
        address=(data.address or None), diagnosis=(data.diagnosis or None), target_group=group.value,
        recipient_kind=recipient.value, represents_client_id=data.represents_client_id,
        municipality_code=data.municipality_code, residence=data.residence, institution_id=data.institution_id,
        preparing_since=data.preparing_since, left_institution_on=data.left_institution_on,
    )


def _check_represented(group: TargetGroup, child_id: int | None, child) -> None:
    """A representative or foster family is a recipient for a child with functional impairments only."""
    if group is not TargetGroup.CHILD_FT:
        raise InvalidValue("Only a child with functional impairments has a representative as a recipient.",
                           field="recipientKind")
    if child_id is None:
        raise InvalidValue("Say which child the representative or foster family is for.",
                           field="representsClientId")
    if child is None:
        raise no_client(child_id, "representsClientId")
    if child.target_group != TargetGroup.CHILD_FT or child.recipient_kind != RecipientKind.PERSON:
        raise InvalidValue("The represented person must be a child with functional impairments.",
                           field="representsClientId")


async def register_client(session: AsyncSession, node: Node, data: NewClient) -> Client:
    """Validate ``data`` with the programme's rules and add the client (not yet committed)."""
    today = node.today()
    values = check_new_client(node, data, await client_facts(session, data, today), today)
    client = Client(**values)
    session.add(client)
    await session.flush()
    return client


async def update_client(session: AsyncSession, node: Node, client_id: int, changes: ClientChanges) -> Client:
    client = await get_client(session, client_id)
    given = {f.name: getattr(changes, f.name) for f in fields(changes) if getattr(changes, f.name) is not None}
    if not given:
        raise InvalidValue("Nothing to change.", field="input")
    for name in ("given_name", "family_name"):
        if name in given:
            given[name] = _name(given[name], "givenName" if name == "given_name" else "familyName")
    if "municipality_code" in given:
        node.registry.municipality(given["municipality_code"])
    if "care_level" in given and given["care_level"] not in (1, 2, 3, 4):
        raise InvalidValue("A care level is 1, 2, 3 or 4.", field="careLevel")
    if "residence" in given and given["residence"] == Residence.LEFT_INSTITUTION:
        raise InvalidValue("Record an exit from an institution with recordInstitutionExit.", field="residence")
    merged = {k: given.get(k, getattr(client, k)) for k in ("residence", "institution_id", "preparing_since")}
    _pathway(merged["residence"], merged["institution_id"], merged["preparing_since"], client.left_institution_on)
    await _check_institution(session, given.get("institution_id"))
    for k, v in given.items():
        setattr(client, k, v.strip() if isinstance(v, str) and k in ("address", "diagnosis") else v)
    client.updated_at = utcnow()
    await session.flush()
    return client


async def record_institution_exit(session: AsyncSession, node: Node, client_id: int, on: date) -> Client:
    """The person leaves their VSAC (or children's institution) on ``on``."""
    client = await get_client(session, client_id)
    check_programme_date(on, today=node.today(), field="date")
    current = ResidencePathway(Residence(client.residence), client.institution_id, client.preparing_since,
                               client.left_institution_on)
    left = current.leave(on)
    client.residence = left.residence.value
    client.left_institution_on = on
    client.updated_at = utcnow()
    await session.flush()
    return client
