"""Domain paths: ``lv``, ``lv/<region>``, ``lv/<region>/<municipality-code>``.

A role granted on a domain covers that domain and everything under it. Paths
are compared as strings, so only the one canonical spelling is accepted:
lower case, ``/`` between segments, no empty segment, no trailing slash, no
``.``/``..``, no wildcard or percent sign, and every segment must name a known
region or a current municipality of that region. Anything else is refused
(fail closed) rather than "cleaned up", because a cleaned-up path is a path the
caller did not ask for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pluggy

from core.domain.regions import Municipality
from core.plugins import get_plugin_manager
from core.registry import known_regions

from .errors import InvalidDomain

NATIONAL = "lv"
MAX_LENGTH = 200
_SEGMENT = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")


def covers(outer: str, inner: str) -> bool:
    """Does a grant on ``outer`` cover ``inner``? Both must already be canonical paths."""
    return inner == outer or inner.startswith(outer + "/")


@dataclass(frozen=True)
class Domain:
    """A canonical domain path (build it with :meth:`DomainCatalogue.parse`)."""

    path: str

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))

    @property
    def region(self) -> str | None:
        parts = self.parts
        return parts[1] if len(parts) > 1 else None

    @property
    def municipality(self) -> str | None:
        parts = self.parts
        return parts[2] if len(parts) > 2 else None

    @property
    def level(self) -> str:
        return ("national", "region", "municipality")[len(self.parts) - 1]

    def covers(self, other: Domain | str) -> bool:
        return covers(self.path, other.path if isinstance(other, Domain) else other)

    def __str__(self) -> str:
        return self.path


def _syntax_error(text: str) -> str | None:
    """Why ``text`` is not a well-formed path, or None."""
    if not text:
        return "A domain cannot be empty."
    if len(text) > MAX_LENGTH:
        return f"A domain has at most {MAX_LENGTH} characters."
    if text != text.strip():
        return "A domain cannot start or end with spaces."
    if text != text.lower():
        return "A domain is written in lower case."
    if text.endswith("/"):
        return "A domain does not end with '/'."
    for bad in ("*", "%", "?", "\\", ","):
        if bad in text:
            return f"A domain cannot contain {bad!r}."
    parts = text.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "A domain cannot have empty, '.' or '..' parts."
    if len(parts) > 3:
        return "A domain has at most three parts: lv/<region>/<municipality>."
    for part in parts:
        if not _SEGMENT.match(part):
            return f"{part!r} is not a valid part of a domain (lower-case letters, digits and '-')."
    if parts[0] != NATIONAL:
        return f"A domain starts with {NATIONAL!r}."
    return None


class DomainCatalogue:
    """The regions and municipalities a domain path may name, and the predecessors of each municipality."""

    def __init__(self, municipalities: dict[str, Iterable[Municipality]]) -> None:
        self.regions = frozenset(municipalities)
        self.current: dict[str, frozenset[str]] = {}
        self.region_of: dict[str, str] = {}
        successor: dict[str, str] = {}
        for region, munis in municipalities.items():
            munis = list(munis)
            self.current[region] = frozenset(m.code for m in munis if m.valid_to is None)
            for m in munis:
                self.region_of[m.code] = region
                if m.successor_code:
                    successor[m.code] = m.successor_code
        self._successor = successor
        self.predecessors: dict[str, frozenset[str]] = {}
        for code in successor:
            current = self.current_successor(code)
            self.predecessors[current] = self.predecessors.get(current, frozenset()) | {code}

    @classmethod
    def from_plugins(cls, pm: pluggy.PluginManager | None = None) -> DomainCatalogue:
        """Every region a loaded plugin describes, with its municipalities."""
        pm = pm or get_plugin_manager()
        munis: dict[str, list[Municipality]] = {}
        for region in known_regions(pm):
            munis[region] = [m for result in pm.hook.municipalities(region=region) if result for m in result]
        return cls(munis)

    def current_successor(self, code: str) -> str:
        """The current municipality a (possibly historic) municipality became."""
        seen = {code}
        while code in self._successor:
            code = self._successor[code]
            if code in seen:  # a cycle in reference data must not hang a request
                break
            seen.add(code)
        return code

    def parse(self, text: object, *, field: str = "domain") -> Domain:
        """``text`` as a :class:`Domain`, or :class:`InvalidDomain` saying what is wrong with it."""
        if not isinstance(text, str):
            raise InvalidDomain("A domain is a text like 'lv/zemgale'.", field=field)
        reason = _syntax_error(text)
        if reason:
            raise InvalidDomain(reason, field=field)
        domain = Domain(text)
        if domain.region is not None and domain.region not in self.regions:
            raise InvalidDomain(f"{domain.region!r} is not a known planning region.", field=field)
        if domain.municipality is not None and domain.municipality not in self.current[domain.region or ""]:
            raise InvalidDomain(
                f"{domain.municipality!r} is not a current municipality of {domain.region!r}.", field=field
            )
        return domain

    def municipality_domain(self, code: str) -> str:
        """Where a client of municipality ``code`` lives: historic codes count under their successor."""
        current = self.current_successor(code)
        region = self.region_of.get(current) or self.region_of.get(code)
        return f"{NATIONAL}/{region}/{current}" if region else NATIONAL

    def municipalities_under(self, domain: Domain) -> frozenset[str] | None:
        """Municipality codes (current and their predecessors) a domain covers; None = all of them."""
        if domain.municipality is None:
            return None
        code = domain.municipality
        return frozenset({code}) | self.predecessors.get(code, frozenset())
