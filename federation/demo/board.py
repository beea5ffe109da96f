"""The start-up progress display: which process is up, which region's data is in, which region has reported.

On a terminal it is a live table (rich); elsewhere (a log, a test) each change
is one line, so the story of a start-up can be read afterwards.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

COLUMNS = ("data", "process", "at the hub")


class Board:
    def __init__(self, console: Console, rows: list[str]) -> None:
        self.console = console
        self.started = time.monotonic()
        self.cells: dict[str, dict[str, str]] = {r: dict.fromkeys(COLUMNS, "") for r in rows}
        self.live: Live | None = None
        if console.is_terminal:
            self.live = Live(self, console=console, refresh_per_second=4, transient=False)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def __enter__(self) -> Board:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()

    def set(self, row: str, column: str, text: str) -> None:
        if self.cells[row][column] == text:
            return
        self.cells[row][column] = text
        if self.live is None:
            plain = Text.from_markup(text).plain
            self.console.print(f"{self.elapsed:6.1f}s  {row:<11} {column}: {plain}", highlight=False,
                               markup=False)

    def __rich__(self) -> Table:
        table = Table(title=f"Starting the national demo ({self.elapsed:.0f} s)", title_justify="left")
        table.add_column("")
        for column in COLUMNS:
            table.add_column(column)
        for row, cells in self.cells.items():
            table.add_row(row, *(cells[c] for c in COLUMNS))
        return table
