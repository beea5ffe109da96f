"""Protection of the endpoint: depth, alias and token limits, parser and validation caches, masking.

The validation rules are built once per schema, with its :class:`DocumentCache`
(:mod:`core.api.documents`): a query text is parsed, measured and validated the
first time it comes, and answered from the cache after that. In production
introspection is a validation error (the rule strawberry's
``DisableIntrospection`` adds).
"""

from __future__ import annotations

import logging
from functools import partial

from graphql import (
    ASTValidationRule,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

from core.settings import Settings

from .documents import DocumentCache, Documents
from .errors import MaskUnexpectedErrors

log = logging.getLogger("kopiena.api")

CACHE_SIZE = 256  # distinct query texts kept parsed and validated


class NoEmptySelections(ValidationRule):
    """``{ }`` parses (graphql-core 3.3) but asks for nothing; say so instead of answering ``{}``."""

    def enter_selection_set(self, node: SelectionSetNode, *_args) -> None:
        if not node.selections:
            self.report_error(GraphQLError("A selection set cannot be empty: ask for at least one field.", node))


class NoNulInStrings(ValidationRule):
    """A NUL character in a string literal (``"\\u0000"``): PostgreSQL can neither store nor compare it."""

    def enter_string_value(self, node: StringValueNode, *_args) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError("Text cannot contain the NUL character (\\u0000).", node))


def guarded(rule: type[ValidationRule]) -> type[ValidationRule]:
    """``rule`` (one that does its work when constructed, like strawberry's limiters), failing closed:
    a document it cannot measure is refused with a validation error instead of a server error."""

    class Guarded(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            try:
                rule(context)
            except Exception as exc:  # the document is malformed in a way the rule did not foresee
                log.info("limit rule %s could not measure a document: %r", rule.__name__, exc)
                context.report_error(GraphQLError("The query cannot be checked against the limits."))
            super().__init__(context)

    Guarded.__name__ = f"Guarded{rule.__name__}"
    return Guarded


def document_cache(settings: Settings) -> DocumentCache:
    """The parse and validation cache of one schema, with the node's limits and rules."""
    limits = [*QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
              *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules]
    rules: list[type[ASTValidationRule]] = [NoEmptySelections, NoNulInStrings, *(guarded(rule) for rule in limits)]
    if settings.production:
        rules.append(NoSchemaIntrospectionCustomRule)  # what strawberry's DisableIntrospection adds
    return DocumentCache(settings.max_tokens, tuple(rules), CACHE_SIZE)


def protections(documents: DocumentCache) -> list:
    """The schema's extensions (factories: strawberry makes an instance per request)."""
    return [partial(Documents, documents), MaskUnexpectedErrors]
