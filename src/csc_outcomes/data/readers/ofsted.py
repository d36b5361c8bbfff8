"""Ofsted inspections of local authority children's services, 2009 to 2026.

Three kinds of file, each giving one record per inspection (``result.inspections``):

* Ofsted's *Children's social care data in England* underlying-data workbook
  (``Childrens_social_care_in_England_<year>_underlying_data.ods``). Sheet
  ``LA_inspections_<from>-<to>`` holds each authority's history on one row, in blocks
  of columns per framework: SLAC (2009-12) and its two re-inspections, CPI, CPRI, TLAC,
  the first SIF and its re-inspection (2013-18), the first and second ILACS (2018-).
  It has two tables: current authorities, then authorities that existed before a
  restructure (Bournemouth, Dorset county, Poole, Northamptonshire). Sheets
  ``LA_level_at_31_Mar_<year>`` and ``LA_level_in_year_<years>`` list ILACS
  inspections and visits with their inspection date (no publication date).
* Ofsted's *Local authority inspection outcomes* workbook
  (``LA_Inspection_Outcomes_as_at_31_March_<year>.ods``): ``ILACS_inspection_history``
  (every standard and short ILACS inspection since January 2018),
  ``Inspections_as_at_31_March`` (latest per authority) and ``In-year_inspections``
  (inspections, focused and monitoring visits of the year); all with ONS codes.
* A scrape of Ofsted's report pages (``jt39_scrape/ofsted_csc_ilacs_history.csv``),
  one row per children's services report back to 2012. Reports the scraper could not
  parse (SIF era and earlier) carry ``data_unreadable`` grades; their framework is
  stored as ``unknown``.

Grades become ``Outstanding``, ``Good``, ``Requires improvement`` or ``Inadequate``
("Requires improvement to be good" and "requires improvement" are one grade). Cells
that say a judgement was not made (the workbooks' ``-``, the scrape's tokens) are
stored as NULL and counted as special. ``source_rank`` orders the sources for the
store's ``inspection`` view: 1 the ILACS history of the outcomes workbook, 2 the
2009-2023 history sheet, 3 other official sheets, 5 the scrape.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

from python_calamine import CalamineError, CalamineWorkbook

from ...errors import DataError, Problem
from .base import ReadContext, ReadResult, read_csv_text, report_unknown, require_columns

GRADES = {"outstanding": "Outstanding", "good": "Good",
          "requires improvement to be good": "Requires improvement",
          "requires improvement": "Requires improvement", "inadequate": "Inadequate"}
#: Cells that record why there is no judgement; stored as NULL and counted as special.
SPECIAL = {
    "-": "judgement not made (workbook '-': e.g. no adoption or looked-after judgement "
         "for City of London and Isles of Scilly)",
    "data_unreadable": "the scraper could not read the report's judgements",
    "inspection_pre_dates_judgement": "care-leaver judgement introduced January 2023",
    "not_reported_post_reform": "overall grade not given after the 2025 framework reform",
    "inspection duration longer than standard framework":
        "the scraper's framework cell: inspection longer than a standard one, type not stated",
}
DATE_FIELDS = ("published", "start_date", "end_date")
GRADE_FIELDS = ("overall", "help_and_protection", "children_in_care", "care_leavers",
                "adoption", "leadership", "lscb")

#: Sheet name -> (layout, source_rank); sheets matching none are skipped with a note.
SHEETS = [
    (r"ILACS_inspection_history", "flat", 1),
    (r"LA_inspections_\d{4}-\d{4}", "history", 2),
    (r"LA_level_(at_31_Mar_\d{4}|in_year_\d{4}-\d{2})", "flat", 3),
    (r"Inspections_as_at_31_March", "flat", 3),
    (r"In-year_inspections", "flat", 3),
]

#: Blocks of the history sheet: block -> (framework, inspection_type).
BLOCKS = {
    "slac": ("SLAC", "first"), "slac-safeguarding": ("SLAC", "safeguarding re-inspection"),
    "slac-cla": ("SLAC", "CLA re-inspection"), "cpi": ("CPI", "first"),
    "cpri": ("CPRI", "re-inspection"), "tlac": ("TLAC", None), "sif-1": ("SIF", "first"),
    "sif-2": ("SIF", "re-inspection"), "ilacs-1": ("ILACS", None), "ilacs-2": ("ILACS", None),
}
_SIF_SUBS = {"overall judgement (oe)": "overall",
             "children who need help and protection": "help_and_protection",
             "children looked after and achieving permanence": "children_in_care",
             "cla sub: adoption performance": "adoption",
             "cla sub: experiences and progress of care leavers": "care_leavers",
             "leadership, management and governance": "leadership"}
_ILACS_SUBS = {"inspection type": "type", "publication date": "published",
               "overall effectiveness": "overall", "impact of leaders": "leadership",
               "experiences and progress of children who need help and protection":
                   "help_and_protection",
               "experiences and progress of children in care and care leavers":
                   "children_in_care",
               "experiences and progress of children in care": "children_in_care",
               "experiences and progress of care leavers": "care_leavers"}
#: Normalised header of the history sheet -> (block, field).
HISTORY_COLUMNS = {
    "safeguarding & looked after children (slac) inspection publication date":
        ("slac", "published"),
    "slac safeguarding overall effectiveness (oe)": ("slac", "help_and_protection"),
    "slac looked after children overall effectiveness (oe)": ("slac", "children_in_care"),
    "slac re-inspection of safeguarding publication date": ("slac-safeguarding", "published"),
    "slac re-inspection safeguarding oe": ("slac-safeguarding", "help_and_protection"),
    "slac re-inspection of services for children looked after publication date":
        ("slac-cla", "published"),
    "slac re-inspection of services children looked after oe": ("slac-cla", "children_in_care"),
    "child protection inspections (cpi) publication date": ("cpi", "published"),
    "cpi overall effectiveness (oe)": ("cpi", "overall"),
    "child protection re-inspection (cpri) publication date": ("cpri", "published"),
    "cpri overall effectiveness (oe)": ("cpri", "overall"),
    "targeted looked after children (tlac) inspection publication date": ("tlac", "published"),
    "tlac overall effectiveness (oe)": ("tlac", "overall"),
    "single inspection of la children's services (sif) first sif publication date":
        ("sif-1", "published"),
    "lscb overall effectiveness": ("sif-1", "lscb"),
    "single inspection of la children's services (sif) sif re-inspection publication date":
        ("sif-2", "published"),
    **{f"first sif {k}": ("sif-1", v) for k, v in _SIF_SUBS.items()},
    **{f"sif re-inspection {k}": ("sif-2", v) for k, v in _SIF_SUBS.items()},
    **{f"first ilacs framework {k}": ("ilacs-1", v) for k, v in _ILACS_SUBS.items()},
    **{f"second ilacs framework {k}": ("ilacs-2", v) for k, v in _ILACS_SUBS.items()},
}
#: Normalised header of a one-inspection-per-row sheet -> field.
FLAT_COLUMNS = {
    "local authority name": "name", "local authority area code": "ons",
    "inspection date": "start_date", "inspection/visit date": "start_date",
    "publication date": "published", "inspection type": "type",
    "inspection/visit type": "type",
    "impact of leaders on social work practice with children and families": "leadership",
    **{k: v for k, v in _ILACS_SUBS.items() if v not in ("type", "published")},
}
#: Identifier and descriptive columns: not inspection cells.
IGNORED = {"web link", "la region", "la authority type", "ofsted region", "region",
           "local authority status", "visit theme"}
#: The scrape's columns -> field.
SCRAPE_COLUMNS = {
    "publication_date": "published", "inspection_framework": "type",
    "inspection_start_date": "start_date", "inspection_end_date": "end_date",
    "overall_effectiveness_grade": "overall", "impact_of_leaders_grade": "leadership",
    "help_and_protection_grade": "help_and_protection", "in_care_grade": "children_in_care",
    "care_leavers_grade": "care_leavers",
}
SCRAPE_RANK = 5


def read(ctx: ReadContext) -> ReadResult:
    """Read one Ofsted file into inspection records.

    Parameters
    ----------
    ctx : the file, its name in the data folder and the register of authorities.

    Returns
    -------
    ReadResult whose ``inspections`` hold one dict per inspection (columns of the
    store's ``inspection_record``); stored cells are counted in ``other_values`` and
    ``other_special``, unreadable ones are problems.
    """
    recorder = _Recorder(ctx)
    if ctx.name.lower().endswith(".csv"):
        _read_scrape(recorder)
    else:
        _read_workbook(recorder)
    return recorder.finish()


def normalise_header(text) -> str:
    """Lower-case, single-spaced, without a leading 'the' (2025 wording).

    >>> normalise_header(" First SIF Overall Judgement\\n(OE)")
    'first sif overall judgement (oe)'
    """
    key = " ".join(str(text).lower().split())
    return key[4:] if key.startswith("the ") else key


def inspection_type(text: str) -> str:
    """'ILACS Standard Inspection' -> 'standard'; 'LA Monitoring visit' -> 'monitoring visit'.

    >>> inspection_type("ILACS Focused Visit"), inspection_type("short")
    ('focused visit', 'short')
    """
    key = " ".join(text.lower().split())
    key = re.sub(r"^(ilacs|la) ", "", key)
    return re.sub(r" inspection$", "", key)


def to_date(value) -> date | None:
    """A spreadsheet date, or text dd/mm/yyyy, dd/mm/yy or yyyy-mm-dd; None if neither."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    for fmt in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


class _Recorder:
    """Parses cells with their accounting and collects the records of one file."""

    def __init__(self, ctx: ReadContext):
        self.ctx = ctx
        self.result = ReadResult()
        self.specials: Counter = Counter()
        self.urns = {a.urn: a.la_code for a in ctx.register.authorities.values() if a.urn}

    def cell(self, row: int, column: str, field: str, raw):
        """Parse one non-empty cell; count it as stored, special or a problem."""
        self.result.cells_read += 1
        text = raw.strip() if isinstance(raw, str) else raw
        if isinstance(text, str) and text.lower() in SPECIAL:
            self.result.other_special += 1
            self.specials[(text.lower(), field)] += 1
            return None
        if field in DATE_FIELDS:
            value, code, what = to_date(text), "bad-date", "a date"
        elif field == "type":
            value, code, what = inspection_type(str(text)), None, ""
        else:
            value = GRADES.get(" ".join(str(text).lower().split()))
            code, what = "bad-grade", "one of Ofsted's four grades"
        if value is None:
            self.result.problems.append(Problem(
                code, self.ctx.name, row, column,
                f"{text!r} is not {what}; the field is stored as NULL. Check the "
                "published report.", str(text)))
            return None
        self.result.other_values += 1
        return value

    def record(self, row: int, cells: list[tuple[str, str, object]], framework, kind,
               rank: int, **where) -> dict | None:
        """One inspection from its non-empty (column, field, raw) cells; None if no LA."""
        if not cells:
            return None
        when = next((to_date(raw) for _, f, raw in cells if f == "published"), None)
        when = when or next((to_date(raw) for _, f, raw in cells if f == "start_date"), None)
        la_code, reason = self.resolve(when=when, **where)
        if la_code is None:
            report_unknown(self.result, self.ctx, [row], [reason], len(cells),
                           [where.get("name")])
            return None
        rec = dict.fromkeys(GRADE_FIELDS + DATE_FIELDS)
        rec.update(la_code=la_code, framework=framework, inspection_type=kind,
                   source_row=row, source_rank=rank)
        for column, field, raw in cells:
            value = self.cell(row, column, field, raw)
            if field == "type":
                rec["inspection_type"] = value or kind
            else:
                rec[field] = value
        self.result.inspections.append(rec)
        return rec

    def resolve(self, *, name=None, ons=None, urn=None, when=None):
        res = self.ctx.register.resolve(ons=ons, name=name, when=when)
        if res.la_code is None and urn and urn in self.urns:
            return self.urns[urn], None
        return res.la_code, res.reason

    def finish(self) -> ReadResult:
        for (token, field), n in sorted(self.specials.items()):
            self.result.notes.append(f"{n} {field} cell(s) {token!r} stored as NULL: "
                                     f"{SPECIAL[token]}")
        return self.result


# -- the workbooks ---------------------------------------------------------------------------

def _read_workbook(rec: _Recorder) -> None:
    ctx = rec.ctx
    if ctx.path.stat().st_size == 0:
        raise DataError(f"{ctx.name}: the file is empty. Download it again "
                        "(csc-outcomes data fetch).")
    try:
        book = CalamineWorkbook.from_path(str(ctx.path))
    except CalamineError as exc:
        raise DataError(f"{ctx.name}: cannot be opened as a spreadsheet ({exc}). Restore the "
                        "original file (csc-outcomes data fetch).") from exc
    years = re.findall(r"(?:19|20)\d\d", ctx.name)
    rec.result.release = years[-1] if years else None
    skipped, read_any = [], False
    for sheet in book.sheet_names:
        kind = next(((layout, rank) for pattern, layout, rank in SHEETS
                     if re.fullmatch(pattern, sheet)), None)
        if kind is None:
            skipped.append(sheet)
            continue
        rows = book.get_sheet_by_name(sheet).to_python()
        (_read_history if kind[0] == "history" else _read_flat)(rec, sheet, rows, kind[1])
        read_any = True
    if not read_any:
        raise DataError(f"{ctx.name}: no sheet of Ofsted local authority inspections (sheets: "
                        f"{', '.join(book.sheet_names)}). Restore the published workbook.")
    rec.result.notes.append("sheets without local authority inspections skipped: "
                            + ", ".join(skipped))


def _header_rows(rows: list[list]) -> list[int]:
    return [i for i, r in enumerate(rows)
            if any(normalise_header(c) == "local authority name" for c in r)]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_header(rec: _Recorder, sheet: str, index: int, header: list, known: dict) -> dict:
    """Column position -> field (or (block, field)); unknown named columns are an error."""
    mapping = {}
    for pos, text in enumerate(header):
        key = normalise_header(text)
        if key.startswith("ilacs framework"):
            key = "first " + key  # the predecessors' table has one, unnumbered, ILACS block
        if key in known:
            mapping[pos] = known[key]
        elif key and key not in IGNORED and key != "local authority name":
            raise DataError(
                f"{rec.ctx.name}: sheet {sheet!r}, row {index + 1}: column {text!r} is not one "
                "this reader knows. If Ofsted changed the layout, the reader needs updating.")
    return mapping


def _data_rows(rows, start, end):
    """(index, row) of rows with cells between two headers, and how many were blank."""
    blank = 0
    out = []
    for i in range(start, end):
        if all(_blank(c) for c in rows[i]):
            blank += 1
        else:
            out.append((i, rows[i]))
    return out, blank


def _read_history(rec: _Recorder, sheet: str, rows: list[list], rank: int) -> None:
    headers = _header_rows(rows)
    if not headers:
        raise DataError(f"{rec.ctx.name}: sheet {sheet!r}: no header row with 'Local authority "
                        "name'. Restore the published workbook.")
    blanks = titles = 0
    for n, h in enumerate(headers):
        name_pos = [normalise_header(c) for c in rows[h]].index("local authority name")
        mapping = _map_header(rec, sheet, h, rows[h], HISTORY_COLUMNS)
        if not any(f == "published" for _, f in mapping.values()):
            raise DataError(f"{rec.ctx.name}: sheet {sheet!r}, row {h + 1}: no publication "
                            "date column. Restore the published workbook.")
        end = headers[n + 1] if n + 1 < len(headers) else len(rows)
        data, blank = _data_rows(rows, h + 1, end)
        blanks += blank
        for i, row in data:
            cells = [(str(rows[h][p]).strip(), bf, row[p]) for p, bf in mapping.items()
                     if p < len(row) and not _blank(row[p])]
            if _blank(row[name_pos]) and not cells:
                titles += 1  # a table title between the tables
                continue
            rec.result.rows_read += 1
            for block in dict.fromkeys(b for _, (b, _f), _r in cells):
                framework, kind = BLOCKS[block]
                mine = [(c, f, r) for c, (b, f), r in cells if b == block]
                rec.record(i + 1, mine, framework, kind, rank, name=row[name_pos])
    rec.result.notes.append(f"sheet {sheet!r}: {len(headers)} table(s); {blanks} blank and "
                            f"{titles} title row(s) between them skipped")


def _read_flat(rec: _Recorder, sheet: str, rows: list[list], rank: int) -> None:
    headers = _header_rows(rows)
    if len(headers) != 1:
        raise DataError(f"{rec.ctx.name}: sheet {sheet!r}: expected one header row with "
                        f"'Local authority name', found {len(headers)}. Restore the published "
                        "workbook.")
    h = headers[0]
    mapping = _map_header(rec, sheet, h, rows[h], FLAT_COLUMNS)
    fields = set(mapping.values())
    if "name" not in fields or not fields & {"published", "start_date"}:
        raise DataError(f"{rec.ctx.name}: sheet {sheet!r}, row {h + 1}: the header lacks the "
                        "authority name or an inspection date. Restore the published workbook.")
    ids = {f: p for p, f in mapping.items() if f in ("name", "ons")}
    data, blank = _data_rows(rows, h + 1, len(rows))
    empty = 0
    for i, row in data:
        rec.result.rows_read += 1
        cells = [(str(rows[h][p]).strip(), f, row[p]) for p, f in mapping.items()
                 if f not in ids and p < len(row) and not _blank(row[p])]
        if not cells:
            empty += 1
            continue
        rec.record(i + 1, cells, "ILACS", None, rank, **{k: row[p] for k, p in ids.items()})
    if blank or empty:
        rec.result.notes.append(f"sheet {sheet!r}: {blank} blank row(s) skipped; {empty} "
                                "authority row(s) without any inspection")


# -- the scrape ------------------------------------------------------------------------------

def _read_scrape(rec: _Recorder) -> None:
    ctx = rec.ctx
    frame = read_csv_text(ctx)
    require_columns(ctx, frame, ["urn", "local_authority", *SCRAPE_COLUMNS])
    rec.result.rows_read = len(frame)
    unknown = 0
    for line, row in frame.iterrows():
        cells = [(c, f, row[c]) for c, f in SCRAPE_COLUMNS.items() if not _blank(row[c])]
        got = rec.record(int(line), cells, "ILACS", None, SCRAPE_RANK,
                         name=row["local_authority"], urn=row["urn"].strip())
        if got is not None and not _judged(row):
            got["framework"] = "unknown"
            unknown += 1
    published = [r["published"] for r in rec.result.inspections if r["published"]]
    rec.result.release = str(max(published).year) if published else None
    rec.result.notes.append(
        f"{unknown} report(s) without a readable judgement stored with framework 'unknown' "
        "(SIF-era and earlier reports the scraper could not parse); the rest are ILACS")


def _judged(row) -> bool:
    """Whether the scraper read any ILACS judgement (grade or post-reform token)."""
    grades = [row[c] for c, f in SCRAPE_COLUMNS.items() if f in GRADE_FIELDS]
    return any(" ".join(g.lower().split()) in GRADES or g.strip() == "not_reported_post_reform"
               for g in grades)
