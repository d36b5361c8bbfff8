"""Score one round: per item and per stakeholder group, the n, median, IQR, shares rating
7-9 and 1-3, the RAND/UCLA disagreement index, the classification under a consensus rule,
and a Kruskal-Wallis test of the difference between groups.

Panellists who answered too few items are listed with the reason and left out of every
statistic; nobody is dropped without a record.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from ..errors import AnalysisError
from .rounds import Round
from .stats import PERCENTILE_METHOD, kruskal_groups, summarise

IN, OUT, UNDECIDED = "in", "out", "no consensus"


@dataclass(frozen=True)
class Rule:
    """A consensus definition on the 1-9 scale.

    The default is COMET's (Williamson et al. 2017, the COMET Handbook, table 4): consensus
    *in* when at least 70% rate the item 7-9 and fewer than 15% rate it 1-3; *out* when at
    least 70% rate it 1-3 and fewer than 15% rate it 7-9; otherwise *no consensus*.

    Parameters
    ----------
    agree : share that must rate 7-9 (in) or 1-3 (out).
    oppose : share the other end must stay below (or at most, with ``oppose_inclusive``).
    scope : ``"every-group"`` (the rule must hold in each stakeholder group) or
        ``"overall"`` (pooled over the panel).
    oppose_inclusive : allow the other end to equal ``oppose`` ("at most 15%").
    """

    agree: float = 0.70
    oppose: float = 0.15
    scope: str = "every-group"
    oppose_inclusive: bool = False

    def __post_init__(self):
        if self.scope not in ("every-group", "overall"):
            raise ValueError(f"scope must be 'every-group' or 'overall', not {self.scope!r}")
        if not (0 < self.agree <= 1 and 0 <= self.oppose <= 1):
            raise ValueError("agree must lie in (0, 1] and oppose in [0, 1]")

    def _low(self, share: float) -> bool:
        return share <= self.oppose if self.oppose_inclusive else share < self.oppose

    def classify(self, share_7_9: float, share_1_3: float) -> str:
        """'in', 'out' or 'no consensus' for one set of shares (0-1)."""
        if share_7_9 >= self.agree and self._low(share_1_3):
            return IN
        if share_1_3 >= self.agree and self._low(share_7_9):
            return OUT
        return UNDECIDED

    def describe(self) -> str:
        where = "in every stakeholder group" if self.scope == "every-group" else "of the panel"
        cmp = "at most" if self.oppose_inclusive else "fewer than"
        return (f"in: at least {self.agree:.0%} {where} rate 7-9 and {cmp} {self.oppose:.0%} "
                f"rate 1-3; out: at least {self.agree:.0%} rate 1-3 and {cmp} {self.oppose:.0%}"
                " rate 7-9; otherwise no consensus")


#: The default rule: COMET's, in every stakeholder group.
COMET_RULE = Rule()


@dataclass
class Scores:
    """The scores of one round (every frame's columns are documented in :func:`score`)."""

    file: str
    round: int
    rule: Rule
    min_answered: float
    items: pd.DataFrame
    groups: pd.DataFrame
    panellists: pd.DataFrame

    def classification(self) -> dict[str, str]:
        return dict(zip(self.items.item_id, self.items.classification))

    def included(self) -> list[str]:
        return list(self.panellists.panellist_id[self.panellists.included])

    def as_dict(self) -> dict:
        """Plain, strict-JSON data (missing values are None)."""
        return {"file": self.file, "round": self.round, "rule": asdict(self.rule) |
                {"text": self.rule.describe()}, "min_answered": self.min_answered,
                "percentile_method": PERCENTILE_METHOD,
                "panel": panel_summary(self.panellists),
                "items": records(self.items), "groups": records(self.groups),
                "panellists": records(self.panellists)}


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN turned into None and numpy scalars into Python ones."""
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, (list, tuple)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return None if value is pd.NA else value


def panel_summary(panellists: pd.DataFrame) -> dict:
    by = panellists.groupby("group").included.agg(["size", "sum"])
    return {"panellists": int(len(panellists)), "included": int(panellists.included.sum()),
            "groups": {g: {"panellists": int(r["size"]), "included": int(r["sum"])}
                       for g, r in by.iterrows()}}


def answered(rnd: Round, min_answered: float = 0.5) -> pd.DataFrame:
    """Per panellist: items rated, unable to score, blank, and whether they are scored.

    A panellist is scored (``included``) when they answered (rated or marked unable to
    score) at least ``min_answered`` of the round's items.
    """
    if not 0 <= min_answered <= 1:
        raise ValueError("min_answered is a share between 0 and 1")
    counts = (rnd.ratings.groupby(["panellist_id", "response"]).size()
              .unstack(fill_value=0).reindex(columns=["rated", "unable", "blank"], fill_value=0))
    out = rnd.panellists.set_index("panellist_id").join(counts).reset_index()
    n_items = len(rnd.survey.items)
    out["answered_share"] = (out.rated + out.unable) / n_items
    out["included"] = out.answered_share >= min_answered
    out["reason"] = [None if ok else f"answered {a + u} of {n_items} items (fewer than "
                     f"{min_answered:.0%}); not scored" for ok, a, u in
                     zip(out.included, out.rated, out.unable)]
    return out.rename(columns={"rated": "n_rated", "unable": "n_unable", "blank": "n_blank"})


def score(rnd: Round, rule: Rule = COMET_RULE, min_answered: float = 0.5) -> Scores:
    """Score one round.

    Returns
    -------
    Scores with
      - ``items``: item_id, kind, title, n (1-9 ratings), n_unable, median, q1, q3, iqr,
        share_7_9, share_1_3, p30, p70, ipr, ipras, disagreement, classification, reason,
        kw_h, kw_df, kw_p, kw_n (n per group, e.g. ``{"DfE": 9, ...}``), kw_reason;
      - ``groups``: item_id, group, n, n_unable, median, q1, q3, iqr, share_7_9, share_1_3,
        ipr, ipras, disagreement, classification (the rule applied to the group alone);
      - ``panellists``: panellist_id, group, row, n_rated, n_unable, n_blank,
        answered_share, included, reason.
    """
    panellists = answered(rnd, min_answered)
    keep = set(panellists.panellist_id[panellists.included])
    if not keep:
        raise AnalysisError(f"{rnd.file}: no panellist answered at least {min_answered:.0%} of "
                            "the items, so there is nothing to score (lower --min-answered?)")
    data = rnd.ratings[rnd.ratings.panellist_id.isin(keep)]
    groups = sorted(panellists.group[panellists.included].unique())
    by_item = dict(list(data.groupby("item_id", sort=False)))
    empty = data.iloc[0:0]
    item_rows, group_rows = [], []
    for item in rnd.survey.items:
        mine = by_item.get(item.id, empty)
        parts = dict(list(mine.groupby("group")))
        per_group = {g: parts[g].rating.dropna().to_numpy() if g in parts else []
                     for g in groups}
        for g in groups:
            s = summarise(per_group[g])
            unable = int((parts[g].response == "unable").sum()) if g in parts else 0
            group_rows.append(_stat_row(item.id, s) | {
                "group": g, "n_unable": unable,
                "classification": rule.classify(s["share_7_9"], s["share_1_3"])
                if s["n"] else UNDECIDED})
        overall = summarise(mine.rating.dropna().to_numpy())
        verdict, reason = _classify(rule, overall, {g: summarise(v) for g, v in
                                                    per_group.items()})
        kw = kruskal_groups(per_group)
        item_rows.append({"item_id": item.id, "kind": item.kind, "title": item.title} |
                         _stat_row(item.id, overall) |
                         {"n_unable": int((mine.response == "unable").sum()),
                          "classification": verdict, "reason": reason, "kw_h": kw["h"],
                          "kw_df": kw["df"], "kw_p": kw["p"], "kw_n": kw["n_by_group"],
                          "kw_reason": kw["reason"]})
    group_cols = ["item_id", "group", "n", "n_unable", "median", "q1", "q3", "iqr",
                  "share_7_9", "share_1_3", "ipr", "ipras", "disagreement", "classification"]
    return Scores(rnd.file, rnd.survey.round, rule, min_answered,
                  pd.DataFrame(item_rows),
                  pd.DataFrame(group_rows, columns=group_cols), panellists)


def _stat_row(item_id: str, s: dict) -> dict:
    keys = ["n", "median", "q1", "q3", "iqr", "share_7_9", "share_1_3", "p30", "p70", "ipr",
            "ipras", "disagreement"]
    return {"item_id": item_id} | {k: s.get(k) for k in keys}


def _classify(rule: Rule, overall: dict, by_group: dict[str, dict]) -> tuple[str, str | None]:
    if rule.scope == "overall":
        if not overall["n"]:
            return UNDECIDED, "no panellist rated the item"
        return rule.classify(overall["share_7_9"], overall["share_1_3"]), None
    empty = [g for g, s in by_group.items() if not s["n"]]
    if empty:
        return UNDECIDED, f"no rating from group(s) {', '.join(empty)}"
    verdicts = {g: rule.classify(s["share_7_9"], s["share_1_3"]) for g, s in by_group.items()}
    if len(set(verdicts.values())) == 1:
        return next(iter(verdicts.values())), None
    split = ", ".join(f"{g}: {v}" for g, v in verdicts.items())
    return UNDECIDED, f"groups differ ({split})"
