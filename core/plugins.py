"""The plugin manager: built-ins first, then installed plugins from the ``kopiena`` entry points.

``KOPIENA_PLUGINS`` is an allow-list of entry-point names (comma separated);
unset means every installed plugin loads, an empty string means none. The
built-in plugin always loads. After loading, ``check_pending()`` makes a
misspelt hook implementation fail loudly instead of being silently ignored.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from functools import lru_cache

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "kopiena"
BUILTIN_PLUGINS = ("core.builtins",)


class PluginError(RuntimeError):
    """A plugin could not be loaded or implements a hook that does not exist."""


def allow_list(env: dict[str, str] | None = None) -> set[str] | None:
    value = (env if env is not None else os.environ).get("KOPIENA_PLUGINS")
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def make_plugin_manager(allowed: set[str] | None | bool = True) -> pluggy.PluginManager:
    """A fresh manager. ``allowed=True`` reads ``KOPIENA_PLUGINS``; a set (or None: all) overrides it."""
    pm = pluggy.PluginManager("kopiena")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    names: set[str] | None
    if allowed is True:
        names = allow_list()
    elif allowed is False:
        names = set()
    else:
        names = allowed
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if names is not None and ep.name not in names:
            continue
        if pm.has_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken third-party package must say which one
            raise PluginError(f"plugin {ep.name!r} ({ep.value}) failed to import: {exc}") from exc
        pm.register(plugin, name=ep.name)
    check(pm)
    return pm


def check(pm: pluggy.PluginManager) -> None:
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc


@lru_cache(maxsize=1)
def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager (tests register throwaway plugins on it and unregister after)."""
    return make_plugin_manager()


def loaded_plugins(pm: pluggy.PluginManager | None = None) -> list[dict[str, object]]:
    """Name, module and implemented hooks of every loaded plugin (``kopiena plugins``)."""
    pm = pm or get_plugin_manager()
    out = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda p: p[0]):
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        out.append({"name": name, "module": getattr(plugin, "__name__", repr(plugin)), "hooks": hooks})
    return out
