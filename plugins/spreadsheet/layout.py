"""The spreadsheet layout a municipal social service keeps: one row per person-service episode.

Column headers are Latvian (case, spaces and missing diacritics do not
matter); see docs/plugins.md for the table operators get. Values are parsed
here into the programme's codes; the programme's rules are checked later by
the core, with the same write path as the API.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from core.domain.catalogue import Catalogue
from core.domain.regions import Municipality


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False


COLUMNS = (
    Column("record_id", "Ieraksta Nr."),
    Column("personal_code", "Personas kods", True),
    Column("given_name", "Vārds", True),
    Column("family_name", "Uzvārds", True),
    Column("birth_date", "Dzimšanas datums"),
    Column("target_group", "Mērķa grupa", True),
    Column("municipality", "Pašvaldība", True),
    Column("service", "Pakalpojums", True),
    Column("start_date", "Sākuma datums", True),
    Column("end_date", "Beigu datums"),
    Column("delivery_dates", "Sniegšanas datumi"),
    Column("units", "Vienības"),
    Column("recipient", "Saņēmējs"),
    Column("represents", "Pārstāvētā bērna personas kods"),
    Column("address", "Adrese"),
    Column("diagnosis", "Diagnoze"),
)
HEADER = {c.key: c.header for c in COLUMNS}

# the core reports problems by the API's field names; the operator knows the columns
FIELD_COLUMNS = {
    "personalCode": HEADER["personal_code"],
    "givenName": HEADER["given_name"],
    "familyName": HEADER["family_name"],
    "birthDate": HEADER["birth_date"],
    "targetGroup": HEADER["target_group"],
    "municipalityCode": HEADER["municipality"],
    "grantedBy": HEADER["municipality"],
    "serviceCode": HEADER["service"],
    "startDate": HEADER["start_date"],
    "endDate": HEADER["end_date"],
    "date": HEADER["delivery_dates"],
    "deliveries": HEADER["delivery_dates"],
    "units": HEADER["units"],
    "recipientKind": HEADER["recipient"],
    "representsClientId": HEADER["represents"],
    "address": HEADER["address"],
    "diagnosis": HEADER["diagnosis"],
    "clientExternalId": HEADER["personal_code"],
    "episodeExternalId": HEADER["record_id"],
}

TARGET_GROUPS = {
    "ADULT_GRT": (
        "GRT",
        "pieaugušais ar GRT",
        "pilngadīga persona ar GRT",
        "pilngadīgas personas ar garīga rakstura traucējumiem",
    ),
    "CHILD_FT": ("FT", "bērns ar FT", "bērni ar FT", "bērni ar funkcionāliem traucējumiem"),
    "CHILD_OOHC": ("ĀĢA", "ĀĢAB", "ārpusģimenes aprūpē esošs bērns", "ārpusģimenes aprūpē esošie bērni"),
}
RECIPIENTS = {
    "PERSON": ("persona", "klients", "pats"),
    "LEGAL_REPRESENTATIVE": ("likumiskais pārstāvis", "pārstāvis"),
    "FOSTER_FAMILY": ("audžuģimene",),
}
SERVICE_ALIASES = {  # the names in daily use, beside the catalogue's official ones
    "Dienas aprūpes centrs": "DAY_CARE_CENTRE",
    "Grupu māja": "GROUP_HOME",
    "Grupu dzīvoklis": "GROUP_HOME",
    "Grupu mājas/dzīvokļi": "GROUP_HOME",
    "Specializētās darbnīcas": "SPECIALISED_WORKSHOP",
    "Aprūpe mājās": "HOME_CARE",
    "Īslaicīgā sociālā aprūpe": "SHORT_TERM_CARE",
    "Speciālistu konsultācijas": "SPECIALIST_SUPPORT",
    "Individuālais atbalsts": "SPECIALIST_SUPPORT",
    "Atbalsta grupas": "SUPPORT_GROUP",
    "Grupu nodarbības": "SUPPORT_GROUP",
    "Sociālais mentors": "SOCIAL_MENTOR",
    "Atbalsta persona": "SUPPORT_PERSON",
    "Atelpas brīdis": "RESPITE_CARE",
    "Sociālā rehabilitācija": "SOCIAL_REHAB_CHILD",
    "Jauniešu mājas": "YOUTH_HOME",
}
EXCEL_EPOCH = date(1899, 12, 30)


class CellError(ValueError):
    """A value that cannot be read; ``column`` names where it is."""

    def __init__(self, column: str, message: str, code: str = "INVALID_VALUE") -> None:
        super().__init__(message)
        self.column = column
        self.code = code


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Casefolded, without diacritics, spaces collapsed and trailing dots dropped: how headers are matched."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(plain.casefold().replace("_", " ").split()).rstrip(".:")


def match_headers(cells: list[Any]) -> tuple[dict[str, int], list[str]]:
    """Column index of each known column, or the problems with the header row."""
    known = {fold(c.header): c for c in COLUMNS}
    index: dict[str, int] = {}
    problems: list[str] = []
    for i, cell in enumerate(cells):
        name = fold(cell or "")
        if not name:
            continue
        column = known.get(name)
        if column is None:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
            if close:  # a misspelt column would silently lose its data
                problems.append(
                    f"unknown column {str(cell).strip()!r} (did you mean {known[close[0]].header!r}?)"
                )
            continue
        if column.key in index:
            problems.append(f"the column {column.header!r} appears twice")
        index[column.key] = i
    missing = [c.header for c in COLUMNS if c.required and c.key not in index]
    if missing:
        problems.insert(0, "missing column(s): " + ", ".join(repr(m) for m in missing))
    return index, problems


def text(value: Any) -> str:
    if type(value) is str:  # a CSV cell: the usual case first
        return " ".join(value.split())
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return " ".join(str(value).split())


_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\.?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(value: Any, column: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):  # an Excel serial day number
        return EXCEL_EPOCH + timedelta(days=int(value))
    return _date(text(value), column)


def _date(raw: str, column: str) -> date:
    day = _text_date(raw)
    if isinstance(day, str):
        raise CellError(column, day)
    return day


@functools.lru_cache(maxsize=4096)  # a sheet repeats its dates: each is read once
def _text_date(raw: str) -> date | str:
    """The date ``raw`` writes, or why it is none."""
    m = _DATE.fullmatch(raw) or _ISO_DATE.fullmatch(raw)
    if m is None:
        return f"{raw!r} is not a date; write it as DD.MM.YYYY."
    parts = [int(p) for p in m.groups()]
    day, month, year = parts if "." in raw else reversed(parts)
    try:
        return date(year, month, day)
    except ValueError:
        return f"{raw!r} is not a real date."


_DATE_SEPARATORS = re.compile(r"[;\s]+")
_RANGE_DASH = re.compile(r"\s*[-–—]\s*")


def parse_dates(value: Any, column: str) -> list[date]:
    """Delivery dates: DD.MM.YYYY separated by ``;``, spaces or new lines; ``a-b``: every day from a to b."""
    if isinstance(value, date | datetime):
        return [parse_date(value, column)]
    out: list[date] = []
    for part in _DATE_SEPARATORS.split(_RANGE_DASH.sub("-", text(value))):
        if not part:
            continue
        if "-" in part and "." in part:
            first, _, last = part.partition("-")
            a, b = _date(first, column), _date(last, column)
            if b < a:
                raise CellError(column, f"{part!r}: the range ends before it starts.")
            if (b - a).days > 366:
                raise CellError(column, f"{part!r}: a range is at most one year.")
            out.extend(a + timedelta(days=n) for n in range((b - a).days + 1))
        else:
            out.append(_date(part, column))  # a part of a text: text already
    return out


def parse_decimal(value: Any, column: str) -> Decimal:
    """``2,5`` and ``2.5`` are both two and a half; ``1 234,5`` has a thousands space."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    raw = text(value).replace(" ", "").replace("\u00a0", "")
    if "," in raw and "." in raw:
        raise CellError(column, f"{raw!r} mixes a decimal comma and point.")
    try:
        number = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise CellError(column, f"{raw!r} is not a number.") from None
    if not number.is_finite():
        raise CellError(column, f"{raw!r} is not a number.")
    return number


