"""Ofsted judgements on local authority children's services, 2009-2026: one record per inspection.

* ``ofsted/Childrens_social_care_in_England_<year>_underlying_data.ods`` (Ofsted official
  statistics, 2023 edition). Sheet ``LA_inspections_2009-2023`` gives each authority a
  block of columns per framework: SLAC (2009-12; separate safeguarding and looked-after
  judgements, and re-inspections of each), CPI, CPRI, TLAC, the first SIF (2014-17) and a
  SIF re-inspection, and the first and second ILACS (2018-). A block with any cell filled
  is one record. Its two tables (current authorities; Table 11, their predecessors) give
  names only, so each block's authority is resolved by name at its publication date:
  "Dorset" is the old county in Table 11 and the unitary council in the first table.
  ``LA_level_at_31_Mar_<year>`` (latest ILACS per authority) and ``LA_level_in_year_*``
  (the year's inspections and visits) give inspection dates, not publication dates: a
  standard or short inspection there takes its ``published`` date from the same
  authority's ILACS block in ``LA_inspections_*`` (the first one published within
  ``LINK_DAYS`` after the inspection with the same overall judgement); visits keep none.
* ``ofsted/LA_Inspection_Outcomes_as_at_<date>.ods`` (Ofsted official statistics, 2025):
  ``ILACS_inspection_history`` (every ILACS standard and short inspection),
  ``Inspections_as_at_31_March`` (latest per authority) and ``In-year_inspections``
  (the year's inspections, focused visits and monitoring visits; visits have no grades).
  Rows carry ONS codes.
* ``ofsted/jt39_scrape/ofsted_csc_ilacs_history.csv``: a scrape of every children's
  services report per authority since 2012 (lower-case names and grades, dd/mm/yy
  publication dates). A row with a readable grade is ILACS; the SIF- and SLAC-era rows
  the scraper could not read have framework ``unknown``.

Grades become ``Outstanding``, ``Good``, ``Requires improvement`` or ``Inadequate``.
For SLAC the safeguarding judgement is ``help_and_protection`` and the looked-after one
``children_in_care``; other frameworks' overall effectiveness is ``overall``. The cells
``-``, ``data_unreadable``, ``inspection_pre_dates_judgement`` and
``not_reported_post_reform`` say that no grade is given: stored as NULL and counted as
special. ``source_rank`` orders the sources for the store's ``inspection`` view: the
ILACS history 1, the 2023 inspection-history sheet 2, other official sheets 3, the scrape 5.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fnmatch import fnmatch

import pandas as pd

from ...errors import DataError, Problem
from ..files import open_workbook, sheet_rows
from ..schema import INSPECTION_COLUMNS
from .base import (
    ReadContext,
    ReadResult,
    drop_blank_rows,
    read_csv_text,
    report_unknown,
    require_columns,
)
from .ofsted_layout import (
    DATE_FIELDS,
    GRADES,
    IDENTIFIERS,
    INSPECTIONS,
    LINK_DAYS,
    NAME,
    SCRAPE_DATES,
    SCRAPE_FIELDS,
    SCRAPE_RANK,
    SPECIAL,
    TYPES,
    WORKBOOKS,
    SheetSpec,
)


def read(ctx: ReadContext) -> ReadResult:
    """Read one Ofsted file into inspection records.

    Parameters
    ----------
    ctx : the file, its name relative to the data folder, and the register.

    Returns
    -------
    ReadResult whose ``inspections`` are dicts keyed by ``INSPECTION_COLUMNS``; every
    non-empty date, type or grade cell is counted in ``cells_read`` and is stored
    (``other_values``), stored as NULL for a documented special value
    (``other_special``), or reported as a problem.
    """
    filename = ctx.name.rsplit("/", 1)[-1]
    result = ReadResult()
    if filename.endswith(".csv"):
        _read_scrape(ctx, result)
        return result
    for pattern, specs in WORKBOOKS.items():
        if fnmatch(filename, pattern):
            result.release = (re.findall(r"20\d\d", filename) or [None])[-1]
            _read_workbook(ctx, result, specs)
            return result
    raise DataError(f"{ctx.name}: not an Ofsted workbook this reader knows (expected one of "
                    f"{', '.join(WORKBOOKS)}). Check the catalogue entry for this file.")


# -- cells -------------------------------------------------------------------------------

def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or not str(value).strip()


def _norm(text) -> str:
    return " ".join(str(text).split()).lower()


def _parse(field_name: str, raw, fmt: str | None = None) -> tuple[str, object]:
    """('value', parsed) | ('special', token) | ('bad', problem code)."""
    if field_name in DATE_FIELDS:
        parsed = _date(raw, fmt)
        return ("value", parsed) if parsed else ("bad", "bad-date")
    text = _norm(raw)
    if field_name == "inspection_type":
        return "value", TYPES.get(text, str(raw).strip())
    if text in SPECIAL:
        return "special", text
    return ("value", GRADES[text]) if text in GRADES else ("bad", "bad-grade")


def _date(raw, fmt: str | None = None) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    for f in (fmt,) if fmt else ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(str(raw).strip(), f).date()
        except ValueError:
            continue
    return None


_BAD = {"bad-date": "is not a date ({fmt}); not stored. Check the published file.",
        "bad-grade": "is not one of Ofsted's four grades (Outstanding, Good, Requires "
                     "improvement to be good, Inadequate) nor a documented marker; not stored."}


def _emit(result: ReadResult, ctx: ReadContext, tally: Counter, *, row: int, la_code: str,
          framework: str, kind: str | None, cells: dict, rank: int,
          formats: dict | None = None) -> dict:
    """Parse one inspection's cells (field -> (column, raw)) into a record and account."""
    record = dict.fromkeys(INSPECTION_COLUMNS)
    record.update(la_code=la_code, framework=framework, inspection_type=kind,
                  source_row=int(row), source_rank=rank)
    for name, (column, raw) in cells.items():
        result.cells_read += 1
        fmt = (formats or {}).get(column)
        status, value = _parse(name, raw, fmt)
        if status == "bad":
            message = _BAD[value].format(fmt=fmt or "dd/mm/yyyy or a date cell")
            result.problems.append(Problem(value, ctx.name, int(row), column,
                                           f"{str(raw)!r} {message}", str(raw)))
            continue
        if status == "special":
            result.other_special += 1
            tally["special", f"{column}={value}"] += 1
            continue
        result.other_values += 1
        record[name] = value
        if name == "inspection_type" and value not in TYPES.values():
            tally["type", repr(value)] += 1
    result.inspections.append(record)
    return record


