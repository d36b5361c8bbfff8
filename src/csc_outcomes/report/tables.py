"""Tables as pages show them: a caption, headed columns, formatted cells, and the same
rows (unformatted) as a CSV download.

A :class:`Table` holds a frame of raw values and the columns to show; the HTML cells are
formatted here once (templates only loop over them) and :meth:`Table.to_csv` writes the
raw values under the same headers, so a download reads back to the numbers behind the
page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime

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

    def texts(self, key: str) -> list[str]:
        """The formatted cells of one column, as the page shows them."""
        c = next(c for c in self.columns if c.key == key)
        vals = self.frame[c.key].tolist()
        if c.links:
            return ["; ".join(t for t, _ in v or []) for v in vals]
        if not c.numeric:
            return [fmt_cell(v) for v in vals]
        units = self.frame[c.unit_from].tolist() if c.unit_from else [c.unit] * len(vals)
        return [v if isinstance(v, str) else fmt_number(v, u, c.decimals)
                for v, u in zip(vals, units)]

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
                                   for t, h in v or []) for v in self.frame[c.key].tolist()]
            else:
                texts = self.texts(c.key)
                inner = [str(escape(t)) for t in texts]
                if c.href:
                    hrefs = self.frame[c.href].tolist()
                    inner = [f'<a href="{escape(root + h)}">{t}</a>' if isinstance(h, str) and t
                             else t for t, h in zip(inner, hrefs)]
            columns.append([start + x + end for x in inner])
        ids = ([f' id="{escape(self.row_id_prefix + str(i))}"' for i in
                self.frame[self.row_id].tolist()] if self.row_id else [""] * len(self.frame))
        return Markup("\n".join(f"<tr{i}>{''.join(cells)}</tr>"
                                 for i, cells in zip(ids, zip(*columns))))

    def to_csv(self) -> str:
        """The rows as CSV: raw values (full precision) under the page's headers."""
        frame = self.frame[[c.key for c in self.columns]].copy()
        for c in self.columns:
            if c.links:
                frame[c.key] = frame[c.key].map(lambda v: "; ".join(t for t, _ in v or []))
        frame = frame.set_axis([c.label for c in self.columns], axis=1)
        return frame.to_csv(index=False, lineterminator="\n")
