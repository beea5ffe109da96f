"""The Vidzeme planning region (*Vidzemes plānošanas reģions*): municipalities and DI plan targets."""

from pathlib import Path

from core.domain.regions import RegionInfo
from core.regional import RegionalPlugin

INFO = RegionInfo("vidzeme", "Vidzemes plānošanas reģions", "Vidzeme planning region")
plugin = RegionalPlugin(INFO, Path(__file__).parent)
