"""Reading a municipal spreadsheet: CSV (UTF-8 or Windows-1257, any usual delimiter) or XLSX, file or URL.

Yields ``(line, cells)`` pairs: ``line`` is the row's number as the operator
sees it in a text editor or Excel (the header is line 1 unless rows above it
are empty), ``cells`` the raw values (text for CSV; text, numbers or dates
for XLSX).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from core.imports import ImportSourceError

XLSX_MAGIC = b"PK\x03\x04"
DELIMITERS = (";", ",", "\t")


def fetch(source: str) -> bytes:
    """The bytes of a local file or of an http(s) URL."""
    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=30, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ImportSourceError(f"cannot download {source}: {exc}") from exc
        return response.content
    path = Path(source)
    if not path.is_file():
        raise ImportSourceError(f"there is no file {source}")
    return path.read_bytes()


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without BOM), else Windows-1257.

    Latvian letters in Windows-1257 are single high bytes, which are never
    valid UTF-8 next to plain letters, so trying UTF-8 first is a safe test.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1257"), "windows-1257"
    except UnicodeDecodeError as exc:
        raise ImportSourceError(f"the file is neither UTF-8 nor Windows-1257 text: {exc}") from exc


def _delimiter(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=header.count)


def csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text, _encoding = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportSourceError(f"line {reader.line_num}: not readable as CSV: {exc}") from exc


def xlsx_rows(data: bytes, sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook  # only XLSX imports pay for it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportSourceError(f"not a readable XLSX workbook: {exc}") from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ImportSourceError(
                f"the workbook has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})"
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        book.close()


def is_xlsx(source: str, data: bytes) -> bool:
    return source.lower().endswith((".xlsx", ".xlsm")) or data.startswith(XLSX_MAGIC)


def rows(source: str, sheet: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    data = fetch(source)
    return xlsx_rows(data, sheet) if is_xlsx(source, data) else csv_rows(data)