# -- workbooks ---------------------------------------------------------------------------

@dataclass
class Table:
    header: list  # the header cells as published
    rows: list  # (sheet row number, cells)


def _tables(rows: list[list]) -> tuple[list[Table], int]:
    """Each table starts at a 'Web link' header and ends at a blank row; count other rows."""
    tables, current, other = [], None, 0
    for number, row in enumerate(rows, start=1):
        if all(_blank(c) for c in row):
            current = None
        elif _norm(row[0]) == "web link":
            current = Table(list(row), [])
            tables.append(current)
        elif current is not None:
            current.rows.append((number, list(row) + [""] * (len(current.header) - len(row))))
        else:
            other += 1
    return tables, other


def _read_workbook(ctx: ReadContext, result: ReadResult, specs) -> None:
    book = open_workbook(ctx)
    tally, history, used = Counter(), [], set()
    for spec in specs:
        sheet = _sheet_name(ctx, book.sheet_names, spec.pattern)
        used.add(sheet)
        tables, other = _tables(sheet_rows(ctx, book, sheet))
        if not tables:
            raise DataError(f"{ctx.name}: sheet {sheet!r} has no table (no 'Web link' header "
                            "in column A). Restore the published workbook.")
        blocks = _locate_blocks(ctx, sheet, spec, tables)
        for table, found in zip(tables, blocks):
            _read_table(ctx, result, tally, spec, sheet, table, found, history)
        if other:
            result.notes.append(f"{sheet}: {other} title/note row(s) outside the tables skipped")
    skipped = [s for s in book.sheet_names if s not in used]
    result.notes.append("sheets without LA inspection records, not read: " + ", ".join(skipped))
    undated = sum(r["published"] is None for r in result.inspections)
    if undated:
        result.notes.append(f"{undated} record(s) have no publication date (visits in the "
                            "LA-level sheets, which the inspection history does not list)")
    _tally_notes(result, tally)


