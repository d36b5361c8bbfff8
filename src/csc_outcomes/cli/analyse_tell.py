"""`csc-outcomes analyse consistency | funnel | ofsted`: can the data tell?

Thin commands: parse the options, call one function of :mod:`csc_outcomes.analysis.tell`,
print its verdict first and its tables second (or strict JSON, or CSV files).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from .. import ATTRIBUTION
from . import (
    _registry,
    console,
    emit_json,
    frame_table,
    indicators_option,
    json_option,
    store_option,
    write_tables,
)
from .analyse_group import analyse

if TYPE_CHECKING:
    import pandas as pd

#: column -> header shown in the terminal tables
HEADERS = {
    "indicators": "indicators", "observed": "observed", "expected": "expected by chance",
    "null_low": "chance 2.5%", "null_high": "chance 97.5%",
    "observed_at_least": "observed (k or more)", "expected_at_least": "expected (k or more)",
    "p_at_least": "p (k or more)", "null_mean": "chance mean", "n_authorities": "authorities",
    "n_indicators": "indicators", "mean_rho": "mean Spearman", "rho_aligned": "rho (aligned)",
    "indicator_a": "indicator", "indicator_b": "indicator", "overdispersion_p": "over-dispersion p",
    "n_best": "best 10%", "best_within_95": "of them within", "n_worst": "worst 10%",
    "worst_within_95": "of them within", "above_95": "above 95%",
    "below_95": "below 95%", "above_998": "above 99.8%", "below_998": "below 99.8%",
    "median_rank_width": "rank interval (median)", "lower_95": "95% low", "upper_95": "95% high",
    "flag_95": "95% flag", "raw_group": "raw 10% group", "rank_low": "rank low",
    "rank_high": "rank high", "n_ranked": "ranked", "spearman_rho": "Spearman rho",
    "spearman_p": "Spearman p", "odds_ratio": "odds ratio per SD", "ci_low": "CI low",
    "ci_high": "CI high", "p_holm": "p (Holm)", "p_bh": "p (BH)", "linear_r": "study's r",
    "linear_p": "study's p", "higher_goes_with": "higher goes with",
}


def _years(year, years_range) -> list[int] | None:
    out = list(year)
    if years_range:
        try:
            if "-" in years_range:
                a, b = (int(x) for x in years_range.split("-", 1))
                out += list(range(a, b + 1))
            else:
                out += [int(x) for x in years_range.split(",")]
        except ValueError:
            raise click.BadParameter(f"{years_range!r} is not like 2015-2025 or 2015,2024",
                                     param_hint="--years") from None
    return sorted(set(out)) or None


def _date(value, hint):
    if value in (None, "", "none"):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2016-03-31",
                                 param_hint=hint) from None


def common_options(f):
    """IDS, --set, --year, --years, --csv, --indicators, --store, --json."""
    for opt in reversed([
        click.argument("ids", nargs=-1),
        click.option("--set", "set_name", default="study-2016", show_default=True,
                     help="Indicator set (ignored when indicator ids are given)."),
        click.option("--year", type=int, multiple=True, help="Reporting year (repeatable)."),
        click.option("--years", "years_range", help="Years as a range or list: 2015-2025, "
                                                    "2015,2024."),
        click.option("--csv", "csv_dir", type=click.Path(file_okay=False),
                     help="Also write every table as a CSV file into this folder."),
        indicators_option, store_option, json_option]):
        f = opt(f)
    return f


def _emit(findings, as_json: bool, csv_dir, show) -> None:
    if as_json:
        emit_json(findings.to_dict())
    else:
        for line in findings.verdict:
            console.print(f"[bold]{line}[/bold]", highlight=False)
        console.print()
        show(findings)
        for note in findings.notes:
            console.print(f"Note: {note}", markup=False, highlight=False)
    if csv_dir:
        write_tables(findings.tables, csv_dir, prefix=f"{findings.analysis}_")


def _table(frame: pd.DataFrame, title: str, digits: int = 3):
    import pandas as pd

    shown = frame.copy()
    for c in shown.columns:
        is_p = c == "p" or c.startswith("p_") or c.endswith("_p")
        if pd.api.types.is_float_dtype(shown[c]) and not is_p:
            shown[c] = shown[c].round(digits)
    console.print(frame_table(shown.rename(columns=HEADERS), title=title, caption=ATTRIBUTION))


@analyse.command("consistency")
@common_options
@click.option("--with-workforce", is_flag=True,
              help="Rank the set's workforce indicators too (default: child outcomes only).")
@click.option("--share", type=click.FloatRange(0, 0.5, min_open=True), default=0.10,
              show_default=True, help="Share of authorities in the best and worst group.")
@click.option("--k-rule", type=click.Choice(["round", "ceil", "floor"]), default="round",
              show_default=True, help="How share x n becomes a count.")
@click.option("--base", type=click.Choice(["universe", "with-data"]), default="universe",
              show_default=True, help="Take the share of all authorities, or of those with a "
                                      "value.")
@click.option("--ties", type=click.Choice(["include", "exclude"]), default="include",
              show_default=True, help="Authorities tied at the cut-off: all in, or all out.")
@click.option("--method", type=click.Choice(["rank", "percentile"]), default="rank",
              show_default=True, help="Cut by rank or at the percentile.")
@click.option("--contested", type=click.Choice(["study", "exclude"]), default="study",
              show_default=True, help="Rank contested indicators the study's way, or not at all.")
@click.option("--draws", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True,
              help="Permutations of the null.")
@click.option("--seed", type=int, default=2016, show_default=True, help="Random seed.")
def consistency_cmd(ids, set_name, year, years_range, csv_dir, indicator_dirs, store, as_json,
                    with_workforce, share, k_rule, base, ties, method, contested, draws, seed):
    """Is the recurrence of the same authorities in the best/worst 10% more than chance?

    Beside the study's count table: the counts expected if the indicators were unrelated
    (authorities permuted within each indicator, keeping its missing values and ties),
    p-values, the Spearman correlation of every pair of indicators and Kendall's W.

    Example: csc-outcomes analyse consistency --year 2015 --year 2024
    """
    from ..analysis.tell import consistency_report

    kinds = ("child-outcome", "workforce") if with_workforce else ("child-outcome",)
    findings = consistency_report(
        _years(year, years_range) or [2015], ids or None, set_name, kinds=kinds,
        contested=contested, share=share, k_rule=k_rule, base=base, ties=ties, method=method,
        draws=draws, seed=seed, store=store, registry=_registry(indicator_dirs))
    _emit(findings, as_json, csv_dir, _show_consistency)


def _show_consistency(f) -> None:
    cols = ["period", "side", "indicators", "observed", "expected", "null_low", "null_high",
            "observed_at_least", "p_at_least"]
    _table(f.tables["distribution"][cols], "Authorities by number of indicators in the group, "
           "observed and expected by chance")
    _table(f.tables["test"], "Is there more recurrence than chance? (concentration = sum of "
           "squared counts)")
    _table(f.tables["concordance"], "Kendall's W across indicators")
    corr = f.tables["correlation"]
    top = corr.reindex(corr.rho.abs().sort_values(ascending=False).index).head(10)
    _table(top, "The most correlated indicator pairs (all pairs: --json or --csv)", 2)


@analyse.command("funnel")
@common_options
@click.option("--la", "la_codes", multiple=True, metavar="CODE",
              help="Show these authorities' rows (ONS code, repeatable).")
@click.option("--overdispersion", type=click.Choice(["auto", "always", "never"]),
              default="auto", show_default=True,
              help="Widen the limits for over-dispersion when the test needs it, always, or never.")
@click.option("--contested", type=click.Choice(["study", "exclude"]), default="study",
              show_default=True, help="Which end of contested indicators is better.")
@click.option("--draws", type=click.IntRange(10, 100_000), default=1000, show_default=True,
              help="Bootstrap draws for the rank intervals.")
@click.option("--seed", type=int, default=2016, show_default=True, help="Random seed.")
def funnel_cmd(ids, set_name, year, years_range, csv_dir, indicator_dirs, store, as_json,
               la_codes, overdispersion, contested, draws, seed):
    """Funnel-plot limits around England, flags and rank intervals for each authority.

    For each proportion or rate indicator: 95% and 99.8% limits from each authority's
    numerator and denominator (widened for over-dispersion where needed), each authority
    above, within or below them beside its raw best/worst-10% place, and its rank with a
    95% bootstrap interval.

    Example: csc-outcomes analyse funnel --year 2015 --la E09000022
    """
    from ..analysis.tell import funnel_report

    findings = funnel_report(_years(year, years_range) or [2015], ids or None, set_name,
                             contested=contested, overdispersion=overdispersion, draws=draws,
                             seed=seed, store=store, registry=_registry(indicator_dirs))
    _emit(findings, as_json, csv_dir, lambda f: _show_funnel(f, la_codes))


def _show_funnel(f, la_codes) -> None:
    cols = ["period", "indicator", "n", "target", "phi", "adjusted", "n_best",
            "best_within_95", "n_worst", "worst_within_95", "above_998", "below_998",
            "median_rank_width"]
    _table(f.tables["indicators"][cols], "Funnel limits per indicator (phi: over-dispersion; "
           "adjusted: limits widened by it)", 2)
    rows = f.tables["authorities"]
    cols = ["period", "indicator", "la_code", "numerator", "denominator", "value", "target",
            "lower_95", "upper_95", "assessment", "raw_group", "rank", "rank_low", "rank_high"]
    if la_codes:
        _table(rows[rows.la_code.isin(la_codes)][cols], "The authorities asked for", 2)
    else:
        best = rows[(rows.raw_group == "best") & (rows.flag_95 == "within")]
        _table(best[cols], "In the raw best 10% but within the 95% limits (chance could put "
               "them there)", 2)
        console.print("Every authority's rows: --la CODE, --json or --csv.")


@analyse.command("ofsted")
@common_options
@click.option("--judgement", type=click.Choice(["all", "first-sif", "latest"]), default="all",
              show_default=True, help="Every SIF and ILACS judgement, each authority's first "
                                      "SIF, or its latest.")
@click.option("--ofsted-from", default=None, help="Judgements published on or after (YYYY-MM-DD).")
@click.option("--ofsted-to", default=None, help="Judgements published on or before (YYYY-MM-DD).")
@click.option("--coding", type=click.Choice(["outstanding-1", "inadequate-1"]),
              default="outstanding-1", show_default=True,
              help="Rating coding: 1 = Outstanding ... 4 = Inadequate, or the reverse.")
@click.option("--pairing", type=click.Choice(["before", "same-year"]), default="before",
              show_default=True, help="Pair each inspection with the last data year ended "
                                      "before publication, or (look-ahead) the year it fell in.")
@click.option("--adjust", "adjust", multiple=True, metavar="ID",
              help="Context indicator to adjust for (repeatable) [default: imd-average-score, "
                   "child-population].")
@click.option("--no-adjust", is_flag=True, help="Fit the unadjusted models only.")
@click.option("--min-n", type=click.IntRange(5, None), default=30, show_default=True,
              help="Fewest inspections for an estimate.")
def ofsted_cmd(ids, set_name, year, years_range, csv_dir, indicator_dirs, store, as_json,
               judgement, ofsted_from, ofsted_to, coding, pairing, adjust, no_adjust, min_n):
    """Does any indicator track the Ofsted judgement, once context and chance are allowed for?

    Spearman's rho and a proportional-odds model of the judgement per indicator, alone and
    adjusted for context, pooled over SIF and ILACS (framework as a covariate, standard
    errors clustered by authority), with Holm and Benjamini-Hochberg p-values and the
    study's linear regression beside them. --year/--years keep inspections paired with
    those data years.

    Example: csc-outcomes analyse ofsted --judgement all --json > ofsted.json
    """
    from ..analysis.tell import DEFAULT_CONTEXT, ofsted_report

    context = () if no_adjust else (adjust or DEFAULT_CONTEXT)
    findings = ofsted_report(
        ids or None, set_name, years=_years(year, years_range), context=context,
        selection=judgement, published_from=_date(ofsted_from, "--ofsted-from"),
        published_to=_date(ofsted_to, "--ofsted-to"), coding=coding, pairing=pairing,
        min_n=min_n, store=store, registry=_registry(indicator_dirs))
    _emit(findings, as_json, csv_dir, _show_ofsted)


def _show_ofsted(f) -> None:
    cols = ["indicator", "role", "adjusted", "n", "n_authorities", "spearman_rho",
            "odds_ratio", "ci_low", "ci_high", "p", "p_holm", "p_bh", "linear_r", "linear_p"]
    _table(f.tables["associations"][cols], "Each indicator against the Ofsted judgement "
           "(odds ratio per SD for a higher rating code)")
