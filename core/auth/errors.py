"""Why a caller is refused: not known (authentication) or not allowed (authorisation).

Exception tree::

    AuthError                        base: code, message (safe to show the caller)
    ├── Unauthenticated              UNAUTHENTICATED: no token, bad token, token for another node
    └── Forbidden                    FORBIDDEN: known caller, not allowed to do this here

    AuthConfigError                  the node's token settings are unusable (raised at start-up)

    InvalidDomain (a DomainError)    INVALID_DOMAIN: a domain path that is not canonical or names
                                     no known region / municipality (``userErrors`` in policy edits;
                                     inside a token it becomes ``Unauthenticated``)

The API turns ``AuthError`` into a GraphQL error with ``extensions.code``. Messages
never say whether an object exists: a foreign object is "not found", not forbidden.
"""

from __future__ import annotations

from core.domain.errors import DomainError


class AuthError(Exception):
    code = "AUTH_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def extensions(self) -> dict[str, str]:
        """graphql-core copies this into the error it reports, so clients see ``extensions.code``."""
        return {"code": self.code}


class Unauthenticated(AuthError):
    code = "UNAUTHENTICATED"


class Forbidden(AuthError):
    code = "FORBIDDEN"


class AuthConfigError(RuntimeError):
    """Token settings that cannot work (production without keys, an unreadable JWKS file)."""


class InvalidDomain(DomainError):
    code = "INVALID_DOMAIN"
