"""The Zemgale planning region (*Zemgales plānošanas reģions*): municipalities and DI plan targets."""

from pathlib import Path

from core.domain.regions import RegionInfo
from core.regional import RegionalPlugin

INFO = RegionInfo("zemgale", "Zemgales plānošanas reģions", "Zemgale planning region")
plugin = RegionalPlugin(INFO, Path(__file__).parent)
