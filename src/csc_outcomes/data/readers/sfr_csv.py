"""DfE statistical first release underlying-data CSVs, 2010-2017 (one column per measure).

Looked-after children (SSDA903) files ``dfe_cla_underlying/<year>/*.csv`` and the
2016 outcomes file ``dfe_cla_la_tables/2016/SFR41_OC22016.csv``. Rows are England,
regions and authorities (``geog_l``); from 2011 each row has its ONS code
(``New_geog_code``), its DfE code (``geog_c``) and name (``geog_n``); 2010 files
have the DfE code and name only. The reporting year is the folder's year (year
ending 31 March). A column's trailing year (``CLA_Mar2015``, ``CLA_started2014``)
is dropped from the measure id so that one measure spans the years; the file's kind (``CEA``, ``Missing`` ...) is part of the
id, because the same column name means different things in different kinds of file.
"""

from __future__ import annotations

import re

import pandas as pd

from ..schema import SFR_ID_COLUMNS
from .base import (
    ReadContext,
    ReadResult,
    cell_table,
    data_columns,
    drop_blank_rows,
    emit_block,
    read_csv_text,
    report_unknown,
    resolve_rows,
)

DATASET = "cla-sfr"
ID_COLUMNS = set(SFR_ID_COLUMNS)
AREA_LEVELS = {"national", "region", "gor", "country"}
#: NI71 runaway self-evaluation (OSR23/2010): column suffix -> quarter returned.
OSR_QUARTERS = {
    "1": ("2008 Oct-Dec", 2009), "2": ("2009 Jan-Mar", 2009), "3": ("2009 Apr-Jun", 2010),
    "4": ("2009 Jul-Sep", 2010), "5": ("2009 Oct-Dec", 2010), "6": ("2010 Jan-Mar", 2010),
    "7": ("2010 Apr-Jun", 2011),
}
#: Measure names that are empty once the year is dropped.
RENAMES = {"CLA": "CLA_DuringYear"}
#: File kinds whose names changed between releases (after prefix and year are dropped).
TABLE_NAMES = {"19YEARS": "CareLeavers19", "19Yrs": "CareLeavers19", "19Years": "CareLeavers19",
               "FormerCareLeavers": "CareLeavers", "CareLeavers19to21": "CareLeavers",
               "UD": "NI71"}


def table_name(ctx: ReadContext) -> str:
    """The kind of file, stable across years: 'SFR34_CEA2015.csv' -> 'CEA'.

    Measure names repeat across kinds with different meanings (``CLA_ceaAdop`` is all
    adoptions in the ADP files but unopposed adoptions only in the CEA files), so the
    kind is part of every measure id.

    >>> table_name(ReadContext(None, "dfe_cla_underlying/2012/UnderlyingData/SFR20_19Yrs2012.csv", None))
    'CareLeavers19'
    >>> table_name(ReadContext(None, "dfe_cla_underlying/2010/SFR27_2010_Ceased.csv", None))
    'Ceased'
    """
    stem = ctx.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"^(SFR|SFE|OSR)\d*_", "", stem)
    stem = re.sub(r"^\d{4}_", "", stem)
    stem = re.sub(r"_?(19|20)\d\d$", "", stem)
    return TABLE_NAMES.get(stem, stem)


def folder_year(ctx: ReadContext) -> int:
    match = re.search(r"/(20\d\d)/", "/" + ctx.name)
    if not match:
        raise ValueError(f"{ctx.name}: no year folder in the path")
    return int(match.group(1))


def measure_name(column: str, year: int) -> str:
    """Drop the file's own year (or the year before) from the end of a column name.

    >>> measure_name("CLA_Mar2015", 2015), measure_name("CLA_started2014", 2015)
    ('CLA_Mar', 'CLA_started')
    >>> measure_name("CLA_2015", 2015), measure_name("All_aged1920&21", 2015)
    ('CLA_DuringYear', 'All_aged1920&21')
    """
    name = re.sub(rf"_?({year}|{year - 1})$", "", column.strip())
    return RENAMES.get(name, name)


