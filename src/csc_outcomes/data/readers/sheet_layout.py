"""The layout of a formatted statistical table in a worksheet: its header block, column
labels, time dimension and units (used by la_tables.py).

A sheet has a title row ("Table LAG1: ..."), a period row, a block of header rows, then
data rows, then footnotes. A column's label joins its header cells top down; a merged
cell labels every column it spans; unit notes placed at the right end of a block label
that block; footnote marks glued to words are removed; a header row of years is a time
dimension.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

TITLE = re.compile(r"^\s*table\s+[\w.]+\s*:", re.IGNORECASE)


YEAR_CELL = re.compile(r"^((?:19|20)\d\d)\d{0,2}(?:\s*[-(\u2013].*)?$", re.DOTALL)


YEAR_TOKEN = re.compile(r"\b(?:19|20)\d\d\b")


UNIT_NOTE = re.compile(r"^(numbers?|percentages?|rates?)(\s+(and|&)\s+(numbers?|percentages?"
                       r"|rates?))?(\s+per\b.*)?$", re.IGNORECASE)


BAND = re.compile(r"^([<>]\s*\d+(\.\d+)?|\d+(\.\d+)?\s*-\s*\d+(\.\d+)?)%?$")


SYMBOLS = {"x", ".", "..", "-", ":"}


#: Footnote marks glued to a word of two or more letters (not "S20", "s47").
GLUED = re.compile(r"(?<=[A-Za-z]{2})\d+(?:\s*,\s*\d+)*(?=$|[\s:;,.)(%])|(?<=\))\d+(?=$|\s)")


#: A footnote mark glued to a number can only be told by the number being impossible:
#: ages ("aged 5 to 161") above 25, attainment levels ("level 45") above 8.
GLUED_NUMBER = [(re.compile(r"(\baged \d{1,2} to )(\d{3,4})\b"), 25),
                (re.compile(r"(\blevel )(\d{2,3})\b"), 8)]


#: Misspellings fixed in headings so that a column keeps its id when DfE corrects them.
TYPOS = {"accomodation": "accommodation", "assessement": "assessment"}


#: Units named by headers. A strong one anywhere up the path wins ("percentages" over
#: "Total number in education ..."); otherwise the deepest weak one.
STRONG_UNITS = [(re.compile(r"\bpercent(age)?s?\b|%", re.IGNORECASE), "percent"),
                (re.compile(r"\baverage\b", re.IGNORECASE), "average"),
                (re.compile(r"\brates?\b", re.IGNORECASE), "rate per 10,000 children")]


WEAK_UNITS = [(re.compile(r"\bnumbers?\b", re.IGNORECASE), "count"),
              (re.compile(r"\bscores?\b|confidence interval", re.IGNORECASE), "score")]


#: Connectives that label nothing ("of which" over "Adopted - application unopposed").
CONNECTIVES = re.compile(r"^of (which|these):?$", re.IGNORECASE)


#: Each cell text's kind (``_cell_kind``), for the whole process: workbooks repeat the
#: same names, symbols and small numbers sheet after sheet.
_KINDS: dict[str, str] = {}


@dataclass
class Sheet:
    """One worksheet: cell values by 0-based (row, column) and merged ranges."""

    name: str
    rows: list[list]
    merges: list

    # The layout is found by reading the same cells many times over: their text and
    # kind are worked out once per sheet.
    @cached_property
    def texts(self) -> list[list[str]]:
        """Each cell's text (:func:`cell_text`), rows and columns as in ``rows``."""
        # most cells are text (a third of them empty) or numbers: both without a call
        return [[value.strip() if type(value) is str else
                 f"{value:.15g}" if type(value) is float else cell_text(value)
                 for value in row] for row in self.rows]

    @cached_property
    def kinds(self) -> list[list[tuple[int, str, str]]]:
        """Each row's (column, kind, text) of non-empty cells; see ``_cell_kind``."""
        memo = _KINDS
        return [[(c, memo.get(t) or memo.setdefault(t, _cell_kind(t)), t)
                 for c, t in enumerate(row) if t] for row in self.texts]

    def text(self, r: int, c: int) -> str:
        row = self.texts[r] if r < len(self.texts) else []
        return row[c] if c < len(row) else ""


@dataclass
class Column:
    index: int  # 0-based sheet column
    path: list[str]  # header labels, top down
    year: int | None  # from a header row of years, else None
    own: bool  # has a header cell of its own (not just a group header spanning it)
    year_text: str = ""


