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
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ...errors import DataError, Problem
from ..cells import bad_uniques
from .base import (
    Coded,
    ReadContext,
    ReadResult,
    emit_block,
    report_unknown,
    slug,
)
from .la_table_rows import MIN_AUTHORITIES, Lookups, Row, body_rows, identify
from .sfr_csv import folder_year
from .sheet_layout import (
    BAND,
    TITLE,
    UNIT_NOTE,
    YEAR_TOKEN,
    Column,
    Sheet,
    clean_label,
    column_letter,
    find_id_end,
    first_data_row,
    footnote_numbers,
    header_columns,
    split_repeats,
    unit_of,
)

DATASET = "cla-la-tables"


#: The SFR symbols (x suppressed, . not applicable ...), as the workbooks use them.
CONVENTION = "sfr"





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
    lookups = Lookups(ctx)
    for sheet in open_sheets(ctx):
        read_sheet(ctx, sheet, year, result, lookups)
    if not result.observations:
        raise DataError(f"{ctx.name}: no sheet holds a table of local authorities. Is this "
                        "a DfE LA-table workbook? Restore the original (csc-outcomes data fetch).")
    result.finish(ctx)  # repeated rows are reported now, not when the loader asks
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



def read_sheet(ctx: ReadContext, sheet: Sheet, year: int, result: ReadResult,
               lookups: Lookups | None = None) -> None:
    """Parse one sheet into ``result``, or add a note saying why it was skipped.

    ``lookups`` carries the register's answers from one sheet of a workbook to the next.
    """
    title_row = next((r for r in range(min(len(sheet.rows), 12))
                      if TITLE.match(sheet.text(r, 0))), None)
    if title_row is None:
        result.notes.append(f"sheet {sheet.name!r} skipped: no 'Table ...:' title, so not a "
                            "statistical table (an index or notes page)")
        return
    first = first_data_row(sheet, title_row + 1)
    if first is None:
        result.notes.append(f"sheet {sheet.name!r} skipped: no rows of numbers under its title")
        return
    notes: list[str] = []  # kept only if the sheet is loaded
    id_end = find_id_end(sheet, first)
    footnotes = footnote_numbers(sheet, first)
    columns = header_columns(sheet, range(title_row + 1, first), id_end + 1, footnotes)
    rows, texts = body_rows(sheet, first, id_end, notes)
    table = identify(lookups or Lookups(ctx), sheet, rows, year, notes)
    if table is None:
        result.notes.append(f"sheet {sheet.name!r} skipped: fewer than {MIN_AUTHORITIES} rows "
                            "name a local authority (a national-only table)")
        return
    split_repeats(sheet, columns, rows, range(title_row + 1, first), notes)
    if any(col.year is None for col in columns):
        year = _period_year(sheet, title_row, first, year, notes)
    result.notes += notes
    meta = Meta(year, *_title_notes(sheet, title_row, texts))
    _emit_sheet(ctx, sheet, columns, table, rows, meta, result)



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
    targets = _name_columns(sheet, data, meta, result)
    block = np.array([[row.cells.get(col.index, "") for col in data] for row in rows],
                     dtype=object).reshape(len(rows), len(data))
    _emit_block(ctx, result, block, codes, targets)



@dataclass
class Target:
    measure: str
    year: int
    column: str  # "LAG1!C", where problems are reported



def _name_columns(sheet: Sheet, data: list[Column], meta: Meta,
                  result: ReadResult) -> list[Target]:
    """Each data column's measure (described in ``result``), year and cell reference."""
    sheet_id = re.sub(r"^table\s+", "", sheet.name.strip(), flags=re.IGNORECASE)
    seen: dict = {}
    headings: dict = {}
    targets = []
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
        targets.append(Target(measure, year, f"{sheet.name}!{column_letter(col.index)}"))
    for measure, texts in headings.items():
        result.measures[measure]["notes"] += f" Year headings: {'; '.join(texts)}."
    return targets



def _emit_block(ctx: ReadContext, result: ReadResult, block: np.ndarray, codes: pd.Series,
                targets: list[Target]) -> None:
    """emit_block over the sheet's cells (rows x ``targets``), after reporting banded
    values ("90-99"), which are not numbers.

    Columns are stacked into runs, one emit_block call each (a call costs more than its
    cells), and problems keep the order of a column-by-column pass: a column with
    cells emit_block would report goes alone, so that they name their column.
    """
    known = codes.notna().to_numpy()[:, None]
    cells, band, bad = _band_and_bad(block)
    band &= known
    bad &= known & ~band
    la = Coded.of(codes.to_numpy(dtype=object), len(codes))
    la_codes = np.where(band, -1, la.codes[:, None])
    sheet = _Cells(cells, Coded(la_codes, la.labels), codes.index.to_numpy(), targets)
    start = 0
    for j, target in enumerate(targets):
        for number, text in zip(codes.index[band[:, j]], block[band[:, j], j]):
            result.cells_read += 1
            result.problems.append(Problem(
                "bad-value", ctx.name, int(number), target.column,
                f"{text!r} is a band published instead of a number; it was not stored.", text))
        if bad[:, j].any():
            _emit_run(ctx, result, sheet, start, j)
            _emit_run(ctx, result, sheet, j, j + 1)
            start = j + 1
    _emit_run(ctx, result, sheet, start, len(targets))



def _band_and_bad(block: np.ndarray) -> tuple[Coded, np.ndarray, np.ndarray]:
    """The cells encoded, which are bands, and which emit_block would report as neither
    a number nor a symbol; each distinct text is tested once."""
    where, texts = pd.factorize(block.ravel())
    cells = Coded(where.reshape(block.shape), np.asarray(texts, dtype=object))
    bad = bad_uniques(cells.labels, CONVENTION)
    band = np.zeros(len(texts), dtype=bool)  # a band is neither a number nor a symbol
    band[bad] = [bool(BAND.match(t)) for t in cells.labels[bad]]
    return cells, band[cells.codes], bad[cells.codes]



@dataclass
class _Cells:
    """A sheet's cells for _emit_run: rows x targets, authorities (-1 unknown or band)."""

    cells: Coded
    la: Coded
    rows: np.ndarray  # each row's number
    targets: list[Target]



def _emit_run(ctx: ReadContext, result: ReadResult, sheet: _Cells, first: int,
              end: int) -> None:
    """emit_block for columns ``first`` to ``end`` (exclusive), stacked into one column;
    a band is skipped."""
    if first >= end:
        return
    n = len(sheet.rows)
    run = sheet.targets[first:end]

    def each(values) -> Coded:  # one value per column, repeated down its rows
        codes, labels = pd.factorize(np.array(values, dtype=object))
        return Coded(np.repeat(codes.astype(np.int64), n), np.asarray(labels, dtype=object))

    stack = lambda c: c.codes[:, first:end].ravel(order="F")  # noqa: E731
    emit_block(result, ctx, cells=Coded(stack(sheet.cells)[:, None], sheet.cells.labels),
               rows=np.tile(sheet.rows, end - first),
               la_codes=Coded(stack(sheet.la), sheet.la.labels),
               measures=(each([t.measure for t in run]), [""]),
               periods=each([str(t.year) for t in run]), years=each([t.year for t in run]),
               convention=CONVENTION,
               # only a run of one column can have problems (see _emit_block)
               columns=[run[0].column])



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

