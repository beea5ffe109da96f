"""What ``kopiena demo`` prints: the national table, the check against the published figures, the endpoints."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

PLANNED = (("ADULT_GRT", "PERSON", "Adults¹"), ("CHILD_FT", "PERSON", "Children²"))
FAMILIES = ("CHILD_FT", "FAMILY")
LEGEND = ("¹ adults with mental disorders (GRT)   ² children with functional impairments (FT)\n"
          "³ their parents or foster families    target, %: unique persons planned in the regional DI plan for 2018")


def _unique(progress: list[dict[str, Any]], group: str, recipient: str) -> dict[str, Any] | None:
    """The unique-persons row (service empty) of a target group and recipient."""
    return next((p for p in progress if p["service"] is None and p["targetGroup"] == group
                 and p["recipient"] == recipient), None)


def _received(row: dict[str, Any] | None) -> str:
    return str(row["received"]) if row else "0"


def _planned(row: dict[str, Any] | None) -> list[str]:
    if row is None or row["target"] is None:
        return ["–", ""]
    return [str(row["target"]), f"{row['percent']}%"]


def _with_targets(result: dict[str, Any], group: str, recipient: str) -> list[str]:
    return [r for r, p in result["progress"].items() if (row := _unique(p, group, recipient)) and row["target"]]


def national_table(result: dict[str, Any], names: dict[str, str]) -> Table:
    """Unique persons served per region and target group against the DI plan targets, and the nation's."""
    table = Table(title=f"Persons served as of {result['as_of']}: read from the national hub", title_justify="left",
                  box=box.SIMPLE_HEAD, caption=LEGEND, caption_justify="left", pad_edge=False)
    table.add_column("Region")
    for _, _, label in PLANNED:
        table.add_column(label, justify="right")
        table.add_column("target", justify="right")
        table.add_column("%", justify="right")
    table.add_column("left a\nVSAC", justify="right")
    table.add_column("Families³", justify="right")
    for region, progress in result["progress"].items():
        adults, children = (_unique(progress, g, r) for g, r, _ in PLANNED)
        table.add_row(names.get(region, region), _received(adults), *_planned(adults), _received(children),
                      *_planned(children), str(result["regions"][region]["adults"]["left_institution"]),
                      _received(_unique(progress, *FAMILIES)))
    national = result["national"]
    cells = []
    for group, recipient, _ in PLANNED:
        row = _unique(national["progress"], group, recipient)
        # a national percentage only when every region has a target: the sum of some regions' targets is not
        # the nation's
        complete = len(_with_targets(result, group, recipient)) == len(result["progress"])
        cells += [_received(row), *(_planned(row) if complete else ["–", ""])]
    table.add_section()
    table.add_row("Latvia", *cells, str(national["adults_left_institution"]),
                  _received(_unique(national["progress"], *FAMILIES)), style="bold")
    return table


def targets_note(result: dict[str, Any], names: dict[str, str]) -> Text | None:
    having = _with_targets(result, "ADULT_GRT", "PERSON") or _with_targets(result, "CHILD_FT", "PERSON")
    if len(having) == len(result["progress"]):
        return None
    return Text(f"Targets: only {', '.join(names.get(r, r) for r in having) or 'no region'}'s regional DI plan is "
                "in its plugin (plugins/<region>/targets.csv), so there is no national percentage.", style="dim")


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
    return Group(*lines)
