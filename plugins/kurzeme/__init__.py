"""The Kurzeme planning region (*Kurzemes plānošanas reģions*): municipalities and DI plan targets."""

from pathlib import Path

from core.domain.regions import RegionInfo
from core.regional import RegionalPlugin

INFO = RegionInfo("kurzeme", "Kurzemes plānošanas reģions", "Kurzeme planning region")
plugin = RegionalPlugin(INFO, Path(__file__).parent)
