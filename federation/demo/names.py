"""Synthetic people: Latvian-looking names, birth dates, personal codes and addresses.

Nothing here is a real person: given and family names are drawn independently
from lists of common names, and personal codes are built by
:func:`core.domain.personal_code.make_personal_code` from a drawn birth date and
serial. Each region draws serials from its own range, so the five demo regions
never share a personal code. Everything comes from the ``random.Random`` the
caller passes, so the same seed gives the same people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from core.domain.personal_code import make_personal_code

MALE = ("Jānis", "Andris", "Edgars", "Māris", "Aivars", "Juris", "Kārlis", "Artūrs", "Roberts", "Mārtiņš",
        "Guntis", "Raimonds", "Valdis", "Dainis", "Ivars", "Rihards", "Emīls", "Markuss", "Oskars", "Gustavs",
        "Daniels", "Kristaps", "Toms", "Matīss", "Ralfs", "Sandis", "Uldis", "Aleksandrs", "Dmitrijs",
        "Sergejs", "Pēteris", "Arvīds", "Gints", "Normunds", "Krišjānis", "Dāvis")
FEMALE = ("Anna", "Kristīne", "Ilze", "Inese", "Līga", "Laura", "Sanita", "Dace", "Ieva", "Agnese", "Evija",
          "Marta", "Sofija", "Emīlija", "Alise", "Elza", "Paula", "Keita", "Estere", "Madara", "Zane", "Santa",
          "Baiba", "Gunta", "Vija", "Rūta", "Daina", "Jeļena", "Olga", "Natālija", "Marija", "Aija", "Sandra",
          "Linda", "Anete", "Rēzija")
FAMILY = (  # (man, woman): Latvian family names change their ending with gender
    ("Bērziņš", "Bērziņa"), ("Kalniņš", "Kalniņa"), ("Ozoliņš", "Ozoliņa"), ("Jansons", "Jansone"),
    ("Ozols", "Ozola"), ("Liepiņš", "Liepiņa"), ("Krūmiņš", "Krūmiņa"), ("Balodis", "Balode"),
    ("Eglītis", "Eglīte"), ("Zariņš", "Zariņa"), ("Pētersons", "Pētersone"), ("Vītols", "Vītola"),
    ("Kļaviņš", "Kļaviņa"), ("Kārkliņš", "Kārkliņa"), ("Vanags", "Vanaga"), ("Lācis", "Lāce"),
    ("Siliņš", "Siliņa"), ("Kalējs", "Kalēja"), ("Zālītis", "Zālīte"), ("Sproģis", "Sproģe"),
    ("Strazdiņš", "Strazdiņa"), ("Dzenis", "Dzene"), ("Kalns", "Kalna"), ("Priede", "Priede"),
    ("Roze", "Roze"), ("Āboliņš", "Āboliņa"), ("Rudzītis", "Rudzīte"), ("Lapiņš", "Lapiņa"),
    ("Graudiņš", "Graudiņa"), ("Pujāts", "Pujāte"), ("Ivanovs", "Ivanova"), ("Petrovs", "Petrova"),
    ("Vasiļjevs", "Vasiļjeva"), ("Smirnovs", "Smirnova"), ("Kozlovskis", "Kozlovska"), ("Vilcāns", "Vilcāne"),
    ("Upenieks", "Upeniece"), ("Celmiņš", "Celmiņa"), ("Miezis", "Mieze"), ("Grīnbergs", "Grīnberga"),
)
STREETS = ("Liepu", "Ozolu", "Skolas", "Dārza", "Brīvības", "Rīgas", "Saules", "Meža", "Pils", "Stacijas",
           "Lauku", "Bērzu", "Kalna", "Upes", "Ezera", "Pavasara", "Zemnieku", "Jaunā", "Dzirnavu", "Parka")

NEW_CODES_SINCE = date(2017, 7, 1)
"""Codes without a birth date (starting 32) are issued since July 2017."""
NEW_CODE_SHARE = 0.04
"""Share of people born earlier who chose a new-format code (our assumption)."""
OLD_SERIALS_PER_REGION = 200
NEW_SERIALS_PER_REGION = 10**7


@dataclass(frozen=True)
class Identity:
    given_name: str
    family_name: str
    female: bool
    birth_date: date
    personal_code: str
    address: str


def day_between(rng: random.Random, first: date, last: date) -> date:
    """A day in ``first``..``last`` (both included)."""
    return first + timedelta(days=rng.randrange((last - first).days + 1))


class People:
    """Draws distinct synthetic people for one region."""

    def __init__(self, rng: random.Random, region_index: int) -> None:
        self.rng = rng
        self.region_index = region_index
        self.used: set[str] = set()

    def code(self, birth: date) -> str:
        """A personal code no one else in the demo has."""
        while True:
            if birth >= NEW_CODES_SINCE or self.rng.random() < NEW_CODE_SHARE:
                serial = self.region_index * NEW_SERIALS_PER_REGION + self.rng.randrange(NEW_SERIALS_PER_REGION)
                code = make_personal_code(None, serial)
            else:
                serial = self.region_index * OLD_SERIALS_PER_REGION + self.rng.randrange(OLD_SERIALS_PER_REGION)
                code = make_personal_code(birth, serial)
            if code not in self.used:
                self.used.add(code)
                return code

    def address(self, place: str) -> str:
        rng = self.rng
        flat = f"-{rng.randint(1, 60)}" if rng.random() < 0.6 else ""
        return f"{rng.choice(STREETS)} iela {rng.randint(1, 120)}{flat}, {place}"

    def person(self, born_from: date, born_to: date, place: str, *, family: tuple[str, str] | None = None,
               female: bool | None = None) -> Identity:
        """Someone born in ``born_from``..``born_to`` living in ``place`` (a municipality's name)."""
        rng = self.rng
        female = rng.random() < 0.5 if female is None else female
        birth = day_between(rng, born_from, born_to)
        surname = (family or rng.choice(FAMILY))[1 if female else 0]
        given = rng.choice(FEMALE if female else MALE)
        return Identity(given, surname, female, birth, self.code(birth), self.address(place))

    def family_of(self, identity: Identity) -> tuple[str, str]:
        """The (man, woman) pair of ``identity``'s family name, so a parent can share it."""
        index = 1 if identity.female else 0
        return next((pair for pair in FAMILY if pair[index] == identity.family_name),
                    (identity.family_name, identity.family_name))
