"""The plugin contract of kopiena.

Every hook a plugin may implement is declared here: a typed signature and a
docstring saying when it is called and whether the first result wins. Plugins
mark their functions with ``@hookimpl`` (``from core import hookimpl``); a
function whose name matches no hook here makes loading fail (``check_pending``).

The built-in behaviour (national catalogue, rates, the default rules) is
itself a plugin, ``core.builtins``, registered through the same path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import typer

    from core.api.schema import GraphQLExtension
    from core.domain import DIPlanTarget, Municipality, Rate, RegionInfo, ServiceType
    from core.domain.assessment import Instrument, NormTable, ProposedItem, Scores
    from core.domain.errors import DomainError
    from core.domain.people import TargetGroup
    from core.domain.plans import PlanDraft
    from core.domain.validation import DeliveryDraft, EpisodeDraft
    from core.events import Event
    from core.imports import Importer
    from core.settings import Settings
    from core.store.exports import Exporter
    from core.store.indicators import IndicatorSource

hookspec = pluggy.HookspecMarker("kopiena")
hookimpl = pluggy.HookimplMarker("kopiena")


@hookspec
def region_info() -> RegionInfo | None:
    """The planning region a regional plugin stands for.

    Called when the plugin manager builds the list of known regions (once per
    process). Every regional plugin returns one :class:`RegionInfo`; other
    plugins return None. All results are collected.
    """


@hookspec
def municipalities(region: str) -> list[Municipality] | None:
    """Municipalities of ``region``: current ones and historic ones with their successors.

    Called by ``kopiena seed`` and by the node at start-up. Return None (or an
    empty list) for a region that is not yours. All results are collected;
    a code given twice must describe the same municipality.
    """


@hookspec
def service_types() -> list[ServiceType] | None:
    """Services to add to the national catalogue.

    Called when a node builds its catalogue (at start-up and by ``kopiena
    seed``). All results are collected; codes must be new or identical to an
    existing service.
    """


@hookspec
def rate_tables() -> list[Rate] | None:
    """Unit-cost rates with their validity dates and tiers.

    Called by ``kopiena seed``. All results are collected; the built-in plugin
    provides the indicative ESF rates of the programme.
    """


@hookspec(firstresult=True)
def rate_tier(service: ServiceType, care_level: int | None, candidates: list[Rate]) -> Rate | None:
    """Choose which of several tiers of a service's rate applies to a delivery.

    Called for every delivery whose service has more than one tier valid on the
    delivery date; ``candidates`` are those tiers, lowest first. The first
    non-None result wins; the built-in rule picks by care level (3-4: higher
    tier). Register a plugin with ``tryfirst=True`` to replace it.
    """


@hookspec
def validate_episode(episode: EpisodeDraft) -> list[DomainError] | None:
    """Extra rules for a service episode about to be started.

    Called after the core's own rules passed and before anything is written.
    Return the broken rules (an empty list or None when all is well). All
    results are collected; any error refuses the episode.
    """


@hookspec
def validate_deliveries(deliveries: list[DeliveryDraft]) -> list[DomainError] | None:
    """Extra rules for a batch of deliveries of one episode about to be recorded.

    Called after the core's own rules passed and before anything is written.
    Return the broken rules; any error refuses the whole batch.
    """


@hookspec
def di_plan_targets(region: str) -> list[DIPlanTarget] | None:
    """Planned numbers of ``region``'s DI plan (per service and unique persons, per target group).

    Called by ``kopiena seed``. Return None for a region that is not yours.
    All results are collected.
    """


@hookspec
def indicators() -> list[IndicatorSource] | None:
    """Extra indicators: each an ``IndicatorSource(indicator, facts)`` from ``core.store.indicators``.

    ``indicator`` is a declaration (code, description, unit, dimensions, measure)
    from ``core.domain.indicators``; ``facts(as_of)`` returns a SQL ``SELECT``
    with a column per dimension and ``subject`` (distinct count) or ``amount``
    (sum), which the engine groups, zero-fills and adds to every snapshot.
    Called each time a node computes indicators. All results are collected; a
    code must not repeat a core indicator or another plugin's.
    """


@hookspec
def register_commands(cli: typer.Typer) -> None:
    """Add commands to the ``kopiena`` command line.

    Called once when the CLI starts, with the root ``typer.Typer`` app.
    """


@hookspec
def on_event(event: Event) -> None:
    """Listen to what happens on a node: client registered, assessment recorded, plan approved,
    episode started or ended, deliveries recorded (``event.type``, see ``core.events``).

    Called after the change is committed, never inside its transaction. Each
    listener runs in the background with a timeout: a coroutine function on the
    event loop, a plain function in a worker thread. An exception or a timeout
    is logged and isolated: it never reaches the request. Return values are ignored.
    """


@hookspec
def importers() -> list[Importer] | None:
    """Named importers for municipal systems, used by ``kopiena import <name> <source>``.

    Called when an import starts (and by ``kopiena plugins``). Return
    :class:`core.imports.Importer` instances; each ``read(source, context)``
    yields the records of ``core.imports`` (clients, episodes, deliveries, each
    with an external id and a line number). All results are collected; two
    importers with the same name are an error.
    """


@hookspec
def exporters() -> list[Exporter] | None:
    """Named exports of the node's data for municipal systems, used by ``kopiena export <name>``.

    Called when an export starts. Return :class:`core.store.exports.Exporter`
    instances; each ``export(session, params)`` computes a table for a month in
    SQL. All results are collected; the built-in plugin provides ``deliveries``
    and ``costs``; two exporters with the same name are an error.
    """


@hookspec
def graphql_extension(settings: Settings) -> GraphQLExtension | None:
    """Query and mutation fields and types to add to the node's GraphQL schema.

    Called once when a node builds its schema (at start-up of ``kopiena node``).
    Return a :class:`core.api.schema.GraphQLExtension`: a ``@strawberry.type`` of
    root query fields, one of mutation fields, and extra types. Field names must
    be new: one the core or another plugin has already makes start-up fail. All
    results are collected. Resolvers get ``info.context`` (node, caller, scope)
    like the core's.
    """


@hookspec
def assessment_instruments() -> list[Instrument] | None:
    """Needs-assessment instruments this plugin supplies (each a code and a version, read from data files).

    Called whenever the node needs its instruments (listing them, recording or
    reading an assessment). All results are collected; the same code and
    version given twice must be the same instrument. The built-in plugin
    supplies the adult Support Intensity Scale (``SIS_ADULT``).
    """


@hookspec(firstresult=True)
def norm_table(instrument: Instrument) -> NormTable | None:
    """The licensed norm table (standard scores per area, an index) for ``instrument``, if this plugin has one.

    Called when the scores of an assessment are read. The first non-None
    result wins; with none, scores say ``NO_NORM_TABLE`` and carry raw scores
    only (kopiena ships no norm table: official ones are licensed).
    """


@hookspec(firstresult=True)
def care_level(instrument: Instrument, scores: Scores, target_group: TargetGroup) -> int | None:
    """The care level (1-4) an assessment gives the person, or None (e.g. for an incomplete draft).

    Called when an assessment is recorded; a complete assessment's level
    becomes the client's care level (used by the ``rate_tier`` rule). The
    first non-None result wins; the built-in rule (``trylast``) reads the
    total's share of the maximum against the instrument's thresholds. Register
    with ``tryfirst=True`` to replace it.
    """


@hookspec(firstresult=True)
def propose_plan_items(instrument: Instrument, scores: Scores, target_group: TargetGroup) -> list[ProposedItem] | None:
    """The services a draft support plan proposed from an assessment should contain.

    Called by ``proposeSupportPlan``. The first non-None result wins; the
    built-in rule (``trylast``) proposes the services the instrument's areas
    with high support needs suggest. Services the person may not receive are
    dropped afterwards. A region changes the proposal with ``tryfirst=True``.
    """


@hookspec
def validate_plan(plan: PlanDraft) -> list[DomainError] | None:
    """Extra rules for a support plan about to be approved.

    Called after the core's own rules passed (assessment, target group,
    respite, capacity, overlap) and before anything is written. Return the
    broken rules; all results are collected and any error refuses the approval.
    """


@hookspec
def access_policy(region: str) -> list[str] | None:
    """Extra access-policy lines for ``region``'s node, in casbin CSV form.

    Called when a node loads its access policy (at start-up and on every reload).
    Lines look like ``p, integration, lv/zemgale, plan, write, allow`` (or ``deny``)
    or ``g, user:<sub>, <role>, <domain>``; their domain must lie within
    ``lv/<region>``, and a malformed line makes loading fail. The lines apply
    together with the policy stored in the database but are not stored
    themselves, so they cannot be edited through the API. Return None for a
    region that is not yours. All results are collected.
    """


HookResult = Any
