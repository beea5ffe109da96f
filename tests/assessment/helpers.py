"""Shared steps of the store tests: people of each target group and their assessments."""

from __future__ import annotations

from datetime import date

from core.domain.personal_code import make_personal_code
from core.store.assessments import NewAssessment, record_assessment
from core.store.clients import NewClient, register_client

from .examples import ANNA, child_ratings

MUNICIPALITY = "0003000"  # Jelgava city (Zemgale)


async def adult(session, node, serial: int = 1):
    return await register_client(session, node, NewClient(
        personal_code=make_personal_code(date(1980, 5, 17), serial), given_name="Anna", family_name="Bērziņa",
        target_group="ADULT_GRT", municipality_code=MUNICIPALITY))


async def child(session, node, serial: int = 1):
    return await register_client(session, node, NewClient(
        personal_code=make_personal_code(date(2012, 3, 4), serial), given_name="Roberts", family_name="Kalniņš",
        target_group="CHILD_FT", municipality_code=MUNICIPALITY))


async def assess(session, node, client_id: int, example=ANNA, on: date = date(2019, 1, 10), **kw):
    return await record_assessment(session, node, NewAssessment(
        client_id=client_id, instrument="SIS_ADULT", version="1", assessed_on=on, assessor="Inese Ozola",
        ratings=example.ratings(), **kw))


async def assess_child(session, node, client_id: int, on: date = date(2019, 1, 10)):
    return await record_assessment(session, node, NewAssessment(
        client_id=client_id, instrument="FT_CHILD", version="1", assessed_on=on, assessor="Inese Ozola",
        ratings=child_ratings()))
