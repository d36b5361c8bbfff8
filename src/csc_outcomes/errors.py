"""Exception classes and the Problem record shared by every stage.

The library raises; only the ``cli`` package turns a :class:`CscOutcomesError` into a
message and an exit code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


class CscOutcomesError(Exception):
    """Base class for every error this package raises on purpose."""


class DataError(CscOutcomesError):
    """A data folder, file, row or cell cannot be read as documented."""


class InputError(CscOutcomesError, ValueError):
    """An argument the user gave is outside what the store or the definitions hold (a year
    with no data, an unknown indicator id); the message gives the valid range or the
    nearest names. The command line exits with status 2, as for any bad option."""


class DefinitionError(InputError):
    """An indicator definition or indicator set is invalid."""


class LoadInterrupted(CscOutcomesError):
    """A load was stopped by Ctrl-C; the message says what state the store was left in."""


class AnalysisError(CscOutcomesError):
    """An analysis cannot be run on the data given (say, too few authorities)."""


#: Stable problem codes, each with a one-line meaning (documented in docs/cli.md).
PROBLEM_CODES: dict[str, str] = {
    "bad-value": "a cell is neither a number nor a suppression code the source documents",
    "unknown-la": "a row names a local authority the register cannot match",
    "duplicate-row": "a second row for the same authority, period and measure",
    "conflicting-duplicate": "two rows for the same authority, period and measure disagree",
    "unnamed-column": "a column with data has no header",
    "bad-date": "a date cell cannot be read as a date",
    "bad-grade": "an inspection judgement is not one of Ofsted's four grades",
    "truncated-row": "a row has fewer fields than the header (the file may be cut short)",
    "unknown-period": "a period label cannot be read as a year",
}


@dataclass(frozen=True)
class Problem:
    """One cell or row that could not be stored.

    ``cells`` is how many data cells the problem covers: 1 for a bad cell, the
    row's whole width for a row whose authority is unknown.
    """

    code: str
    file: str
    row: int | None
    column: str | None
    message: str
    value: str | None = None
    cells: int = 1

    def as_dict(self) -> dict:
        return asdict(self)

    def where(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)
