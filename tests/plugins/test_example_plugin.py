"""The example third-party plugin, installed as a package would be, working through a running node.

The suite installs ``examples/kopiena-example-plugin`` with pip into a directory of
its own and puts it on the node's ``PYTHONPATH``: the plugin is found through its
``kopiena`` entry point exactly as an installed package, but the project's virtual
environment (and the checked-in schema) stays as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from core.api import build_schema, print_sdl
from core.plugins import get_plugin_manager

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kopiena-example-plugin"
pytestmark = pytest.mark.timeout(600)  # pip builds the package once per session (setuptools from the index)
KOPIENA = str(Path(sys.executable).parent / "kopiena")


@pytest.fixture(scope="session")
def example_site(tmp_path_factory) -> Path:
    """``pip install`` of the example package (from a copy, so no build files land in the repository)."""
    source = tmp_path_factory.mktemp("example-src") / EXAMPLE.name
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    site = tmp_path_factory.mktemp("example-site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return site


def with_example(site: Path) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "COLUMNS": "200", "KOPIENA_REGION": "zemgale"}


def kopiena(site: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KOPIENA, *args], capture_output=True, text=True, timeout=120, env=with_example(site)
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def running_node(example_site, db_url):
    """``kopiena node`` in its own process with the example plugin installed; stopped after the test."""
    port = free_port()
    process = subprocess.Popen(
        [KOPIENA, "node", "--db", db_url, "--port", str(port), "--log-level", "warning"],
        env=with_example(example_site),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stdout.read() if process.stdout else "node exited"
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the node did not start within 60 s"
        time.sleep(0.2)
    yield url
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def test_kopiena_plugins_lists_the_installed_example_with_its_hooks(example_site):
    listed = kopiena(example_site, "plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    example = next(p for p in json.loads(listed.stdout) if p["name"] == "example")
    assert example == {
        "name": "example",
        "module": "kopiena_example",
        "hooks": ["graphql_extension", "on_event", "register_commands"],
    }
    hello = kopiena(example_site, "example-hello")
    assert hello.returncode == 0 and hello.stdout == "Labdien from kopiena-example-plugin\n"
    assert "example" not in {name for name, _ in get_plugin_manager().list_name_plugin()}  # venv untouched


def test_the_example_plugin_works_through_a_running_node(example_site, running_node):
    token = kopiena(
        example_site,
        "token",
        "--sub",
        "example-test",
        "--role",
        "municipal_social_worker",
        "--domain",
        "lv/zemgale/0003000",
    ).stdout.strip()
    http = httpx.Client(base_url=running_node, timeout=30, headers={"Authorization": f"Bearer {token}"})

    def graphql(query: str, **variables) -> dict:
        response = http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    assert graphql("{ exampleActivity { eventType count } }") == {"exampleActivity": []}
    registered = graphql(
        """mutation($input: RegisterClientInput!) {
        registerClient(input: $input) { client { id } userErrors { code field message } } }""",
        input={
            "personalCode": "170580-11003",
            "givenName": "Anna",
            "familyName": "Bērziņa",
            "targetGroup": "ADULT_GRT",
            "municipalityCode": "0003000",
        },
    )
    assert registered["registerClient"]["userErrors"] == []
    deadline = time.monotonic() + 20  # the listener runs after the response: wait for it, not for a time
    while (seen := graphql("{ exampleActivity { eventType count } }")["exampleActivity"]) == []:
        assert time.monotonic() < deadline, "the example listener never saw the event"
        time.sleep(0.1)
    assert seen == [{"eventType": "client.registered", "count": 1}]

    note = "mutation($text: String!) { exampleNote(text: $text) { notes userErrors { code field message } } }"
    assert graphql(note, text="  ")["exampleNote"] == {
        "notes": [],
        "userErrors": [
            {"code": "INVALID_VALUE", "field": "text", "message": "A note has 1 to 200 characters."}
        ],
    }
    assert graphql(note, text="Labdien")["exampleNote"] == {"notes": ["Labdien"], "userErrors": []}
    http.close()


def test_without_the_package_the_node_has_no_example_fields():
    assert "exampleActivity" not in print_sdl(build_schema(get_plugin_manager()))
