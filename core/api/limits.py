"""Protection of the endpoint: depth, alias and token limits, parser and validation caches, masking.

Extensions are given as factories (a fresh instance per request) while the
validation rules are built once, so the validation cache, keyed by the rule
classes, is hit across requests.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError, SelectionSetNode, StringValueNode, ValidationContext, ValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from core.settings import Settings

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


def protections(settings: Settings) -> list:
    limits = [*QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
              *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules]
    rules = [NoEmptySelections, NoNulInStrings, *(guarded(rule) for rule in limits)]
    extensions = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        MaskUnexpectedErrors,
    ]
    if settings.production:
        extensions.append(DisableIntrospection)
    return extensions
