"""Tables for people: headers in words (with units where a column has one), numbers
formatted one way per column, and a layout that fits the terminal.

A table whose columns cannot fit side by side even with their words wrapped is shown
vertically instead, one block per row, so that no word is ever broken in two.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd

#: Column names that are not plain words, as people read them.
HEADERS = {
    "la_code": "Code", "la_name": "Authority", "authority": "Authority", "n": "n",
    "r": "r", "multiple_r": "Multiple R", "r_squared": "R²", "f": "F",
    "p": "Significance F", "slope": "Slope", "intercept": "Intercept",
    "reason": "Note", "rho": "rho", "spearman_rho": "Spearman rho",
    "spearman_p": "Spearman p", "odds_ratio": "Odds ratio per SD", "p_holm": "p (Holm)",
    "p_bh": "p (BH)", "ci_low": "CI low", "ci_high": "CI high", "sha256": "sha256",
    "cells_read": "Cells read", "values_stored": "Values stored",
    "special_stored": "Special values", "ofsted_rating": "Ofsted rating",
    "ofsted_date": "Ofsted date", "period": "Year", "percent": "%",
}


def header(column: str) -> str:
    """A column name in words: 'best_named_overlap' -> 'Best named overlap'."""
    key = str(column).replace(" ", "_")
    if key in HEADERS:
        return HEADERS[key]
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def is_year_column(name: str, values) -> bool:
    """A column of years ('period', 'year', 'from_year', 'Data year', ...): whole numbers
    between 1900 and 2100, printed without a thousands separator."""
    words = str(name).lower().replace("_", " ").split()
    if not words or words[-1] not in ("year", "period", "years"):
        return False
    finite = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
              and math.isfinite(v)]
    return all(v == int(v) and 1900 <= v <= 2100 for v in finite)


def year_cell(value) -> str:
    """A year as people write it: 2013, not 2,013; blank if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(int(value))


def _decimals(values) -> int:
    finite = [abs(v) for v in values if isinstance(v, float) and math.isfinite(v)]
    if not finite or all(v == int(v) for v in finite):
        return 0
    top = max(finite)
    return 3 if top < 10 else 2 if top < 100 else 1 if top < 10_000 else 0


def cell(value, decimals: int = 2) -> str:
    """One cell as text: thousands separators for every number, a fixed number of
    decimals per column, blanks for missing values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (hasattr(value, "dtype") and value.dtype.kind in "iu"):
        return f"{int(value):,}"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value != 0 and abs(value) < 10 ** -decimals:
            return f"{value:.2g}"
        return f"{value:,.{decimals}f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    text = str(value)
    return "" if text in ("nan", "NaT", "<NA>", "None") else text


def people_table(frame: pd.DataFrame, title: str | None = None,
                 caption: str | None = None, width: int | None = None) -> Table:
    """A rich Table of ``frame`` for people (see the module docstring). Columns with no
    value in any row are left out (the JSON and CSV outputs keep them)."""
    import pandas as pd

    from . import console

    width = width or console.width
    columns = [frame.iloc[:, j] for j in range(frame.shape[1])]
    if len(frame):  # a column with no value in any row says nothing
        columns = [c for c in columns if any(cell(v) for v in c.tolist())]
    names = [str(c.name) for c in columns]
    numeric = [pd.api.types.is_numeric_dtype(c) and not pd.api.types.is_bool_dtype(c)
               for c in columns]
    decimals = [_decimals(c.tolist()) if num else 0 for c, num in zip(columns, numeric)]
    years = [num and is_year_column(name, c.tolist()) for name, c, num in
             zip(names, columns, numeric)]
    rows = [[year_cell(v) if y else
             cell(int(v) if isinstance(v, float) and num and d == 0 and math.isfinite(v)
                  else v, d) for v, num, d, y in zip(values, numeric, decimals, years)]
            for values in zip(*[c.tolist() for c in columns])] if columns else []
    whole = rows  # the vertical layout has room for identifiers unbroken
    rows = _wrap_identifiers(rows, names, dict(zip(names, numeric)), width)
    if not _fits(rows, names, width):
        return _vertical(names, whole, title, caption)
    need = _need(rows, names)
    widths = _allocate(_natural(rows, names), need, width - (3 * len(names) + 1))
    table = Table(title=title, caption=caption, show_lines=False)
    for name, num, w in zip(names, numeric, widths):
        table.add_column(header(name), justify="right" if num else "left",
                         overflow="fold", width=w)
    for row in rows:
        table.add_row(*row)
    return table


def _natural(rows, columns) -> list[int]:
    """Each column's width with nothing wrapped (its widest line, header included)."""
    return [max([len(header(c))] + [len(line) for r in rows for line in r[j].split("\n")])
            for j, c in enumerate(columns)]


