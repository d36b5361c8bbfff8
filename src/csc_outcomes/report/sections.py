"""The analyses of "Can the data tell?" (issue 10) and "Is it improving?" (issue 11) as
page sections.

Each analysis is one :class:`Analysis` entry below: the question it answers, the
function that runs it, and which of its tables each kind of page shows (an indicator's
page the rows of that indicator, an authority's page the rows of that authority). Its
function is the one the ``csc-outcomes analyse`` command calls, imported here if its
module exists; until then ``run`` is None and every page says plainly that the analysis
is not yet available (never a stub figure). An analysis that raises a
:class:`~csc_outcomes.errors.CscOutcomesError` (the data cannot support it) is shown as
that message.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ..errors import CscOutcomesError
from ..workers import cores, fork_pool
from .charts import ASSESSMENTS, Chart, chart, funnel_template
from .context import ReportData
from .tables import Column, Table, fmt_p

try:  # issue 10, "Can the data tell?": analysis/tell.py (analyse consistency|funnel|ofsted)
    from ..analysis.tell import consistency_report, funnel_report, ofsted_report
except ImportError:
    consistency_report = funnel_report = ofsted_report = None
try:  # issue 11, "Is it improving?": analyse trends|transitions|completeness|spending
    from ..analysis.improving import transitions_report, trends_report
    from ..analysis.improving_data import completeness_report, spending_report
except ImportError:
    transitions_report = trends_report = completeness_report = spending_report = None

log = logging.getLogger(__name__)
TELL, IMPROVING = "Can the data tell?", "Is it improving?"
STUDY_YEAR = 2015


@dataclass(frozen=True)
class Analysis:
    """One analysis as the pages show it.

    ``run`` takes the report's data and returns the analysis's result (an object with
    ``tables``: name -> DataFrame, ``notes`` and, for issue 10's, ``verdict``), or is
    None while the analysis is not on this branch. ``overview``, ``indicator`` and
    ``authority`` name the result tables each kind of page shows; the indicator and
    authority pages keep the rows whose ``indicator`` or ``la_code`` is theirs.
    ``chart`` draws an indicator's rows of the first ``indicator`` table, if given.
    """

    key: str
    title: str
    question: str
    issue: int
    command: str
    run: Callable[[ReportData], object] | None
    overview: tuple[str, ...] = ()
    indicator: tuple[str, ...] = ()
    authority: tuple[str, ...] = ()
    chart: Callable[[ReportData, pd.DataFrame, str], Chart | None] | None = None


def _years(data: ReportData) -> tuple[int, ...]:
    return tuple(sorted({STUDY_YEAR, data.year}))


def _ids(data: ReportData) -> list[str]:
    return list(data.with_values)


def _run_consistency(data):
    return consistency_report(years=_years(data), store=data.store_path,
                              registry=data.registry)


def _run_funnel(data):
    return funnel_report(years=(data.year,), ids=_ids(data), store=data.store_path,
                         registry=data.registry)


def _run_ofsted(data):
    return ofsted_report(store=data.store_path, registry=data.registry)


def _run_trends(data):
    return trends_report(store=data.store_path, ids=_ids(data), registry=data.registry)


def _run_transitions(data):
    return transitions_report(store=data.store_path, registry=data.registry)


def _run_completeness(data):
    return completeness_report(store=data.store_path, registry=data.registry)


def _run_spending(data):
    """Spending per child in need and per child, shaped for the pages: the financial year
    written out ("2012-13"), the area by name, and an area added up across a
    reorganisation ("A+B+C") shown on the page of each of its authorities."""
    found = spending_report(store=data.store_path, registry=data.registry)

    def shaped(frame: pd.DataFrame, first: list[str]) -> pd.DataFrame:
        year = frame["period"].astype(int)
        frame = frame.assign(financial_year=(year - 1).astype(str) + "-"
                             + (year % 100).map("{:02d}".format))
        return frame[first + ["financial_year", "area_name", "expenditure",
                              "children_in_need", "per_child_in_need", "children",
                              "per_child", "complete"]]

    spending = found.tables["spending"]
    spending = spending.assign(la_code=spending["area_code"].str.split("+")).explode(
        "la_code", ignore_index=True)
    found.tables["spending"] = shaped(spending, ["la_code"])
    if "ranked" in found.tables:
        found.tables["ranked"] = shaped(found.tables["ranked"], ["end", "rank"])
    return found


def funnel_chart(data: ReportData, rows: pd.DataFrame, ind_id: str) -> Chart | None:
    """An indicator's funnel plot: each authority's value against its denominator, with
    the 95% and 99.8% limits around the target."""
    ok = rows.dropna(subset=["value", "denominator"]).sort_values("denominator")
    if ok.empty:
        return None
    ok = ok.assign(name=ok.la_code.map(data.name))
    cols = ["name", "denominator", "value", "target", "lower_95", "upper_95", "lower_998",
            "upper_998", "assessment"]
    ind = data.registry.get(ind_id)
    spec = chart(funnel_template(), ok[cols], y_title=f"{ind.title} ({ind.unit})")
    counts = ok.assessment.value_counts()
    beyond = ", ".join(f"{int(counts[a])} {a}" for a in ASSESSMENTS
                       if a != "no different" and a in counts)
    words = (f"{len(ok)} authorities, each placed by its denominator (the number of children "
             "the figure is a share of) and its value, around the target (solid line) with "
             "the 95% (short dashes) and 99.8% (long dashes) limits: a point beyond them is "
             "further from the target than chance alone would put it. "
             + (f"Beyond the limits: {beyond}; the shape and colour of each point say which."
                if beyond else "Every authority lies within the 95% limits."))
    table = _table("funnel-chart-data", "Funnel plot: each authority's value, denominator "
                   "and limits", ok.drop(columns=["name"]).assign(authority=ok.name))
    return Chart("funnel-chart", "Funnel plot", words, spec, table)


ANALYSES: tuple[Analysis, ...] = (
    Analysis("consistency", "Do the same authorities recur more often than chance?", TELL,
             10, "csc-outcomes analyse consistency",
             _run_consistency if consistency_report else None,
             overview=("test", "concordance")),
    Analysis("funnel", "Funnel plot: which differences are more than chance?", TELL, 10,
             "csc-outcomes analyse funnel", _run_funnel if funnel_report else None,
             overview=("indicators",), indicator=("authorities",),
             authority=("authorities",), chart=funnel_chart),
    Analysis("ofsted", "Do the indicators go with the Ofsted judgement?", TELL, 10,
             "csc-outcomes analyse ofsted", _run_ofsted if ofsted_report else None,
             overview=("associations",), indicator=("associations",)),
    Analysis("trends", "Which authorities changed by more than noise?", IMPROVING, 11,
             "csc-outcomes analyse trends", _run_trends if trends_report else None,
             overview=("summary",), indicator=("summary", "most_changed"),
             authority=("changes",)),
    Analysis("transitions", "How do Ofsted judgements move between inspections?", IMPROVING,
             11, "csc-outcomes analyse transitions",
             _run_transitions if transitions_report else None,
             overview=("first_to_latest",), authority=("authorities",)),
    Analysis("completeness", "How complete are the returns?", IMPROVING, 11,
             "csc-outcomes analyse completeness",
             _run_completeness if completeness_report else None,
             indicator=("flagged",), authority=("coverage",)),
    Analysis("spending", "What is spent per child in need, and where most and least?",
             IMPROVING, 11, "csc-outcomes analyse spending",
             _run_spending if spending_report else None,
             overview=("ranked",), authority=("spending",)),
)


def result(data: ReportData, analysis: Analysis):
    """The analysis's result for this report (run once, then kept), or the message of
    the error that stopped it (a str). Safe to call from several threads: an analysis
    another thread is running is waited for, not run again."""
    if analysis.key not in data.analyses:
        with data.analyses_lock:
            if analysis.key not in data.analyses:
                try:
                    data.analyses[analysis.key] = analysis.run(data)
                except CscOutcomesError as exc:
                    data.analyses[analysis.key] = (
                        f"The data cannot support this analysis: {exc}")
    return data.analyses[analysis.key]


def run_in_background(data: ReportData, stop: threading.Event | None = None
                      ) -> threading.Thread:
    """Start running every analysis in a thread of this process, one after another, so
    that pages asked for later find them done (the server starts this as soon as it has
    read the store). A page that needs one still running waits for it (see
    :func:`result`); an analysis that fails here fails again, visibly, on the page.
    Setting ``stop`` ends the thread after the analysis it is running."""

    def run():
        for analysis in ANALYSES:
            if stop is not None and stop.is_set():
                return
            if analysis.run is not None:
                try:
                    result(data, analysis)
                except Exception:  # the page that shows it reports the error
                    log.exception("analysis %s failed", analysis.key)

    thread = threading.Thread(target=run, name="csc-outcomes analyses", daemon=True)
    thread.start()
    return thread


#: rough seconds each analysis takes on the 2-core reference machine (for the order)
_SECONDS = {"trends": 1.9, "funnel": 1.7, "ofsted": 1.5, "consistency": 1.2,
            "spending": 0.5, "completeness": 0.3, "transitions": 0.2}

#: the report's data, set before the analyses' worker processes fork (they inherit it)
_FORKED: ReportData | None = None


def run_analyses(data: ReportData, analyses: tuple[Analysis, ...] = ANALYSES,
                 workers: int | None = None) -> None:
    """Run every analysis the report has not run yet, side by side in worker processes
    (one per core, at most ``workers``), keeping each result as :func:`result` would.

    The workers are forked, so they share the report's data and the libraries already
    imported; each analysis opens the store read-only itself. Where ``fork`` is not
    available, or with one core, they run one after another here.
    """
    global _FORKED
    todo = sorted((a for a in analyses if a.run is not None and a.key not in data.analyses),
                  key=lambda a: -_SECONDS.get(a.key, 1.0))  # the longest first
    _FORKED = data
    try:
        with fork_pool(min(len(todo), workers or cores())) as pool:
            if pool is None:
                for analysis in todo:
                    result(data, analysis)
                return
            for key, found in pool.imap_unordered(_run_forked, [a.key for a in todo]):
                data.analyses[key] = found
    finally:
        _FORKED = None


def _run_forked(key: str):
    analysis = next(a for a in ANALYSES if a.key == key)
    return key, result(_FORKED, analysis)


def sections_for(data: ReportData, page: str, key: str | None = None,
                 analyses: tuple[Analysis, ...] = ANALYSES) -> list[dict]:
    """The sections a page shows (``page`` is "overview", "indicator" or "authority";
    ``key`` the indicator id or la_code), one per analysis that concerns it."""
    out = []
    for analysis in analyses:
        names = getattr(analysis, page)
        if not names:
            continue
        view = {"key": analysis.key, "title": analysis.title, "question": analysis.question,
                "issue": analysis.issue, "command": analysis.command, "available": False,
                "sentences": [], "tables": [], "charts": [], "message": None}
        if analysis.run is None:
            view["message"] = (f"Not yet available: this analysis ({analysis.command}, "
                               f"issue {analysis.issue}) is not part of this version of "
                               "csc-outcomes.")
        else:
            found = result(data, analysis)
            if isinstance(found, str):
                view["message"] = found
            else:
                _fill(view, data, analysis, found, page, key)
        out.append(view)
    return out


def _fill(view: dict, data: ReportData, analysis: Analysis, found, page: str, key) -> None:
    view["available"] = True
    column = {"indicator": "indicator", "authority": "la_code"}.get(page)
    if page == "overview":
        view["sentences"] = list(getattr(found, "verdict", None) or found.notes)
    for name in getattr(analysis, page):
        frame = found.tables.get(name)
        if frame is None:
            continue
        if column:
            if column not in frame.columns:
                continue
            frame = _rows_of(data, analysis, name, frame, column).get(key)
        if frame is None or frame.empty:
            continue
        if page == "indicator" and analysis.chart and not view["charts"]:
            drawn = analysis.chart(data, frame, key)
            if drawn is not None:
                view["charts"].append(drawn)
        view["tables"].append(_table(f"{analysis.key}-{name}",
                                     f"{analysis.title}: {name.replace('_', ' ')}", frame))
    if not view["tables"] and not view["sentences"]:
        view["sentences"] = ["This analysis has no rows for this page."]


def _rows_of(data: ReportData, analysis: Analysis, name: str, frame: pd.DataFrame,
             column: str) -> dict:
    """{value of ``column``: its rows of the table}, split once for every page."""
    cache_key = ("rows", analysis.key, name, column)
    if cache_key not in data.analyses:
        data.analyses[cache_key] = dict(tuple(frame.groupby(column, sort=False)))
    return data.analyses[cache_key]


#: the unit of result columns whose name says it (money in pounds, counts of children)
UNITS = {"expenditure": "GBP", "per_child_in_need": "GBP per child",
         "per_child": "GBP per child", "children_in_need": "count", "children": "count"}


#: headers that are not the column's name in words
LABELS = {"la_code": "ONS code", "la_name": "Authority"}


def _label(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def _is_year(name: str) -> bool:
    return name in ("period", "year") or name.endswith("_year")


def _is_p(name: str) -> bool:
    return name == "p" or name.startswith("p_") or name.endswith("_p")


def _table(table_id: str, caption: str, frame: pd.DataFrame) -> Table:
    """A result table as it is: every column, headed in words; years as years, p-values
    as p-values."""
    columns = []
    for col in frame.columns:
        kind = frame[col].dtype
        numeric = pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)
        decimals = 0 if pd.api.types.is_integer_dtype(kind) else 3
        fmt = (lambda v: str(int(v))) if numeric and _is_year(col) else \
            fmt_p if numeric and _is_p(col) else None
        unit = UNITS.get(col) if numeric else None
        columns.append(Column(col, _label(col), numeric=numeric, unit=unit,
                              decimals=decimals if numeric and not unit else None, fmt=fmt))
    safe = re.sub(r"[^a-z0-9-]+", "-", table_id.lower()).strip("-")
    return Table(safe, caption, frame.reset_index(drop=True), columns)
