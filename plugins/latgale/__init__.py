"""The Latgale planning region (*Latgales plānošanas reģions*): municipalities and DI plan targets."""

from pathlib import Path

from core.domain.regions import RegionInfo
from core.regional import RegionalPlugin

INFO = RegionInfo("latgale", "Latgales plānošanas reģions", "Latgale planning region")
plugin = RegionalPlugin(INFO, Path(__file__).parent)
