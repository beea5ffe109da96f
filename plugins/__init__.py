"""Plugins shipped with kopiena: the five planning regions and integrations for municipal systems."""
