"""The Latgale planning region (*Latgales plānošanas reģions*): municipalities and DI plan targets."""

from pathlib import Path

from core.domain.regions import RegionInfo
from core.regional import RegionalPlugin

plugin = RegionalPlugin(RegionInfo("latgale", "Latgales plānošanas reģions", "Latgale planning region"), Path(__file__).parent)
