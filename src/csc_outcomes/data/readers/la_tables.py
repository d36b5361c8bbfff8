"""DfE looked-after children "LA tables": formatted workbooks made for people, not machines.

Four workbooks in ``dfe_cla_la_tables/<year>/``, ``<year>`` being the reporting
year (ending 31 March): the SFR34/2015 and SFR41/2016 local-authority tables
(children looked after, starting and ceasing, adoptions, care leavers, missing
children, offending, substance misuse, health and SDQ scores; sheets ``LAA1`` to
``LAI4``) and the educational-outcomes workbooks SFR11/2016 and SFR12/2017 (sheets
``Table LA1`` to ``Table LA6``).

One parser reads every sheet. A sheet has a title row ("Table LAG1: ..."), a
period row, a block of header rows, then England, region and authority rows, then
footnotes and symbol legends:

* the header block runs from the title to the first row of numbers. A column's
  label joins its header cells top down; a merged cell labels every column it
  spans. Unit notes ("numbers", "percentages") placed at the right end of a block
  label that block's columns; a lone one ("numbers and percentages") is ignored.
  Footnote marks glued to words ("year5", "Statuses6,7", "aged 5 to 161") are
  removed;
* a header row of years (2013 2014 2015) is a time dimension: each column is
  stored under its year, otherwise under the sheet's period (the reporting year);
* the columns left of the data hold the ONS code, DfE code and name. England and
  regions are matched by name, authorities by code, and a code whose authority
  the name contradicts is not trusted;
* cells follow the SFR symbols (x suppressed, . not applicable, .. not available,
  - negligible). Banded percentages ("90-99", "<90") are not numbers: reported.

Sheets without authority rows (indexes, SFR11's national tables) are skipped with
a note. Measure ids are ``cla-la-tables:<sheet>:<slug of the label>`` with years
removed, so one sheet's columns form one series across releases.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from itertools import pairwise

import pandas as pd

from ...errors import DataError, Problem
from ..register import dfe_code_text, normalise_name
from .base import (
    ReadContext,
    ReadResult,
    check_duplicates,
    emit_column,
    report_unknown,
    resolve_rows,
    slug,
)
from .sfr_csv import folder_year

DATASET = "cla-la-tables"
TITLE = re.compile(r"^\s*table\s+[\w.]+\s*:", re.IGNORECASE)
YEAR_CELL = re.compile(r"^((?:19|20)\d\d)\d{0,2}(?:\s*[-(\u2013].*)?$", re.DOTALL)
YEAR_TOKEN = re.compile(r"\b(?:19|20)\d\d\b")
UNIT_NOTE = re.compile(r"^(numbers?|percentages?|rates?)(\s+(and|&)\s+(numbers?|percentages?"
                       r"|rates?))?(\s+per\b.*)?$", re.IGNORECASE)
ONS = re.compile(r"^E\d{8}$")
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
#: A national table can name an authority by chance (a row "Reading"); a table of
#: authorities names many.
MIN_AUTHORITIES = 10


@dataclass
class Sheet:
    """One worksheet: cell values by 0-based (row, column) and merged ranges."""

    name: str
    rows: list[list]
    merges: list

    def text(self, r: int, c: int) -> str:
        row = self.rows[r] if r < len(self.rows) else []
        return cell_text(row[c]) if c < len(row) else ""


@dataclass
class Column:
    index: int  # 0-based sheet column
    path: list[str]  # header labels, top down
    year: int | None  # from a header row of years, else None
    own: bool  # has a header cell of its own (not just a group header spanning it)
    year_text: str = ""


def read(ctx: ReadContext) -> ReadResult:
    """Read every local-authority table of one workbook.

    Parameters
    ----------
    ctx : the workbook, its name in the data folder and the register of authorities.

    Returns
    -------
    ReadResult
        One observation per authority (England and regions included), column and
        period; ``release`` is the reporting year. Skipped sheets are named in
        ``notes`` with the reason.
    """
    year = folder_year(ctx)
    result = ReadResult(release=str(year))
    for sheet in open_sheets(ctx):
        read_sheet(ctx, sheet, year, result)
    if not result.observations:
        raise DataError(f"{ctx.name}: no sheet holds a table of local authorities. Is this "
                        "a DfE LA-table workbook? Restore the original (csc-outcomes data fetch).")
    obs = result.observation_frame()
    obs["year"] = obs["year"].astype("Int64")
    result.observations = [check_duplicates(result, ctx, obs)]
    return result


def open_sheets(ctx: ReadContext) -> list[Sheet]:
    """Every sheet of the workbook, rows as Excel numbers them (blank leading rows kept)."""
    from python_calamine import CalamineError, CalamineWorkbook

    if ctx.path.stat().st_size == 0:
        raise DataError(f"{ctx.name}: the file is empty. Download it again "
                        "(csc-outcomes data fetch) or remove it from the data folder.")
    try:
        book = CalamineWorkbook.from_path(str(ctx.path))
        sheets = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            sheets.append(Sheet(name, sheet.to_python(skip_empty_area=False),
                                sheet.merged_cell_ranges or []))
    except (CalamineError, OSError, ValueError) as exc:
        raise DataError(f"{ctx.name}: cannot be read as a workbook ({exc}). Restore the "
                        "original file (csc-outcomes data fetch).") from exc
    return sheets


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


# -- one sheet -----------------------------------------------------------------------------

def read_sheet(ctx: ReadContext, sheet: Sheet, year: int, result: ReadResult) -> None:
    """Parse one sheet into ``result``, or add a note saying why it was skipped."""
    title_row = next((r for r in range(min(len(sheet.rows), 12))
                      if TITLE.match(sheet.text(r, 0))), None)
    if title_row is None:
        result.notes.append(f"sheet {sheet.name!r} skipped: no 'Table ...:' title, so not a "
                            "statistical table (an index or notes page)")
        return
    first = _first_data_row(sheet, title_row + 1)
    if first is None:
        result.notes.append(f"sheet {sheet.name!r} skipped: no rows of numbers under its title")
        return
    notes: list[str] = []  # kept only if the sheet is loaded
    id_end = _id_end(sheet, first)
    footnotes = _footnote_numbers(sheet, first)
    columns = header_columns(sheet, range(title_row + 1, first), id_end + 1, footnotes)
    rows, texts = _body_rows(sheet, first, id_end, notes)
    table = _identify(ctx, sheet, rows, year, notes)
    if table is None:
        result.notes.append(f"sheet {sheet.name!r} skipped: fewer than {MIN_AUTHORITIES} rows "
                            "name a local authority (a national-only table)")
        return
    _split_repeats(sheet, columns, rows, range(title_row + 1, first), notes)
    if any(col.year is None for col in columns):
        year = _period_year(sheet, title_row, first, year, notes)
    result.notes += notes
    meta = Meta(year, *_title_notes(sheet, title_row, texts))
    _emit_sheet(ctx, sheet, columns, table, rows, meta, result)


def _first_data_row(sheet: Sheet, start: int) -> int | None:
    """The first row whose numbers (or symbols) lie right of its last text cell."""
    for r in range(start, len(sheet.rows)):
        if _data_like(sheet, r):
            return r
    return None


def _kinds(sheet: Sheet, r: int) -> list[tuple[int, str, str]]:
    """(column, kind, text) of each non-empty cell; kind is number, symbol, year or text."""
    out = []
    for c in range(len(sheet.rows[r])):
        t = sheet.text(r, c)
        if not t:
            continue
        if t.lower() in SYMBOLS or BAND.match(t):
            kind = "symbol"
        elif _is_number(t):
            kind = "year" if YEAR_CELL.match(t) and "." not in t else "number"
        else:
            kind = "text"
        out.append((c, kind, t))
    return out


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _data_like(sheet: Sheet, r: int) -> bool:
    kinds = _kinds(sheet, r)
    last_text = max((c for c, k, _ in kinds if k == "text"), default=-1)
    return any(k in ("number", "symbol") and c > last_text for c, k, _ in kinds)


def _id_end(sheet: Sheet, first: int) -> int:
    """The last identifier column: where most rows of numbers have their last text cell.

    The most common position, not the right-most, so that a stray word among the
    numbers is reported as a bad cell rather than taken for a name column.
    """
    ends = Counter()
    for r in range(first, len(sheet.rows)):
        if _data_like(sheet, r):
            ends[max((c for c, k, _ in _kinds(sheet, r) if k == "text"), default=0)] += 1
    return max(ends, key=lambda c: (ends[c], c))


def _footnote_numbers(sheet: Sheet, first: int) -> set[int]:
    numbers = set()
    for r in range(first, len(sheet.rows)):
        for c in (0, 1):
            if m := re.match(r"^\s*(\d{1,2})\.\s", sheet.text(r, c)):
                numbers.add(int(m.group(1)))
    return numbers


# -- the header block ----------------------------------------------------------------------

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
    for r in rows:
        for c in range(first_col, width):
            r0, c0, wide = origin.get((r, c), (r, c, False))
            if c0 < first_col:  # a title or note merged across the table, not a heading
                continue
            label = clean_label(sheet.text(r0, c0), footnotes)
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


def _split_repeats(sheet: Sheet, columns: list[Column], rows: list, header: range,
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


# -- the rows ------------------------------------------------------------------------------

@dataclass
class Row:
    number: int  # row number as Excel shows it
    ons: str | None
    dfe: str | None
    name: str | None
    cells: dict  # column index -> text, right of the identifiers


def _body_rows(sheet: Sheet, first: int, id_end: int, notes: list[str]):
    """Rows with numbers or symbols, and the text of the other rows (footnotes, legends).

    A row of numbers with no name takes the name of a name-only row just below it
    (SFR41 LAI3 prints "England" one row under England's numbers).
    """
    rows, texts, pending = [], [], None
    for r in range(first, len(sheet.rows)):
        ons, dfe, name = _identifiers(sheet, r, id_end)
        cells = {c: t for c in range(id_end + 1, len(sheet.rows[r])) if (t := sheet.text(r, c))}
        if not any(_is_number(t) or t.lower() in SYMBOLS or BAND.match(t)
                   for t in cells.values()):
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


def _identifiers(sheet: Sheet, r: int, id_end: int):
    ons = dfe = name = None
    for c in range(id_end + 1):
        text = sheet.text(r, c)
        if not text:
            continue
        if ONS.match(text):
            ons = text
        elif re.fullmatch(r"\d{3}", dfe_code_text(sheet.rows[r][c]) or ""):
            dfe = dfe_code_text(sheet.rows[r][c])
        else:
            name = clean_label(text)
    return ons, dfe, name


def _identify(ctx: ReadContext, sheet: Sheet, rows: list[Row], year: int,
              notes: list[str]) -> tuple[pd.Series, pd.Series] | None:
    """Each row's register key and, where there is none, why; None if no row is an authority.

    England and regions are matched by name (SFR34 LAB1 gives North East the code
    990, South West's); an authority by its DfE code, else its ONS code, unless its
    name is another authority's. SFR41 LAB3 prints the ONS codes of Outer London one
    row out of step, so an ONS code the DfE code and name contradict is only noted.
    """
    index = pd.Index([row.number for row in rows])
    keys = pd.DataFrame({"ons": [row.ons for row in rows], "dfe": [row.dfe for row in rows],
                         "name": [row.name for row in rows]}, index=index)
    area = keys["name"].map(lambda n: isinstance(n, str)
                            and normalise_name(n) in ctx.register.area_names)
    _note_codes(ctx, sheet, keys, area, notes)
    keys.loc[area, ["ons", "dfe"]] = None
    keys.loc[keys["dfe"].notna(), "ons"] = None
    codes, reasons = resolve_rows(ctx, keys, ons="ons", dfe="dfe", name="name",
                                  year=pd.Series(year, index=index), area_level=area)
    _check_names(ctx, keys[~area], codes, reasons, year)
    reasons[keys.isna().all(axis=1)] = "the row has numbers but no code or name"
    levels = codes.dropna().map(lambda k: ctx.register.areas.get(k, {}).get("level"))
    if levels.isin([None, "joint"]).sum() < MIN_AUTHORITIES:
        return None
    return codes, reasons


def _note_codes(ctx: ReadContext, sheet: Sheet, keys: pd.DataFrame, area: pd.Series,
                notes: list[str]) -> None:
    """Note codes contradicted by a region's name, or an ONS code by the DfE code."""
    odd = {True: [], False: []}
    for number, row in keys.iterrows():
        by_code = {k: ctx.register.resolve(**{k: row[k]}).la_code
                   for k in ("ons", "dfe") if isinstance(row[k], str)}
        want = (ctx.register.area_names[normalise_name(row["name"])] if area[number]
                else by_code.get("dfe"))
        if want and any(v and v != want for v in by_code.values()):
            odd[bool(area[number])].append(number)
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


def _check_names(ctx: ReadContext, keys: pd.DataFrame, codes: pd.Series, reasons: pd.Series,
                 year: int) -> None:
    for number, row in keys[keys["name"].notna() & codes[keys.index].notna()].iterrows():
        named = ctx.register.resolve(name=row["name"], year=year).la_code
        if named and named != codes[number]:
            reasons[number] = (f"code {row.ons or row.dfe} is {codes[number]} but the name "
                               f"{row['name']!r} is {named}")
            codes[number] = None


# -- observations --------------------------------------------------------------------------

@dataclass
class Meta:
    period_year: int  # the sheet's period, for columns without a year heading
    subject: str  # the title without "Table X:" and "by local authority"
    notes: str  # title and rounding footnote


def _emit_sheet(ctx: ReadContext, sheet: Sheet, columns: list[Column], table, rows: list[Row],
                meta: Meta, result: ReadResult) -> None:
    codes, reasons = table
    index = codes.index
    has_data = {c for row in rows for c in row.cells}
    data = [col for col in columns if col.own]
    spacers = len([col for col in columns if not col.own and col.index not in has_data])
    if spacers:
        result.notes.append(f"{sheet.name}: {spacers} empty column(s) with no heading of "
                            "their own skipped (spacers)")
    result.rows_read += len(rows)
    unknown = codes.isna()
    before = len(result.problems)
    report_unknown(result, ctx, index[unknown], reasons[unknown], len(data),
                   [row.name for row, u in zip(rows, unknown) if u])
    result.problems[before:] = [replace(p, column=sheet.name) for p in result.problems[before:]]
    _report_unlabelled(ctx, sheet, rows, {col.index for col in data}, result)
    sheet_id = re.sub(r"^table\s+", "", sheet.name.strip(), flags=re.IGNORECASE)
    seen: dict = {}
    headings: dict = {}
    for col in data:
        path = col.path if not all(UNIT_NOTE.match(p) for p in col.path) else [meta.subject,
                                                                                 *col.path]
        label = " ".join(YEAR_TOKEN.sub("", " / ".join(path)).split())
        measure = f"{DATASET}:{sheet_id}:{slug(label) or 'column-' + column_letter(col.index)}"
        year = col.year if col.year is not None else meta.period_year
        seen[measure, year] = seen.get((measure, year), 0) + 1
        if seen[measure, year] > 1:
            result.notes.append(f"{sheet.name}: column {column_letter(col.index)} repeats the "
                                f"heading of another; stored as {measure}#{seen[measure, year]}")
            measure = f"{measure}#{seen[measure, year]}"
        result.add_measure(measure, label, unit_of(col.path), DATASET, {"table": sheet_id},
                           meta.notes)
        if col.year_text and col.year_text != str(year):
            headings.setdefault(measure, []).append(col.year_text)
        raw = pd.Series([row.cells.get(col.index, "") for row in rows], index=index)
        _emit(ctx, result, raw, codes, str(year), year, measure,
              f"{sheet.name}!{column_letter(col.index)}")
    for measure, texts in headings.items():
        result.measures[measure]["notes"] += f" Year headings: {'; '.join(texts)}."


def _emit(ctx, result, raw, codes, period, year, measure, column) -> None:
    """emit_column, after reporting banded values ("90-99"), which are not numbers."""
    band = raw.map(lambda t: bool(BAND.match(t))) & codes.notna()
    for number, text in raw[band].items():
        result.cells_read += 1
        result.problems.append(Problem(
            "bad-value", ctx.name, int(number), column,
            f"{text!r} is a band published instead of a number; it was not stored.", text))
    emit_column(result, ctx, raw=raw, la_codes=codes.where(~band), periods=period, years=year,
                measure=measure, convention="sfr", column=column)


def _report_unlabelled(ctx, sheet: Sheet, rows: list[Row], labelled: set, result) -> None:
    for row in rows:
        for c, text in row.cells.items():
            if c not in labelled:
                result.cells_read += 1
                result.problems.append(Problem(
                    "unnamed-column", ctx.name, row.number, f"{sheet.name}!{column_letter(c)}",
                    "the cell has data but its column has no heading of its own (a spacer "
                    "column?), so it cannot be given a measure; not stored. Check the "
                    "published table.", text))


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


def _period_year(sheet: Sheet, title_row: int, first: int, year: int,
                 notes: list[str]) -> int:
    """The sheet's own period ("Year ending 31 March 2015", "Year: 20165" with a mark)."""
    for r in range(title_row + 1, first):
        text = sheet.text(r, 0)
        found = re.findall(r"(?:19|20)\d\d", text)
        if found and re.match(r"^\s*years?\b", text, re.IGNORECASE):
            if int(found[-1]) != year:
                notes.append(f"{sheet.name}: period {text!r} differs from the release year "
                             f"{year}; the sheet's own year is used")
            return int(found[-1])
    return year


def _title_notes(sheet: Sheet, title_row: int, texts: list[str]) -> tuple[str, str]:
    """The table's subject (its title without "Table X:" and "by local authority"), and
    notes: the title and the rounding footnote."""
    title = sheet.text(title_row, 0)
    following = sheet.text(title_row + 1, 0) if title_row + 1 < len(sheet.rows) else ""
    if following and not re.match(r"^\s*(years?\b|coverage)", following, re.IGNORECASE):
        title = f"{title} {following}"
    number = TITLE.match(title).group(0).strip()  # "Table LAG1:", whose 1 is no footnote
    subject = clean_label(title[len(number) + 1:] if title.startswith(number) else title)
    title = f"{' '.join(number.split())} {subject}"
    subject = re.sub(r"[,\s]*\b(by|and)\s+local\s+authority\b.*$", "", subject,
                     flags=re.IGNORECASE)
    rounding = [re.sub(r"^\s*\d+\.\s*", "", t) for t in texts
                if re.search(r"\brounded\b", t, re.IGNORECASE)]
    return subject, " ".join([title.rstrip(".") + "."] + rounding)
