"""How the node's API reports problems.

* Expected problems of a change (a broken programme rule, a malformed ID or
  date) are ``userErrors { code field message }`` in the mutation payload; the
  change is not written.
* Bad query arguments (an invalid cursor, a page too large) are GraphQL errors
  with ``extensions.code = BAD_USER_INPUT``; access control raises GraphQL
  errors with ``UNAUTHENTICATED`` / ``FORBIDDEN``. These reach the client as
  they are, as do syntax, validation and limit errors.
* Anything else is a bug or an outage: the client sees ``"Unexpected error"``
  with ``extensions { code: INTERNAL_SERVER_ERROR, requestId }``, and the log
  has the same request id with the traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from core.domain.errors import DomainError, DomainErrors

log = logging.getLogger("kopiena.api")

PUBLIC_CODES = frozenset({"BAD_USER_INPUT", "UNAUTHENTICATED", "FORBIDDEN"})
UNEXPECTED = "Unexpected error"


@strawberry.type(description="An expected problem with a change: nothing was written.")
class UserError:
    code: str = strawberry.field(description="Stable code, e.g. PERSONAL_CODE_INVALID.")
    field: str | None = strawberry.field(
        description="Path of the input field at fault, e.g. personalCode or deliveries.3.units.")
    message: str = strawberry.field(description="What is wrong, for the person who entered it.")


def user_errors(exc: DomainError | DomainErrors, rename: Mapping[str, str] | None = None) -> list[UserError]:
    """``exc`` as payload errors; ``rename`` maps the write path's field names to this input's names."""
    errors = exc.errors if isinstance(exc, DomainErrors) else [exc]
    rename = rename or {}
    return [UserError(code=e.code, field=rename.get(e.field, e.field) if e.field else None, message=e.message)
            for e in errors]


def bad_input(message: str, field: str | None = None) -> GraphQLError:
    """A GraphQL error about an argument of a query (shown to the client as it is)."""
    extensions: dict[str, Any] = {"code": "BAD_USER_INPUT"}
    if field:
        extensions["field"] = field
    return GraphQLError(message, extensions=extensions)


def is_unexpected(error: GraphQLError) -> bool:
    """True when ``error`` comes from a bug or an outage rather than from the request."""
    original = error.original_error
    if original is None:  # syntax, validation, limits: about the request itself
        return False
    if isinstance(original, GraphQLError):  # raised on purpose, with a message meant for the client
        return False
    code = (getattr(original, "extensions", None) or {}).get("code")
    return code not in PUBLIC_CODES


def request_id_of(execution_context: Any) -> str | None:
    context = getattr(execution_context, "context", None)
    return getattr(context, "request_id", None)


class MaskUnexpectedErrors(MaskErrors):
    """Replace unexpected errors by "Unexpected error" and the request id (the log has the rest)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=UNEXPECTED)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id_of(self.execution_context)}
        return GraphQLError(UNEXPECTED, nodes=error.nodes, source=error.source, positions=error.positions,
                            path=error.path, original_error=None, extensions=extensions)


class NodeSchema(strawberry.Schema):
    """The schema, logging unexpected errors with their request id and traceback before they are masked."""

    documents: Any = None
    """Its parsed and validated documents (:class:`core.api.documents.DocumentCache`), set by ``build_schema``."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        request_id = request_id_of(execution_context)
        for error in errors:
            if is_unexpected(error):
                original = error.original_error
                log.error("unexpected error in request %s at %s: %r", request_id,
                          ".".join(str(p) for p in error.path or ()) or "-", original,
                          exc_info=(type(original), original, original.__traceback__) if original else None)
            else:
                log.debug("request %s: %s", request_id, error.message)
