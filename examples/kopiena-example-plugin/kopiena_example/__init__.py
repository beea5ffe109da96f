"""An example kopiena plugin: an event listener and what it saw, served as a GraphQL field.

Everything a plugin needs comes from ``core`` (``hookimpl``, ``GraphQLExtension``)
and its own package; the node is not changed. State is kept in memory of the
node's process: enough to show the hooks, not how to store data for real.
"""

from __future__ import annotations

from collections import Counter

import strawberry
import typer

from core import hookimpl
from core.api.schema import GraphQLExtension
from core.events import Event

SEEN: Counter[str] = Counter()
NOTES: list[str] = []
NOTE_MAX = 200


@strawberry.type(
    description="How many events of one type this node told the example plugin since it started."
)
class ExampleActivity:
    event_type: str
    count: int


@strawberry.type(description="A problem with the input of an example mutation.")
class ExampleError:
    code: str
    field: str | None
    message: str


@strawberry.type
class ExampleNotePayload:
    notes: list[str]
    user_errors: list[ExampleError]


@strawberry.type
class ExampleQuery:
    # a plugin query without "kopiena.access" metadata needs the right to read reference data
    @strawberry.field(
        description="Events seen by the example plugin, by type (no personal data: counts only)."
    )
    def example_activity(self) -> list[ExampleActivity]:
        return [ExampleActivity(event_type=t, count=n) for t, n in sorted(SEEN.items())]


@strawberry.type
class ExampleMutation:
    # a plugin's mutation says which right it needs (casbin object and action); without it the node refuses it
    @strawberry.mutation(
        description="Keep a short note in the example plugin's memory.",
        metadata={"kopiena.access": ("client", "write")},
    )
    def example_note(self, text: str) -> ExampleNotePayload:
        text = text.strip()
        if not text or len(text) > NOTE_MAX:
            error = ExampleError(
                code="INVALID_VALUE", field="text", message=f"A note has 1 to {NOTE_MAX} characters."
            )
            return ExampleNotePayload(notes=list(NOTES), user_errors=[error])
        NOTES.append(text)
        return ExampleNotePayload(notes=list(NOTES), user_errors=[])


@hookimpl
def graphql_extension() -> GraphQLExtension:
    return GraphQLExtension(query=ExampleQuery, mutation=ExampleMutation)


@hookimpl
async def on_event(event: Event) -> None:
    SEEN[event.type] += 1


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    @cli.command("example-hello")
    def hello() -> None:
        """Say hello from the example plugin."""
        typer.echo("Labdien from kopiena-example-plugin")
