"""Complete assessments written out by hand, with the scores worked out by hand beside them.

The adult instrument (SIS_ADULT 1) rates each activity on type / frequency /
time (0-4 each, an item's raw score is their sum, at most 12) and each
exceptional item on "need" (0-2). The total counts the six areas marked
``in_total`` (protection and advocacy is reported but not counted), so its
maximum is 49 items x 12 = 588. Care-level thresholds are 25 / 50 / 75 % of
588 = 147 / 294 / 441; a medical or behavioural flag adds one level.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.assessment import Rating

ADULT_AREAS = ("HOME_LIVING", "COMMUNITY_LIVING", "LIFELONG_LEARNING", "EMPLOYMENT", "HEALTH_SAFETY",
               "SOCIAL_ACTIVITIES", "PROTECTION_ADVOCACY")
PREFIX = {"HOME_LIVING": "HL", "COMMUNITY_LIVING": "CL", "LIFELONG_LEARNING": "LL", "EMPLOYMENT": "EM",
          "HEALTH_SAFETY": "HS", "SOCIAL_ACTIVITIES": "SA", "PROTECTION_ADVOCACY": "PA"}
COUNTS = {"MEDICAL": 15, "BEHAVIOURAL": 13}


@dataclass
class Example:
    name: str
    activities: dict[str, list[tuple[int, int, int]]]
    medical: dict[int, int]
    behavioural: dict[int, int]
    areas: dict[str, int]
    total: int
    flags: tuple[str, ...]
    care_level: int
    proposed: set[str]

    def ratings(self) -> list[Rating]:
        out = []
        for area, triples in self.activities.items():
            for n, (t, f, d) in enumerate(triples, start=1):
                code = f"{PREFIX[area]}{n:02d}"
                out += [Rating(code, t, "type"), Rating(code, f, "frequency"), Rating(code, d, "time")]
        for section, prefix, given in (("MEDICAL", "MD", self.medical), ("BEHAVIOURAL", "BH", self.behavioural)):
            for n in range(1, COUNTS[section] + 1):
                out.append(Rating(f"{prefix}{n:02d}", given.get(n, 0)))  # one scale: no scale named
        return out


def _same(triple, n):
    return [triple] * n


# Anna: moderate needs, no flags.
ANNA = Example(
    "Anna",
    {
        # 7+5+5+8+0+6+5+4 = 40
        "HOME_LIVING": [(2, 3, 2), (1, 3, 1), (1, 3, 1), (3, 3, 2), (0, 0, 0), (2, 2, 2), (2, 2, 1), (1, 2, 1)],
        "COMMUNITY_LIVING": _same((2, 2, 2), 8),  # 8 x 6 = 48 (exactly half of 96: high need)
        "LIFELONG_LEARNING": _same((1, 1, 1), 9),  # 9 x 3 = 27
        "EMPLOYMENT": _same((0, 0, 0), 8),  # 0
        # 7+3+5+0+4+4+3+6 = 32
        "HEALTH_SAFETY": [(3, 3, 1), (1, 1, 1), (2, 1, 2), (0, 0, 0), (1, 2, 1), (2, 1, 1), (1, 1, 1), (2, 3, 1)],
        "SOCIAL_ACTIVITIES": _same((1, 2, 1), 8),  # 8 x 4 = 32
        "PROTECTION_ADVOCACY": _same((2, 1, 1), 8),  # 8 x 4 = 32, not in the total
    },
    medical={5: 1, 10: 1},  # total 2, no item at 2: no flag
    behavioural={8: 1, 9: 1, 12: 1},  # total 3: no flag
    areas={"HOME_LIVING": 40, "COMMUNITY_LIVING": 48, "LIFELONG_LEARNING": 27, "EMPLOYMENT": 0,
           "HEALTH_SAFETY": 32, "SOCIAL_ACTIVITIES": 32, "PROTECTION_ADVOCACY": 32, "MEDICAL": 2, "BEHAVIOURAL": 3},
    total=179,  # 40+48+27+0+32+32; 179/588 = 30.4 % -> level 2
    flags=(),
    care_level=2,
    proposed={"SUPPORT_PERSON"},  # only community living reaches 50 %
)

# Jānis: high needs everywhere, one medical item at "extensive" -> flag, level 3 + 1 = 4.
JANIS = Example(
    "Jānis",
    {
        "HOME_LIVING": _same((4, 4, 4), 8),  # 96
        "COMMUNITY_LIVING": _same((3, 3, 3), 8),  # 72
        "LIFELONG_LEARNING": _same((3, 2, 2), 9),  # 63
        "EMPLOYMENT": _same((4, 3, 3), 8),  # 80
        "HEALTH_SAFETY": _same((3, 3, 3), 8),  # 72
        "SOCIAL_ACTIVITIES": _same((2, 2, 2), 8),  # 48
        "PROTECTION_ADVOCACY": _same((3, 3, 2), 8),  # 64
    },
    medical={2: 2},  # tube feeding "extensive": any item at 2 -> MEDICAL_SUPPORT_NEEDS
    behavioural={},
    areas={"HOME_LIVING": 96, "COMMUNITY_LIVING": 72, "LIFELONG_LEARNING": 63, "EMPLOYMENT": 80,
           "HEALTH_SAFETY": 72, "SOCIAL_ACTIVITIES": 48, "PROTECTION_ADVOCACY": 64, "MEDICAL": 2, "BEHAVIOURAL": 0},
    total=431,  # 96+72+63+80+72+48; 431/588 = 73.3 % -> level 3, flag -> 4
    flags=("MEDICAL_SUPPORT_NEEDS",),
    care_level=4,
    proposed={"HOME_CARE", "SUPPORT_PERSON", "SUPPORT_GROUP", "SPECIALISED_WORKSHOP", "SPECIALIST_SUPPORT",
              "DAY_CARE_CENTRE", "SOCIAL_MENTOR"},
)

# Līga: low needs, but six behavioural items at "some" -> total 6 -> flag; level 1 + 1 = 2.
LIGA = Example(
    "Līga",
    {
        "HOME_LIVING": [(1, 1, 1), (0, 0, 0)] * 4,  # 4 x 3 = 12
        "COMMUNITY_LIVING": _same((1, 2, 1), 4) + _same((0, 0, 0), 4),  # 4 x 4 = 16
        "LIFELONG_LEARNING": _same((0, 0, 0), 9),  # 0
        "EMPLOYMENT": _same((1, 1, 0), 8),  # 16
        "HEALTH_SAFETY": _same((2, 2, 1), 8),  # 40
        "SOCIAL_ACTIVITIES": _same((1, 1, 1), 8),  # 24
        "PROTECTION_ADVOCACY": _same((0, 1, 1), 8),  # 16
    },
    medical={1: 1, 2: 1, 3: 1, 4: 1, 5: 1},  # total 5: below 6, no item at 2 -> no flag
    behavioural={1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1},  # total 6 -> BEHAVIOURAL_SUPPORT_NEEDS
    areas={"HOME_LIVING": 12, "COMMUNITY_LIVING": 16, "LIFELONG_LEARNING": 0, "EMPLOYMENT": 16,
           "HEALTH_SAFETY": 40, "SOCIAL_ACTIVITIES": 24, "PROTECTION_ADVOCACY": 16, "MEDICAL": 5, "BEHAVIOURAL": 6},
    total=108,  # 12+16+0+16+40+24; 108/588 = 18.4 % -> level 1, flag -> 2
    flags=("BEHAVIOURAL_SUPPORT_NEEDS",),
    care_level=2,
    proposed=set(),
)

EXAMPLES = (ANNA, JANIS, LIGA)

# A child (FT_CHILD 1): one scale "support" 0-4, five items per domain (max 20); the total counts the
# five child domains (family support is not counted), max 100; thresholds 20 / 45 / 70 %.
CHILD_RATINGS = {
    "MO": [4, 4, 3, 3, 2],  # 16
    "SC": [3, 3, 3, 3, 2],  # 14
    "CO": [1, 1, 0, 0, 1],  # 3
    "LE": [2, 2, 2, 1, 1],  # 8
    "BE": [1, 1, 2, 1, 1],  # 6: no item at 4, total below 12 -> no behaviour flag
    "FA": [3, 3, 2, 2, 2],  # 12 -> FAMILY_UNDER_STRAIN (does not raise the care level)
}
CHILD_AREAS = {"MOBILITY": 16, "SELF_CARE": 14, "COMMUNICATION": 3, "LEARNING": 8, "BEHAVIOUR": 6,
               "FAMILY_SUPPORT": 12}
CHILD_TOTAL = 47  # 47 % -> level 3
CHILD_FLAGS = ("FAMILY_UNDER_STRAIN",)


def child_ratings() -> list[Rating]:
    return [Rating(f"{p}{n}", v) for p, values in CHILD_RATINGS.items() for n, v in enumerate(values, start=1)]


def adult_with_total(total: int) -> list[Rating]:
    """A complete adult assessment whose total is ``total`` (no flags): counted items filled in order."""
    out, left = [], total
    for area in ADULT_AREAS:
        count = 9 if area == "LIFELONG_LEARNING" else 8
        for n in range(1, count + 1):
            code = f"{PREFIX[area]}{n:02d}"
            raw = 0 if area == "PROTECTION_ADVOCACY" else min(left, 12)
            left -= raw
            t = min(raw, 4)
            f = min(raw - t, 4)
            out += [Rating(code, t, "type"), Rating(code, f, "frequency"), Rating(code, raw - t - f, "time")]
    assert left == 0
    for prefix, count in (("MD", 15), ("BH", 13)):
        out += [Rating(f"{prefix}{n:02d}", 0) for n in range(1, count + 1)]
    return out
