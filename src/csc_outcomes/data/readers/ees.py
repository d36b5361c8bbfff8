"""explore-education-statistics (EES) open data CSVs: tidy, one row per area, period and breakdown.

Children in need (``dfe_cin_ees``), looked-after children (``dfe_cla_ees/<window>``),
the social work workforce (``dfe_csww/csww_*``) and ONS child population as compiled
by DfE (``context/ons_mid-year_population_estimates_*``) share this layout:
geography columns, ``time_period``, zero or more *filter* columns (``age``,
``activity``, ``cla_group`` ...) and one or more *indicator* columns holding
numbers or EES symbols. A column is an indicator when almost all its cells parse
as numbers or symbols; otherwise it is a filter.

Releases rename things (``CLA_group``/``cla_group``, ``number``/``children_count``,
``Aged 19 to 21``/``19 to 21 years``). The maps below bring them to one spelling so
that a measure keeps one id across releases; the release year is kept with each
observation and ``observation_latest`` prefers the newest.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..cells import bad_uniques
from ..schema import EES_ID_COLUMNS
from .base import (
    Coded,
    ReadContext,
    ReadResult,
    emit_block,
    read_csv_text,
    report_unknown,
    slug,
)

ID_COLUMNS = list(EES_ID_COLUMNS)
LEVELS = {"National": "national", "Regional": "region", "Local authority": "la"}

#: (folder, file-name pattern) -> (dataset, table); the first match wins.
TABLES = [
    ("dfe_cin_ees", r"^(?P<t>[a-z]\d_.+?)_\d{4}_to_\d{4}\.csv$", "cin"),
    ("dfe_csww", r"^(?P<t>csww_.+?)_\d{4}_to_\d{4}\.csv$", "csww"),
    ("context", r"^(?P<t>ons_mid-year_population_estimates)_\d{4}_to_\d{4}\.csv$", "ons-pop"),
    ("dfe_cla_ees", r"^(?P<t>.+)\.csv$", "cla"),
]
TABLE_RENAMES = {"la_children_who_ceased_during_the_year": "la_children_who_ceased_during_year"}
#: Renames for every table, then per table for the 2025 layout (which has ``breakdown``).
COLUMN_RENAMES = {
    "*": {"CLA_group": "cla_group", "care_leaver_age": "age", "children_count": "number",
          "care_leaver_count": "number", "children_percent": "percentage",
          "care_leaver_percent": "percentage", "population_count": "population_type"},
    "la_care_leavers_activity": {"breakdown": "activity"},
    "la_care_leavers_accommodation_suitability": {"breakdown": "accommodation_suitability"},
    "la_conviction_health_outcome_cla": {"characteristic": "cla_group",
                                         "breakdown": "characteristic"},
}
VALUE_SYNONYMS = {
    "aged 17 to 18": "17 to 18 years",
    "aged 19 to 21": "19 to 21 years",
    "accommodation considered not suitable": "accommodation considered unsuitable",
    "suitability total": "total",
    "children looked after at 31 march each year": "children looked after on 31 march each year",
}
#: Filters that hold one descriptive value for the whole table (CIN's ``category``).
DESCRIPTIVE_FILTERS = {"category"}


def table_of(ctx: ReadContext) -> tuple[str, str]:
    folder, _, filename = ctx.name.partition("/")
    for want, pattern, dataset in TABLES:
        if folder == want and (m := re.match(pattern, filename.split("/")[-1])):
            table = m.group("t")
            return dataset, TABLE_RENAMES.get(table, table)
    raise ValueError(f"{ctx.name} is not an EES file this reader knows")


def release_of(ctx: ReadContext) -> str:
    years = re.findall(r"(?:19|20)\d\d", ctx.name)
    return years[-1] if years else ""


def period_of(text: str) -> tuple[str, int | None]:
    """'2015' -> ('2015', 2015); academic or financial '201819' -> ('2018/19', 2019)."""
    text = str(text).strip()
    if re.fullmatch(r"\d{4}", text):
        return text, int(text)
    if re.fullmatch(r"\d{6}", text):
        return f"{text[:4]}/{text[4:]}", int(text[:4]) + 1
    return text, None


def read(ctx: ReadContext) -> ReadResult:
    dataset, table = table_of(ctx)
    result = ReadResult(release=release_of(ctx))
    frame = read_csv_text(ctx, family="ees")
    renames = dict(COLUMN_RENAMES["*"])
    if "breakdown" in frame.columns:
        renames.update(COLUMN_RENAMES.get(table, {}))
    frame = frame.set_axis([renames.get(c, c) for c in frame.columns], axis=1)
    result.rows_read = len(frame)
    columns = Columns(frame)
    indicators, filters = _split_columns(columns)
    if not indicators:
        raise_no_indicators(ctx, frame)
    codes = _resolve(ctx, columns, len(indicators), result)
    periods, years = _periods(columns.encoded("time_period"))
    id_filters = [f for f in filters if f not in DESCRIPTIVE_FILTERS]
    stems = _stems(columns, dataset, table, id_filters)
    _describe(result, columns, stems, indicators, dataset, table, filters)
    emit_block(result, ctx, cells=columns.block(indicators), rows=frame.index.to_numpy(),
               la_codes=codes, measures=(stems, indicators), periods=periods, years=years,
               convention="ees", columns=indicators)
    return result


class Columns:
    """The frame's columns as arrays, each dictionary-encoded once when first asked
    (most are read several times: to classify them, to group rows, to emit cells)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._encoded: dict[str, Coded] = {}
        self._values: dict[str, np.ndarray] = {}

    def __contains__(self, column: str) -> bool:
        return column in self.frame.columns

    def values(self, column: str) -> np.ndarray:
        if column not in self._values:
            self._values[column] = self.frame[column].to_numpy(dtype=object)
        return self._values[column]

    def encoded(self, column: str) -> Coded:
        """The column as codes into its distinct texts (a missing field is code -1)."""
        if column not in self._encoded:
            codes, labels = pd.factorize(self.values(column), use_na_sentinel=True)
            self._encoded[column] = Coded(codes.astype(np.int64),
                                          np.asarray(labels, dtype=object))
        return self._encoded[column]

    def groups(self, columns: list[str]) -> np.ndarray:
        """One code per row for its combination of the columns' texts, numbered in
        order of first appearance."""
        key, size = np.zeros(len(self.frame), dtype=np.int64), 1
        for column in columns:
            part = self.encoded(column)
            width = len(part.labels) + 1
            if size * width >= 2 ** 62:  # keep the combined key within int64
                key = pd.factorize(key)[0].astype(np.int64)
                size = int(key.max()) + 1
            key, size = key * width + part.codes + 1, size * width
        return pd.factorize(key)[0].astype(np.int64)

    def block(self, columns: list[str]) -> Coded:
        """The columns side by side as one table of codes into one list of texts."""
        parts = [self.encoded(c) for c in columns]
        offsets = np.cumsum([0] + [len(p.labels) for p in parts[:-1]])
        codes = np.column_stack([np.where(p.codes < 0, -1, p.codes + off)
                                 for p, off in zip(parts, offsets)])
        labels = np.concatenate([p.labels for p in parts])
        remap, unique = pd.factorize(labels)  # one code per distinct text
        codes = np.where(codes < 0, -1, remap[codes])
        return Coded(codes.astype(np.int64), np.asarray(unique, dtype=object))