def parse_units(value: Any, count: int, column: str) -> list[Decimal]:
    """One number for every delivery date, or one per date separated by ``;``."""
    raw = text(value)
    if ";" not in raw:
        return [parse_decimal(value, column)] * count
    parts = [p for p in raw.split(";") if p.strip()]
    if len(parts) != count:
        raise CellError(column, f"{len(parts)} numbers for {count} delivery dates.")
    return [parse_decimal(p, column) for p in parts]


def lookup(names: Mapping[str, tuple[str, ...]], value: Any) -> str:
    """The code a Latvian label stands for; an unknown label is returned as given (the core refuses it)."""
    raw = text(value)
    return _labels(names).get(fold(raw), raw)


_LABELS: dict[int, tuple[Mapping, dict[str, str]]] = {}


def _forget_some(cache: dict) -> None:
    """Keep a handful of tables (a process has one registry, a test suite many)."""
    if len(cache) >= 16:
        cache.clear()


def _labels(names: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Folded code or label -> code (the first code that has it), worked out once for each table of names."""
    cached = _LABELS.get(id(names))
    if cached is None or cached[0] is not names:
        _forget_some(_LABELS)
        folded: dict[str, str] = {}
        for code, labels in names.items():
            for label in (code, *labels):
                folded.setdefault(fold(label), code)
        cached = _LABELS[id(names)] = (names, folded)
    return cached[1]


@functools.lru_cache(maxsize=16)
def _service_names(catalogue: Catalogue) -> dict[str, str]:
    names = {fold(alias): code for alias, code in SERVICE_ALIASES.items() if code in catalogue}
    for s in catalogue:
        for name in (s.code, s.name_lv, s.name_en, s.name_lv.removesuffix(" pakalpojums")):
            names[fold(name)] = s.code
    return names


def service_code(catalogue: Catalogue, value: Any) -> str:
    """By code, Latvian or English catalogue name, or a name social workers use for it."""
    raw = text(value)
    return _service_names(catalogue).get(fold(raw), raw)


_NAMES: dict[int, tuple[Mapping, dict[str, list[Municipality]]]] = {}


def _municipality_names(municipalities: Mapping[str, Municipality]) -> dict[str, list[Municipality]]:
    """Folded full or short name -> the municipalities that have it, worked out once for each registry."""
    cached = _NAMES.get(id(municipalities))
    if cached is None or cached[0] is not municipalities:
        _forget_some(_NAMES)
        names: dict[str, list[Municipality]] = {}
        for m in municipalities.values():
            for name in {fold(m.name_lv), fold(m.short_name)}:
                names.setdefault(name, []).append(m)
        cached = _NAMES[id(municipalities)] = (municipalities, names)
    return cached[1]


def municipality_code(municipalities: Mapping[str, Municipality], value: Any, on: date | None) -> str:
    """By code, full or short name; a name shared by a historic and a current one goes by the date."""
    raw = text(value)
    if raw in municipalities:
        return raw
    found = _municipality_names(municipalities).get(fold(raw), [])
    if not found:
        return raw
    current = [m for m in found if on is not None and m.current_on(on)]
    return (current or sorted(found, key=lambda m: m.valid_to is not None))[0].code
