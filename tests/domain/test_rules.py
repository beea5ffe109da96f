from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.domain.catalogue import Catalogue
from core.domain.costing import check_units, delivery_cost
from core.domain.errors import (
    DeliveryOutsideEpisode,
    EndBeforeStart,
    FamilyHomeFull,
    InvalidValue,
    PlaceFull,
    RespiteLimitExceeded,
    ServiceNotForTargetGroup,
    UnitsInvalid,
    UnknownService,
)
from core.domain.funding import FundingPolicy, FundingSource, add_months
from core.domain.people import RecipientKind, Residence, ResidencePathway, TargetGroup
from core.domain.rates import INDICATIVE_ESF_RATES, Rate, choose_rate, rates_on
from core.domain.rules import (
    check_capacity_value,
    check_delivery_in_episode,
    check_period,
    check_place_capacity,
    check_programme_date,
    check_respite_days,
)

CAT = Catalogue()


def days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


class TestRespite:
    def test_thirtieth_day_is_allowed_and_thirty_first_refused(self):
        check_respite_days({2018: 29}, [date(2018, 7, 1)])
        with pytest.raises(RespiteLimitExceeded) as caught:
            check_respite_days({2018: 30}, [date(2018, 7, 2)])
        assert "2018 would have 31" in caught.value.message

    def test_a_batch_of_thirty_fits_and_thirty_one_does_not(self):
        check_respite_days({}, days(date(2018, 6, 1), 30))
        with pytest.raises(RespiteLimitExceeded):
            check_respite_days({}, days(date(2018, 6, 1), 31))

    def test_each_calendar_year_counts_on_its_own_across_new_year(self):
        # 30 days up to 31 December, then 30 more from 1 January: both years are at the limit
        check_respite_days({}, days(date(2018, 12, 2), 60))
        with pytest.raises(RespiteLimitExceeded, match="2019 would have 31"):
            check_respite_days({2018: 0}, days(date(2018, 12, 2), 61))

    def test_days_already_recorded_in_the_other_year_do_not_count(self):
        check_respite_days({2018: 30}, days(date(2019, 1, 1), 30))


class TestPlaces:
    def test_family_like_home_takes_the_eighth_child_not_the_ninth(self):
        home = CAT.get("FAMILY_LIKE_HOME")
        check_place_capacity(home, 8, 7)
        with pytest.raises(FamilyHomeFull):
            check_place_capacity(home, 8, 8)

    def test_family_like_home_cannot_be_built_for_nine(self):
        home = CAT.get("FAMILY_LIKE_HOME")
        check_capacity_value(home, 8)
        with pytest.raises(FamilyHomeFull):
            check_capacity_value(home, 9)

    def test_place_over_capacity(self):
        group_home = CAT.get("GROUP_HOME")
        check_place_capacity(group_home, 4, 3)
        with pytest.raises(PlaceFull, match="4 of 4"):
            check_place_capacity(group_home, 4, 4)
        with pytest.raises(InvalidValue):
            check_capacity_value(group_home, 0)


class TestEpisodes:
    def test_end_before_start(self):
        check_period(date(2018, 1, 1), date(2018, 1, 1))
        check_period(date(2018, 1, 1), None)
        with pytest.raises(EndBeforeStart):
            check_period(date(2018, 1, 2), date(2018, 1, 1))

    def test_delivery_inside_the_episode_only(self):
        check_delivery_in_episode(date(2018, 1, 1), date(2018, 1, 1), date(2018, 1, 31))
        check_delivery_in_episode(date(2018, 1, 31), date(2018, 1, 1), date(2018, 1, 31))
        for day in (date(2017, 12, 31), date(2018, 2, 1)):
            with pytest.raises(DeliveryOutsideEpisode):
                check_delivery_in_episode(day, date(2018, 1, 1), date(2018, 1, 31))

    def test_programme_dates(self):
        today = date(2026, 11, 23)
        check_programme_date(date(2015, 1, 1), today=today, field="d")
        check_programme_date(today, today=today, field="d")
        with pytest.raises(InvalidValue, match="before the programme"):
            check_programme_date(date(2014, 12, 31), today=today, field="d")
        with pytest.raises(InvalidValue, match="future"):
            check_programme_date(today + timedelta(days=1), today=today, field="d")


