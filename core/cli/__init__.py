"""The ``kopiena`` command line. Each module adds one group of commands to :data:`app`."""

from __future__ import annotations

from .app import app, main
from . import db as _db  # noqa: F401,E402  (registers commands)
from . import plugins as _plugins  # noqa: F401,E402

__all__ = ["app", "main"]
