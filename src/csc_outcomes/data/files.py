"""Checked access to the files of the data folder: the one place a file is opened.

Every reader, and the register, reads through these functions, so that a missing,
empty, mis-encoded, cut-short or re-headed file fails with a message that names the
file, the row and the column, and says what to do. Nothing here knows what the cells
mean.
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .schema import FAMILIES, published_columns

RESTORE = "Restore the original file (csc-outcomes data fetch)."


@dataclass
class Source:
    """A file of the data folder: where it is on disk and its name in the store."""

    path: Path  # the file on disk
    name: str  # its path relative to the data folder, as stored in source_file


def read_bytes(src: Source) -> bytes:
    """The file's bytes; an empty file is an error."""
    try:
        data = src.path.read_bytes()
    except OSError as exc:
        raise DataError(f"{src.name}: cannot be read ({exc.strerror}). Check the file's "
                        "permissions, or restore it (csc-outcomes data fetch).") from exc
    if not data or data.isspace():  # (strip() would copy the file)
        raise DataError(f"{src.name}: the file is empty. Download it again "
                        "(csc-outcomes data fetch) or remove it from the data folder.")
    return data


def read_text(src: Source, encoding: str = "utf-8-sig") -> str:
    """Decode a text file, or raise a DataError that says where and what to do."""
    data = read_bytes(src)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{src.name}: row {line}: byte {exc.start} (0x{data[exc.start]:02x}) is not valid "
            f"{encoding}. This file is published in {encoding}; if it was re-saved in another "
            "encoding, restore the original (csc-outcomes data fetch)."
        ) from exc