#: Geography columns, each row's authority being resolved once per distinct combination.
GEOGRAPHY = ["geographic_level", "country_code", "country_name", "region_code",
             "region_name", "old_la_code", "la_name", "new_la_code"]


def _resolve(ctx: ReadContext, columns: Columns, width: int, result: ReadResult) -> Coded:
    """Each row's authority (England and regions by their own code and name), resolved
    once per distinct combination of geography and year."""
    present = [c for c in GEOGRAPHY if c in columns]
    group = columns.groups([*present, "time_period"])
    _, first = np.unique(group, return_index=True)  # groups number first appearances
    ons, dfe, name, year, area = _keys({c: columns.values(c)[first]
                                        for c in [*present, "time_period"]})
    found = [ctx.register.resolve(ons=o, dfe=d, name=n, year=y, area_level=a)
             for o, d, n, y, a in zip(ons, dfe, name, year, area)]
    la = Coded.of(np.array([f.la_code for f in found], dtype=object), len(found))
    la = Coded(la.codes[group], la.labels)
    unknown = np.flatnonzero(la.codes < 0)
    if len(unknown):
        reasons = np.array([f.reason for f in found], dtype=object)[group[unknown]]
        report_unknown(result, ctx, columns.frame.index[unknown], reasons, width,
                       name[group[unknown]].tolist())
    level = columns.encoded("geographic_level")
    if (level.codes < 0).any() or any(label not in LEVELS for label in level.labels):
        frame = columns.frame
        other = frame["geographic_level"].map(LEVELS).isna()
        result.notes.append(
            "rows at levels other than national, regional and local authority kept with the "
            f"matching area: {sorted(frame.loc[other, 'geographic_level'].unique())}")
    return la


