"""The ``federation`` plugin: adds ``kopiena hub``, ``relay``, ``natsconf``, ``streams`` and ``nats``.

Registered through the ``kopiena`` entry points like any installed plugin, so
the core never imports the federation.
"""

from __future__ import annotations

import typer

from core import hookimpl


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    from . import cli as commands  # imported only when the CLI starts

    commands.register(cli)
