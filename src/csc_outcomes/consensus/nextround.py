"""Build the next round from a scored round: the items carried forward, each item's
distribution of ratings (overall and by stakeholder group) and each panellist's own
previous rating, which the next round's forms show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from .items import Survey
from .rounds import Round
from .scoring import IN, OUT, Scores

DIST_COLUMNS = (["item_id", "group", "n", "n_unable"] + [f"count_{k}" for k in range(1, 10)]
                + ["median", "q1", "q3", "share_7_9", "share_1_3", "classification"])


@dataclass
class NextRound:
    """What the next round needs.

    ``survey``: the carried items, with the round number one up.
    ``panel``: panellist_id and group of everyone invited (those scored in the round).
    ``feedback``: one row per item and group, plus group "all": the columns of
    ``DIST_COLUMNS`` (counts of each rating 1-9 among scored panellists).
    ``previous``: panellist_id, group, item_id, previous (the rating as given: "1"-"9",
    "U" for unable to score, "" if left blank).
    ``dropped``: item ids not carried, with the reason.
    """

    survey: Survey
    panel: pd.DataFrame
    feedback: pd.DataFrame
    previous: pd.DataFrame
    dropped: dict[str, str]


def distribution(rnd: Round, scores: Scores) -> pd.DataFrame:
    """Counts of each rating per item, overall (group "all") and per group, among the
    panellists scored, with the summaries from ``scores``."""
    data = rnd.ratings[rnd.ratings.panellist_id.isin(scores.included())]
    data = pd.concat([data.assign(group="all"), data], ignore_index=True)
    counts = (data[data.response == "rated"].groupby(["item_id", "group", "rating"]).size()
              .unstack(fill_value=0).reindex(columns=[float(k) for k in range(1, 10)],
                                             fill_value=0))
    counts.columns = [f"count_{int(k)}" for k in counts.columns]
    unable = data[data.response == "unable"].groupby(["item_id", "group"]).size()
    stats = pd.concat([scores.items.assign(group="all"), scores.groups], ignore_index=True)
    frame = stats.join(counts, on=["item_id", "group"]).join(
        unable.rename("n_unable_"), on=["item_id", "group"])
    frame["n_unable"] = frame.n_unable_.fillna(0).astype(int)
    for k in range(1, 10):
        frame[f"count_{k}"] = frame[f"count_{k}"].fillna(0).astype(int)
    order = {i: n for n, i in enumerate(rnd.survey.ids())}
    frame["_o"] = frame.item_id.map(order)
    frame["_g"] = frame.group.ne("all")
    return (frame.sort_values(["_o", "_g", "group"])[DIST_COLUMNS]
            .astype({"n": int}).reset_index(drop=True))


def next_round(rnd: Round, scores: Scores, carry: str = "all") -> NextRound:
    """The next round from this one.

    Parameters
    ----------
    carry : ``"all"`` carries every item forward (COMET's advice, so that panellists can
        still change their minds), ``"undecided"`` only items without consensus in or out.
    """
    if carry not in ("all", "undecided"):
        raise ValueError("carry must be 'all' or 'undecided'")
    verdict = scores.classification()
    dropped = {i: f"consensus {verdict[i]} in round {rnd.survey.round}"
               for i in rnd.survey.ids() if carry == "undecided" and verdict[i] in (IN, OUT)}
    items = [i for i in rnd.survey.items if i.id not in dropped]
    survey = replace(rnd.survey, items=items, round=rnd.survey.round + 1,
                     notes=[f"items from {rnd.file}, scored under: {scores.rule.describe()}"])
    invited = rnd.panellists[rnd.panellists.panellist_id.isin(scores.included())]
    prev = rnd.ratings[rnd.ratings.panellist_id.isin(scores.included())
                       & rnd.ratings.item_id.isin([i.id for i in items])].copy()
    prev["previous"] = [f"{int(r)}" if resp == "rated" else ("U" if resp == "unable" else "")
                        for r, resp in zip(prev.rating, prev.response)]
    feedback = distribution(rnd, scores)
    return NextRound(survey, invited[["panellist_id", "group"]].reset_index(drop=True),
                     feedback[feedback.item_id.isin([i.id for i in items])]
                     .reset_index(drop=True),
                     prev[["panellist_id", "group", "item_id", "previous"]]
                     .reset_index(drop=True), dropped)
