"""The fixed definitions: received, active, unique, by granting municipality, zeros, residence on the date."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.indicators import CORE_INDICATORS, Dimension
from core.domain.personal_code import make_personal_code
from core.store.clients import NewClient, register_client
from core.store.episodes import NewEpisode, start_episode
from core.store.indicators import catalogue_combinations
from tests.indicators.helpers import rows, total

pytestmark = pytest.mark.anyio

D = date(2019, 6, 30)
JELGAVA, DOBELE = "0003000", "0028000"


async def person(s, node, serial: int, municipality: str = JELGAVA, **kw):
    return await register_client(s, node, NewClient(
        personal_code=make_personal_code(date(1970, 1, 1 + serial), serial), given_name="Anna",
        family_name="Bērziņa", target_group=kw.pop("group", "ADULT_GRT"), municipality_code=municipality, **kw))


async def episode(s, node, client, service, start, end=None, granted_by=JELGAVA):
    return await start_episode(s, node, NewEpisode(client.id, service, granted_by, start, end))


def home_care(snap, code, municipality=None):
    return total(snap, code, municipality=municipality, target_group="ADULT_GRT", service="HOME_CARE")


async def test_received_and_active_around_the_date(node, compute):
    async with node.sessions() as s, s.begin():
        await episode(s, node, await person(s, node, 1), "HOME_CARE", D)  # starts on the date: both
        await episode(s, node, await person(s, node, 2), "HOME_CARE", date(2019, 7, 1))  # after: neither
        await episode(s, node, await person(s, node, 3), "HOME_CARE", date(2019, 1, 1), date(2019, 6, 29))
        await episode(s, node, await person(s, node, 4), "HOME_CARE", date(2019, 1, 1), D)  # ends on the date
    snap = await compute(D)
    assert home_care(snap, "persons_received") == 3
    assert home_care(snap, "persons_active") == 2
    assert total(snap, "unique_persons_active", municipality=None) == 2
    earlier = await compute(date(2019, 6, 29))
    assert home_care(earlier, "persons_received") == 2 and home_care(earlier, "persons_active") == 2


async def test_unique_persons_count_once_per_municipality_and_once_in_the_region(node, compute):
    async with node.sessions() as s, s.begin():
        both = await person(s, node, 1)
        await episode(s, node, both, "HOME_CARE", date(2019, 1, 1))
        await episode(s, node, both, "DAY_CARE_CENTRE", date(2019, 2, 1))
        moved = await person(s, node, 2)  # granted by Jelgava, then by Dobele: same service twice
        await episode(s, node, moved, "HOME_CARE", date(2019, 1, 1), date(2019, 3, 1))
        await episode(s, node, moved, "HOME_CARE", date(2019, 3, 2), granted_by=DOBELE)
    snap = await compute(D)
    assert home_care(snap, "persons_received") == 2
    assert home_care(snap, "persons_received", JELGAVA) == 2 and home_care(snap, "persons_received", DOBELE) == 1
    assert total(snap, "unique_persons_received", municipality=None) == 2
    assert total(snap, "unique_persons_received", municipality=JELGAVA) == 2
    assert total(snap, "unique_persons_received", municipality=DOBELE) == 1
    assert home_care(snap, "persons_active", JELGAVA) == 1 and home_care(snap, "persons_active", DOBELE) == 1


async def test_by_the_municipality_that_granted_the_episode(node, compute):
    async with node.sessions() as s, s.begin():
        lives_in_jelgava = await person(s, node, 1, JELGAVA)
        await episode(s, node, lives_in_jelgava, "HOME_CARE", date(2019, 1, 1), granted_by="dobeles-novads-2009")
    snap = await compute(D)
    assert home_care(snap, "persons_received", "dobeles-novads-2009") == 1
    assert home_care(snap, "persons_received", JELGAVA) == 0


async def test_recipient_and_residence_on_the_date(node, compute):
    async with node.sessions() as s, s.begin():
        child = await person(s, node, 1, group="CHILD_FT", birth_date=None)
        await episode(s, node, child, "SOCIAL_REHAB_CHILD", date(2019, 1, 1))
        for serial, kind in ((2, "LEGAL_REPRESENTATIVE"), (3, "FOSTER_FAMILY")):
            rep = await person(s, node, serial, group="CHILD_FT", recipient_kind=kind, represents_client_id=child.id)
            await episode(s, node, rep, "SOCIAL_REHAB_FAMILY", date(2019, 1, 1))
        left = await person(s, node, 4, residence="LEFT_INSTITUTION", left_institution_on=date(2019, 3, 1))
        await episode(s, node, left, "HOME_CARE", date(2019, 1, 1))
    snap = await compute(D)
    assert total(snap, "unique_persons_received", municipality=None, recipient="FAMILY") == 2
    assert total(snap, "unique_persons_received", municipality=None, target_group="CHILD_FT", recipient="PERSON") == 1
    assert total(snap, "persons_received", municipality=None, service="SOCIAL_REHAB_FAMILY", recipient="FAMILY") == 2
    assert total(snap, "unique_persons_received", municipality=None, residence="LEFT_INSTITUTION") == 1
    assert total(snap, "persons_left_institution", municipality=None, target_group="ADULT_GRT") == 1
    before = await compute(date(2019, 2, 1))  # not yet left on that date: counted as in the institution
    assert total(before, "unique_persons_received", municipality=None, residence="LEFT_INSTITUTION") == 0
    assert total(before, "unique_persons_received", municipality=None, target_group="ADULT_GRT",
                 residence="INSTITUTION") == 1
    assert total(before, "persons_left_institution", municipality=None) == 0


async def test_complete_with_zeros_for_every_declared_combination(node, compute):
    snap = await compute(D)
    munis = len(node.registry.municipalities) + 1  # current and historic ones, and the region total
    assert munis == 6 + 22 + 1
    combos = catalogue_combinations(node.registry.catalogue)
    linked = (Dimension.TARGET_GROUP, Dimension.SERVICE, Dimension.RECIPIENT)
    fixed = {Dimension.RESIDENCE: 3, Dimension.FUNDING_SOURCE: 3}
    for indicator in CORE_INDICATORS:
        dims = indicator.dimensions
        projected = {tuple(c[i] for i, d in enumerate(linked) if d in dims) for c in combos}
        expected = munis * len(projected)
        for d in dims:
            expected *= fixed.get(d, 1)
        block = rows(snap, indicator.code)
        assert len(block) == expected, indicator.code
        assert all(r["value"] == 0 for r in block), indicator.code
    municipalities = {r["municipality"] for r in rows(snap, "persons_received")}
    assert {None, "0003000", "jelgavas-pilseta-2009"} <= municipalities
    # the DI plan rows are there (targets are not zero-filled: a missing target is not a target of zero)
    assert len(rows(snap, "di_plan_target")) == 7
