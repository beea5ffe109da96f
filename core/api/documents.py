"""Query documents parsed and validated once per distinct query text, in one schema extension.

Clients send the same few query texts again and again with other variables.
Strawberry's ``ParserCache`` and ``ValidationCache`` skip both steps too, but
the validation cache is keyed by the parsed document, and hashing a document
walks its whole syntax tree on every request (~0.1 ms for a one-client query);
with ``MaxTokensLimiter`` and ``AddValidationRules`` beside them that is four
extensions whose hooks strawberry wraps anew on every request. Here one
extension does what the four did, keyed by the query text:

* parse with the token limit (a text over it fails to parse, as with
  ``MaxTokensLimiter``; errors are never cached, a bad text is parsed again);
* validate with strawberry's rules plus the node's (:mod:`core.api.limits`),
  once per document, the errors (none, usually) kept with it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

Rules = tuple[type[ASTValidationRule], ...]


@dataclass
class Parsed:
    document: DocumentNode
    validated: tuple[GraphQLSchema, Rules, list[GraphQLError]] | None = None
    """The schema and rules it was validated with, and the errors (none, usually)."""


class DocumentCache:
    """The documents of the ``size`` query texts used most recently, parsed and validated."""

    def __init__(self, max_tokens: int, rules: Rules, size: int) -> None:
        self.max_tokens = max_tokens
        self.rules = rules
        """Validation rules of the node, run after strawberry's own."""
        self.size = size
        self._parsed: OrderedDict[str, Parsed] = OrderedDict()

    def parse(self, query: str) -> DocumentNode:
        """The document of ``query``; raises graphql-core's ``GraphQLError`` for a syntax error or too many tokens."""
        found = self._parsed.get(query)
        if found is None:
            found = self._parsed[query] = Parsed(parse(query, max_tokens=self.max_tokens))
            if len(self._parsed) > self.size:
                self._parsed.popitem(last=False)
        else:
            self._parsed.move_to_end(query)
        return found.document

    def validate(self, schema: GraphQLSchema, query: str, document: DocumentNode, rules: Rules) -> list[GraphQLError]:
        """The validation errors of ``document`` (the one :meth:`parse` gave for ``query``, else not cached)."""
        found = self._parsed.get(query)
        if found is None or found.document is not document:
            return validate_document(schema, document, rules)
        done = found.validated
        if done is None or done[0] is not schema or done[1] != rules:
            done = found.validated = (schema, rules, validate_document(schema, document, rules))
        return done[2]


class Documents(SchemaExtension):
    """Parsing and validation from a :class:`DocumentCache` (a fresh instance per request, as strawberry wants)."""

    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.graphql_document = self.cache.parse(ctx.query or "")
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.validation_rules = rules = ctx.validation_rules + self.cache.rules
        assert ctx.graphql_document is not None  # parsed above, or the request ended with the syntax error
        ctx.pre_execution_errors = self.cache.validate(ctx.schema._schema, ctx.query or "", ctx.graphql_document,
                                                       rules)
        yield