def _allocate(natural: list[int], need: list[int], room: int) -> list[int]:
    """Column widths that fit ``room``: each column's natural width, narrowed one
    character at a time where it has most to spare above its longest word, until the
    table fits. (rich narrows only its widest columns, and leaves a table wider than the
    terminal, cropped, when those cannot narrow.)"""
    widths = list(natural)
    excess = sum(widths) - room
    while excess > 0:
        j = max(range(len(widths)), key=lambda k: widths[k] - need[k])
        if widths[j] <= need[j]:
            break
        widths[j] -= 1
        excess -= 1
    return widths


def _need(rows, columns) -> list[int]:
    """Each column's narrowest width that breaks no word (the header kept on one line)."""
    out = []
    for j, c in enumerate(columns):
        words = [header(c)] + [w for r in rows for line in r[j].split("\n")
                               for w in line.split()]
        out.append(max((len(w) for w in words), default=1))
    return out


def _wrap_identifiers(rows, columns, numeric, width: int):
    """Where the table is too wide only because of long identifiers (indicator ids,
    file paths), break those cells at their hyphens, underscores and slashes (never
    inside a part) so that the table fits."""
    need = _need(rows, columns)
    spare = width - (3 * len(columns) + 1) - sum(need)
    if spare >= 0:
        return rows
    for j in sorted(range(len(columns)), key=lambda j: -need[j]):
        if numeric[columns[j]] or spare >= 0:
            continue
        parts_max = max((len(p) for r in rows for p in _parts(r[j])), default=1)
        target = max(parts_max, need[j] + spare, len(header(columns[j])))
        if target < need[j]:
            rows = [[_break(v, target) if k == j else v for k, v in enumerate(r)]
                    for r in rows]
            spare += need[j] - target
    return rows


def _parts(text: str) -> list[str]:
    import re

    return [p for p in re.split(r"(?<=[-_/])", text) if p]


def _break(text: str, width: int) -> str:
    """'care-leavers-21-accommodation' at 14 -> 'care-leavers-\n21-\naccommodation'."""
    lines, line = [], ""
    for word in text.split(" "):
        for part in _parts(word):
            if line and len(line) + len(part) > width:
                lines.append(line)
                line = ""
            line += part
        line += " "
    lines.append(line.rstrip())
    return "\n".join(x.rstrip() for x in lines if x.strip())


def _fits(rows, columns, width: int) -> bool:
    """Whether every column can show its longest word and header word unbroken."""
    need = _need(rows, columns)
    return sum(need) + 3 * len(need) + 1 <= width


def _vertical(columns, rows, title, caption) -> Table:
    table = Table(title=title, caption=caption, show_header=False, show_lines=True)
    table.add_column("record", overflow="fold")
    for row in rows:
        inner = Table.grid(padding=(0, 2))
        inner.add_column(style="bold", no_wrap=True)
        inner.add_column(overflow="fold")
        for c, v in zip(columns, row):
            inner.add_row(header(c), v)
        table.add_row(inner)
    return table