def cell_text(value) -> str:
    """A cell as text: 2015.0 -> '2015', 14.700000000000001 -> '14.7', None -> ''."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value).strip()


def clean_label(text: str, footnotes: set[int] | None = None) -> str:
    """Collapse spaces and remove footnote marks.

    >>> clean_label("Children who had a missing incident during the year5")
    'Children who had a missing incident during the year'
    >>> clean_label("Youth justice legal Statuses6,7"), clean_label("Accommodated under S20")
    ('Youth justice legal Statuses', 'Accommodated under S20')
    >>> clean_label("looked after for at least 12 months aged 5 to 161", {1, 2, 3})
    'looked after for at least 12 months aged 5 to 16'
    >>> clean_label("looked after for at least 12 months aged 5 to 16 with an SDQ score2")
    'looked after for at least 12 months aged 5 to 16 with an SDQ score'
    """
    text = " ".join(str(text).split())
    text = re.sub(r"\b(" + "|".join(TYPOS) + r")\b", lambda m: TYPOS[m.group(1).lower()],
                  text, flags=re.IGNORECASE)
    text = GLUED.sub("", text)
    for pattern, most in GLUED_NUMBER:
        text = pattern.sub(lambda m, most=most: m.group(1) + _drop_mark(m.group(2), most,
                                                                        footnotes), text)
    return " ".join(text.split())


def _drop_mark(number: str, most: int, footnotes: set[int] | None) -> str:
    if int(number) <= most:
        return number
    for cut in range(len(number) - 1, 0, -1):
        head, mark = number[:cut], number[cut:]
        if int(head) <= most and (not footnotes or int(mark) in footnotes):
            return head
    return number


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def first_data_row(sheet: Sheet, start: int) -> int | None:
    """The first row whose numbers (or symbols) lie right of its last text cell."""
    for r in range(start, len(sheet.rows)):
        if _data_like(sheet, r):
            return r
    return None


def _cell_kind(text: str) -> str:
    """A non-empty cell's kind: symbol (or band), year, number or text."""
    if is_number(text):  # most cells; no symbol or band is a number
        return "year" if YEAR_CELL.match(text) and "." not in text else "number"
    if text.lower() in SYMBOLS or BAND.match(text):
        return "symbol"
    return "text"


def is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _data_like(sheet: Sheet, r: int) -> bool:
    kinds = sheet.kinds[r]
    last_text = max((c for c, k, _ in kinds if k == "text"), default=-1)
    return any(k in ("number", "symbol") and c > last_text for c, k, _ in kinds)


def find_id_end(sheet: Sheet, first: int) -> int:
    """The last identifier column: where most rows of numbers have their last text cell.

    The most common position, not the right-most, so that a stray word among the
    numbers is reported as a bad cell rather than taken for a name column.
    """
    ends = Counter()
    for r in range(first, len(sheet.rows)):
        if _data_like(sheet, r):
            ends[max((c for c, k, _ in sheet.kinds[r] if k == "text"), default=0)] += 1
    return max(ends, key=lambda c: (ends[c], c))


FOOTNOTE = re.compile(r"^\s*(\d{1,2})\.\s")


def footnote_numbers(sheet: Sheet, first: int) -> set[int]:
    numbers = set()
    for row in sheet.texts[first:]:
        for text in row[:2]:
            if m := FOOTNOTE.match(text):
                numbers.add(int(m.group(1)))
    return numbers


def header_columns(sheet: Sheet, rows: range, first_col: int,
                   footnotes: set[int] | None = None) -> list[Column]:
    """Label each column from ``first_col`` on from the header block ``rows``.

    Merged cells label every column they span; consecutive repeats (a cell merged
    down several rows) count once. A row of years becomes each column's year; a
    row of right-aligned unit notes labels the block of columns ending at each note.
    """
    width = max((len(row) for row in sheet.rows), default=0)
    origin = _merge_origins(sheet, rows)
    grid = {}  # (row, column) -> (label, its first column, top-left cell?, one column wide?)
    labels: dict[str, str] = {}  # a merged or empty cell is met many times
    for r in rows:
        for c in range(first_col, width):
            r0, c0, wide = origin.get((r, c), (r, c, False))
            if c0 < first_col:  # a title or note merged across the table, not a heading
                continue
            text = sheet.text(r0, c0)
            label = labels[text] if text in labels else labels.setdefault(
                text, clean_label(text, footnotes))
            if label and not CONNECTIVES.match(label):
                grid[r, c] = (label, c0, (r0, c0) == (r, c), not wide)
    year_rows = [r for r in rows if _row_matches(grid, r, YEAR_CELL)]
    units = {r: m for r in rows if r not in year_rows and _row_matches(grid, r, UNIT_NOTE)
             and (m := _unit_markers(grid, origin, r)) is not None}
    columns = []
    for c in range(first_col, width):
        path, own = [], any(grid[r, c][3] for r in rows if (r, c) in grid)
        for r in rows:
            if r in year_rows:
                continue
            if r in units:
                label = next((t for m, t in units[r] if m >= c), None)
            else:
                label = grid.get((r, c), (None,))[0]
            if label and (not path or path[-1] != label):
                path.append(label)
        year, text = _column_year(grid, rows, year_rows, units, c)
        if path or year is not None:
            columns.append(Column(c, path, year, own, text))
    return columns


