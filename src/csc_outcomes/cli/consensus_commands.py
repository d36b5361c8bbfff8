"""`csc-outcomes consensus ...`: a Delphi process from survey to indicator set."""

from __future__ import annotations

import click

from .. import ATTRIBUTION
from ..config import resolve_store_path
from . import (
    Group,
    _registry,
    cli,
    console,
    emit_json,
    frame_table,
    indicators_option,
    json_option,
)

SCOPES = ["every-group", "overall"]


def _emit(obj) -> None:
    """Strict JSON: a NaN or infinity is a bug, never printed."""
    emit_json(obj)


def rule_options(f):
    options = [
        click.option("--agree", type=click.FloatRange(0, 1, min_open=True), default=0.70,
                     show_default=True, help="Share that must rate 7-9 (in) or 1-3 (out)."),
        click.option("--oppose", type=click.FloatRange(0, 1), default=0.15, show_default=True,
                     help="Share at the other end that must stay below this."),
        click.option("--oppose-inclusive", is_flag=True,
                     help="Allow the other end to equal --oppose (at most, not fewer than)."),
        click.option("--scope", type=click.Choice(SCOPES), default="every-group",
                     show_default=True, help="Apply the rule in every stakeholder group, or "
                                             "to the panel as a whole."),
        click.option("--min-answered", type=click.FloatRange(0, 1), default=0.5,
                     show_default=True, help="Score a panellist who answered at least this "
                                             "share of the items (the others are listed)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _rule(agree, oppose, oppose_inclusive, scope):
    from ..consensus import Rule

    return Rule(agree=agree, oppose=oppose, scope=scope, oppose_inclusive=oppose_inclusive)


def _survey_option(f):
    return click.option("--survey", type=click.Path(dir_okay=False),
                        help="The round's items.csv [default: beside the round file].")(f)


@cli.group(cls=Group)
def consensus():
    """Agree an outcomes framework: a Delphi process from survey to indicator set.

    Example: csc-outcomes consensus survey --set study-2016 --gaps expected-outcomes --out panel/round-1
    """


@consensus.command("survey")
@click.argument("indicator_ids", nargs=-1)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write round 1 into.")
@click.option("--set", "set_name", help="Rate the indicators of this set, e.g. study-2016.")
@click.option("--gaps", multiple=True, metavar="DIMENSION",
              help="Add a candidate outcome for each evidence-map feature of this dimension "
                   "with no national indicator (repeatable; 'all' for every dimension).")
@click.option("--outcomes", "outcomes_file", type=click.Path(dir_okay=False),
              help="CSV of free-text candidate outcomes: id, title, description[, features, "
                   "dimension].")
@click.option("--panel", "panel_file", type=click.Path(dir_okay=False),
              help="CSV of the panel (panellist_id, group) to pre-fill the response template.")
@click.option("--title", help="Survey title shown on the form.")
@indicators_option
@click.option("--store", type=click.Path(dir_okay=False),
              help="Store to say whether national data exist [env CSC_OUTCOMES_STORE].")
@json_option
def survey_cmd(indicator_ids, out_dir, set_name, gaps, outcomes_file, panel_file, title,
               indicator_dirs, store, as_json):
    """Build round 1: items.csv, the response template round-1.csv (one column per item,
    ratings 1-9 or U) and a printable form.html.

    Example: csc-outcomes consensus survey --set study-2016 --gaps expected-outcomes --out panel/round-1
    """
    import pandas as pd

    from ..consensus.workflow import make_survey

    out = make_survey(out_dir, _registry(indicator_dirs), indicator_ids, set_name=set_name,
                      gaps=gaps, outcomes_file=outcomes_file, panel_file=panel_file,
                      store=resolve_store_path(store), title=title)
    if as_json:
        _emit(out)
        return
    frame = pd.DataFrame(out["items"])[["item_id", "kind", "title", "national_data"]]
    console.print(frame_table(frame, title=f"Round 1: {len(frame)} items", caption=ATTRIBUTION))
    console.print("Written: " + ", ".join(out["files"]), markup=False)


@consensus.command("score")
@click.argument("round_file", type=click.Path(dir_okay=False))
@_survey_option
@click.option("--previous", type=click.Path(dir_okay=False),
              help="The previous round's responses: adds stability and attrition.")
@click.option("--previous-survey", type=click.Path(dir_okay=False),
              help="The previous round's items.csv [default: beside it].")
@click.option("--max-band-change", type=click.FloatRange(0, 1), default=0.15,
              show_default=True, help="Stable: same classification and at most this share "
                                      "moved between 1-3, 4-6 and 7-9.")
@click.option("--groups", "show_groups", is_flag=True, help="Also print every group's table.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False),
              help="Also write items.csv, groups.csv, panellists.csv (and stability.csv, "
                   "attrition.csv, leavers.csv) into this folder.")
@rule_options
@json_option
def score_cmd(round_file, survey, previous, previous_survey, max_band_change, show_groups,
              csv_dir, agree, oppose, oppose_inclusive, scope, min_answered, as_json):
    """Score a round: per item and group n, median, IQR, shares 7-9 and 1-3, the RAND/UCLA
    disagreement index, the consensus classification and Kruskal-Wallis between groups.

    Example: csc-outcomes consensus score panel/round-2/responses.csv --previous panel/round-1/responses.csv
    """
    from ..consensus.workflow import score_files

    run = score_files(round_file, survey=survey, previous=previous,
                      previous_survey=previous_survey,
                      rule=_rule(agree, oppose, oppose_inclusive, scope),
                      min_answered=min_answered, max_band_change=max_band_change)
    if csv_dir:
        _write_csv(run, csv_dir)
    if as_json:
        _emit(run.as_dict())
        return
    _print_scores(run, show_groups)


def _write_csv(run, folder) -> None:
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    frames = {"items": run.scores.items, "groups": run.scores.groups,
              "panellists": run.scores.panellists}
    if run.comparison:
        frames |= {"stability": run.comparison.items, "attrition": run.comparison.attrition,
                   "leavers": run.comparison.leavers}
    for name, frame in frames.items():
        frame.to_csv(out / f"{name}.csv", index=False)


def _print_scores(run, show_groups: bool) -> None:
    s = run.scores
    cols = ["item_id", "n", "n_unable", "median", "iqr", "share_7_9", "share_1_3", "ipr",
            "ipras", "disagreement", "kw_p", "classification"]
    console.print(frame_table(s.items[cols], title=f"Round {s.round}: {s.rule.describe()}"))
    if show_groups:
        console.print(frame_table(s.groups, title="By stakeholder group"))
    out = s.panellists[~s.panellists.included]
    if len(out):
        console.print(frame_table(out[["panellist_id", "group", "row", "reason"]],
                                  title="Panellists not scored"))
    counts = s.items.classification.value_counts()
    console.print(f"{len(s.included())} panellists scored. In: {counts.get('in', 0)}, out: "
                  f"{counts.get('out', 0)}, no consensus: {counts.get('no consensus', 0)}.")
    if run.comparison:
        c = run.comparison
        console.print(frame_table(c.items[["item_id", "n_paired", "changed_share",
                                           "band_changed_share", "median_change",
                                           "wilcoxon_p", "classification_before",
                                           "classification_after", "stable"]],
                                  title="Stability against the previous round"))
        console.print(frame_table(c.attrition, title="Attrition"))
        differ = c.leavers[c.leavers.p.astype(float) < 0.05]
        console.print(f"{len(c.left)} left, {len(c.new)} new; leavers rated "
                      f"{len(differ)} of {len(c.leavers)} items differently (Mann-Whitney "
                      f"p < 0.05){': ' + ', '.join(differ.item_id) if len(differ) else ''}.")


@consensus.command("next")
@click.argument("round_file", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write the next round into.")
@_survey_option
@click.option("--carry", type=click.Choice(["all", "undecided"]), default="all",
              show_default=True, help="Carry every item forward, or only those without "
                                      "consensus.")
@rule_options
@json_option
def next_cmd(round_file, out_dir, survey, carry, agree, oppose, oppose_inclusive, scope,
             min_answered, as_json):
    """Build the next round: the template pre-filled with the invited panellists, each
    item's ratings overall and by group (feedback.csv, form.html) and each panellist's own
    previous rating (previous.csv, forms.html).

    Example: csc-outcomes consensus next panel/round-1/responses.csv --out panel/round-2
    """
    from ..consensus.workflow import next_files

    out = next_files(round_file, out_dir, survey=survey, carry=carry,
                     rule=_rule(agree, oppose, oppose_inclusive, scope),
                     min_answered=min_answered)
    if as_json:
        _emit(out)
        return
    console.print(f"Round {out['round']}: {out['items']} items, {out['invited']} panellists "
                  f"invited.")
    for item, why in out["dropped"].items():
        console.print(f"Not carried: {item} ({why})")
    for p in out["not_invited"]:
        console.print(f"Not invited: {p['panellist_id']} ({p['reason']})")
    console.print("Written: " + ", ".join(out["files"]), markup=False)


@consensus.command("set")
@click.argument("round_file", type=click.Path(dir_okay=False))
@click.option("--name", required=True, help="Id of the indicator set, e.g. agreed-2026.")
@click.option("--to", "to_dir", type=click.Path(file_okay=False),
              help="Definitions folder to write into (sets/NAME.yaml, consensus/NAME.yaml) "
                   "[default: the first CSC_OUTCOMES_INDICATORS folder].")
@click.option("--title", help="Title of the set.")
@click.option("--force", is_flag=True, help="Overwrite a set of the same name there.")
@_survey_option
@indicators_option
@rule_options
@json_option
def set_cmd(round_file, name, to_dir, title, force, survey, indicator_dirs, agree, oppose,
            oppose_inclusive, scope, min_answered, as_json):
    """Write the items agreed in (a final) round as an indicator set, usable at once with
    --set NAME in `indicators values`, `replicate` and `framework coverage`.

    Example: csc-outcomes consensus set panel/round-3/responses.csv --name agreed-2026 --to panel/definitions
    """
    from ..consensus.workflow import set_files

    out = set_files(round_file, name, _registry(indicator_dirs), to=to_dir, survey=survey,
                    rule=_rule(agree, oppose, oppose_inclusive, scope),
                    min_answered=min_answered, title=title, force=force)
    if as_json:
        _emit(out)
        return
    console.print(f"Set {name}: {len(out['indicators'])} indicator(s): "
                  f"{', '.join(out['indicators'])}", markup=False)
    console.print(f"Agreed outcomes with no national indicator: "
                  f"{', '.join(out['outcomes']) or 'none'}", markup=False)
    console.print(f"Written: {out['set_file']}, {out['record_file']}", markup=False)
    console.print(f"Use it: csc-outcomes indicators values --set {name} --indicators "
                  f"{out['folder']}  (or export CSC_OUTCOMES_INDICATORS={out['folder']})",
                  markup=False)


@consensus.command("report")
@click.argument("round_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write report.md and report.html into this folder.")
@click.option("--survey", "surveys", multiple=True, type=click.Path(dir_okay=False),
              help="Each round's items.csv, in order [default: beside each round file].")
@click.option("--set", "set_name", help="The set `consensus set` wrote from these rounds.")
@click.option("--max-band-change", type=click.FloatRange(0, 1), default=0.15,
              show_default=True, help="Stability threshold (see `consensus score`).")
@indicators_option
@rule_options
@json_option
def report_cmd(round_files, out_dir, surveys, set_name, max_band_change, indicator_dirs, agree,
               oppose, oppose_inclusive, scope, min_answered, as_json):
    """Report the process in the COS-STAR structure: participants by group, rounds,
    attrition, items in and out per round and the final set (Markdown and HTML).

    Example: csc-outcomes consensus report panel/round-1/responses.csv panel/round-2/responses.csv --out panel/report
    """
    from ..consensus.report import render
    from ..consensus.workflow import report_files, write_report

    report = report_files(list(round_files), surveys=list(surveys),
                          rule=_rule(agree, oppose, oppose_inclusive, scope),
                          min_answered=min_answered, max_band_change=max_band_change,
                          set_name=set_name,
                          registry=_registry(indicator_dirs) if set_name else None)
    files = write_report(report, out_dir) if out_dir else []
    if as_json:
        _emit(report)
    elif files:
        console.print("Written: " + ", ".join(map(str, files)), markup=False)
    else:
        click.echo(render(report, "markdown"))


@consensus.command("simulate")
@click.argument("template_file", type=click.Path(dir_okay=False))
@click.option("--to", "out_file", required=True, type=click.Path(dir_okay=False),
              help="Where to write the simulated responses (CSV).")
@click.option("--agree-in", "planted_in", multiple=True, metavar="ITEM",
              help="An item every group views as critical (repeatable).")
@click.option("--agree-out", "planted_out", multiple=True, metavar="ITEM",
              help="An item every group views as not important (repeatable).")
@click.option("--seed", type=int, default=20161130, show_default=True, help="Random seed.")
@click.option("--groups", type=int, default=6, show_default=True,
              help="Groups of a new panel (when the template has no panellists).")
@click.option("--per-group", type=int, default=10, show_default=True,
              help="Panellists per group of a new panel.")
@_survey_option
@json_option
def simulate_cmd(template_file, out_file, planted_in, planted_out, seed, groups, per_group,
                 survey, as_json):
    """Fill a round's template with SYNTHETIC ratings from a simulated panel with planted
    agreement, to rehearse the process or plan a panel (never real data).

    Example: csc-outcomes consensus simulate panel/round-1/round-1.csv --to panel/round-1/responses.csv --agree-in care-leavers-21-eet
    """
    from ..consensus.workflow import simulate_file

    out = simulate_file(template_file, out_file, planted_in=planted_in,
                        planted_out=planted_out, seed=seed, groups=groups,
                        per_group=per_group, survey=survey)
    if as_json:
        _emit(out)
        return
    console.print(f"Simulated (synthetic) round {out['round']}: {out['panellists']} "
                  f"panellists, seed {out['seed']}, written to {out['file']}", markup=False)
