"""`csc-outcomes analyse trends | transitions | completeness | spending`: is it improving?

Thin commands: parse options, call one function of :mod:`csc_outcomes.analysis.improving`
or :mod:`csc_outcomes.analysis.improving_data`, print its notes and tables.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import click

from .. import ATTRIBUTION
from . import (
    _registry,
    console,
    frame_table,
    indicators_option,
    json_option,
    store_option,
    write_tables,
)
from .analyse_group import analyse

if TYPE_CHECKING:
    import pandas as pd

JUDGEMENT_CHOICES = ["overall", "help_and_protection", "children_in_care", "care_leavers",
                     "adoption", "leadership", "lscb", "all"]


def _years(ctx, param, value):
    if not value:
        return None
    out: list[int] = []
    try:
        for part in value.split(","):
            a, _, b = part.strip().partition("-")
            out += list(range(int(a), int(b) + 1)) if b else [int(a)]
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a list of years like 2015-2025 or "
                                 "2015,2020") from None
    if any(y < 1990 or y > 2100 for y in out):
        raise click.BadParameter(f"{value!r} has a year outside 1990-2100")
    return sorted(set(out))


def _percent(ctx, param, value):
    if value is not None and not 0 <= value <= 100:
        raise click.BadParameter(f"{value:g} is not a percentage between 0 and 100")
    return value


def common_options(f):
    f = click.option("--csv", "csv_dir", type=click.Path(file_okay=False),
                     help="Also write every table as a CSV file in this folder.")(f)
    f = json_option(f)
    f = click.option("--la", "authorities", multiple=True, metavar="CODE",
                     help="Only these authorities (ONS codes like E09000027; repeatable).")(f)
    return store_option(f)


def min_completeness_option(f):
    return click.option("--min-completeness", type=float, default=None, callback=_percent,
                        metavar="PERCENT",
                        help="Leave out authority-years whose coverage of the eligible "
                             "children is below PERCENT on a measure that governs the "
                             "indicator (see `analyse completeness`); says how many.")(f)


def indicator_options(f):
    f = indicators_option(f)
    f = click.option("--set", "set_name", default=None, help="A named indicator set.")(f)
    return click.option("--indicator", "ids", multiple=True, metavar="ID",
                        help="Indicator id (repeatable).")(f)


def _strict(frame: pd.DataFrame) -> list[dict]:
    records = json.loads(frame.to_json(orient="records", date_format="iso", double_precision=10))
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in r.items()} for r in records]


def report_json(report, analysis: str = "") -> str:
    """The report as strict JSON, in the shape every analysis shares: ``analysis``,
    ``verdict`` (the plain-words findings), ``parameters``, ``notes``, ``tables`` (records)
    and ``attribution``."""
    from ..serialise import dumps

    return dumps({"analysis": analysis, "attribution": ATTRIBUTION,
                  "verdict": list(report.notes), "parameters": report.choices, "notes": [],
                  "tables": {k: _strict(v) for k, v in report.tables.items()}})


def _emit(report, as_json: bool, csv_dir: str | None, show: list[tuple[str, str]],
          analysis: str = "") -> None:
    if as_json:
        click.echo(report_json(report, analysis))
        if csv_dir:
            write_tables(report.tables, csv_dir)
        return
    for note in report.notes:
        console.print(note, soft_wrap=True, highlight=False)
    for name, title, *cols in show:
        frame = report.tables.get(name)
        if frame is not None and len(frame):
            frame = frame[[c for c in cols[0] if c in frame]] if cols else frame
            console.print(frame_table(_readable(frame), title=title))
    console.print(ATTRIBUTION, highlight=False)
    if csv_dir:
        write_tables(report.tables, csv_dir)


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.date
    out.columns = [str(c).replace("_", " ") for c in out.columns]
    return out


@analyse.command("trends")
@indicator_options
@click.option("--years", callback=_years, help="Reporting years, like 2013-2025 [default: all].")
@click.option("--from-year", type=int, default=2015, show_default=True,
              help="Start of the span whose change is tested.")
@click.option("--to-year", type=int, default=None,
              help="End of the span [default: each indicator's latest year].")
@click.option("--top", type=click.IntRange(1, 200), default=10, show_default=True,
              help="Authorities in each most-improved and most-declined list.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.05, show_default=True, help="Significance level after adjustment.")
@min_completeness_option
@common_options
def trends_command(ids, set_name, indicator_dirs, years, from_year, to_year, top, alpha,
                   min_completeness, store, as_json, authorities, csv_dir):
    """Each authority's trajectory per indicator, cut where the definition changed; the
    trend with its uncertainty; which changes are larger than noise explains; England and
    the regions for comparison; the most improved and most declined authorities.

    Example: csc-outcomes analyse trends --set study-2016 --from-year 2015
    """
    from ..analysis.improving import trends_report

    report = trends_report(store, ids=list(ids) or None,
                           set_name=set_name or (None if ids else "study-2016"),
                           years=years, authorities=list(authorities) or None,
                           from_year=from_year, to_year=to_year, top=top, alpha=alpha,
                           min_completeness=min_completeness,
                           registry=_registry(indicator_dirs))
    _emit(report, as_json, csv_dir, [("summary", "Changes beyond noise, per indicator"),
                                     ("most_changed", "Most improved and most declined",
                                      ["indicator", "list", "rank", "la_name", "from_year",
                                       "to_year", "value_from", "value_to", "change",
                                       "p_adjusted", "n_from", "n_to"])], analysis="trends")


@analyse.command("transitions")
@click.option("--judgement", type=click.Choice(JUDGEMENT_CHOICES), default="overall",
              show_default=True, help="Overall effectiveness, one sub-judgement, or all.")
@click.option("--no-reorganisations", is_flag=True,
              help="Do not carry a predecessor's history over to its successor.")
@indicator_options
@min_completeness_option
@common_options
def transitions_command(judgement, no_reorganisations, ids, set_name, indicator_dirs,
                        min_completeness, store, as_json, authorities, csv_dir):
    """Transition matrices between each authority's successive Ofsted judgements (SIF to
    ILACS, ILACS to ILACS; 2009-2013 frameworks to SIF separately), time between
    inspections, improvers, the stuck and those that fell. With --indicator or --set, also
    whether indicators moved with the judgements (within authorities).

    Example: csc-outcomes analyse transitions --set study-2016
    """
    from ..analysis.improving import transitions_report

    report = transitions_report(store, judgement=judgement,
                                authorities=list(authorities) or None, ids=list(ids) or None,
                                set_name=set_name,
                                follow_reorganisations=not no_reorganisations,
                                min_completeness=min_completeness,
                                registry=_registry(indicator_dirs))
    for name in ("matrix", "first_to_latest"):
        report.tables[f"{name}_grid"] = _grid(report.tables[name])
    _emit(report, as_json, csv_dir, [
        ("first_to_latest_grid", "First SIF (rows) to latest ILACS (columns): authorities"),
        ("matrix_grid", "Successive judgements (rows: earlier, columns: later)"),
        ("intervals", "Months between inspections"),
        ("indicators_vs_judgements", "Indicator change where the rating rose or fell, "
                                     "against where it held")], analysis="transitions")


def _grid(matrix: pd.DataFrame) -> pd.DataFrame:
    from ..analysis.ratings import GRADES

    g = matrix.pivot_table(index=["kind", "judgement", "from_grade"], columns="to_grade",
                           values="count", aggfunc="sum", observed=False).reset_index()
    g["order"] = g["from_grade"].map({x: i for i, x in enumerate(GRADES)})
    g = g.sort_values(["kind", "judgement", "order"]).drop(columns="order")
    return g[["kind", "judgement", "from_grade", *[x for x in GRADES if x in g]]]


@analyse.command("completeness")
@click.option("--years", callback=_years, help="Reporting years, like 2015-2025.")
@click.option("--threshold", type=float, default=50.0, show_default=True, callback=_percent,
              help="Coverage (percent of the eligible children) below which an authority "
                   "is flagged as too incomplete to trust.")
@click.option("--least", type=click.IntRange(1, 200), default=5, show_default=True,
              help="Least complete authorities listed per measure.")
@indicator_options
@common_options
def completeness_command(years, threshold, least, ids, set_name, indicator_dirs, store,
                         as_json, authorities, csv_dir):
    """How much of the eligible population each authority's return covers (SDQ returns,
    care leavers whose activity or accommodation is known or who are in touch, health
    assessments), with the authorities too incomplete to trust flagged; with --indicator or
    --set, also the published, suppressed and missing cells.

    Example: csc-outcomes analyse completeness --threshold 50
    """
    from ..analysis.improving_data import completeness_report

    report = completeness_report(store, years=years, authorities=list(authorities) or None,
                                 threshold=threshold, ids=list(ids) or None,
                                 set_name=set_name, least=least,
                                 registry=_registry(indicator_dirs))
    _emit(report, as_json, csv_dir, [("least_complete", "Least complete authorities",
                                      ["measure", "la_code", "la_name", "years",
                                       "mean_coverage", "min_coverage", "eligible"])], analysis="completeness")


@analyse.command("spending")
@click.option("--years", callback=_years, help="Reporting years, like 2013-2025.")
@click.option("--deflator", type=click.Path(dir_okay=False, exists=True),
              help="HM Treasury's GDP deflator CSV (or a YAML file like the shipped one) "
                   "for real terms [default: the shipped series].")
@click.option("--base-year", type=int, default=None,
              help="Prices of this reporting year [default: the deflator's latest].")
@click.option("--rank-year", "rank_years", multiple=True, type=int,
              help="Years to list the highest and lowest spenders for [default: first and "
                   "latest]; repeatable.")
@click.option("--top", type=click.IntRange(1, 200), default=5, show_default=True,
              help="Areas at each end of the ranking.")
@min_completeness_option
@common_options
def spending_command(years, deflator, base_year, rank_years, top, min_completeness, store,
                     as_json, authorities, csv_dir):
    """Children's social care spending per child in need and per child in the population,
    in cash and real terms, on areas that stay the same across reorganisations.

    Example: csc-outcomes analyse spending --rank-year 2014 --rank-year 2025
    """
    from ..analysis.improving_data import spending_report

    report = spending_report(store, years=years, authorities=list(authorities) or None,
                             deflator=deflator, base_year=base_year,
                             rank_years=list(rank_years) or None, top=top)
    if min_completeness is not None:
        report.notes.append("--min-completeness: no coverage measure governs spending, so "
                            "nothing was left out.")
    _emit(report, as_json, csv_dir, [("ranked", "Highest and lowest spending per child in need",
                                      ["period", "end", "rank", "area_name",
                                       "per_child_in_need", "per_child_in_need_real",
                                       "expenditure", "children_in_need"])], analysis="spending")
