"""The plugin manager: real entry points, the allow-list, and loud failure of misspelt hooks."""

import importlib.metadata

import pytest

from core import hookimpl
from core.plugins import PluginError, allow_list, check, make_plugin_manager
from core.registry import Registry, UnknownRegion, known_regions

REGIONS = {"kurzeme", "latgale", "riga", "vidzeme", "zemgale"}


def test_the_five_regions_load_through_installed_entry_points():
    names = {ep.name for ep in importlib.metadata.entry_points(group="kopiena")}
    assert REGIONS <= names
    pm = make_plugin_manager(allowed=None)
    assert REGIONS <= {name for name, _ in pm.list_name_plugin()}
    assert set(known_regions(pm)) == REGIONS
    assert pm.has_plugin("core.builtins")


def test_allow_list_limits_installed_plugins_but_keeps_builtins():
    pm = make_plugin_manager(allowed={"zemgale"})
    names = {name for name, _ in pm.list_name_plugin()}
    assert "zemgale" in names and "core.builtins" in names
    assert not names & (REGIONS - {"zemgale"})
    assert allow_list({"KOPIENA_PLUGINS": " zemgale, riga ,"}) == {"zemgale", "riga"}
    assert allow_list({"KOPIENA_PLUGINS": ""}) == set()
    assert allow_list({}) is None


def test_allow_list_from_environment(monkeypatch):
    monkeypatch.setenv("KOPIENA_PLUGINS", "kurzeme")
    pm = make_plugin_manager()
    assert set(known_regions(pm)) == {"kurzeme"}


def test_a_misspelt_hook_implementation_fails_loudly():
    class Misspelt:
        @hookimpl
        def municipalitys(self, region):  # noqa: D401 - the typo is the point
            return []

    pm = make_plugin_manager(allowed=set())
    pm.register(Misspelt(), name="misspelt")
    with pytest.raises(PluginError, match="municipalitys"):
        check(pm)


def test_zemgale_registry_has_current_and_historic_municipalities_and_targets():
    reg = Registry.load("zemgale")
    current = [m for m in reg.municipalities.values() if m.valid_to is None]
    historic = [m for m in reg.municipalities.values() if m.valid_to is not None]
    assert len(current) == 6 and len(historic) == 22
    assert all(m.successor_code in reg.municipalities for m in historic)
    assert reg.municipalities["jelgavas-pilseta-2009"].successor_code == "0003000"
    adults = sorted(t.target for t in reg.targets if t.target_group == "ADULT_GRT")
    assert adults == [43, 328]


@pytest.mark.parametrize("region,count", [("kurzeme", 8), ("latgale", 9), ("riga", 9), ("vidzeme", 10)])
def test_each_region_has_its_current_municipalities(region, count):
    reg = Registry.load(region)
    assert len(reg.municipalities) == count
    assert reg.region.domain == f"lv/{region}"


def test_unknown_region():
    with pytest.raises(UnknownRegion, match="known: kurzeme, latgale, riga, vidzeme, zemgale"):
        Registry.load("lv/zemgale")
