"""The Vidzeme planning region (*Vidzemes plānošanas reģions*): municipalities and DI plan targets."""

from pathlib import Path

from core.domain.regions import RegionInfo
from core.regional import RegionalPlugin

plugin = RegionalPlugin(RegionInfo("vidzeme", "Vidzemes plānošanas reģions", "Vidzeme planning region"), Path(__file__).parent)
