"""What panellists fill in: the CSV response template (any survey tool can import or
export it), the printable HTML form (a self-contained Jinja2 template, so that it can be
served later) and the round folders that hold them.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import ATTRIBUTION, __version__
from ..errors import DataError
from .items import Survey, _read_csv, write_items
from .nextround import NextRound

PANEL_COLUMNS = ["panellist_id", "group"]


def environment() -> Environment:
    """The Jinja2 environment of the package's consensus templates."""
    env = Environment(loader=PackageLoader("csc_outcomes.consensus", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.globals.update(fmt=_fmt, pct=_pct, attribution=ATTRIBUTION, version=__version__,
                       run_date=date.today().isoformat())
    return env


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _fmt(v) -> str:
    return "" if _missing(v) else f"{v:g}" if isinstance(v, float) else str(v)


def _pct(v) -> str:
    return "" if _missing(v) else f"{100 * v:.0f}%"


def template(survey: Survey, panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """The response table: panellist_id, group, one rating column per item, one
    ``comment:<item>`` column per item and a general ``comment``; one blank row per
    panellist of ``panel`` (none if no panel is given)."""
    cols = PANEL_COLUMNS + survey.ids() + [f"comment:{i}" for i in survey.ids()] + ["comment"]
    frame = pd.DataFrame("", index=range(0 if panel is None else len(panel)), columns=cols)
    if panel is not None:
        frame["panellist_id"] = list(panel.panellist_id)
        frame["group"] = list(panel.group)
    return frame


def read_panel(path: Path) -> pd.DataFrame:
    """A panel list: CSV with columns panellist_id and group, one row per panellist.
    Raises DataError naming every row with a blank or duplicate id or a blank group."""
    rows, _ = _read_csv(Path(path), required=PANEL_COLUMNS, allowed=PANEL_COLUMNS)
    problems, seen = [], {}
    for n, row in rows:
        pid = row["panellist_id"]
        if not pid or not row["group"]:
            problems.append(f"{Path(path).name}, row {n}: give both a panellist_id and a group")
        elif pid in seen:
            problems.append(f"{Path(path).name}, row {n}: panellist {pid!r} already appears in "
                            f"row {seen[pid]}")
        seen.setdefault(pid, n)
    if problems or not rows:
        problems = problems or [f"{Path(path).name}: no panellists"]
        raise DataError(f"{len(problems)} problem(s) in {path}:\n  " + "\n  ".join(problems))
    return pd.DataFrame([r for _, r in rows], columns=PANEL_COLUMNS)


def render_form(survey: Survey, feedback: pd.DataFrame | None = None,
                previous: pd.DataFrame | None = None, panel: pd.DataFrame | None = None) -> str:
    """The HTML form. With ``previous`` and ``panel``: one personal sheet per panellist
    showing their own previous ratings; otherwise one blank sheet."""
    by_item = {}
    if feedback is not None:
        by_item = {i: g.to_dict(orient="records") for i, g in feedback.groupby("item_id",
                                                                               sort=False)}
    sheets = [{"panellist_id": None, "group": None, "previous": None}]
    if previous is not None and panel is not None:
        own = {p: dict(zip(g.item_id, g.previous)) for p, g in previous.groupby("panellist_id")}
        sheets = [{"panellist_id": p, "group": g, "previous": own.get(p, {})}
                  for p, g in zip(panel.panellist_id, panel.group)]
    return environment().get_template("form.html").render(
        survey=survey, feedback=by_item, sheets=sheets, title=survey.title)


def write_round_one(survey: Survey, folder: Path, panel: pd.DataFrame | None = None) -> list[Path]:
    """Round 1's folder: items.csv, survey.json, round-1.csv (the response template) and
    form.html."""
    written = write_items(survey, folder)
    return written + _write_forms(survey, folder, panel)


def write_next_round(nxt: NextRound, folder: Path) -> list[Path]:
    """The next round's folder: items.csv, survey.json, round-N.csv (pre-filled with the
    invited panellists), feedback.csv, previous.csv, form.html (the group feedback) and
    forms.html (one personal sheet per panellist with their previous ratings)."""
    written = write_items(nxt.survey, folder)
    nxt.feedback.to_csv(folder / "feedback.csv", index=False)
    nxt.previous.to_csv(folder / "previous.csv", index=False)
    written += [folder / "feedback.csv", folder / "previous.csv"]
    written += _write_forms(nxt.survey, folder, nxt.panel, nxt.feedback)
    personal = folder / "forms.html"
    personal.write_text(render_form(nxt.survey, nxt.feedback, nxt.previous, nxt.panel),
                        encoding="utf-8")
    return written + [personal]


def _write_forms(survey, folder, panel, feedback=None) -> list[Path]:
    csv_path = folder / f"round-{survey.round}.csv"
    template(survey, panel).to_csv(csv_path, index=False)
    form = folder / "form.html"
    form.write_text(render_form(survey, feedback), encoding="utf-8")
    return [csv_path, form]
