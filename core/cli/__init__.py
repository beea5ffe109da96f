"""The ``kopiena`` command line. Each module adds one group of commands to :data:`app`."""

from __future__ import annotations

from . import db as _db  # noqa: F401,E402  (registers commands)
from . import imports as _imports  # noqa: F401,E402
from . import indicators as _indicators  # noqa: F401,E402
from . import node as _node  # noqa: F401,E402
from . import plugins as _plugins  # noqa: F401,E402
from . import schema as _schema  # noqa: F401,E402
from . import token as _token  # noqa: F401,E402
from .app import app, main

__all__ = ["app", "main"]