class TestCatalogue:
    def test_service_only_for_its_target_groups(self):
        CAT.get("RESPITE_CARE").check_recipient(TargetGroup.CHILD_FT, RecipientKind.PERSON)
        with pytest.raises(ServiceNotForTargetGroup, match="CHILD_FT, not for ADULT_GRT"):
            CAT.get("RESPITE_CARE").check_recipient(TargetGroup.ADULT_GRT, RecipientKind.PERSON)

    def test_family_rehabilitation_goes_to_representatives_only(self):
        svc = CAT.get("SOCIAL_REHAB_FAMILY")
        svc.check_recipient(TargetGroup.CHILD_FT, RecipientKind.FOSTER_FAMILY)
        with pytest.raises(ServiceNotForTargetGroup):
            svc.check_recipient(TargetGroup.CHILD_FT, RecipientKind.PERSON)

    def test_every_service_of_domain_md_is_there(self):
        assert len(CAT) == 21
        with pytest.raises(UnknownService):
            CAT.get("MASSAGE")

    def test_two_services_cannot_share_a_code(self):
        a = CAT.get("HOME_CARE")
        with pytest.raises(ValueError):
            Catalogue([a, CAT.get("GROUP_HOME").__class__(**{**a.__dict__, "name_en": "Other"})])


class TestCosting:
    def test_units_limits_per_unit_kind(self):
        hour, day = CAT.get("HOME_CARE"), CAT.get("DAY_CARE_CENTRE")
        assert check_units(Decimal("24"), hour) == Decimal(24)
        assert check_units(Decimal("1"), day) == Decimal(1)
        for bad, svc in ((Decimal("24.01"), hour), (Decimal("1.5"), day), (Decimal(0), hour),
                         (Decimal(-1), hour), (Decimal("0.125"), hour), (Decimal("NaN"), hour)):
            with pytest.raises(UnitsInvalid):
                check_units(bad, svc)

    def test_cost_rounds_cents_half_up(self):
        assert delivery_cost(Decimal("2.5"), Decimal("3.83")) == Decimal("9.58")  # 9.575
        assert delivery_cost(Decimal("0.5"), Decimal("0.01")) == Decimal("0.01")  # 0.005
        assert delivery_cost(Decimal("1"), None) is None

    def test_rate_change_mid_month(self):
        rates = [
            Rate("HOME_CARE", Decimal("3.83"), date(2015, 1, 1), date(2019, 6, 15)),
            Rate("HOME_CARE", Decimal("4.10"), date(2019, 6, 16)),
        ]
        assert rates_on(rates, "HOME_CARE", date(2019, 6, 15))[0].amount == Decimal("3.83")
        assert rates_on(rates, "HOME_CARE", date(2019, 6, 16))[0].amount == Decimal("4.10")

    def test_tier_by_care_level(self):
        tiers = rates_on(INDICATIVE_ESF_RATES, "DAY_CARE_CENTRE", date(2018, 1, 1))
        assert choose_rate(tiers, None).amount == Decimal("16.24")
        assert choose_rate(tiers, 2).amount == Decimal("16.24")
        assert choose_rate(tiers, 3).amount == Decimal("19.28")
        assert choose_rate([], 3) is None


class TestFunding:
    def test_esf_until_the_day_before_two_years(self):
        policy = FundingPolicy()
        first = date(2018, 3, 1)
        assert policy.source(first_service=first, delivered_on=date(2020, 2, 29), left_institution=True) \
            is FundingSource.ESF
        assert policy.source(first_service=first, delivered_on=date(2020, 3, 1), left_institution=True) \
            is FundingSource.STATE_BUDGET
        assert policy.source(first_service=first, delivered_on=date(2020, 3, 1), left_institution=False) \
            is FundingSource.MUNICIPALITY

    def test_period_is_configurable(self):
        policy = FundingPolicy(esf_months=12)
        assert policy.esf_ends(date(2018, 3, 1)) == date(2019, 3, 1)

    def test_month_end_dates(self):
        assert add_months(date(2016, 2, 29), 24) == date(2018, 2, 28)
        assert add_months(date(2018, 1, 31), 1) == date(2018, 2, 28)


class TestPathway:
    def test_leaving_an_institution(self):
        p = ResidencePathway(Residence.PREPARING_TO_LEAVE, 1, date(2018, 1, 1))
        left = p.leave(date(2018, 10, 1))
        assert left.left_institution and left.left_on == date(2018, 10, 1)
        with pytest.raises(EndBeforeStart):
            p.leave(date(2017, 12, 31))
        with pytest.raises(InvalidValue):
            ResidencePathway(Residence.COMMUNITY).leave(date(2018, 1, 1))

    def test_states_need_their_facts(self):
        for p in (ResidencePathway(Residence.INSTITUTION), ResidencePathway(Residence.PREPARING_TO_LEAVE, 1),
                  ResidencePathway(Residence.LEFT_INSTITUTION)):
            with pytest.raises(InvalidValue):
                p.check()
