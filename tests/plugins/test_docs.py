"""docs/plugins.md and the tests keep up with core/hookspecs.py (in the manner of datasette's own tests).

- every hook has one ``### <hook>`` section with its signature exactly as declared;
- every hook is implemented by a ``@hookimpl`` function of its name in a test module under tests/;
- the reference tables of the page (spreadsheet columns, events, exports) match the code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core import events, hookspecs
from core.store.exports import BUILTIN_EXPORTERS
from plugins.spreadsheet.layout import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
SPECS = ROOT / "core" / "hookspecs.py"


def _normalise(text: str) -> str:
    return " ".join(text.replace("( ", "(").split()).replace("( ", "(").replace(" )", ")")


def declared_hooks() -> dict[str, str]:
    """Every hook of core/hookspecs.py with its ``def`` line(s) as written, whitespace normalised."""
    source = SPECS.read_text(encoding="utf-8")
    lines = source.splitlines()
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and any(
            "hookspec" in ast.unparse(d) for d in node.decorator_list
        ):
            start = node.lineno - 1
            end = start
            while not lines[end].rstrip().endswith(":"):
                end += 1
            out[node.name] = _normalise(" ".join(lines[start : end + 1]))
    return out


HOOKS = declared_hooks()


def section(name: str) -> str:
    found = re.findall(rf"^### {re.escape(name)}\n(.*?)(?=^##|\Z)", DOCS, re.S | re.M)
    assert len(found) == 1, f"docs/plugins.md needs exactly one '### {name}' section, has {len(found)}"
    return found[0]


def test_the_hooks_are_found():
    assert {"region_info", "on_event", "importers", "exporters", "graphql_extension"} <= set(HOOKS)
    assert HOOKS["rate_tier"] == (
        "def rate_tier(service: ServiceType, care_level: int | None, candidates: list[Rate]) -> Rate | None:"
    )


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_every_hook_is_documented_with_its_exact_signature(name):
    text = section(name)
    block = re.search(r"```python\n(.*?)```", text, re.S)
    assert block, f"the '### {name}' section starts with no python code block"
    assert HOOKS[name] in _normalise(block.group(1)), (
        f"docs/plugins.md: the signature of {name} must be exactly\n    {HOOKS[name]}"
    )
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    assert len(prose.split()) >= 25, f"say when {name} is called and what it may return"


def test_every_hook_section_is_a_hook():
    documented = set(re.findall(r"^### (\S+)\s*$", DOCS, re.M))
    assert documented - set(HOOKS) == set(), "docs/plugins.md documents hooks that do not exist"


def implemented_in_tests() -> dict[str, set[str]]:
    """Hook name -> test modules that implement it with a ``@hookimpl`` function of that name."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "tests").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        has_tests = any(
            isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test_")
            for n in ast.walk(tree)
        )
        is_support = path.name == "conftest.py" or not path.name.startswith("test_")
        if not (has_tests or is_support):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and node.name in HOOKS
                and any("hookimpl" in ast.unparse(d) for d in node.decorator_list)
            ):
                found.setdefault(node.name, set()).add(str(path.relative_to(ROOT)))
    return found


IMPLEMENTED = implemented_in_tests()


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_every_hook_has_a_test_that_implements_it(name):
    assert IMPLEMENTED.get(name), (
        f"no test implements the hook {name}: write a test with a @hookimpl function named {name} "
        f"(tests/plugins/test_hooks.py has one per foundation hook)"
    )


def test_the_spreadsheet_columns_are_documented():
    table = DOCS.split("## The spreadsheet importer", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| ([^|]+?) \| (yes|no|with dates|for a representative) \|", table, re.M)
    assert [name for name, _ in documented] == [c.header for c in COLUMNS]
    assert [c.header for c in COLUMNS if c.required] == [name for name, req in documented if req == "yes"]


def test_every_event_type_is_documented():
    table = DOCS.split("## Events", 1)[1]
    documented = set(re.findall(r"^\| `([a-z]+\.[a-z]+)` \|", table, re.M)) - {"event.type"}
    assert documented == set(events.EVENT_TYPES)


def test_the_builtin_exports_are_documented():
    table = DOCS.split("## Exports", 1)[1].split("\n## ", 1)[0]
    for exporter in BUILTIN_EXPORTERS:
        assert f"| `{exporter.name}` |" in table


def test_every_hook_has_a_docstring_saying_when_it_is_called():
    for name in HOOKS:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert "Called" in doc, f"core/hookspecs.py: say when {name} is called"