def _merge_origins(sheet: Sheet, rows: range) -> dict:
    """(row, column) -> the top-left cell of the merged range it lies in (header block only)."""
    origin = {}
    for (r0, c0), (r1, c1) in sheet.merges:
        if r0 in rows:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    origin[r, c] = (r0, c0, c1 > c0)
    return origin


def _row_matches(grid: dict, r: int, pattern: re.Pattern) -> bool:
    own = [label for (row, _), (label, _, top_left, _) in grid.items() if row == r and top_left]
    return bool(own) and all(pattern.match(label) for label in own)


def _unit_markers(grid: dict, origin: dict, r: int) -> list[tuple[int, str]] | None:
    """Right-aligned unit notes of row ``r``: [] for a lone note (labels nothing), None
    when they are ordinary headings: merged over their columns, or one per column
    ("Number", "Percentage", "Number" ...) rather than one per block."""
    own = sorted((c, label) for (row, c), (label, _, top_left, _) in grid.items()
                 if row == r and top_left)
    if any(origin.get((r, c), (0, 0, False))[2] for c, _ in own):
        return None
    if len(own) == 1:
        return []
    gaps = [b[0] - a[0] for a, b in pairwise(own)]
    distinct = len({label.lower() for _, label in own}) == len(own)
    return own if distinct and min(gaps) > 1 else None


def _column_year(grid, rows, year_rows, units, c) -> tuple[int | None, str]:
    """A column's year: that of the header group its first label below the years starts in.

    DfE sometimes shifts a year heading off its group (SFR41 LAI4 puts "2015" over
    the 2014 "Concern" column); the group below the years tells which year it is.
    """
    if not year_rows:
        return None, ""
    yr = year_rows[0]
    below = [grid[r, c][1] for r in rows if r > yr and r not in units and (r, c) in grid]
    for col in ([below[0]] if below else []) + [c]:
        if (yr, col) in grid:
            label = grid[yr, col][0]
            return int(YEAR_CELL.match(label).group(1)), label
    return None, ""


def split_repeats(sheet: Sheet, columns: list[Column], rows: list, header: range,
                   notes: list[str]) -> None:
    """Name the blocks of a sheet whose percentages repeat its numbers' headings unmarked.

    DfE prints numbers, then the same headings again for percentages, sometimes with
    no "numbers" / "percentages" heading (SFR41 LAA8, LAB3, LAF3a). The repeat is
    taken as percentages only if the header says "percentages" somewhere or the
    repeat's first column is 100 (0 where there is no one); otherwise the repeats
    stay numbered.
    """
    for year in {col.year for col in columns}:
        group = [col for col in columns if col.year == year and col.path and col.own]
        paths = [tuple(col.path) for col in group]
        split = next((k for k in range(len(group)) if paths[k] in paths[:k]), None)
        if split is None:
            continue
        said = any("percent" in sheet.text(r, c).lower() for r in header
                   for c in range(len(sheet.rows[r])))
        hundreds = {row.cells.get(group[split].index) for row in rows} - {None, "", "x"}
        if not (said or "100" in hundreds <= {"100", "0"}):
            continue
        for k, col in enumerate(group):
            if not any(UNIT_NOTE.match(label) for label in col.path):
                col.path = ["numbers" if k < split else "percentages", *col.path]
        notes.append(f"{sheet.name}: headings repeat from column "
                     f"{column_letter(group[split].index)} without a unit; the columns before "
                     "are taken as numbers, the repeats as percentages")


def unit_of(path: list[str]) -> str:
    """The unit the headers name, deepest first; "percentages" over "Total number ...".

    >>> unit_of(["Banded SDQ Score", "Percentage", "Normal"]), unit_of(["Missing", "Children"])
    ('percent', 'count')
    >>> unit_of(["percentages", "Total number in education, employment or training"])
    'percent'
    """
    weak = None
    for label in reversed(path):
        for pattern, unit in STRONG_UNITS:
            if pattern.search(label):
                return unit
        weak = weak or next((u for p, u in WEAK_UNITS if p.search(label)), None)
    return weak or "count"

