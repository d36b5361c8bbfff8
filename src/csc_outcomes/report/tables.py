"""Tables as pages show them: a caption, headed columns, formatted cells, and the same
rows (unformatted) as a CSV download.

A :class:`Table` holds a frame of raw values and the columns to show; the HTML cells are
formatted here once (templates only loop over them) and :meth:`Table.to_csv` writes the
raw values under the same headers, so a download reads back to the numbers behind the
page.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, cached_property

import pandas as pd
from markupsafe import Markup, escape

#: decimals shown for each unit; values keep full precision in the CSV downloads
DECIMALS = {"percent": 1, "rate per 10,000 children": 1, "rate per 100,000": 1, "count": 0,
            "ratio": 1, "score": 1, "GBP": 0, "GBP per child": 0, "average": 1, "FTE": 1}
SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def fmt_number(value, unit: str | None = None, decimals: int | None = None) -> str:
    """A number as the pages print it: ``12.3%``, ``£1,234``, ``1,234``; "" if missing.

    >>> fmt_number(12.345, "percent"), fmt_number(1234.4, "GBP"), fmt_number(7, "count")
    ('12.3%', '£1,234', '7')
    """
    if missing(value):
        return ""
    places = decimals if decimals is not None else DECIMALS.get(unit or "", 2)
    if unit == "count" and decimals is None and float(value) != int(value):
        places = 1
    text = f"{float(value):,.{places}f}"
    if unit == "percent":
        return text + "%"
    if unit in ("GBP", "GBP per child"):
        return ("-£" + text[1:]) if text.startswith("-") else "£" + text
    return text


@cache
def _formatter(unit: str | None, decimals: int | None):
    """``fmt_number`` for one unit and number of decimals, with the choices made once."""
    places = decimals if decimals is not None else DECIMALS.get(unit or "", 2)
    pattern = "{:,." + str(places) + "f}"
    prefix = "£" if unit in ("GBP", "GBP per child") else ""
    suffix = "%" if unit == "percent" else ""
    whole = unit == "count" and decimals is None

    def fmt(value) -> str:
        if value is None or value is pd.NA or value != value:
            return ""
        if whole and float(value) != int(value):
            return fmt_number(value, unit, decimals)
        text = pattern.format(float(value))
        if prefix and text.startswith("-"):
            return "-" + prefix + text[1:] + suffix
        return prefix + text + suffix

    return fmt


def fmt_p(value) -> str:
    """A p-value: three decimals, or "< 0.001".

    >>> fmt_p(0.0004), fmt_p(0.0312)
    ('< 0.001', '0.031')
    """
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def fmt_cell(value) -> str:
    if missing(value):
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.strftime("%d %b %Y")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column: ``key`` in the frame, ``label`` as the header (and the CSV header).

    ``unit`` formats its numbers (or ``unit_from``: the key of a column holding each row's
    unit); ``decimals`` overrides the unit's; ``href`` is the key of a column holding each
    cell's link (pages only; not in the CSV); ``links`` says each cell is a list of
    (text, href) pairs (the CSV joins the texts with "; ").
    """

    key: str
    label: str
    numeric: bool = False
    unit: str | None = None
    unit_from: str | None = None
    decimals: int | None = None
    href: str | None = None
    links: bool = False
    #: cells hold long identifiers (measure names) that may break anywhere
    code: bool = False
    #: formats each (non-missing) value instead of the unit's rule
    fmt: Callable[[object], str] | None = None


@dataclass
class Table:
    """A captioned table with a CSV download.

    Parameters
    ----------
    id : lower-case, hyphenated; unique on its page, and the CSV file's name.
    caption : says what the rows are (shown as ``<caption>``).
    frame : the raw values, one row per table row.
    columns : what to show, in order.
    row_header : key of the column whose cells head each row (``<th scope="row">``).
    """

    id: str
    caption: str
    frame: pd.DataFrame
    columns: list[Column]
    row_header: str | None = None
    #: key of a column whose values (prefixed) become each row's id, for links to a row
    row_id: str | None = None
    row_id_prefix: str = ""
    csv_href: str | None = field(default=None, repr=False)

    def __post_init__(self):
        if not SAFE_ID.match(self.id):
            raise ValueError(f"table id {self.id!r} must be lower-case letters, digits and -")
        absent = [c.key for c in self.columns if c.key not in self.frame.columns]
        if absent:
            raise ValueError(f"table {self.id}: no column(s) {absent} in its frame")

    def header(self) -> list[dict]:
        return [{"label": c.label, "numeric": c.numeric} for c in self.columns]

    @cached_property
    def _lists(self) -> dict[str, list]:
        """Every column the table uses, as a list (read from the frame once)."""
        keys = {k for c in self.columns for k in (c.key, c.href, c.unit_from) if k}
        if self.row_id:
            keys.add(self.row_id)
        return {k: self.frame[k].tolist() for k in keys}

    def texts(self, key: str) -> list[str]:
        """The formatted cells of one column, as the page shows them."""
        c = next(c for c in self.columns if c.key == key)
        vals = self._lists[c.key]
        if c.links:
            return ["; ".join(t for t, _ in v or []) for v in vals]
        if c.fmt is not None:
            return ["" if missing(v) else c.fmt(v) for v in vals]
        if not c.numeric:
            return [fmt_cell(v) for v in vals]
        if c.unit_from:
            return [v if isinstance(v, str) else _formatter(u, c.decimals)(v)
                    for v, u in zip(vals, self._lists[c.unit_from])]
        fmt = _formatter(c.unit, c.decimals)
        return [v if isinstance(v, str) else fmt(v) for v in vals]

    def body_html(self, root: str = "") -> Markup:
        """The ``<tbody>`` rows: formatted, escaped, links prefixed with ``root`` (the way
        from the page back to the site's root)."""
        columns = []
        for c in self.columns:
            header = c.key == self.row_header
            start = ('<th scope="row">' if header else '<td class="num">' if c.numeric else
                     '<td class="code">' if c.code else "<td>")
            end = "</th>" if header else "</td>"
            if c.links:
                inner = [", ".join(f'<a href="{escape(root + h)}">{escape(t)}</a>'
                                   for t, h in v or []) for v in self._lists[c.key]]
            else:
                inner = self.texts(c.key) if c.numeric else [str(escape(t)) for t in
                                                             self.texts(c.key)]
                if c.href:
                    inner = [f'<a href="{escape(root + h)}">{t}</a>' if isinstance(h, str) and t
                             else t for t, h in zip(inner, self._lists[c.href])]
            columns.append([start + x + end for x in inner])
        ids = ([f' id="{escape(self.row_id_prefix + str(i))}"' for i in
                self._lists[self.row_id]] if self.row_id else [""] * len(self.frame))
        return Markup("\n".join(f"<tr{i}>{''.join(cells)}</tr>"
                                 for i, cells in zip(ids, zip(*columns))))

    def to_csv(self) -> str:
        """The rows as CSV: raw values (full precision) under the page's headers; a
        missing value is an empty field."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.label for c in self.columns])
        columns = []
        for c in self.columns:
            vals = self._lists[c.key]
            if c.links:
                columns.append(["; ".join(t for t, _ in v or []) for v in vals])
            else:
                columns.append(["" if v is None or v is pd.NA or v != v else v
                                for v in vals])
        writer.writerows(zip(*columns))
        return out.getvalue()
