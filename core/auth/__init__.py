"""Access control of a node: who is calling (tokens), what they may do (casbin), what they see (SQL
scope and field masking), and the record of it (audit log).

Modules: ``errors`` (exception tree), ``domains`` (domain paths), ``principal``,
``tokens`` (PyJWT), ``policy`` (casbin enforcer over ``casbin_rule``), ``scoping``
(``WHERE`` clauses), ``fields`` (masking), ``audit`` (writer and reader), ``access``
(all of it for one node). docs/security.md describes roles, fields and the audit log.
"""

from .access import Access
from .domains import Domain, DomainCatalogue
from .errors import AuthConfigError, AuthError, Forbidden, InvalidDomain, Unauthenticated
from .principal import ROLES, Grant, Principal

__all__ = [
    "ROLES",
    "Access",
    "AuthConfigError",
    "AuthError",
    "Domain",
    "DomainCatalogue",
    "Forbidden",
    "Grant",
    "InvalidDomain",
    "Principal",
    "Unauthenticated",
]