def read_csv_text(src: Source, encoding: str = "utf-8-sig",
                  family: str | None = None) -> pd.DataFrame:
    """Read a CSV as text cells (object dtype), indexed by each record's first line number.

    The whole file fails if it is cut short: if it does not end with a line break, or its
    last record has fewer fields than the header (a cut mid-row would otherwise store a
    cut number, 165 as 16). A shorter record elsewhere keeps its fields; the missing ones
    come back as NaN for the reader to report (``truncated-row``). The header must have
    ``family``'s required columns and, for an official release, every published column.
    """
    text = read_text(src, encoding)
    if not text.endswith(("\n", "\r")):
        raise DataError(f"{src.name}: the file ends in the middle of a row (no final line "
                        "break), so it is cut short and its last row cannot be trusted; "
                        f"nothing of it was loaded. {RESTORE} If the file is complete, add "
                        "a final line break.")
    try:
        # the parser reads UTF-8 bytes natively; given a str it would copy and re-encode it
        frame = pd.read_csv(io.BytesIO(text.encode("utf-8")), dtype=object,
                            keep_default_na=False, na_values=[], skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        raise DataError(f"{src.name}: cannot be parsed as CSV ({exc}). {RESTORE}") from exc
    if frame.shape[1] == 0 or frame.empty:
        raise DataError(f"{src.name}: the file has a header but no rows. Download it again "
                        "(csc-outcomes data fetch).")
    header, lines, short = _scan_records(text, frame)
    check_header(src, header, family)
    if len(lines) != len(frame):
        raise DataError(f"{src.name}: the CSV has {len(lines)} records but pandas read "
                        f"{len(frame)}; the file may be corrupt. {RESTORE}")
    if short and short[-1][0] == len(lines) - 1:
        raise DataError(f"{src.name}: row {lines[-1]}: the last row has {short[-1][1]} of the "
                        f"header's {frame.shape[1]} fields, so the file is cut short; nothing "
                        f"of it was loaded. {RESTORE}")
    frame.columns = [str(c) for c in frame.columns]
    frame.index = pd.Index(lines)
    for pos, width in short:
        frame.iloc[pos, width:] = np.nan
    return frame


def _scan_records(text: str, frame: pd.DataFrame
                  ) -> tuple[list[str], list[int], list[tuple[int, int]]]:
    """The header's fields, the 1-based first line of each record, and the records
    (position, fields) shorter than the header. A blank line is a record of no fields
    and is not short.

    Where the parser found as many records as there are lines after the header, no quoted
    field spans lines, so a record is a line. The parser pads a short record with empty
    fields, so only the records whose last field is empty can be short: those few lines
    are parsed again to count their fields.
    """
    width = frame.shape[1]
    ends = text.count("\n") if text.endswith("\n") else text.count("\n") + 1
    if len(frame) != ends - 1:
        return _scan_records_parsed(text, width)
    last = frame.iloc[:, -1].to_numpy(dtype=object)
    maybe = np.flatnonzero((last == "") | pd.isna(last))  # cells are texts or NaN
    short = []
    if len(maybe):
        lines = text.split("\n")
        for pos in maybe.tolist():
            line = lines[pos + 1]
            n = len(next(csv.reader([line]), [])) if line.strip("\r") else 0
            if 0 < n < width:
                short.append((pos, n))
    header = next(csv.reader([text[: text.find("\n")]]))
    return header, np.arange(2, ends + 1), short


def _scan_records_parsed(text: str, width: int):
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    lines, short = [], []
    line = reader.line_num
    for record in reader:
        lines.append(line + 1)
        if 0 < len(record) < width:
            short.append((len(lines) - 1, len(record)))
        line = reader.line_num
    return header, lines, short


def check_header(src: Source, header: list[str], family: str | None = None) -> None:
    """Raise a DataError if the header lacks a column its family needs, or (for an
    official release) a column of its published header: a renamed column would load as
    a new measure and leave the published one silently empty."""
    header = [str(h) for h in header]
    if family:
        require_columns(src, header, FAMILIES[family])
    published = published_columns(src.name)
    if published is None:
        return
    missing = [c for c in published if c not in header]
    if missing:
        extra = [c for c in header if c not in published]
        raise DataError(
            f"{src.name}: row 1: column(s) {_names(missing)} of the published release "
            f"{'are' if len(missing) > 1 else 'is'} missing"
            + (f"; the header has {_names(extra)} instead, which the release does not "
               "(renamed?)" if extra else "")
            + f". Nothing of the file was loaded. {RESTORE} If DfE republished the file "
            "with new columns, regenerate the manifest (tools/make_manifest.py).")


def require_columns(src: Source, header, family) -> None:
    """Raise a DataError naming each required column missing and the columns there are.
    ``family`` is a :class:`~.schema.Family` or a list of column names."""
    header = [str(h) for h in header]
    layouts = ([family.required, *family.alternatives] if hasattr(family, "required")
               else [tuple(family)])
    gaps = [[c for c in layout if c not in header] for layout in layouts]
    missing = min(gaps, key=len)
    if missing:
        raise DataError(
            f"{src.name}: row 1: column(s) {_names(missing)} missing (the header has "
            f"{_names(header[:12])}{' ...' if len(header) > 12 else ''}). If a column was "
            "renamed, restore the published header; if DfE changed the layout, this reader "
            "needs updating.")


def _names(columns) -> str:
    return ", ".join(repr(c) for c in columns)


def read_parquet_table(src: Source, family: str, *, encoded: bool = False):
    """A parquet file as an Arrow table, its header checked (rows are numbered as a
    spreadsheet shows them: header = row 1, first data row = row 2). ``encoded`` reads
    text columns as dictionary arrays, as parquet stores them (much cheaper than
    building every string)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    read_bytes(src)
    texts = None
    if encoded:
        with contextlib.suppress(OSError, ValueError):  # read_table says what is wrong
            texts = [f.name for f in pq.read_schema(src.path)
                     if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    try:
        table = pq.read_table(src.path, read_dictionary=texts)
    except (OSError, ValueError) as exc:
        raise DataError(f"{src.name}: cannot be read as parquet ({exc}). {RESTORE}") from exc
    check_header(src, [str(c) for c in table.column_names], family)
    if table.num_rows == 0:
        raise DataError(f"{src.name}: the table has no rows. Download it again "
                        "(csc-outcomes data fetch).")
    return table


def read_parquet(src: Source, family: str) -> pd.DataFrame:
    """A parquet table as a DataFrame indexed by spreadsheet row number (see above)."""
    frame = read_parquet_table(src, family).to_pandas()
    frame.columns = [str(c) for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def open_workbook(src: Source):
    """A python-calamine workbook (xlsx, ods); unreadable files are a DataError."""
    from python_calamine import CalamineError, CalamineWorkbook

    read_bytes(src)
    try:
        return CalamineWorkbook.from_path(str(src.path))
    except (CalamineError, OSError, ValueError) as exc:
        raise DataError(f"{src.name}: cannot be read as a workbook ({exc}). {RESTORE}") from exc


def sheet_rows(src: Source, book, sheet: str | int = 0, *, keep_empty: bool = False) -> list:
    """The cell values of one sheet (by name or position), rows as lists."""
    from python_calamine import CalamineError

    try:
        found = (book.get_sheet_by_index(sheet) if isinstance(sheet, int)
                 else book.get_sheet_by_name(sheet))
        return found.to_python(skip_empty_area=not keep_empty)
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise DataError(f"{src.name}: sheet {sheet!r} cannot be read ({exc}). {RESTORE}") from exc
