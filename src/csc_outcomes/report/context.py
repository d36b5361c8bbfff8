"""Everything a report shows, read from the store once and shared by every page.

A site of some 220 pages must build in seconds, so nothing here is computed per page:
:func:`read_report_data` opens the store read-only once, computes every indicator's
values for every year (with England and the regions), runs the replication, maps the
framework and closes the store; the page builders only select from these frames.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import pandas as pd

from .. import ATTRIBUTION, __version__
from ..config import resolve_store_path
from ..data.store import Store
from ..errors import AnalysisError, DataError
from ..indicators import load_registry, values
from ..indicators.coverage import coverage
from ..indicators.registry import Registry

#: England's code in the register
ENGLAND = "E92000001"
#: units whose England figure is the sum of the authorities', not a rate among them
TOTAL_UNITS = frozenset({"count", "GBP"})
#: regions of England (LAIT's nine; London counted once)
REGIONS = 9


def national_outside_regions(areas: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """England's values that lie outside the range of its regions' values that year.

    A rate, share or average for all of England is a weighted mean of its regions', so it
    lies between the lowest and the highest of them; one that does not (by more than a
    rounding step: 1 in the unit, or 1% of the value) is not the same measure, whatever
    the release calls it. Judged only where all nine regions have a value, and never for
    totals (counts, pounds).

    ``areas``: la_code, indicator, period, value, status and level (``national`` or
    ``region``) rows. Returns indicator, period, england, region_low, region_high and
    regions (how many), one row per value set aside.
    """
    columns = ["indicator", "period", "england", "region_low", "region_high", "regions"]
    ok = areas[(areas.status == "value")
               & ~areas.indicator.map(units).isin(TOTAL_UNITS)]
    england = ok[ok.level == "national"].set_index(["indicator", "period"]).value
    regions = ok[ok.level == "region"].groupby(["indicator", "period"]).value.agg(
        region_low="min", region_high="max", regions="size")
    both = regions.join(england.rename("england"), how="inner")
    both = both[both.regions >= REGIONS]
    slack = both.england.abs().mul(0.01).clip(lower=1.0)
    out = both[(both.england < both.region_low - slack)
               | (both.england > both.region_high + slack)]
    return out.reset_index()[columns]


@dataclass
class ReportData:
    """The store's contents as the report needs them (see :func:`read_report_data`).

    Attributes
    ----------
    store_path : the store read.
    year : the reporting year the site is built for (trends use every year).
    registry : the indicator definitions.
    values : ``indicators.values(areas=True)`` for every indicator and year (columns
        la_code, period, indicator, value, numerator, denominator, status).
    versions : {"indicator:year": version number} behind ``values``.
    register : the ``la`` table (authorities, regions, England), indexed by la_code.
    authorities : authorities that existed on 31 March of ``year`` (index la_code; name,
        dfe_code, region_name, la_type, region_code).
    names : every name and code variant the sources use (``la_name``).
    neighbours : DfE's statistical neighbours (la_code, neighbour_code, rank, closeness).
    inspections : every Ofsted inspection, sub-judgements included.
    files : what the last load did with each file (``load_file``).
    loaded_at : when the store's last load finished.
    coverage : the framework coverage map (``indicators.coverage.coverage``).
    alive : {year: the authorities that existed on 31 March of it}, for every year held.
    replication, comparison : ``replicate()`` and ``against_published()`` for the
        study's year, or None with the reason in ``notes``.
    """

    store_path: Path
    year: int
    registry: Registry
    values: pd.DataFrame
    versions: dict[str, int]
    register: pd.DataFrame
    authorities: pd.DataFrame
    names: pd.DataFrame
    neighbours: pd.DataFrame
    inspections: pd.DataFrame
    files: pd.DataFrame
    loaded_at: str | None
    coverage: dict
    alive: dict[int, list[str]] = field(default_factory=dict)
    replication: dict | None = None
    comparison: object | None = None
    notes: list[str] = field(default_factory=list)
    run_date: date = field(default_factory=date.today)
    #: results of the analyses of report.sections, filled on first use
    analyses: dict = field(default_factory=dict)
    #: held while an analysis runs, so that two threads (the server's) never run one twice
    analyses_lock: threading.RLock = field(default_factory=threading.RLock, repr=False,
                                           compare=False)
    version: str = __version__
    attribution: str = ATTRIBUTION

    # -- frames derived once -----------------------------------------------------------

    @cached_property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.values.period.unique())

    @cached_property
    def local(self) -> pd.DataFrame:
        """The year's values of the authorities that existed, with name and region."""
        v = self.values[(self.values.period == self.year)
                        & self.values.la_code.isin(self.authorities.index)]
        return v.join(self.authorities[["name", "region_code", "region_name"]], on="la_code")

    @cached_property
    def areas(self) -> pd.DataFrame:
        """England's and the regions' values in every year (la_code, period, indicator,
        value, status, name, level), without England's values set aside (see
        :attr:`england_set_aside`)."""
        if self.england_set_aside.empty:
            return self._all_areas
        drop = pd.MultiIndex.from_frame(self.england_set_aside[["indicator", "period"]])
        mine = pd.MultiIndex.from_arrays([self._all_areas.indicator, self._all_areas.period])
        return self._all_areas[~((self._all_areas.la_code == ENGLAND) & mine.isin(drop))]

    @cached_property
    def _all_areas(self) -> pd.DataFrame:
        levels = self.register[self.register.level.isin(["national", "region"])]
        v = self.values[self.values.la_code.isin(levels.index)]
        return v.join(levels[["name", "level"]], on="la_code")

    @cached_property
    def england_set_aside(self) -> pd.DataFrame:
        """England's published values that cannot be England's figure of the indicator
        (see :func:`national_outside_regions`): left out of every comparison, and named
        on the indicator's page."""
        units = {i: self.registry.get(i).unit for i in self._all_areas.indicator.unique()}
        return national_outside_regions(self._all_areas, units)

    @cached_property
    def areas_by_indicator(self) -> dict[str, pd.DataFrame]:
        """{indicator: England's and the regions' published values in every year}."""
        ok = self.areas[self.areas.status == "value"]
        return dict(tuple(ok.groupby("indicator")))

    @cached_property
    def authorities_by_indicator(self) -> dict[str, pd.DataFrame]:
        """{indicator: the row (any status) of every authority that existed, in every
        year}."""
        pairs = pd.MultiIndex.from_tuples([(y, la) for y, las in self.alive.items()
                                           for la in las])
        keep = pd.MultiIndex.from_arrays([self.values.period, self.values.la_code]).isin(pairs)
        return dict(tuple(self.values[keep].groupby("indicator")))

    @cached_property
    def england(self) -> pd.DataFrame:
        """England's published values in every year (indicator, period, value)."""
        ok = self.areas[(self.areas.la_code == ENGLAND) & (self.areas.status == "value")]
        return ok[["indicator", "period", "value"]]

    @cached_property
    def area_value(self) -> dict[tuple[str, str, int], float]:
        """{(area code, indicator, year): value} for England and the regions."""
        ok = self.areas[self.areas.status == "value"]
        return dict(zip(zip(ok.la_code, ok.indicator, ok.period), ok.value))

    @cached_property
    def year_wide(self) -> pd.DataFrame:
        """Authorities x indicators: the year's published values (NaN otherwise)."""
        ok = self.local[self.local.status == "value"]
        return ok.pivot(index="la_code", columns="indicator", values="value")

    @cached_property
    def totals(self) -> set[str]:
        """Indicators that are totals (a count, spending in pounds): England's figure is
        the sum of the authorities', so it is no yardstick for one authority. Told from
        the data: England's value is more than half the authorities' sum."""
        sums = self.year_wide.sum()
        return {i for i, total in sums.items()
                if (v := self.area_value.get((ENGLAND, i, self.year))) is not None
                and total > 0 and v > 0.5 * total}

    @cached_property
    def ranks(self) -> pd.DataFrame:
        """Authorities x indicators: rank in the year, 1 = the highest value."""
        return self.year_wide.rank(ascending=False, method="min")

    @cached_property
    def by_authority(self) -> dict[str, pd.DataFrame]:
        """{la_code: that authority's values in every year}."""
        la = self.values[self.values.la_code.isin(self.authorities.index)]
        return dict(tuple(la.groupby("la_code")))

    @cached_property
    def neighbour_means(self) -> dict[tuple[str, str], tuple[float, int]]:
        """{(la_code, indicator): (mean, n)}: the mean of the authority's statistical
        neighbours' values in the year, over the n neighbours with a value."""
        long = self.year_wide.stack().rename("value").reset_index()
        pairs = self.neighbours[["la_code", "neighbour_code"]].merge(
            long, left_on="neighbour_code", right_on="la_code", suffixes=("", "_n"))
        means = pairs.groupby(["la_code", "indicator"]).value.agg(["mean", "count"])
        return {k: (m, int(n)) for k, m, n in zip(means.index, means["mean"], means["count"])}

    @cached_property
    def neighbour_lists(self) -> dict[str, list[str]]:
        """{la_code: [neighbour codes in DfE's rank order]}."""
        nb = self.neighbours.sort_values(["la_code", "rank"])
        return nb.groupby("la_code").neighbour_code.agg(list).to_dict()

    @cached_property
    def indicator_order(self) -> list[str]:
        """Indicator ids: the study's 14 in its order, then the others by dimension and id."""
        dims = ["expected-outcomes", "right-services", "social-work-models",
                "fit-for-purpose-organisation", "context"]
        return sorted(self.registry.indicators, key=lambda i: (
            self.registry.get(i).study is None,
            self.registry.get(i).study.number if self.registry.get(i).study else 0,
            dims.index(self.registry.get(i).framework.dimension), i))

    @cached_property
    def with_values(self) -> list[str]:
        """Indicators with at least one authority's value in the year, in page order."""
        have = set(self.year_wide.columns)
        return [i for i in self.indicator_order if i in have]

    def version_of(self, indicator: str, year: int | None = None) -> int | None:
        return self.versions.get(f"{indicator}:{year or self.year}")

    def name(self, la_code: str) -> str:
        return str(self.register.name.get(la_code, la_code))