def _sheet_name(ctx: ReadContext, names: list[str], pattern: str) -> str:
    found = [n for n in names if re.fullmatch(pattern, n)]
    if len(found) != 1:
        raise DataError(f"{ctx.name}: expected one sheet named like {pattern!r}, found "
                        f"{found or 'none'} (sheets: {', '.join(names)}). Restore the "
                        "published workbook; if Ofsted changed its layout, update this reader.")
    return found[0]


def _locate_blocks(ctx: ReadContext, sheet: str, spec: SheetSpec, tables: list[Table]):
    """For each table, [(block, {field: column index})]; each block must be in some table."""
    out, seen = [], set()
    for table in tables:
        where = {_norm(h): j for j, h in enumerate(table.header) if not _blank(h)}
        if absent := [c for c in (NAME, spec.code) if c and c not in where]:
            raise DataError(f"{ctx.name}: sheet {sheet!r}: column(s) {absent} missing from "
                            "the table header. Restore the published workbook.")
        found = []
        for b, block in enumerate(spec.blocks):
            cols = {f: next((where[h] for h in heads if h in where), None)
                    for f, heads in block.fields.items()}
            missing = [block.fields[f][0] for f, j in cols.items() if j is None]
            if len(missing) == len(cols):
                continue
            if missing:
                raise DataError(f"{ctx.name}: sheet {sheet!r}: column(s) "
                                f"{', '.join(map(repr, missing))} missing from the "
                                f"{block.framework} columns. Restore the published workbook.")
            found.append((block, cols))
            seen.add(b)
        out.append(found)
    lost = [spec.blocks[b].framework for b in range(len(spec.blocks)) if b not in seen]
    if lost:
        raise DataError(f"{ctx.name}: sheet {sheet!r} has no {', '.join(lost)} columns. "
                        "Restore the published workbook; if Ofsted changed its layout, "
                        "update this reader.")
    return out


def _read_table(ctx, result, tally, spec, sheet, table, blocks, history) -> None:
    where = {_norm(h): j for j, h in enumerate(table.header) if not _blank(h)}
    _unread_columns(ctx, result, sheet, table, blocks, where)
    for number, row in table.rows:
        result.rows_read += 1
        for block, cols in blocks:
            cells = {f: (f"{sheet}: {str(table.header[j]).strip()}", row[j])
                     for f, j in cols.items() if not _blank(row[j])}
            if not cells:
                continue
            when = next((d for f in ("published", "start_date") if f in cells
                         and (d := _date(cells[f][1]))), None)
            name = row[where[NAME]]
            code = row[where[spec.code]] if spec.code else None
            res = ctx.register.resolve(ons=code or None, name=name, when=when)
            if res.la_code is None:
                report_unknown(result, ctx, pd.Index([number]), [f"{sheet}: {res.reason}"],
                               len(cells), [str(name)])
                continue
            record = _emit(result, ctx, tally, row=number, la_code=res.la_code,
                           framework=block.framework, kind=block.inspection_type,
                           cells=cells, rank=spec.rank)
            if spec.link_published:
                _link_published(record, history)
            elif block.framework == "ILACS":
                history.append(record)


