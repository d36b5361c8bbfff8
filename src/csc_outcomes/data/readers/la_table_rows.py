"""The body rows of a DfE LA table and the authority each row names (used by la_tables.py).

The columns left of the data hold the ONS code, DfE code and name. England and
regions are matched by name, authorities by code, and a code whose authority the
name contradicts is not trusted.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

import numpy as np
import pandas as pd

from ..register import dfe_code_text, normalise_name
from .base import ReadContext
from .sheet_layout import Sheet, clean_label

ONS = re.compile(r"^E\d{8}$")


DFE = re.compile(r"\d{3}")


#: A national table can name an authority by chance (a row "Reading"); a table of
#: authorities names many.
MIN_AUTHORITIES = 10


@dataclass
class Row:
    number: int  # row number as Excel shows it
    ons: str | None
    dfe: str | None
    name: str | None
    cells: dict  # column index -> text, right of the identifiers


class Lookups:
    """The register's answers for one workbook, each question asked once: its sheets
    list the same authorities again and again (13,000 rows, a few hundred keys)."""

    def __init__(self, ctx: ReadContext):
        self.ctx = ctx
        self._codes: dict[tuple, str | None] = {}
        self._rows: dict[tuple, tuple[str | None, str | None]] = {}
        self._odd: dict[tuple, bool] = {}

    def code(self, **key) -> str | None:
        """``register.resolve(**key).la_code``."""
        asked = tuple(key.items())
        if asked not in self._codes:
            self._codes[asked] = self.ctx.register.resolve(**key).la_code
        return self._codes[asked]

    def rows(self, rows: list[Row], area: list[bool], year: int) -> tuple[list, list]:
        """What resolve_rows gives for the rows' keys (see ``_keys``), as lists; it is
        asked only about rows unlike those of earlier sheets."""
        found = []
        for row, level in zip(rows, area):
            key = (year, *_codes_given(row, level), row.name, level)
            if key not in self._rows:
                _, ons, dfe, name, _ = key
                answer = self.ctx.register.resolve(ons=ons, dfe=dfe, name=name, year=year,
                                                   area_level=bool(level))
                self._rows[key] = (answer.la_code, answer.reason)
            found.append(self._rows[key])
        return [code for code, _ in found], [reason for _, reason in found]

    def contradicted(self, row: Row, is_area: bool) -> bool:
        """Whether a code of the row names another area than its name (a region's) or its
        DfE code (an authority's) does."""
        key = (row.ons, row.dfe, row.name, is_area)
        if key not in self._odd:
            area_names = self.ctx.register.area_names
            by_code = {k: self.code(**{k: value})
                       for k, value in (("ons", row.ons), ("dfe", row.dfe))
                       if isinstance(value, str)}
            want = area_names[normalised(row.name)] if is_area else by_code.get("dfe")
            self._odd[key] = bool(want) and any(v and v != want for v in by_code.values())
        return self._odd[key]


def body_rows(sheet: Sheet, first: int, id_end: int, notes: list[str]):
    """Rows with numbers or symbols, and the text of the other rows (footnotes, legends).

    A row of numbers with no name takes the name of a name-only row just below it
    (SFR41 LAI3 prints "England" one row under England's numbers).

    Parameters
    ----------
    sheet, first, id_end : the sheet, its first data row and its last identifier column.
    notes : where the borrowing of a name is noted.

    Returns
    -------
    tuple[list[Row], list[str]]
        The data rows, and the text of each other non-empty row.
    """
    rows, texts, pending = [], [], None
    for r in range(first, len(sheet.rows)):
        kinds = sheet.kinds[r]  # in column order: the identifiers, then the data
        split = bisect_right(kinds, id_end, key=itemgetter(0))
        ons, dfe, name = _identifiers(sheet.rows[r], kinds[:split])
        right = kinds[split:]
        cells = {c: t for c, _, t in right}
        if all(k == "text" for _, k, _ in right):  # no number, symbol or band
            if pending is not None and name and not cells:
                pending.ons, pending.dfe, pending.name = ons, dfe, name
                notes.append(f"{sheet.name}: the name {name!r} in row {r + 1} is taken for "
                             f"the numbers in row {pending.number} above it")
            elif name or cells:
                texts.append(" ".join([name or ""] + list(cells.values())).strip())
            pending = None if (name or cells) else pending
            continue
        rows.append(Row(r + 1, ons, dfe, name, cells))
        pending = rows[-1] if not (ons or dfe or name) else None
    return rows, texts


def _identifiers(values: list, kinds: list):
    ons = dfe = name = None
    for c, _, text in kinds:
        kind, found = _identifier(values[c], text)
        if kind == "ons":
            ons = found
        elif kind == "dfe":
            dfe = found
        else:
            name = found
    return ons, dfe, name


# every sheet names the same 170 areas, by the same codes (typed: 301 and 301.0 are
# different cells, which happen to give the same answer)
@lru_cache(maxsize=4096, typed=True)
def _identifier(value, text: str) -> tuple[str, str]:
    """("ons" | "dfe" | "name", the code or name) for an identifier cell and its text."""
    if ONS.match(text):
        return "ons", text
    if DFE.fullmatch(code := dfe_code_text(value) or ""):
        return "dfe", code
    return "name", clean_label(text)


def identify(lookups: Lookups, sheet: Sheet, rows: list[Row], year: int,
             notes: list[str]) -> tuple[pd.Series, pd.Series] | None:
    """Each row's register key and, where there is none, why; None if no row is an authority.

    England and regions are matched by name (SFR34 LAB1 gives North East the code
    990, South West's); an authority by its DfE code, else its ONS code, unless its
    name is another authority's. SFR41 LAB3 prints the ONS codes of Outer London one
    row out of step, so an ONS code the DfE code and name contradict is only noted.

    Parameters
    ----------
    lookups : the register's answers so far for this workbook.
    sheet, rows, year : the sheet, its data rows and the reporting year.
    notes : where contradicting codes are noted.

    Returns
    -------
    tuple[pd.Series, pd.Series] | None
        Register keys (None where unknown) and reasons, indexed by row number; None
        if fewer than :data:`MIN_AUTHORITIES` rows are authorities.
    """
    register = lookups.ctx.register
    area = [isinstance(row.name, str) and normalised(row.name) in register.area_names
            for row in rows]
    _note_codes(lookups, sheet, rows, area, notes)
    codes, reasons = lookups.rows(rows, area, year)
    _check_names(lookups, rows, area, codes, reasons, year)
    reasons = ["the row has numbers but no code or name"
               if row.ons is None and row.dfe is None and row.name is None else reason
               for row, reason in zip(rows, reasons)]
    authorities = sum(register.areas.get(k, {}).get("level") in (None, "joint")
                      for k in codes if k is not None)
    if authorities < MIN_AUTHORITIES:
        return None
    index = pd.Index([row.number for row in rows])
    return pd.Series(codes, index=index, dtype=object), pd.Series(reasons, index=index,
                                                                  dtype=object)


@lru_cache(maxsize=4096)
def normalised(name: str) -> str:
    """:func:`normalise_name`, once per name (the sheets repeat the same 170)."""
    return normalise_name(name)


def _codes_given(row: Row, is_area: bool) -> tuple[str | None, str | None]:
    """The (ONS, DfE) codes a row is matched by: a region by its name alone, an
    authority with a DfE code by that code (and its name)."""
    if is_area:
        return None, None
    return (row.ons if row.dfe is None else None), row.dfe


def _keys(rows: list[Row], area: list[bool]) -> pd.DataFrame:
    """The rows' keys (_codes_given and names) as resolve_rows takes them; a code
    left out is NaN if its column holds other codes, None if not."""
    keys = pd.DataFrame({"ons": [row.ons for row in rows], "dfe": [row.dfe for row in rows],
                         "name": [row.name for row in rows]},
                        index=pd.Index([row.number for row in rows]))
    region = np.array(area, dtype=bool)
    keys["dfe"] = keys["dfe"].where(~region, None)
    keys["ons"] = keys["ons"].where(~region & keys["dfe"].isna().to_numpy(), None)
    return keys


def _note_codes(lookups: Lookups, sheet: Sheet, rows: list[Row], area: list[bool],
                notes: list[str]) -> None:
    """Note codes contradicted by a region's name, or an ONS code by the DfE code."""
    odd = {True: [], False: []}
    for row, is_area in zip(rows, area):
        if lookups.contradicted(row, is_area):
            odd[is_area].append(row.number)
    if odd[True]:
        notes.append(f"{sheet.name}: region row(s) {_spans(odd[True])} carry another area's "
                     "code; matched by name")
    if odd[False]:
        notes.append(f"{sheet.name}: the ONS code in row(s) {_spans(odd[False])} is another "
                     "authority's; matched by DfE code and name")


def _spans(numbers: list[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9'."""
    spans = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _check_names(lookups: Lookups, rows: list[Row], area: list[bool], codes: list,
                 reasons: list, year: int) -> None:
    """Withhold a code whose authority the row's name contradicts."""
    keys = None  # built only if a name contradicts
    for i, (row, is_area) in enumerate(zip(rows, area)):
        if is_area or not isinstance(row.name, str) or codes[i] is None:
            continue
        named = lookups.code(name=row.name, year=year)
        if named and named != codes[i]:
            keys = _keys(rows, area) if keys is None else keys
            # the code quoted as a row of the keys frame gives it (pandas 3 reads a code
            # left out as NaN, which is truthy)
            _, given = next(keys.iloc[i:i + 1].iterrows())
            reasons[i] = (f"code {given.ons or given.dfe} is {codes[i]} but the name "
                          f"{row.name!r} is {named}")
            codes[i] = None
