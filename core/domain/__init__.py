"""The programme's domain in plain Python: no I/O, no SQL, no GraphQL."""

from .catalogue import NATIONAL_CATALOGUE, Catalogue, ServiceType, ServiceUnit
from .costing import check_units, delivery_cost, to_cents
from .errors import DomainError
from .funding import FundingPolicy, FundingSource
from .people import RecipientKind, Residence, ResidencePathway, TargetGroup
from .personal_code import PersonalCode, parse_personal_code
from .rates import INDICATIVE_ESF_RATES, Rate, choose_rate, rates_on
from .regions import DIPlanTarget, Municipality, RegionInfo

__all__ = [
    "NATIONAL_CATALOGUE", "Catalogue", "ServiceType", "ServiceUnit", "check_units", "delivery_cost",
    "to_cents", "DomainError", "FundingPolicy", "FundingSource", "RecipientKind", "Residence",
    "ResidencePathway", "TargetGroup", "PersonalCode", "parse_personal_code", "INDICATIVE_ESF_RATES",
    "Rate", "choose_rate", "rates_on", "DIPlanTarget", "Municipality", "RegionInfo",
]