def _unread_columns(ctx, result, sheet, table, blocks, where) -> None:
    """Headed columns this reader does not know are noted; data under no header is a problem."""
    used = {j for _, cols in blocks for j in cols.values()}
    used |= {j for h, j in where.items() if h in IDENTIFIERS}
    for j, head in enumerate(table.header):
        if j in used:
            continue
        filled = [(n, r[j]) for n, r in table.rows if not _blank(r[j])]
        if not _blank(head):
            result.notes.append(f"{sheet}: column {str(head).strip()!r} not read")
            continue
        for number, value in filled:
            result.cells_read += 1
            result.problems.append(Problem(
                "unnamed-column", ctx.name, int(number), f"{sheet}: column {j + 1} (no header)",
                "the cell has data but its column has no name; not stored. Restore the "
                "published header.", str(value)))


def _link_published(record: dict, history: list[dict]) -> None:
    """Give an LA-level inspection the publication date of the same inspection's record."""
    start = record["start_date"]
    if start is None or record["inspection_type"] not in INSPECTIONS:
        return
    later = [h for h in history if h["la_code"] == record["la_code"] and h["published"]
             and start < h["published"] <= start + timedelta(days=LINK_DAYS)
             and h["overall"] == record["overall"]]
    if later:
        record["published"] = min(h["published"] for h in later)


def _tally_notes(result: ReadResult, tally: Counter) -> None:
    for kind, text in (("special", "cells saying no grade was given, stored as NULL"),
                       ("type", "inspection types not standard, short or a visit, as written")):
        if found := sorted((k, n) for (t, k), n in tally.items() if t == kind):
            result.notes.append(f"{text}: " + ", ".join(f"{k} x{n}" for k, n in found))


# -- the scrape --------------------------------------------------------------------------

def _read_scrape(ctx: ReadContext, result: ReadResult) -> None:
    frame = read_csv_text(ctx)
    require_columns(ctx, frame, ["urn", "local_authority", *SCRAPE_FIELDS.values()])
    frame, blank = drop_blank_rows(frame)
    if blank:
        result.notes.append(f"{blank} blank line(s) skipped")
    short = int(frame[list(SCRAPE_FIELDS.values())].isna().any(axis=1).sum())
    if short:
        result.notes.append(f"{short} row(s) end early; their missing fields are read as empty")
    result.rows_read = len(frame)
    urns = {a.urn: a.la_code for a in ctx.register.authorities.values() if a.urn}
    tally, by_urn = Counter(), 0
    columns = list(dict.fromkeys(["urn", "local_authority", "publication_date",
                                  *SCRAPE_FIELDS.values()]))
    records = zip(*(frame[c].to_numpy(dtype=object) for c in columns))  # not Series per row
    for row, rec in zip(frame.index, (dict(zip(columns, values)) for values in records)):
        cells = {f: (c, rec[c]) for f, c in SCRAPE_FIELDS.items() if not _blank(rec[c])}
        when = _date(rec["publication_date"], SCRAPE_DATES["publication_date"])
        res = ctx.register.resolve(name=rec["local_authority"], when=when)
        la_code = res.la_code or urns.get(str(rec["urn"]).strip())
        by_urn += res.la_code is None and la_code is not None
        if la_code is None:
            report_unknown(result, ctx, pd.Index([row]), [f"{res.reason} (nor URN {rec['urn']})"],
                           len(cells), [rec["local_authority"]])
            continue
        graded = any(_parse(f, raw)[0] == "value" for f, (_, raw) in cells.items()
                     if f not in DATE_FIELDS and f != "inspection_type")
        _emit(result, ctx, tally, row=row, la_code=la_code, framework="ILACS" if graded
              else "unknown", kind=None, cells=cells, rank=SCRAPE_RANK, formats=SCRAPE_DATES)
    published = [r["published"] for r in result.inspections if r["published"]]
    result.release = str(max(published).year) if published else None
    if by_urn:
        result.notes.append(f"{by_urn} row(s) matched by Ofsted URN (name not in the register)")
    _tally_notes(result, tally)
