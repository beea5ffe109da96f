"""The root Typer app and the error handling every command shares: one clear line, non-zero exit."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console

from core.domain.errors import DomainError
from core.plugins import PluginError, get_plugin_manager
from core.store.engine import DatabaseUrlError

app = typer.Typer(
    name="kopiena",
    help="kopiena: regional nodes and the national hub of the deinstitutionalisation programme.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")


class CommandError(Exception):
    """A command cannot go on; the message is shown as it is."""


EXPECTED = (DomainError, PluginError, DatabaseUrlError, CommandError, OSError)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise SystemExit(code)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        where = f" ({exc.field})" if exc.field else ""
        return f"{exc.code}{where}: {exc.message}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _load_plugin_commands() -> None:
    try:
        get_plugin_manager().hook.register_commands(cli=app)
    except PluginError as exc:
        fail(str(exc))


def main(argv: list[str] | None = None) -> None:
    _load_plugin_commands()
    try:
        app(args=argv, standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except EXPECTED as exc:
        fail(_describe(exc))
    except Exception as exc:  # sqlalchemy, asyncpg and friends: say what, not where
        if "sqlalchemy" in type(exc).__module__ or "asyncpg" in type(exc).__module__:
            fail(f"database: {_describe(getattr(exc, 'orig', None) or exc)}")
        raise


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
