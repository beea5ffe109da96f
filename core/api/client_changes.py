"""Registering and changing clients: registerClient, updateClient, recordInstitutionExit."""

from __future__ import annotations

import datetime as dt

import strawberry

from core.events import CLIENT_REGISTERED
from core.store import models
from core.store.clients import ClientChanges, NewClient, record_institution_exit, register_client, update_client

from .clients import Client
from .enums import RecipientKind, Residence, TargetGroup, value
from .errors import UserError
from .writes import Checked, Outcome, column_length, fire, write

# the write path names a few fields after its own parameters; these are the input's names
REGISTER_FIELDS = {"leftOn": "leftInstitutionOn"}


@strawberry.input
class RegisterClientInput:
    personal_code: str = strawberry.field(description="Personas kods, DDMMYY-NNNNN or the new 32... format.")
    given_name: str
    family_name: str
    target_group: TargetGroup
    municipality_code: str = strawberry.field(description="The municipality whose social service serves the person.")
    birth_date: dt.date | None = strawberry.field(default=None, description="Defaults to the personal code's.")
    address: str | None = None
    diagnosis: str | None = strawberry.field(default=None, description="ICD-10 codes.")
    recipient_kind: RecipientKind = RecipientKind.PERSON
    represents_client_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a representative or foster family: the child's client id.")
    residence: Residence = Residence.COMMUNITY
    institution_id: strawberry.ID | None = None
    preparing_since: dt.date | None = None
    left_institution_on: dt.date | None = None


@strawberry.input(description="Fields to change; the ones left out stay as they are.")
class UpdateClientInput:
    client_id: strawberry.ID
    given_name: str | None = None
    family_name: str | None = None
    address: str | None = None
    diagnosis: str | None = None
    municipality_code: str | None = None
    residence: Residence | None = None
    institution_id: strawberry.ID | None = None
    preparing_since: dt.date | None = None
    care_level: int | None = None


@strawberry.input
class RecordInstitutionExitInput:
    client_id: strawberry.ID
    date: dt.date = strawberry.field(description="The day the person left the institution.")


@strawberry.type
class ClientPayload:
    client: Client | None
    user_errors: list[UserError]


def _payload(outcome: Outcome) -> ClientPayload:
    if not outcome.ok:
        return ClientPayload(client=None, user_errors=outcome.errors)  # type: ignore[arg-type]
    return ClientPayload(client=Client.from_row(outcome.value), user_errors=[])


def _texts(check: Checked, data: RegisterClientInput | UpdateClientInput) -> tuple[str | None, str | None]:
    return (check.text(data.address, "address", column_length(models.Client, "address")),
            check.text(data.diagnosis, "diagnosis", column_length(models.Client, "diagnosis")))


def _new_client(data: RegisterClientInput) -> NewClient:
    check = Checked()
    address, diagnosis = _texts(check, data)
    new = NewClient(
        personal_code=data.personal_code, given_name=data.given_name, family_name=data.family_name,
        target_group=value(data.target_group), municipality_code=data.municipality_code,  # type: ignore[arg-type]
        birth_date=check.date(data.birth_date, "birthDate"), address=address, diagnosis=diagnosis,
        recipient_kind=value(data.recipient_kind),  # type: ignore[arg-type]
        represents_client_id=check.id(data.represents_client_id, "representsClientId"),
        residence=value(data.residence), institution_id=check.id(data.institution_id, "institutionId"),  # type: ignore[arg-type]
        preparing_since=check.date(data.preparing_since, "preparingSince"),
        left_institution_on=check.date(data.left_institution_on, "leftInstitutionOn"),
    )
    check.done()
    return new


def _changes(data: UpdateClientInput) -> tuple[int, ClientChanges]:
    check = Checked()
    client_id = check.id(data.client_id, "clientId")
    address, diagnosis = _texts(check, data)
    changes = ClientChanges(
        given_name=data.given_name, family_name=data.family_name, address=address, diagnosis=diagnosis,
        municipality_code=data.municipality_code, residence=value(data.residence),
        institution_id=check.id(data.institution_id, "institutionId"),
        preparing_since=check.date(data.preparing_since, "preparingSince"), care_level=data.care_level,
    )
    check.done()
    return client_id, changes  # type: ignore[return-value]


@strawberry.type
class ClientMutation:
    @strawberry.mutation(description="Register a person (or a child's representative) with the programme.")
    async def register_client(self, info: strawberry.Info, input: RegisterClientInput) -> ClientPayload:
        outcome = await write(info, lambda s: register_client(s, info.context.node, _new_client(input)),
                              rename=REGISTER_FIELDS)
        if outcome.ok:
            c = outcome.value
            fire(info, CLIENT_REGISTERED, clientId=c.id, targetGroup=c.target_group,
                 recipientKind=c.recipient_kind, municipalityCode=c.municipality_code)
        return _payload(outcome)

    @strawberry.mutation(description="Change a client's details.")
    async def update_client(self, info: strawberry.Info, input: UpdateClientInput) -> ClientPayload:
        async def work(session):
            client_id, changes = _changes(input)
            return await update_client(session, info.context.node, client_id, changes)

        return _payload(await write(info, work))

    @strawberry.mutation(description="The person leaves their state social care centre (VSAC) on a date.")
    async def record_institution_exit(self, info: strawberry.Info, input: RecordInstitutionExitInput
                                      ) -> ClientPayload:
        async def work(session):
            check = Checked()
            client_id, day = check.id(input.client_id, "clientId"), check.date(input.date, "date")
            check.done()
            return await record_institution_exit(session, info.context.node, client_id, day)  # type: ignore[arg-type]

        return _payload(await write(info, work))
