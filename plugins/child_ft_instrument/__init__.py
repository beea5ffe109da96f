"""The needs-assessment instrument for children with functional impairments (``CHILD_FT``).

Shaped on functional domains (mobility, self-care, communication, learning,
behaviour) plus the support the family needs; each item is rated once, on the
support the child (or family) needs, 0-4. The instrument is data in this
folder; this module only hands it to the plugin manager (entry point
``child_ft_instrument``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core import hookimpl
from core.domain.assessment import Instrument, parse_instrument

FOLDER = Path(__file__).parent


@lru_cache(maxsize=1)
def instrument() -> Instrument:
    return parse_instrument((FOLDER / "instrument.json").read_text(encoding="utf-8"),
                            (FOLDER / "items.csv").read_text(encoding="utf-8"))


@hookimpl
def assessment_instruments() -> list[Instrument]:
    return [instrument()]
