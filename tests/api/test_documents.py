"""The document cache: one parse and one validation per query text, limits and errors as graphql-core gives them."""

from __future__ import annotations

import pytest
from graphql import GraphQLError, ValidationRule, parse
from strawberry.schema.schema import validate_document

from core.api.documents import DocumentCache
from core.api.schema import build_schema
from core.settings import Settings

SCHEMA = build_schema(settings=Settings())
GRAPHQL = SCHEMA._schema
RULES = tuple(SCHEMA.documents.rules)


class Counted(ValidationRule):
    """A rule that counts the documents it checks (validation builds one instance per document)."""

    runs = 0

    def __init__(self, context) -> None:
        super().__init__(context)
        Counted.runs += 1


def _cache(size: int = 8, max_tokens: int = 50) -> DocumentCache:
    return DocumentCache(max_tokens, (*RULES, Counted), size)


def test_a_text_is_parsed_once_while_it_is_among_the_most_recent():
    cache = _cache(size=2)
    a = cache.parse("{ me { subject } }")
    assert cache.parse("{ me { subject } }") is a
    other = cache.parse("{ a: me { subject } }")
    cache.parse("{ me { subject } }")  # used again: now the most recent
    cache.parse("{ b: me { subject } }")  # the third text pushes out the least recent one, not a
    assert cache.parse("{ me { subject } }") is a
    assert cache.parse("{ a: me { subject } }") is not other and len(cache._parsed) == 2  # parsed anew


def test_syntax_errors_and_too_many_tokens_fail_as_graphql_core_fails():
    cache = _cache(max_tokens=10)
    with pytest.raises(GraphQLError, match="Syntax Error"):
        cache.parse("{ me { subject }")
    long = "{ me { " + " ".join(["subject"] * 20) + " } }"
    with pytest.raises(GraphQLError, match="more than 10 tokens") as raised:
        cache.parse(long)
    with pytest.raises(GraphQLError) as again:  # a failure is not cached: the text fails the same way again
        cache.parse(long)
    assert again.value.message == raised.value.message and len(cache._parsed) == 0


@pytest.mark.parametrize("query", ["{ me { subject } }", "{ me { nope } }", "{ clients { edges { } } }"])
def test_a_document_is_validated_once_with_the_same_errors(query):
    cache = _cache()
    document = cache.parse(query)
    rules = (*RULES, Counted)
    before = Counted.runs
    errors = cache.validate(GRAPHQL, query, document, rules)
    assert [e.message for e in errors] == [e.message for e in validate_document(GRAPHQL, parse(query), rules)]
    assert cache.validate(GRAPHQL, query, document, rules) is errors
    assert Counted.runs == before + 2  # once for the cache, once for the comparison above


def test_a_document_that_is_not_the_cached_one_is_validated_each_time():
    cache = _cache()
    query = "{ me { subject } }"
    cache.parse(query)
    rules = (*RULES, Counted)
    before = Counted.runs
    other = parse(query)
    assert cache.validate(GRAPHQL, query, other, rules) == [] and cache.validate(GRAPHQL, query, other, rules) == []
    cache.validate(GRAPHQL, query, cache.parse(query), RULES)  # other rules: validated with those
    assert Counted.runs == before + 2