def _keys(values: dict[str, np.ndarray]) -> tuple:
    """The register's keys (ons, dfe, name, year, area level) of rows with these
    geography and period cells: England and regions by their own code and name."""
    n = len(values["time_period"])

    def column(name: str, default: str) -> np.ndarray:
        return values[name] if name in values else np.full(n, default, dtype=object)

    level = np.array([LEVELS.get(v) for v in values["geographic_level"]], dtype=object)
    national, region = level == "national", level == "region"
    ons = np.where(national, column("country_code", "E92000001"),
                   np.where(region, column("region_code", ""), column("new_la_code", "")))
    name = np.where(national, column("country_name", ""),
                    np.where(region, column("region_name", ""), column("la_name", "")))
    area = (national | region).tolist()
    dfe = np.where(national | region, "", column("old_la_code", ""))
    years = [p[:4] if isinstance(p, str) else p for p in values["time_period"]]
    years = [int(y) if str(y).isdigit() else None for y in years]
    return ons, dfe, name, years, area


def _periods(raw: Coded) -> tuple[Coded, Coded]:
    """Each row's period label and year (see :func:`period_of`), read once per text."""
    parsed = [period_of(t) for t in raw.labels]
    # a row with no period (a blank line, reported as unknown) takes the last, as it always has
    codes = np.where(raw.codes < 0, len(parsed) - 1, raw.codes)
    return (Coded(codes, np.array([p for p, _ in parsed], dtype=object)),
            Coded(codes, np.array([y for _, y in parsed], dtype=object)))


def _stems(columns: Columns, dataset: str, table: str, id_filters: list[str]) -> Coded:
    """Each row's measure stem: ``dataset:table[filter=value,...]:`` (one per distinct
    combination of filter values, built once)."""
    n = len(columns.frame)
    if not id_filters:
        return Coded(np.zeros(n, dtype=np.int64), np.array([f"{dataset}:{table}:"], object))
    ordered = sorted(id_filters)
    group = columns.groups(ordered)
    _, first = np.unique(group, return_index=True)
    values = [columns.values(f)[first] for f in ordered]
    labels = []
    for g in range(len(first)):
        inside = ",".join(f"{f}={slug(_normal_value(_text(v[g])))}"
                          for f, v in zip(ordered, values))
        labels.append(f"{dataset}:{table}[{inside}]:")
    # a missing field reads as empty: its group may share a stem with another
    remap, unique = pd.factorize(np.array(labels, dtype=object))
    return Coded(remap[group].astype(np.int64), np.asarray(unique, dtype=object))


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else value


def raise_no_indicators(ctx: ReadContext, frame: pd.DataFrame):
    from ...errors import DataError

    raise DataError(f"{ctx.name}: no column holds numbers (columns: "
                    f"{', '.join(frame.columns)}). Restore the published file.")


def _normal_value(text: str) -> str:
    key = " ".join(str(text).lower().split())
    return VALUE_SYNONYMS.get(key, key)


def _split_columns(columns: Columns) -> tuple[list[str], list[str]]:
    """Indicators (columns whose first 5,000 cells are almost all numbers or symbols) and
    filters."""
    indicators, filters = [], []
    for column in columns.frame.columns:
        if column in ID_COLUMNS:
            continue
        cells = columns.encoded(column)
        head = cells.codes[:5000]
        # each text of the head parsed once; a missing field (-1) counts as empty, a symbol
        seen = np.flatnonzero(np.bincount(head + 1, minlength=len(cells.labels) + 1)[1:])
        bad = np.zeros(len(cells.labels) + 1, dtype=bool)
        bad[seen] = bad_uniques(cells.labels[seen], "ees")
        (indicators if bad[head].mean() < 0.1 else filters).append(column)
    return indicators, filters


def _describe(result, columns: Columns, stems: Coded, indicators, dataset, table,
              filters) -> None:
    _, first = np.unique(stems.codes, return_index=True)  # in order of appearance
    dims_at = {f: columns.values(f)[first] for f in filters}
    identifiers = columns.values("time_identifier")[first] if "time_identifier" in columns \
        else ["?"] * len(first)
    for g, code in enumerate(stems.codes[first]):
        dims = {f: v[g] for f, v in dims_at.items()}
        label = table.replace("_", " ")
        if dims:
            label += " — " + ", ".join(str(v) for v in dims.values())
        for column in indicators:
            result.add_measure(stems.labels[code] + column, f"{label}: {column}",
                               _unit(column), dataset, dims,
                               notes=f"EES {dataset} table {table}; "
                                     f"time_identifier {identifiers[g]}")


def _unit(column: str) -> str:
    c = column.lower()
    if "per_10000" in c or "per_10k" in c:
        return "rate per 10,000 children"
    if "percent" in c or "rate" in c or "%" in c:
        return "percent"
    if "average" in c or "caseload" in c:
        return "average"
    if "fte" in c:
        return "FTE"
    return "count"
