"""What a validation rule sees: drafts of episodes and deliveries before they are written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .catalogue import ServiceType
from .people import RecipientKind, Residence, TargetGroup


@dataclass(frozen=True)
class EpisodeDraft:
    """A service episode (*pakalpojuma epizode*) about to be started."""

    region: str
    client_id: int
    target_group: TargetGroup
    recipient: RecipientKind
    residence: Residence
    service: ServiceType
    granted_by: str
    start: date
    end: date | None
    place_id: int | None = None


@dataclass(frozen=True)
class DeliveryDraft:
    """One day of a delivery (*sniegtais pakalpojums*) about to be recorded, already costed."""

    region: str
    episode_id: int
    client_id: int
    service: ServiceType
    day: date
    units: Decimal
    cost: Decimal | None
    funding_source: str
