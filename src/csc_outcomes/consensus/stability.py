"""Between rounds: how much the panel's ratings moved (stability) and who left
(attrition), and whether those who left had rated differently from those who stayed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .rounds import Round
from .scoring import Scores, records
from .stats import mann_whitney, wilcoxon_paired


def band(rating: float) -> float:
    """1 for ratings 1-3, 2 for 4-6, 3 for 7-9 (NaN stays NaN)."""
    return np.nan if np.isnan(rating) else float((int(rating) - 1) // 3 + 1)


@dataclass
class Comparison:
    """Stability and attrition between a round and the one before it.

    ``items``: item_id, n_paired (rated 1-9 in both rounds), changed_share (share of the
    pairs whose rating changed), band_changed_share (whose band 1-3 / 4-6 / 7-9 changed),
    median_before, median_after, median_change, wilcoxon_n, wilcoxon_n_changed,
    wilcoxon_statistic, wilcoxon_p, wilcoxon_reason, classification_before,
    classification_after and stable (same classification and band_changed_share at most
    ``max_band_change``).
    ``attrition``: per group (and "all"): scored_before, scored_after (of those), left,
    retention, new (scored now, absent before).
    ``leavers``: per item, the earlier round's ratings of those who left against those who
    stayed: n_stayed, n_left, median_stayed, median_left, share_7_9_stayed, share_7_9_left,
    u, p, reason.
    """

    items: pd.DataFrame
    attrition: pd.DataFrame
    leavers: pd.DataFrame
    left: list[str]
    new: list[str]
    max_band_change: float

    def as_dict(self) -> dict:
        return {"max_band_change": self.max_band_change,
                "stable_items": int(self.items.stable.sum()), "items": records(self.items),
                "attrition": records(self.attrition), "leavers": records(self.leavers),
                "left": self.left, "new": self.new}


def _check_groups(before: Round, after: Round) -> None:
    a = before.panellists.set_index("panellist_id")
    b = after.panellists.set_index("panellist_id")
    both = a.index.intersection(b.index)
    moved = [f"panellist {p!r}: group {a.group[p]!r} in {before.file} (row {a.row[p]}) but "
             f"{b.group[p]!r} in {after.file} (row {b.row[p]})"
             for p in both if a.group[p] != b.group[p]]
    if moved:
        raise DataError(f"{len(moved)} panellist(s) changed stakeholder group between rounds; "
                        "correct the files:\n  " + "\n  ".join(moved))


def compare(before: Round, after: Round, scores_before: Scores, scores_after: Scores,
            max_band_change: float = 0.15) -> Comparison:
    """Stability of each item and attrition between two rounds.

    Only panellists scored in a round count as taking part in it. Items present in only
    one of the two rounds are compared on nothing and left out of ``items``.

    Parameters
    ----------
    max_band_change : an item is *stable* when its classification did not change and at
        most this share of the paired panellists moved to another band (1-3, 4-6, 7-9).
    """
    _check_groups(before, after)
    kept_b, kept_a = set(scores_before.included()), set(scores_after.included())
    left, new = sorted(kept_b - kept_a), sorted(kept_a - kept_b)
    mb = before.matrix().loc[sorted(kept_b)]
    ma = after.matrix().loc[sorted(kept_a)]
    both = sorted(kept_b & kept_a)
    cls_b, cls_a = scores_before.classification(), scores_after.classification()
    rows = []
    for item in [i for i in after.survey.ids() if i in mb.columns]:
        x, y = mb.loc[both, item].to_numpy(float), ma.loc[both, item].to_numpy(float)
        pair = ~(np.isnan(x) | np.isnan(y))
        bx, by = np.array([band(v) for v in x[pair]]), np.array([band(v) for v in y[pair]])
        w = wilcoxon_paired(x, y)
        med_b, med_a = _median(mb[item]), _median(ma[item])
        band_changed = float((bx != by).mean()) if pair.any() else None
        same = cls_b.get(item) == cls_a.get(item)
        rows.append({"item_id": item, "n_paired": int(pair.sum()),
                     "changed_share": float((x[pair] != y[pair]).mean()) if pair.any() else None,
                     "band_changed_share": band_changed, "median_before": med_b,
                     "median_after": med_a,
                     "median_change": None if med_a is None or med_b is None else med_a - med_b,
                     "wilcoxon_n": w["n"], "wilcoxon_n_changed": w["n_changed"],
                     "wilcoxon_statistic": w["statistic"], "wilcoxon_p": w["p"],
                     "wilcoxon_reason": w["reason"], "classification_before": cls_b.get(item),
                     "classification_after": cls_a.get(item),
                     "stable": bool(same and band_changed is not None
                                    and band_changed <= max_band_change)})
    return Comparison(pd.DataFrame(rows), _attrition(scores_before, scores_after, left, new),
                      _leavers(mb, left, after.survey.ids()), left, new, max_band_change)


def _median(values: pd.Series) -> float | None:
    v = values.dropna()
    return float(v.median()) if len(v) else None


def _attrition(sb: Scores, sa: Scores, left: list[str], new: list[str]) -> pd.DataFrame:
    pb = sb.panellists[sb.panellists.included]
    pa = sa.panellists[sa.panellists.included]
    rows = []
    for g in sorted(set(pb.group) | set(pa.group)) + ["all"]:
        gb = pb if g == "all" else pb[pb.group == g]
        ga = pa if g == "all" else pa[pa.group == g]
        stayed = int(gb.panellist_id.isin(ga.panellist_id).sum())
        rows.append({"group": g, "scored_before": len(gb), "scored_after": stayed,
                     "left": int(gb.panellist_id.isin(left).sum()),
                     "retention": stayed / len(gb) if len(gb) else None,
                     "new": int(ga.panellist_id.isin(new).sum())})
    return pd.DataFrame(rows)


def _leavers(before: pd.DataFrame, left: list[str], items: list[str]) -> pd.DataFrame:
    stayed = [p for p in before.index if p not in set(left)]
    rows = []
    for item in [i for i in items if i in before.columns]:
        s, lv = before.loc[stayed, item].dropna(), before.loc[left, item].dropna()
        mw = mann_whitney(lv.to_numpy(), s.to_numpy())
        rows.append({"item_id": item, "n_stayed": len(s), "n_left": len(lv),
                     "median_stayed": _median(s), "median_left": _median(lv),
                     "share_7_9_stayed": float((s >= 7).mean()) if len(s) else None,
                     "share_7_9_left": float((lv >= 7).mean()) if len(lv) else None,
                     "u": mw["u"], "p": mw["p"], "reason": mw["reason"]})
    return pd.DataFrame(rows)
