"""Small numeric helpers: percentiles, medians, ratios, rounding for the report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def ratio(platform: float, raw: float) -> float | None:
    if not raw or math.isnan(raw) or math.isnan(platform):
        return None
    return round(platform / raw, 3)


def r(value: float | None, digits: int = 4) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(value, digits)


def timing(seconds: Sequence[float]) -> dict:
    """Median, min and max of repeated runs, in seconds."""
    return {"runs": len(seconds), "median_s": r(median(seconds)), "min_s": r(min(seconds)),
            "max_s": r(max(seconds))}
