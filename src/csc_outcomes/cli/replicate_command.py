"""`csc-outcomes replicate`: the 2016 study, with every choice an option."""

from __future__ import annotations

from pathlib import Path

import click

from .. import ATTRIBUTION
from ..config import resolve_store_path
from . import (
    _registry,
    cli,
    console,
    emit_json,
    frame_table,
    indicators_option,
    json_option,
    store_option,
)


def _date(value):
    from datetime import date

    if value in (None, "", "none"):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2016-03-31") from None


@cli.command("replicate")
@click.option("--year", type=int, default=2015, show_default=True,
              help="Reporting year; 2015 is the study's. Other years use each authority's "
                   "latest SIF or ILACS judgement published by 31 March of the next year.")
@click.option("--set", "set_name", default="study-2016", show_default=True,
              help="Indicator set to rank and regress.")
@click.option("--share", type=float, default=0.10, show_default=True,
              help="Share of authorities in the best and in the worst group.")
@click.option("--k-rule", type=click.Choice(["round", "ceil", "floor"]), default="round",
              show_default=True, help="How share x n becomes a count.")
@click.option("--base", type=click.Choice(["with-data", "universe"]), default="with-data",
              show_default=True, help="Take the share of authorities with a value, or of all.")
@click.option("--ties", type=click.Choice(["include", "exclude"]), default="include",
              show_default=True, help="Authorities tied at the cut-off: all in, or all out.")
@click.option("--method", type=click.Choice(["rank", "percentile"]), default="rank",
              show_default=True, help="Cut by rank (k best) or at the percentile.")
@click.option("--contested", type=click.Choice(["study", "flip", "exclude"]), default="study",
              show_default=True, help="Direction of contested indicators (missing, away ...).")
@click.option("--direction", "directions", multiple=True, metavar="ID=higher|lower",
              help="Override one indicator's 'better' direction (repeatable).")
@click.option("--with-workforce", is_flag=True, help="Rank the workforce indicators in phase one too.")
@click.option("--coding", type=click.Choice(["outstanding-1", "inadequate-1"]),
              default="outstanding-1", show_default=True,
              help="Rating coding: 1 = Outstanding ... 4 = Inadequate, or the reverse.")
@click.option("--judgement", type=click.Choice(["first-sif", "latest"]), default=None,
              help="Which judgement counts [default: first-sif for 2015, latest otherwise].")
@click.option("--ofsted-from", default=None, help="Count judgements published on or after (YYYY-MM-DD).")
@click.option("--ofsted-to", default=None, help="Count judgements published on or before (YYYY-MM-DD, or 'none').")
@click.option("--universe", type=click.Choice(["all", "inspected"]), default="all",
              show_default=True, help="Phase one over all authorities or only inspected ones.")
@click.option("--named-top", type=int, default=10, show_default=True,
              help="List at most about this many authorities at the top of each distribution.")
@click.option("--sensitivity", is_flag=True, help="Rerun under each alternative choice and "
                                                  "show how much the answers move.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False),
              help="Also write the tables as CSV files into this folder.")
@indicators_option
@store_option
@json_option
def replicate_cmd(year, set_name, share, k_rule, base, ties, method, contested, directions,
                  with_workforce, coding, judgement, ofsted_from, ofsted_to, universe,
                  named_top, sensitivity, csv_dir, indicator_dirs, store, as_json):
    """Replicate the 2016 study: best/worst 10% recurrence and regressions on Ofsted ratings.

    Every choice the study left open is an option; the output states them.

    Example: csc-outcomes replicate --json > replication.json
    """
    from ..analysis import replicate as rep

    overrides = dict(indicator_set=set_name, share=share, k_rule=k_rule, base=base, ties=ties,
                     method=method, contested=contested, coding=coding, universe=universe,
                     named_top=named_top)
    if directions:
        pairs = [d.split("=", 1) for d in directions]
        if any(len(p) != 2 or p[1] not in ("higher", "lower") for p in pairs):
            raise click.BadParameter("use ID=higher or ID=lower", param_hint="--direction")
        overrides["directions"] = tuple((a, b) for a, b in pairs)
    if with_workforce:
        overrides["phase1_kinds"] = ("child-outcome", "workforce")
    if judgement:
        overrides["selection"] = judgement
    if ofsted_from is not None:
        overrides["published_from"] = _date(ofsted_from)
    if ofsted_to is not None:
        overrides["published_to"] = _date(ofsted_to)
    choices = rep.Choices.for_year(year, **overrides)
    registry = _registry(indicator_dirs)
    store_path = resolve_store_path(store)
    if sensitivity:
        out = rep.sensitivity(choices, store=store_path, registry=registry)
        result = out["default"]
    else:
        out, result = None, rep.replicate(choices, store=store_path, registry=registry)
    if csv_dir:
        from ..analysis.tables import write_csv

        write_csv(result, out, Path(csv_dir))
    if as_json:
        emit_json(out if sensitivity else result)
        return
    _print_replication(result)
    if sensitivity:
        _print_sensitivity(out)


def _print_replication(result) -> None:
    from ..analysis.tables import phase1_frame, phase2_frame

    ch = result["choices"]
    console.print(f"[bold]Replication for {result['year']}[/bold]: {result['universe']} "
                  f"authorities, {result['inspected']} with a counted Ofsted judgement.")
    console.print("Choices: " + "; ".join(f"{k}={v}" for k, v in ch.items()), markup=False)
    for side, label in (("best", "best"), ("worst", "worst")):
        dist, named_frame = phase1_frame(result, side)
        console.print(frame_table(dist, title=f"Authorities by number of indicators in the "
                                              f"{label} {ch['share']:.0%}"))
        console.print(frame_table(named_frame, title=f"Authorities most often in the {label} group"))
    console.print(frame_table(phase2_frame(result), title="Regression of each indicator on the "
                              f"Ofsted rating (coded {ch['coding']})", caption=ATTRIBUTION))
    for note in result["notes"]:
        console.print(f"Note: {note}")


def _print_sensitivity(out) -> None:
    import pandas as pd

    console.print(frame_table(pd.DataFrame(out["variants"]),
                              title="Sensitivity: each alternative choice, one at a time"))
    r = pd.DataFrame(out["phase2_r"]).round(3)
    r.insert(0, "indicator", r.index)
    console.print(frame_table(r, title="Phase two r under each alternative"))


