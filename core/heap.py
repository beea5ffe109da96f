"""Keeping CPython's cycle collector out of the way of work that makes many short-lived objects.

Decoding a snapshot or importing a batch makes tens of thousands of lists,
dicts and rows at once; that sets off full collections, and each full
collection walks every object the process holds (modules, schemas,
SQLAlchemy's caches). Measured, that was a third of the CPU of the hub and
of an import. Three ways out, for three lifetimes:

* :func:`freeze_for_life`: a long-running consumer moves what it holds at
  start-up out of the collector's sight for good;
* :func:`frozen_while`: a task (an import) does the same for its duration;
* :func:`collector_paused`: no collection at all during a step that makes
  no cycles (``json.loads`` of a message).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_frozen_for_life = False


def freeze_for_life() -> None:
    """Free the garbage, then freeze what the process holds, once per process (it lives as long anyway)."""
    global _frozen_for_life
    if not _frozen_for_life:
        gc.collect()  # garbage is freed first, not frozen
        gc.freeze()
        _frozen_for_life = True


@contextlib.contextmanager
def frozen_while() -> Iterator[None]:
    """What the process holds now is out of the collector's sight inside the block and back afterwards;
    objects made inside are collected as usual. A heap frozen already (say for life) is left as it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cycle collection inside the block (for work that makes no cycles to find)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
