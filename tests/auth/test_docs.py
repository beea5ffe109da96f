"""docs/security.md tells the truth: its role tables are the default policy."""

from pathlib import Path

import pytest

from core.auth.domains import DomainCatalogue
from core.auth.policy import DEFAULT_POLICY_PATH, OBJECTS, read_policy_file
from core.auth.principal import ROLES

DOC = Path(__file__).parents[2] / "docs" / "security.md"
RIGHTS = [
    "reference",
    "indicator",
    "client",
    "episode",
    "delivery",
    "place",
    "assessment",
    "plan",
    "policy",
    "audit",
]
FIELDS = ["name", "personal_code", "birth_date", "address", "diagnosis"]
LETTER = {"read": "r", "write": "w", "approve": "a"}


@pytest.fixture(scope="module")
def allowed():
    lines = read_policy_file(DEFAULT_POLICY_PATH, DomainCatalogue.from_plugins(), source="default")
    return {
        (line.values[0], line.values[2], line.values[3])
        for line in lines
        if line.ptype == "p" and line.values[4] == "allow"
    }


def tables() -> list[dict[str, list[str]]]:
    """Every markdown table of the page whose rows start with a role, as role -> cells."""
    out: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and cells[0].strip("`") in ROLES:
            current[cells[0].strip("`")] = cells[1:]
        elif current:
            out.append(current)
            current = {}
    return out


def test_the_rights_table_is_the_default_policy(allowed):
    expected = {
        role: ["".join(LETTER[a] for a in OBJECTS[obj] if (role, obj, a) in allowed) or "–" for obj in RIGHTS]
        for role in ROLES
    }
    assert tables()[0] == expected


def test_the_fields_table_is_the_default_policy(allowed):
    expected = {
        role: ["✓" if (role, f"personal.{f}", "read") in allowed else "–" for f in FIELDS] for role in ROLES
    }
    assert tables()[1] == expected


def _operations_table() -> dict[str, str]:
    out: dict[str, str] = {}
    inside = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| operation | right |"):
            inside = True
            continue
        if inside and not line.startswith("|"):
            break
        if inside and not line.startswith("|---"):
            names, right = [c.strip() for c in line.strip("|").split("|")]
            for name in names.split(","):
                out[name.strip().strip("`")] = right.split(" (")[0]
    return out


def test_every_root_field_of_the_node_says_what_it_needs_and_the_docs_agree():
    from core.api.guard import MUTATIONS, QUERIES
    from core.api.schema import build_schema

    schema = build_schema()._schema
    fields = set(schema.type_map["Query"].fields) | set(schema.type_map["Mutation"].fields)
    declared = {name: op for name, op in {**QUERIES, **MUTATIONS}.items() if not name.startswith("__")}
    assert fields == set(declared)  # a new root field must be added to core/api/guard.py
    documented = {name: (f"{op.obj} {op.act}" if op else "any valid token") for name, op in declared.items()}
    assert _operations_table() == documented
