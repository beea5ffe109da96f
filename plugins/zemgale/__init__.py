"""The Zemgale planning region (*Zemgales plānošanas reģions*): municipalities and DI plan targets."""

from pathlib import Path

from core.domain.regions import RegionInfo
from core.regional import RegionalPlugin

plugin = RegionalPlugin(RegionInfo("zemgale", "Zemgales plānošanas reģions", "Zemgale planning region"), Path(__file__).parent)
