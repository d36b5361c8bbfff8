"""Context releases: deprivation (IMD 2019) and Section 251 outturn spending (2012-13, 2013-14).

``context/imd19.csv``: MHCLG English Indices of Deprivation 2019, upper-tier local
authority summaries of the IMD domain (average rank and score, share of LSOAs in
the most deprived 10%, extent, local concentration, and their ranks); one row per
upper-tier authority keyed by its 2019 ONS code. Plain numbers: only an empty
cell is special.

``context/outturn_<yyyy>.csv`` (``outturn_1213``, ``outturn_1314``): DfE Section 251
outturn for children's and young people's services, one row per authority (3-digit
DfE code) and budget line; money columns in pounds (own, private, other public and
voluntary provision, total expenditure, income, net current expenditure, grants
inside and outside AEF, net revenue expenditure). Windows-1252, with quoted
multi-line line descriptions. Line numbers change between years (a line was added
in 2013-14), so a measure is keyed by the line's description, not its number.
``ReportGroup`` is a heading (inconsistent in 2012-13) and is not stored.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ...errors import DataError
from ..schema import IMD_CODE, IMD_NAME, S251_ID, S251_MONEY
from .base import (
    Coded,
    ReadContext,
    ReadResult,
    cell_table,
    data_columns,
    drop_blank_rows,
    emit_block,
    read_csv_text,
    report_unknown,
    resolve_rows,
    slug,
)

IMD_DATASET = "imd2019"
S251_DATASET = "s251"
S251_ENCODING = "cp1252"


def read(ctx: ReadContext) -> ReadResult:
    """Read the IMD 2019 summary or one Section 251 outturn file.

    Parameters
    ----------
    ctx : the file, its name in the data folder and the register of authorities.

    Returns
    -------
    ReadResult
        IMD: one observation per authority and column, measure
        ``imd2019:<slug of the column>``, period '2019'. Outturn: one observation
        per authority, line and money column, measure
        ``s251:<slug of the line description>:<column>``, unit GBP, period the
        financial year ('2012-13', year 2013).
    """
    if ctx.name.split("/")[-1].lower().startswith("imd"):
        return read_imd(ctx)
    return read_outturn(ctx)


def read_imd(ctx: ReadContext) -> ReadResult:
    """IMD 2019 upper-tier summaries: see :func:`read`."""
    year = _imd_year(ctx)
    result = ReadResult(release=str(year))
    frame = read_csv_text(ctx, family="imd")
    frame, blank = drop_blank_rows(frame)
    if blank:
        result.notes.append(f"{blank} blank line(s) skipped")
    result.rows_read = len(frame)
    columns = data_columns(ctx, frame, [IMD_CODE, IMD_NAME], result)
    codes, reasons = resolve_rows(ctx, frame, ons=IMD_CODE, name=IMD_NAME,
                                  year=pd.Series(str(year), index=frame.index))
    unknown = codes.isna()
    report_unknown(result, ctx, frame.index[unknown], reasons[unknown], len(columns),
                   frame.loc[unknown, IMD_NAME].tolist())
    measures = []
    for column in columns:
        label = " ".join(column.split())
        measure = f"{IMD_DATASET}:{slug(column)}"
        unit = "rank" if "rank of" in label.lower() else (
            "proportion" if re.search(r"proportion|extent", label, re.IGNORECASE) else "score")
        result.add_measure(measure, label, unit, IMD_DATASET,
                           notes="MHCLG English Indices of Deprivation 2019, upper-tier local "
                                 "authority summaries (IMD domain). Rank 1 = most deprived.")
        measures.append(measure)
    emit_block(result, ctx, cells=cell_table(frame, columns),
               rows=frame.index.to_numpy(), la_codes=codes.to_numpy(dtype=object),
               measures=measures, periods=str(year), years=year, convention="plain",
               columns=columns)
    return result


def _imd_year(ctx: ReadContext) -> int:
    match = re.search(r"imd(\d{2}|\d{4})", ctx.name.split("/")[-1].lower())
    if not match:
        raise ValueError(f"{ctx.name}: no IMD edition in the file name")
    text = match.group(1)
    return int(text) if len(text) == 4 else 2000 + int(text)


def financial_year(name: str) -> tuple[str, int]:
    """'outturn_1213.csv' -> ('2012-13', 2013): the label and the year it ends.

    >>> financial_year("context/outturn_1314.csv")
    ('2013-14', 2014)
    """
    match = re.search(r"(\d\d)(\d\d)\.csv$", name)
    if not match or int(match.group(2)) != (int(match.group(1)) + 1) % 100:
        raise ValueError(f"{name}: the file name does not end in a financial year like 1213")
    return f"20{match.group(1)}-{match.group(2)}", 2000 + int(match.group(2))


def line_key(description: str) -> tuple[str, str]:
    """A budget line's description without its number, and the slug that keys its measure.

    The slug ignores apostrophes and a trailing cross-reference ("(included in lines
    27 and 28 above)"), which the two years' forms spell differently.

    >>> line_key("11Short breaks (respite) for looked after disabled children")[1]
    'short-breaks-respite-for-looked-after-disabled-children'
    >>> line_key("12  Education of looked after children\t")
    ('Education of looked after children', 'education-of-looked-after-children')
    >>> line_key("36 Teenage pregnancy services(included in lines 27 and 28 above)")[1]
    'teenage-pregnancy-services'
    >>> line_key("31 Capital Expenditure from Revenue (CERA) (Children's and young people's)")[1]
    'capital-expenditure-from-revenue-cera-childrens-and-young-peoples'
    """
    text = re.sub(r"^\d+\s*", "", " ".join(str(description).split()))
    key = re.sub(r"\s*\(included in lines? [^)]*\)\s*$", "", text, flags=re.IGNORECASE)
    return text, slug(re.sub(r"['\u2019]", "", key))


def read_outturn(ctx: ReadContext) -> ReadResult:
    """Section 251 outturn: see :func:`read`."""
    period, year = financial_year(ctx.name)
    result = ReadResult(release=str(year))
    frame = read_csv_text(ctx, S251_ENCODING, family="outturn")
    frame, blank = drop_blank_rows(frame)
    if blank:
        result.notes.append(f"{blank} blank line(s) skipped")
    result.rows_read = len(frame)
    money = [*S251_MONEY, *data_columns(ctx, frame, S251_ID + S251_MONEY, result)]
    codes, reasons = resolve_rows(ctx, frame, dfe="LA", name="LA Name",
                                  year=pd.Series(str(year), index=frame.index))
    unknown = codes.isna()
    report_unknown(result, ctx, frame.index[unknown], reasons[unknown], len(money),
                   frame.loc[unknown, "LA Name"].tolist())
    # each row's line, read once per distinct description (every authority repeats them)
    line, descriptions = pd.factorize(frame["CYPServiceDescription"].to_numpy(dtype=object),
                                      use_na_sentinel=False)
    lines = [line_key(d) for d in descriptions]
    empty = np.flatnonzero(np.array([not k[1] for k in lines], dtype=bool)[line])
    if len(empty):
        raise DataError(f"{ctx.name}: row {int(frame.index[empty[0]])}: column "
                        "'CYPServiceDescription' is empty, so the budget line is unknown. "
                        "Restore the published file.")
    remap, labels = pd.factorize(np.array([f"{S251_DATASET}:{k[1]}:" for k in lines], object))
    stems = Coded(remap[line].astype(np.int64), np.asarray(labels, dtype=object))
    for column in money:
        for text, key in dict.fromkeys(lines):  # first spelling of a line wins
            result.add_measure(f"{S251_DATASET}:{key}:{column}", f"{text}: {column}", "GBP",
                               S251_DATASET, dims={"line": text, "column": column},
                               notes="DfE Section 251 outturn, children's and young people's "
                                     "services, in pounds. An empty cell is a column the "
                                     "line does not collect.")
    emit_block(result, ctx, cells=cell_table(frame, money),
               rows=frame.index.to_numpy(), la_codes=codes.to_numpy(dtype=object),
               measures=(stems, money), periods=period, years=year, convention="plain",
               columns=money)
    return result
