"""The Rīga planning region (*Rīgas plānošanas reģions*): municipalities and DI plan targets."""

from pathlib import Path

from core.domain.regions import RegionInfo
from core.regional import RegionalPlugin

INFO = RegionInfo("riga", "Rīgas plānošanas reģions", "Rīga planning region")
plugin = RegionalPlugin(INFO, Path(__file__).parent)
