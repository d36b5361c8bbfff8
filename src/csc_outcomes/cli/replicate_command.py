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

GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"]


def _date(value):
    from datetime import date

    if value in (None, "", "none"):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2016-03-31") from None


def _pairs(items, allowed, hint, example):
    pairs = [i.split("=", 1) for i in items]
    if any(len(p) != 2 or p[1] not in allowed for p in pairs):
        raise click.BadParameter(f"use {example}", param_hint=hint)
    return tuple((a, b) for a, b in pairs)


def _known_ids(ids, registry, set_name) -> None:
    """Indicator ids given to an option must be the set's; say the nearest otherwise."""
    from difflib import get_close_matches

    known = registry.sets[set_name].indicators if set_name in registry.sets else \
        list(registry.indicators)
    wrong = [i for i in ids if i not in known]
    if wrong:
        hints = "; ".join(f"{w!r}" + (f" (nearest: {', '.join(near)})" if (
            near := get_close_matches(w, known, n=3, cutoff=0.5)) else "") for w in wrong)
        raise click.BadParameter(f"not an indicator of set {set_name!r}: {hints}. The set's "
                                 f"indicators are: {', '.join(known)}",
                                 param_hint="--direction")


@cli.command("replicate")
@click.option("--year", type=int, default=2015, show_default=True,
              help="Reporting year; 2015 is the study's. Other years use each authority's "
                   "latest SIF or ILACS judgement published by 31 March of the next year.")
@click.option("--set", "set_name", default="study-2016", show_default=True,
              help="Indicator set to rank and regress.")
@click.option("--source", type=click.Choice(["la-tables", "underlying"]), default="la-tables",
              show_default=True, help="Looked-after-children indicators from DfE's published "
                                      "LA tables (as first published) or its underlying data.")
@click.option("--workforce-basis", type=click.Choice(["headcount", "fte"]), default="headcount",
              show_default=True, help="Basis of the workforce indicators #12-14.")
@click.option("--suppressed", type=click.Choice(["zero", "missing"]), default="zero",
              show_default=True, help="A suppressed part of a ratio counts as zero, or makes "
                                      "the value missing.")
@click.option("--share", type=click.FloatRange(0, 0.5, min_open=True), default=0.10,
              show_default=True,
              help="Share of authorities in the best and in the worst group.")
@click.option("--k-rule", type=click.Choice(["round", "ceil", "floor"]), default="round",
              show_default=True, help="How share x n becomes a count.")
@click.option("--base", type=click.Choice(["universe", "with-data"]), default="universe",
              show_default=True, help="Take the share of all authorities, or of those with a "
                                      "value.")
@click.option("--ties", type=click.Choice(["order", "include", "exclude"]), default="order",
              show_default=True, help="Authorities tied at the cut-off: exactly k in the LA "
                                      "tables' order, all in, or all out.")
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
@click.option("--ofsted-date", type=click.Choice(["published", "inspected"]),
              default="published", show_default=True,
              help="Apply the window to the publication date or the inspection date.")
@click.option("--ofsted-from", default=None, help="Count judgements dated on or after (YYYY-MM-DD).")
@click.option("--ofsted-to", default=None,
              help="Count judgements dated on or before (YYYY-MM-DD, or 'none') "
                   "[default for 2015: 2016-03-11, the cut-off the published figures support].")
@click.option("--recode", "recodes", multiple=True, metavar="LA_CODE=GRADE",
              help="Count an authority with a rating that is not Ofsted's (repeatable), e.g. "
                   "E09000021=Inadequate. Never a default.")
@click.option("--study-ratings", is_flag=True,
              help="The named variant: the ratings the study's Table A2a implies (Kingston "
                   "upon Thames as Inadequate; Ofsted: Good).")
@click.option("--universe", type=click.Choice(["all", "inspected"]), default="all",
              show_default=True, help="Phase one over all authorities or only inspected ones.")
@click.option("--named-top", type=click.IntRange(min=0), default=10, show_default=True,
              help="List at most about this many authorities at the top of each distribution.")
