"""The baseline of benchmark 1: every indicator figure of a region as of a date from ONE hand-written SQL statement.

It follows the definitions of ``core.domain.indicators`` (received = an episode
started on or before the date; active = not ended before it; by the granting
municipality, and once more for the whole region with an empty municipality;
deliveries and cost up to the date by funding source; the DI plan target
applicable on the date and the achievement against it). It returns the
figures that are not zero; the platform also returns the zero-filled frame, so
the comparison is on the platform's non-zero rows (plus every DI plan row).

Each row: indicator, municipality, target_group, service, recipient,
residence, funding_source, value, target (only for ``achievement``).
Sums come back as integer hundredths, as the columns store them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.domain.indicators import Unit

RECIPIENT = "CASE WHEN c.recipient_kind = 'PERSON' THEN 'PERSON' ELSE 'FAMILY' END"
RESIDENCE = ("CASE WHEN c.left_institution_on IS NOT NULL AND c.left_institution_on <= :d THEN 'LEFT_INSTITUTION' "
             "WHEN c.residence = 'COMMUNITY' THEN 'COMMUNITY' ELSE 'INSTITUTION' END")

SQL = f"""
WITH ep AS (
    SELECT e.granted_by AS m, c.target_group AS tg, e.service_code AS s, {RECIPIENT} AS r, {RESIDENCE} AS res,
           c.id AS subject, CASE WHEN e.end_date IS NULL OR e.end_date >= :d THEN 1 ELSE 0 END AS active
    FROM service_episodes e JOIN clients c ON c.id = e.client_id
    WHERE e.start_date <= :d
),
dl AS (
    SELECT e.granted_by AS m, c.target_group AS tg, e.service_code AS s, d.funding_source AS f,
           SUM(d.units) AS units, SUM(d.cost) AS cost
    FROM deliveries d JOIN service_episodes e ON e.id = d.episode_id JOIN clients c ON c.id = e.client_id
    WHERE d.date <= :d
    GROUP BY e.granted_by, c.target_group, e.service_code, d.funding_source
),
due AS (
    SELECT target_group, COALESCE(service_code, '') AS sk, recipient,
           COALESCE(MIN(CASE WHEN due >= :d THEN due END), MAX(due)) AS due
    FROM di_plan_targets WHERE region_code = :region
    GROUP BY target_group, COALESCE(service_code, ''), recipient
),
targets AS (
    SELECT t.target_group AS tg, t.service_code AS s,
           CASE WHEN t.recipient = 'PERSON' THEN 'PERSON' ELSE 'FAMILY' END AS r, SUM(t.target) AS target
    FROM di_plan_targets t
    JOIN due ON due.target_group = t.target_group AND due.sk = COALESCE(t.service_code, '')
            AND due.recipient = t.recipient AND due.due = t.due
    WHERE t.region_code = :region
    GROUP BY t.target_group, t.service_code, CASE WHEN t.recipient = 'PERSON' THEN 'PERSON' ELSE 'FAMILY' END
),
got AS (
    SELECT tg, s, r, COUNT(DISTINCT subject) AS n FROM ep GROUP BY tg, s, r
    UNION ALL
    SELECT tg, NULL, r, COUNT(DISTINCT subject) FROM ep GROUP BY tg, r
)
SELECT 'persons_received' AS ind, m, tg, s, r, res, NULL AS f, COUNT(DISTINCT subject) AS v, CAST(NULL AS BIGINT) AS t
    FROM ep GROUP BY m, tg, s, r, res
UNION ALL SELECT 'persons_received', NULL, tg, s, r, res, NULL, COUNT(DISTINCT subject), NULL
    FROM ep GROUP BY tg, s, r, res
UNION ALL SELECT 'persons_active', m, tg, s, r, res, NULL, COUNT(DISTINCT subject), NULL
    FROM ep WHERE active = 1 GROUP BY m, tg, s, r, res
UNION ALL SELECT 'persons_active', NULL, tg, s, r, res, NULL, COUNT(DISTINCT subject), NULL
    FROM ep WHERE active = 1 GROUP BY tg, s, r, res
UNION ALL SELECT 'unique_persons_received', m, tg, NULL, r, res, NULL, COUNT(DISTINCT subject), NULL
    FROM ep GROUP BY m, tg, r, res
UNION ALL SELECT 'unique_persons_received', NULL, tg, NULL, r, res, NULL, COUNT(DISTINCT subject), NULL
    FROM ep GROUP BY tg, r, res
UNION ALL SELECT 'unique_persons_active', m, tg, NULL, r, res, NULL, COUNT(DISTINCT subject), NULL
    FROM ep WHERE active = 1 GROUP BY m, tg, r, res
UNION ALL SELECT 'unique_persons_active', NULL, tg, NULL, r, res, NULL, COUNT(DISTINCT subject), NULL
    FROM ep WHERE active = 1 GROUP BY tg, r, res
