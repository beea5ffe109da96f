"""The scoping contract between access control and the read queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select

Scope = Callable[[type[Any]], "ColumnElement[bool] | None"]
"""Given a model class, the ``WHERE`` clause that limits its rows to what the caller may see (or None)."""

S = TypeVar("S", bound=Select)


def scoped(stmt: S, model: type[Any], scope: Scope | None) -> S:
    """``stmt`` restricted to the rows of ``model`` inside ``scope``."""
    if scope is None:
        return stmt
    clause = scope(model)
    return stmt if clause is None else stmt.where(clause)