def default_year(vals: pd.DataFrame, share: float = 0.9) -> int:
    """The latest year in which at least ``share`` of the most indicators any year has
    have a value: recent, but not a year whose releases are still partly out."""
    per_year = vals[vals.status == "value"].groupby("period").indicator.nunique()
    if per_year.empty:
        raise DataError("the store holds no indicator values: run `csc-outcomes data load`.")
    enough = per_year[per_year >= share * per_year.max()]
    return int(enough.index.max())


def read_report_data(store: str | Path | None = None, year: int | None = None,
                     registry: Registry | None = None, replication: bool = True
                     ) -> ReportData:
    """Read what a report shows from the store (opened read-only).

    Parameters
    ----------
    store : the store file (default: ``CSC_OUTCOMES_STORE`` or the user data folder).
    year : the reporting year (default :func:`default_year`: the latest year that most
        indicators have).
    registry : indicator definitions (default: the built-ins).
    replication : also run the 2016 replication and compare it with the published tables.

    Raises
    ------
    DataError : no store, or a store without values; a year the store holds no values for.
    """
    path = resolve_store_path(store)
    registry = registry or load_registry()
    with Store(path, read_only=True) as st:
        register = st.table("la").set_index("la_code")
        names = st.table("la_name")
        neighbours = st.table("stat_neighbour")
        inspections = st.table("inspection")
        files = st.file_records()
        loaded_at = st.meta("loaded_at")
    vals = values(list(registry.indicators), store=path, registry=registry, areas=True)
    versions = dict(vals.attrs.get("versions", {}))
    vals.attrs = {}  # pandas copies attrs into every frame derived from this one
    if year is None:
        year = default_year(vals)
    elif year not in set(vals.period[vals.status == "value"]):
        held = sorted(int(y) for y in vals.period[vals.status == "value"].unique())
        span = f"{held[0]}-{held[-1]}" if held else "none"
        raise DataError(f"the store holds no indicator values for {year} (years with values: "
                        f"{span}). Choose one of those with --year.")
    with Store(path, read_only=True) as st:
        authorities = st.authorities(year)
        alive = {int(y): list(st.authorities(int(y)).index) for y in vals.period.unique()}
    authorities["region_code"] = register.region_code.reindex(authorities.index)
    local = vals[vals.la_code.map(register.level).isin(["la", "joint"])]
    data = ReportData(path, year, registry, vals, versions, register, authorities, names,
                      neighbours, _dated(inspections), files, loaded_at,
                      coverage(path, registry, computed=local), alive)
    if replication:
        _replicate(data)
    return data


def _dated(inspections: pd.DataFrame) -> pd.DataFrame:
    out = inspections.copy()
    for col in ("start_date", "end_date", "published"):
        out[col] = pd.to_datetime(out[col]).dt.date
    return out.sort_values(["la_code", "published"])


def _replicate(data: ReportData) -> None:
    from ..analysis.compare import against_published
    from ..analysis.replicate import replicate

    try:
        data.replication = replicate(store=data.store_path, registry=data.registry)
        data.comparison = against_published(data.replication)
    except AnalysisError as exc:
        data.notes.append(f"The replication of the 2016 study could not run: {exc}")
