"""What ``kopiena demo`` prints: the national table, the check against the published figures, the endpoints."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

PLANNED = (("ADULT_GRT", "PERSON", "Adults with GRT¹"), ("CHILD_FT", "PERSON", "Children with FT²"))
FAMILIES = ("CHILD_FT", "FAMILY")
LEGEND = ("¹ adults with mental disorders   ² children with functional impairments\n"
          "target: unique persons planned in the regional DI plan (its target that applies on the date)")


def _unique(progress: list[dict[str, Any]], group: str, recipient: str) -> dict[str, Any] | None:
    """The unique-persons row (service empty) of a target group and recipient."""
    return next((p for p in progress if p["service"] is None and p["targetGroup"] == group
                 and p["recipient"] == recipient), None)


def _received(row: dict[str, Any] | None) -> str:
    return str(row["received"]) if row else "0"


def _target(row: dict[str, Any] | None) -> str:
    return str(row["target"]) if row and row["target"] else "–"


def _percent(row: dict[str, Any] | None) -> str:
    return f"{row['percent']}%" if row and row["target"] else ""


def _with_targets(result: dict[str, Any], group: str, recipient: str) -> list[str]:
    return [r for r, p in result["progress"].items() if (row := _unique(p, group, recipient)) and row["target"]]


def national_table(result: dict[str, Any], names: dict[str, str]) -> Table:
    """Unique persons served per target group (rows) and region (columns) against the DI plan targets; the
    last column is the nation's, as the hub sums it."""
    table = Table(title=f"Persons served as of {result['as_of']}: read from the national hub", title_justify="left",
                  box=box.SIMPLE_HEAD, caption=LEGEND, caption_justify="left", pad_edge=False)
    table.add_column("")
    regions = list(result["progress"])
    for region in regions:
        table.add_column(names.get(region, region), justify="right")
    table.add_column("Latvia", justify="right", style="bold")
    national = result["national"]["progress"]
    by_region = {r: result["progress"][r] for r in regions}
    for group, recipient, label in PLANNED:
        rows = [_unique(by_region[r], group, recipient) for r in regions]
        whole = _unique(national, group, recipient)
        # a national target only when every region has one: some regions' targets summed are not the nation's
        complete = len(_with_targets(result, group, recipient)) == len(regions)
        table.add_row(label, *map(_received, rows), _received(whole), style="bold")
        if group == "ADULT_GRT":
            table.add_row("  left an institution", *(str(result["regions"][r]["adults"]["left_institution"])
                                                     for r in regions),
                          str(result["national"]["adults_left_institution"]))
        table.add_row("  target", *map(_target, rows), _target(whole) if complete else "–")
        table.add_row("  achieved", *map(_percent, rows), _percent(whole) if complete else "")
    table.add_row("Parents/foster parents", *(_received(_unique(by_region[r], *FAMILIES)) for r in regions),
                  _received(_unique(national, *FAMILIES)), style="bold")
    return table


def targets_note(result: dict[str, Any], names: dict[str, str]) -> Text | None:
    """Why there is no national target when only some regions' plugins carry their DI plan."""
    having = _with_targets(result, "ADULT_GRT", "PERSON") or _with_targets(result, "CHILD_FT", "PERSON")
    if len(having) == len(result["progress"]):
        return None
    return Text(f"Only {', '.join(names.get(r, r) for r in having) or 'no region'}'s DI plan targets are in its "
                "plugin (plugins/<region>/targets.csv): no national target.", style="dim")


def check_lines(result: dict[str, Any]) -> RenderableType:
    """Whether the hub's figures reproduce the published ones (seed 004)."""
    n = result["national"]
    said = (f"{n['adults_community']} adults living in the community and {n['adults_left_institution']} who left an "
            f"institution, {n['children']} children with functional impairments and {n['representatives']} parents "
            "or foster parents receive services")
    if not result["differences"]:
        return Group(Text("✓ Zemgale: both published tables of 31.12.2018 reproduced (per service, per municipality, "
                          "unique persons, percent of plan)", style="green"),
                     Text(f"✓ Latvia: {said}, as published", style="green"))
    return Group(Text(f"Latvia: {said}", style="yellow"), *(Text(f"✗ {d}", style="red") for d in result["differences"]))


def endpoints_table(endpoints: list[dict[str, Any]]) -> Table:
    table = Table(title="GraphiQL: open a URL in a browser", title_justify="left", box=None, pad_edge=False)
    table.add_column("")
    table.add_column("URL")
    table.add_column("development token")
    for e in endpoints:
        table.add_row(e["name"], e["url"], f"{e['role']} on {e['domain']}")
    return table


def token_lines(endpoints: list[dict[str, Any]], tokens_file: str) -> RenderableType:
    needing = [e for e in endpoints if e["token_required"] and e["token"]]
    if not needing:
        return Text("No token is needed: access control is not switched on for these endpoints in this build.\n"
                    f"(Development tokens for when it is are in {tokens_file}.)")
    lines = [Text("A token goes in GraphiQL's Headers tab; paste the endpoint's line "
                  f"(also in {tokens_file}, valid 24 h):")]
    for e in needing:
        lines.append(Text(f"{e['name']}: ", style="bold") + Text(f'{{"Authorization": "Bearer {e["token"]}"}}'))
    free = [e["name"] for e in endpoints if not e["token_required"]]
    if free:
        lines.append(Text(f"{', '.join(free)}: no token needed"))
    return Group(*lines)