def read(ctx: ReadContext) -> ReadResult:
    result = ReadResult(release=str(folder_year(ctx)))
    frame = read_csv_text(ctx, family="sfr_csv")
    frame, blank = drop_blank_rows(frame)
    if blank:
        result.notes.append(f"{blank} blank line(s) skipped")
    osr = "Geog_lev" in frame.columns
    level_col = "Geog_lev" if osr else "geog_l"
    year = folder_year(ctx)
    table = table_name(ctx)
    result.rows_read = len(frame)
    columns, renamed = _data_columns(ctx, frame, result)
    frame = frame.set_axis([renamed.get(c, c) for c in frame.columns], axis=1)
    level = frame[level_col].str.strip().str.lower()
    codes, reasons = resolve_rows(
        ctx, frame, ons=frame["New_geog_code"] if "New_geog_code" in frame else None,
        dfe="Geog_code" if osr else "geog_c", name="Geog_name" if osr else "geog_n",
        area_level=level.isin(AREA_LEVELS), year=pd.Series(year, index=frame.index))
    unknown = codes.isna()
    report_unknown(result, ctx, frame.index[unknown], reasons[unknown], len(columns),
                   frame.loc[unknown, "Geog_name" if osr else "geog_n"].tolist())
    if osr:
        _emit_osr(ctx, result, frame, codes, columns)
        return result
    measures = []
    for column in columns:
        name = measure_name(column, year)
        measure = f"{DATASET}:{table}:{name}"
        result.add_measure(measure, f"{table} {name}", _unit(column, osr), DATASET,
                           notes=_NOTES)
        measures.append(measure)
    emit_block(result, ctx, cells=cell_table(frame, columns),
               rows=frame.index.to_numpy(), la_codes=codes.to_numpy(dtype=object),
               measures=measures, periods=str(year), years=year, convention="sfr",
               columns=columns)
    return result


def _emit_osr(ctx: ReadContext, result: ReadResult, frame: pd.DataFrame, codes: pd.Series,
              columns: list[str]) -> None:
    """NI71 self-evaluation: each column is one quarter of one score."""
    for column in columns:
        base, _, quarter = column.rpartition("_")
        period, obs_year = OSR_QUARTERS[quarter]
        measure = f"ni71-osr:{base}"
        result.add_measure(measure, f"NI71 runaway self-evaluation score: {base}",
                           _unit(column, True), "ni71-osr", notes=_NOTES)
        emit_block(result, ctx, cells=frame[column].to_numpy(dtype=object),
                   rows=frame.index.to_numpy(), la_codes=codes.to_numpy(dtype=object),
                   measures=[measure], periods=period, years=obs_year, convention="osr",
                   columns=[column])


_NOTES = ("DfE SFR underlying data; LA figures unrounded, national figures rounded to the "
          "nearest 100 (over 1,000) or 10, regional to 10. x = suppressed (1-5 and secondary).")


def _unit(column: str, osr: bool) -> str:
    if osr:
        return "score"
    lowered = column.lower()
    if "percent" in lowered or "rate" in lowered:
        return "percent"
    if "average" in lowered or "avg" in lowered:
        return "average"
    return "count"


def _data_columns(ctx: ReadContext, frame: pd.DataFrame,
                  result: ReadResult) -> tuple[list[str], dict[str, str]]:
    """Measure columns (see base.data_columns), with repeated header names numbered."""
    seen: dict[str, int] = {}
    keep, renamed = [], {}
    for column in data_columns(ctx, frame, ID_COLUMNS, result):
        name = re.sub(r"\.\d+$", "", column)  # pandas numbers repeated headers "X.1"
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            result.notes.append(f"column {name!r} appears {seen[name]} times in the header; "
                                f"occurrence {seen[name]} stored as {name}#{seen[name]}")
            name = f"{name}#{seen[name]}"
        renamed[column] = name
        keep.append(name)
    return keep, renamed