@click.option("--sensitivity", is_flag=True, help="Rerun under each alternative choice and "
                                                  "show how much the answers move.")
@click.option("--against-published", "against", is_flag=True,
              help="Set every figure the study printed beside ours, with the difference and "
                   "one line of fit.")
@click.option("--search", "do_search", is_flag=True,
              help="Forensic replication: rank every reading of the open choices and every "
                   "single-authority change by fit to the published tables.")
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True,
              help="With --search: candidates shown per table (0: all).")
@click.option("-v", "--verbose", is_flag=True, help="Also print every choice made.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False),
              help="Also write the tables as CSV files into this folder.")
@indicators_option
@store_option
@json_option
def replicate_cmd(year, set_name, source, workforce_basis, suppressed, share, k_rule, base, ties,
                  method, contested, directions, with_workforce, coding, judgement, ofsted_date,
                  ofsted_from, ofsted_to, recodes, study_ratings, universe, named_top,
                  sensitivity, against, do_search, top, verbose, csv_dir, indicator_dirs, store,
                  as_json):
    """Replicate the 2016 study: best/worst 10% recurrence and regressions on Ofsted ratings.

    Every choice the study left open is an option and the output states them. The defaults
    are the reading the study's published figures support, with Ofsted's official ratings
    (see docs/methods.md; --search shows the evidence).

    Example: csc-outcomes replicate --against-published --json > fit.json
    """
    from ..analysis import replicate as rep

    registry = _registry(indicator_dirs)
    store_path = resolve_store_path(store)
    if do_search:
        if sensitivity or against:
            raise click.UsageError("--search runs on its own; drop --sensitivity and "
                                   "--against-published")
        _run_search(store_path, registry, top, csv_dir, as_json)
        return
    overrides = dict(indicator_set=set_name, share=share, k_rule=k_rule, base=base, ties=ties,
                     method=method, contested=contested, coding=coding, universe=universe,
                     named_top=named_top, source=source, workforce_basis=workforce_basis,
                     suppressed=suppressed, ofsted_date=ofsted_date)
    if directions:
        overrides["directions"] = _pairs(directions, ("higher", "lower"), "--direction",
                                         "ID=higher or ID=lower")
        _known_ids([i for i, _ in overrides["directions"]], registry, set_name)
    if recodes or study_ratings:
        from ..analysis.sensitivity import STUDY_RATINGS

        overrides["recodes"] = (_pairs(recodes, GRADES, "--recode", "LA_CODE=GRADE with GRADE "
                                       f"one of {', '.join(GRADES)}")
                                + (STUDY_RATINGS if study_ratings else ()))
    if with_workforce:
        overrides["phase1_kinds"] = ("child-outcome", "workforce")
    if judgement:
        overrides["selection"] = judgement
    if ofsted_from is not None:
        overrides["published_from"] = _date(ofsted_from)
    if ofsted_to is not None:
        overrides["published_to"] = _date(ofsted_to)
    choices = rep.Choices.for_year(year, **overrides)
    if sensitivity:
        from ..analysis.sensitivity import sensitivity as run_sensitivity

        out = run_sensitivity(choices, store=store_path, registry=registry)
        result = out["default"]
    else:
        out, result = None, rep.replicate(choices, store=store_path, registry=registry)
    comparison = None
    if against:
        from ..analysis.compare import against_published

        comparison = against_published(result)
    written = []
    if csv_dir:
        from ..analysis.tables import write_comparison_csv, write_csv

        written = write_csv(result, out, Path(csv_dir))
        if comparison is not None:
            written += write_comparison_csv(comparison, Path(csv_dir))
    if as_json:
        payload = dict(out if sensitivity else result)
        if comparison is not None:
            payload["comparison"] = comparison.to_dict()
        emit_json(payload)
        return
    _print_replication(result, verbose)
    if sensitivity:
        _print_sensitivity(out)
    if comparison is not None:
        _print_comparison(comparison)
    if written:
        click.echo(f"Wrote {len(written)} CSV file(s) to {csv_dir}: "
                   + ", ".join(p.name for p in written), err=True)


