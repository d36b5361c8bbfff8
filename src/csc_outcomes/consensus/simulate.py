"""A simulated Delphi panel. **Synthetic data**: no real panellist's ratings. It exists to
plan a panel, to demonstrate the commands and to test that the scoring finds agreement
that was planted, which no real data set can show.

Each group has a latent view of each item: 8 for items planted "in", 2 for items planted
"out". Every other item is either contested (half the groups hold a view between 6.5 and
8, the other half between 2.5 and 4.5) or lukewarm (every group between 3.5 and 6), so
that no agreement is planted on it. Round 1 ratings scatter round the group's view. In later rounds each panellist
sees the feedback and, with probability ``move``, moves half-way (at least one point)
towards the panel's median; some panellists leave between rounds.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pandas as pd

from .forms import template
from .items import Survey

#: six stakeholder groups of the kind the 2016 study's seminar brought together
DEFAULT_GROUPS = ("DfE and Ofsted", "ADCS and LGA", "LA managers", "practitioners",
                  "researchers", "care-experienced young people and parents")
DEFAULT_SEED = 20161130


def simulated_panel(groups: tuple[str, ...] = DEFAULT_GROUPS, per_group: int = 10) -> pd.DataFrame:
    """A synthetic panel: panellist_id (P001, ...) and group, ``per_group`` in each group."""
    if per_group < 1 or not groups:
        raise ValueError("give at least one group and one panellist per group")
    rows = [(g, k) for g in groups for k in range(per_group)]
    return pd.DataFrame({"panellist_id": [f"P{n:03d}" for n in range(1, len(rows) + 1)],
                         "group": [g for g, _ in rows]})


def _views(survey: Survey, groups: list[str], planted_in, planted_out, seed: int) -> dict:
    views = {}
    for item in survey.ids():
        rng = np.random.default_rng([seed, zlib.crc32(item.encode())])
        if rng.random() < 0.5:  # contested: half the groups think it critical, half do not
            high = set(rng.permutation(len(groups))[: len(groups) // 2])
            drawn = [rng.uniform(6.5, 8.0) if k in high else rng.uniform(2.5, 4.5)
                     for k in range(len(groups))]
        else:  # lukewarm: important but not critical to everyone
            drawn = rng.uniform(3.5, 6.0, size=len(groups))
        for g, v in zip(groups, drawn):
            views[item, g] = 8.0 if item in planted_in else 2.0 if item in planted_out else v
    return views


def simulate_responses(survey: Survey, panel: pd.DataFrame, *, planted_in=(), planted_out=(),
                       feedback: pd.DataFrame | None = None,
                       previous: pd.DataFrame | None = None, seed: int = DEFAULT_SEED,
                       noise: float = 1.2, move: float = 0.6, attrition: float = 0.05,
                       unable: float = 0.02, sparse: int = 1) -> pd.DataFrame:
    """Simulated responses to one round, laid out like the response template.

    Parameters
    ----------
    survey : the round's items.
    panel : panellist_id and group of everyone invited.
    planted_in, planted_out : item ids every group views as critical (8) or not
        important (2).
    feedback, previous : for rounds after the first, the ``feedback.csv`` and
        ``previous.csv`` of :func:`~csc_outcomes.consensus.next_round`.
    seed : the random seed (a fixed default, so runs repeat).
    noise : spread of round-1 ratings round a group's view (SD, rating points).
    move : chance that a panellist moves towards the panel median in a later round.
    attrition : chance that a panellist does not return for a later round.
    unable : chance of "unable to score" on an item in round 1.
    sparse : how many round-1 panellists answer only about a third of the items.

    Returns
    -------
    DataFrame with the template's columns, one row per panellist who responded.
    """
    unknown = sorted((set(planted_in) | set(planted_out)) - set(survey.ids()))
    if unknown or set(planted_in) & set(planted_out):
        raise ValueError(f"planted items must be survey items, in or out but not both: "
                         f"{unknown or sorted(set(planted_in) & set(planted_out))}")
    rng = np.random.default_rng([seed, survey.round])
    views = _views(survey, sorted(panel.group.unique()), set(planted_in), set(planted_out), seed)
    if feedback is None or previous is None:
        rows = _first_round(survey, panel, views, rng, noise, unable, sparse)
    else:
        rows = _later_round(survey, panel, views, rng, feedback, previous, noise, move,
                            attrition)
    frame = template(survey, pd.DataFrame(rows)[["panellist_id", "group"]] if rows else None)
    for col in survey.ids():
        frame[col] = [r.get(col, "") for r in rows]
    return frame


def _draw(view: float, rng, noise: float) -> str:
    return str(int(np.clip(np.rint(view + rng.normal(0, noise)), 1, 9)))


def _first_round(survey, panel, views, rng, noise, unable, sparse) -> list[dict]:
    sparse_ids = set(rng.choice(panel.panellist_id, size=min(sparse, len(panel)), replace=False))
    rows = []
    for pid, group in zip(panel.panellist_id, panel.group):
        row = {"panellist_id": pid, "group": group}
        for item in survey.ids():
            if pid in sparse_ids and rng.random() > 1 / 3:
                row[item] = ""
            elif rng.random() < unable:
                row[item] = "U"
            else:
                row[item] = _draw(views[item, group], rng, noise)
        rows.append(row)
    return rows


def _later_round(survey, panel, views, rng, feedback, previous, noise, move, attrition):
    medians = feedback[feedback.group == "all"].set_index("item_id")["median"].to_dict()
    own = {(p, i): str(v) for p, i, v in zip(previous.panellist_id, previous.item_id,
                                             previous.previous.fillna(""))}
    rows = []
    for pid, group in zip(panel.panellist_id, panel.group):
        if rng.random() < attrition:
            continue
        row = {"panellist_id": pid, "group": group}
        for item in survey.ids():
            before = own.get((pid, item), "")
            if before in ("", "nan"):
                row[item] = _draw(views[item, group], rng, noise)
            elif before == "U" or rng.random() >= move:
                row[item] = str(before)
            else:
                row[item] = str(_towards(int(float(before)), medians.get(item)))
        rows.append(row)
    return rows


def _towards(rating: int, median: float | None) -> int:
    if median is None or math.isnan(median) or rating == median:
        return rating
    step = math.ceil(abs(median - rating) / 2)
    return int(rating + step if median > rating else rating - step)
