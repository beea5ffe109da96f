"""The Kurzeme planning region (*Kurzemes plānošanas reģions*): municipalities and DI plan targets."""

from pathlib import Path

from core.domain.regions import RegionInfo
from core.regional import RegionalPlugin

plugin = RegionalPlugin(RegionInfo("kurzeme", "Kurzemes plānošanas reģions", "Kurzeme planning region"), Path(__file__).parent)