def _print_replication(result, verbose: bool = False) -> None:
    from ..analysis.tables import phase1_frame, phase2_frame

    ch = result["choices"]
    for line in headline(result):
        console.print(line, highlight=False)
    if verbose:
        console.print("Choices: " + "; ".join(f"{k}={v}" for k, v in ch.items()), markup=False)
    else:
        console.print("Every choice is printed with -v, and is an option (--help).",
                      style="dim")
    for side, label in (("best", "best"), ("worst", "worst")):
        dist, named_frame = phase1_frame(result, side)
        console.print(frame_table(dist, title=f"Authorities by number of indicators in the "
                                              f"{label} {ch['share']:.0%}"))
        console.print(frame_table(named_frame, title=f"Authorities most often in the {label} group"))
    console.print(frame_table(phase2_frame(result), title="Regression of each indicator on the "
                              f"Ofsted rating (coded {ch['coding']})", caption=ATTRIBUTION))
    for note in result["notes"]:
        console.print(f"Note: {note}")


def headline(result) -> list[str]:
    """The replication in plain words, before its tables."""
    ch = result["choices"]
    best = result["phase1"]["best"]["distribution"]
    top = max((int(k) for k, v in best.items() if v), default=0)
    significant = [r for r in result["phase2"] if r.get("p") is not None and r["p"] < 0.05]
    words = ", ".join(f"{r['indicator']} (r {r['r']:+.2f}, n {r['n']})" for r in significant)
    return [
        f"[bold]Replication for {result['year']}[/bold]: {result['universe']} authorities, "
        f"{result['inspected']} with a counted Ofsted judgement.",
        f"Phase one: no authority is in the best {ch['share']:.0%} on more than {top} of the "
        f"{sum(1 for i in result['indicators'] if i['phase1'])} indicators ranked.",
        f"Phase two: {len(significant)} of {len(result['phase2'])} indicators are associated "
        f"with the rating at p < 0.05" + (f": {words}." if words else "."),
    ]


def _print_sensitivity(out) -> None:
    import pandas as pd

    console.print(frame_table(pd.DataFrame(out["variants"]),
                              title="Sensitivity: each alternative choice, one at a time"))
    r = pd.DataFrame(out["phase2_r"]).round(3)
    r.insert(0, "indicator", r.index)
    console.print(frame_table(r, title="Phase two r under each alternative"))


def _print_comparison(comparison) -> None:
    from ..analysis.tables import comparison_frames

    frames = comparison_frames(comparison)
    console.print(frame_table(frames["a2a"], title="Table A2a: published beside ours (n: ours; "
                                                   "published n: implied by the printed R and p)"))
    console.print(frame_table(frames["bins"], title="Tables 1 and 3: authorities per count"))
    console.print(frame_table(frames["named"], title="Tables 2 and 4: the named authorities",
                              caption=ATTRIBUTION))
    console.print(f"[bold]Fit:[/bold] {comparison.line}", highlight=False)


def _run_search(store_path, registry, top, csv_dir, as_json) -> None:
    from ..analysis.search import search

    found = search(store_path, registry=registry)
    if csv_dir:
        from ..analysis.tables import write_search_csv

        write_search_csv(found, Path(csv_dir))
    if as_json:
        emit_json({**found.to_dict(top=top or None), "attribution": ATTRIBUTION})
        return
    from ..analysis.tables import search_frames

    frames = search_frames(found, top or None)
    for name, title in (("samples", "Samples (cut-off runs) x data choices, by fit to Table A2a"),
                        ("changes", "Single-authority changes to the best sample, by fit to "
                                    "Table A2a"),
                        ("phase1", "Phase-one rules, by fit to Tables 1-4")):
        console.print(frame_table(frames[name], title=title))
    console.print("[bold]What the search concludes[/bold]")
    for c in found.conclusions:
        console.print(f"- {c['finding']}\n  {c['evidence']}", highlight=False)
    best = "; ".join(f"{k}={getattr(v, 'isoformat', lambda v=v: v)()}"
                     for k, v in found.best.items())
    console.print(f"Best-supported choices (Ofsted's ratings): {best}", markup=False)
    console.print(ATTRIBUTION)
