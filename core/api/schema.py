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

import pluggy
from strawberry.printer import print_schema
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from core.settings import Settings

from .assessments import AssessmentMutation, AssessmentQuery
from .client_changes import ClientMutation
from .clients import ClientQuery
from .deliveries import DeliveryMutation, DeliveryQuery
from .episodes import EpisodeMutation, EpisodeQuery
from .errors import NodeSchema
from .instruments import InstrumentQuery
from .limits import protections
from .places import PlaceMutation, PlaceQuery
from .plans import PlanMutation, PlanQuery
from .reference import ReferenceQuery
from .scalars import SCALAR_OVERRIDES

QUERY_TYPES: list[type] = [ReferenceQuery, PlaceQuery, ClientQuery, EpisodeQuery, DeliveryQuery]
MUTATION_TYPES: list[type] = [ClientMutation, PlaceMutation, EpisodeMutation, DeliveryMutation]
EXTRA_TYPES: list[type] = []
QUERY_TYPES.extend([InstrumentQuery, AssessmentQuery, PlanQuery])  # needs assessments and support plans
MUTATION_TYPES.extend([AssessmentMutation, PlanMutation])

def build_schema(pm: pluggy.PluginManager | None = None, settings: Settings | None = None) -> NodeSchema:
    """The schema of a regional node: the areas' root types merged, with limits from ``settings``."""
    settings = settings or Settings()
    queries, mutations, types = list(QUERY_TYPES), list(MUTATION_TYPES), list(EXTRA_TYPES)
    return NodeSchema(
        query=merge_types("Query", tuple(queries)),
        mutation=merge_types("Mutation", tuple(mutations)),
        types=types,
        extensions=protections(settings),
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(disable_field_suggestions=settings.production),
    )


def print_sdl(schema: NodeSchema) -> str:
    """The schema as SDL: types in alphabetical order, fields in the order the areas declare them."""
    return print_schema(schema) + "\n"