UNION ALL SELECT 'persons_assessed', c.municipality_code, c.target_group, NULL, NULL, NULL, NULL,
                 COUNT(DISTINCT c.id), NULL
    FROM assessments a JOIN clients c ON c.id = a.client_id
    WHERE a.assessed_on <= :d AND a.complete GROUP BY c.municipality_code, c.target_group
UNION ALL SELECT 'persons_assessed', NULL, c.target_group, NULL, NULL, NULL, NULL, COUNT(DISTINCT c.id), NULL
    FROM assessments a JOIN clients c ON c.id = a.client_id
    WHERE a.assessed_on <= :d AND a.complete GROUP BY c.target_group
UNION ALL SELECT 'support_plans_approved', c.municipality_code, c.target_group, NULL, NULL, NULL, NULL, COUNT(*), NULL
    FROM support_plans p JOIN clients c ON c.id = p.client_id
    WHERE p.approved_on <= :d GROUP BY c.municipality_code, c.target_group
UNION ALL SELECT 'support_plans_approved', NULL, c.target_group, NULL, NULL, NULL, NULL, COUNT(*), NULL
    FROM support_plans p JOIN clients c ON c.id = p.client_id
    WHERE p.approved_on <= :d GROUP BY c.target_group
UNION ALL SELECT 'persons_left_institution', c.municipality_code, c.target_group, NULL, NULL, NULL, NULL, COUNT(*),
                 NULL
    FROM clients c WHERE c.left_institution_on <= :d GROUP BY c.municipality_code, c.target_group
UNION ALL SELECT 'persons_left_institution', NULL, c.target_group, NULL, NULL, NULL, NULL, COUNT(*), NULL
    FROM clients c WHERE c.left_institution_on <= :d GROUP BY c.target_group
UNION ALL SELECT 'delivery_units', m, tg, s, NULL, NULL, f, units, NULL FROM dl
UNION ALL SELECT 'delivery_units', NULL, tg, s, NULL, NULL, f, SUM(units), NULL FROM dl GROUP BY tg, s, f
UNION ALL SELECT 'delivery_cost', m, tg, s, NULL, NULL, f, cost, NULL FROM dl
UNION ALL SELECT 'delivery_cost', NULL, tg, s, NULL, NULL, f, SUM(cost), NULL FROM dl GROUP BY tg, s, f
UNION ALL SELECT 'di_plan_target', NULL, tg, s, r, NULL, NULL, target, NULL FROM targets
UNION ALL SELECT 'achievement', NULL, t.tg, t.s, t.r, NULL, NULL, COALESCE(got.n, 0), t.target
    FROM targets t LEFT JOIN got ON got.tg = t.tg AND got.r = t.r AND COALESCE(got.s, '') = COALESCE(t.s, '')
"""

STATEMENT = sa.text(SQL).bindparams(sa.bindparam("d", type_=sa.Date), sa.bindparam("region", type_=sa.String))

KEY = ("municipality", "target_group", "service", "recipient", "residence", "funding_source")
SUMS = {"delivery_units", "delivery_cost"}
PLAN = {"di_plan_target", "achievement"}

Figures = dict[tuple[Any, ...], Any]


def raw_figures(rows: list[Any]) -> Figures:
    """The statement's rows as {(indicator, *KEY): value}; sums as integer hundredths."""
    out: Figures = {}
    for ind, m, tg, s, r, res, f, v, t in rows:
        if ind == "achievement":
            value: Any = f"{v}/{t}" if t else None
        elif ind in PLAN:
            value = None if v is None else int(v)
        else:
            if v is None or v == 0:
                continue
            value = int(v)
        out[(ind, m, tg, s, r, res, f)] = value
    return out


def platform_figures(snapshot) -> Figures:
    """A :class:`core.domain.indicators.Snapshot` in the same shape: non-zero rows and every DI plan row."""
    out: Figures = {}
    for block in snapshot.indicators:
        code, unit = block.indicator.code, block.indicator.unit
        dims = [d.value for d in block.indicator.dimensions]
        for row in block.rows:
            named = dict(zip(dims, row[:-1], strict=True))
            value = row[-1]
            if code not in PLAN:
                if value is None or value == 0:
                    continue
                value = int(Decimal(value) * 100) if unit in (Unit.UNITS, Unit.EUR) else int(value)
            elif code == "di_plan_target" and value is not None:
                value = int(value)
            out[(code, *(named.get(k) for k in KEY))] = value
    return out


def differences(platform: Figures, raw: Figures, limit: int = 5) -> list[str]:
    """Up to ``limit`` figures that differ, for the error message."""
    keys = sorted(set(platform) | set(raw), key=repr)
    return [f"{k}: platform={platform.get(k)!r} raw={raw.get(k)!r}" for k in keys
            if platform.get(k) != raw.get(k)][:limit]


async def run_raw(conn, as_of: date, region: str) -> list[Any]:
    return list((await conn.execute(STATEMENT, {"d": as_of, "region": region})).all())
