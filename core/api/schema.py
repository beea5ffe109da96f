"""The node's GraphQL schema, composed from one module per area.

Each area (reference data, places, clients, episodes, deliveries, ...) keeps
its own ``@strawberry.type`` classes of root fields; this module merges them
into ``Query`` and ``Mutation`` with :func:`strawberry.tools.merge_types`.

To add an area (assessments and support plans, indicators, ...):

1. write ``core/api/<area>.py`` with e.g. ``class AssessmentQuery`` and
   ``class AssessmentMutation`` (root fields only; field names must be new);
2. add one line here: ``QUERY_TYPES.append(AssessmentQuery)`` and/or
   ``MUTATION_TYPES.append(AssessmentMutation)``; types reachable from no
   field go in ``EXTRA_TYPES``;
3. regenerate the checked-in SDL: ``kopiena schema --node > schema.graphql``.

Plugins extend the schema through a hook read in :func:`build_schema` (its
results are appended to the same three lists for that schema only).
Resolvers read through ``core.store.queries`` with ``info.context.scope`` and
change data only through ``core.api.writes.write``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pluggy
from strawberry.printer import print_schema
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from core.plugins import PluginError
from core.settings import Settings

from .access import AccessMutation, AccessQuery
from .assessments import AssessmentMutation, AssessmentQuery
from .client_changes import ClientMutation
from .clients import ClientQuery
from .deliveries import DeliveryMutation, DeliveryQuery
from .episodes import EpisodeMutation, EpisodeQuery
from .errors import NodeSchema
from .execution import NodeExecutionContext
from .guard import AccessControl, guard_root_fields
from .indicators import IndicatorQuery
from .instruments import InstrumentQuery
from .limits import document_cache, protections
from .places import PlaceMutation, PlaceQuery
from .plans import PlanMutation, PlanQuery
from .reference import ReferenceQuery
from .scalars import SCALAR_OVERRIDES

QUERY_TYPES: list[type] = [ReferenceQuery, PlaceQuery, ClientQuery, EpisodeQuery, DeliveryQuery]
MUTATION_TYPES: list[type] = [ClientMutation, PlaceMutation, EpisodeMutation, DeliveryMutation]
EXTRA_TYPES: list[type] = []
QUERY_TYPES.extend([InstrumentQuery, AssessmentQuery, PlanQuery])  # needs assessments and support plans
QUERY_TYPES.append(IndicatorQuery)  # indicators(asOf): the region's figures, as published
QUERY_TYPES.append(AccessQuery)  # me, auditEvents, accessPolicy
MUTATION_TYPES.append(AccessMutation)  # grantRole, revokeRole, setPermission, removePermission
MUTATION_TYPES.extend([AssessmentMutation, PlanMutation])


@dataclass(frozen=True)
class GraphQLExtension:
    """What a plugin adds to the node's schema (the ``graphql_extension`` hook): a ``@strawberry.type`` of
    root query fields, one of mutation fields, and types reachable from no field."""

    query: type | None = None
    mutation: type | None = None
    types: tuple[type, ...] = ()


def _field_names(roots: list[type]) -> set[str]:
    return {f.name for root in roots for f in root.__strawberry_definition__.fields}  # type: ignore[attr-defined]


def add_plugin_extensions(pm: pluggy.PluginManager, settings: Settings, queries: list[type],
                          mutations: list[type], types: list[type]) -> None:
    """Append each plugin's fields; a field name already taken (by the core or another plugin) fails loudly
    instead of silently replacing a resolver (merge_types would only warn)."""
    for impl in pm.hook.graphql_extension.get_hookimpls():
        kwargs = {"settings": settings} if "settings" in impl.argnames else {}
        extension = impl.function(**kwargs)
        if extension is None:
            continue
        if not isinstance(extension, GraphQLExtension):
            raise PluginError(f"plugin {impl.plugin_name!r}: graphql_extension must return a GraphQLExtension")
        for roots, root in ((queries, extension.query), (mutations, extension.mutation)):
            if root is None:
                continue
            clash = _field_names(roots) & _field_names([root])
            if clash:
                raise PluginError(f"plugin {impl.plugin_name!r} adds GraphQL fields that exist already: "
                                  f"{', '.join(sorted(clash))}")
            roots.append(root)
        types.extend(extension.types)


def build_schema(pm: pluggy.PluginManager | None = None, settings: Settings | None = None) -> NodeSchema:
    """The schema of a regional node: the areas' root types merged, with limits from ``settings``."""
    settings = settings or Settings()
    queries, mutations, types = list(QUERY_TYPES), list(MUTATION_TYPES), list(EXTRA_TYPES)
    if pm is not None:
        add_plugin_extensions(pm, settings, queries, mutations, types)
    documents = document_cache(settings)
    schema = NodeSchema(
        query=merge_types("Query", tuple(queries)),
        mutation=merge_types("Mutation", tuple(mutations)),
        types=types,
        extensions=[*protections(documents), AccessControl],
        scalar_overrides=SCALAR_OVERRIDES,
        execution_context_class=NodeExecutionContext,
        config=StrawberryConfig(disable_field_suggestions=settings.production),
    )
    guard_root_fields(schema._schema)
    schema.documents = documents
    return schema


def print_sdl(schema: NodeSchema) -> str:
    """The schema as SDL: types in alphabetical order, fields in the order the areas declare them."""
    return print_schema(schema) + "\n"
