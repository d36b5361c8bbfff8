"""Best and worst shares of authorities on each indicator, and how often the same
authorities recur (the 2016 study's phase one).

Every choice the study left open is a parameter: how many authorities make "10%"
(``k_rule``, ``base``), what happens to ties at the cut-off (``ties``: all in, all out, or
exactly k in a given order, as a stable spreadsheet sort would leave them), and whether
the cut is by rank or by percentile (``method``). Authorities without a value for an
indicator are never ranked on it: nothing is imputed.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd

K_RULES = ("round", "ceil", "floor")
BASES = ("with-data", "universe")
TIES = ("include", "exclude", "order")
METHODS = ("rank", "percentile")


def cut_size(n: int, share: float, k_rule: str = "round") -> int:
    """How many authorities make the top ``share`` of ``n``.

    ``round`` rounds half up (10% of 145 is 15), unlike Python's round-half-even.

    >>> cut_size(152, 0.1), cut_size(145, 0.1), cut_size(145, 0.1, "floor"), cut_size(141, 0.1, "ceil")
    (15, 15, 14, 15)
    """
    if k_rule not in K_RULES:
        raise ValueError(f"k_rule must be one of {K_RULES}, not {k_rule!r}")
    exact = n * share
    if k_rule == "ceil":
        return math.ceil(exact - 1e-9)
    if k_rule == "floor":
        return math.floor(exact + 1e-9)
    return math.floor(exact + 0.5 + 1e-9)


def extremes(values: pd.Series, direction: str, *, share: float = 0.10, k_rule: str = "round",
             base_n: int | None = None, ties: str = "include",
             method: str = "rank", order: pd.Series | None = None) -> tuple[set, set]:
    """The best and worst ``share`` of authorities on one indicator.

    Parameters
    ----------
    values : indicator values indexed by authority (NaN = no value: never ranked).
    direction : "higher" or "lower": which end is best.
    share : the share in each group (0.10 for the study's 10%).
    k_rule : "round", "ceil" or "floor" for turning ``share * n`` into a count.
    base_n : the n the share is taken of; default the number with a value. Pass the
        universe size to take 10% of all authorities instead.
    ties : "include" puts every authority tied with the last one in the group (the group
        may then be larger than k); "exclude" keeps only those strictly inside the cut (it
        may then be smaller); "order" takes exactly k, breaking ties by ``order`` (as a
        stable sort of a table listed in that order does, at both ends).
    method : "rank" takes the k best and worst; "percentile" takes values at or beyond the
        share's percentile (linear interpolation, as numpy.percentile), ignoring k.
    order : sort keys of the authorities for ``ties="order"`` (lower comes first);
        default: the authorities' codes.

    Returns
    -------
    (best, worst): sets of authority codes.
    """
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}")
    if ties not in TIES or method not in METHODS:
        raise ValueError(f"ties must be one of {TIES} and method one of {METHODS}")
    data = values.dropna().astype(float)
    if data.empty:
        return set(), set()
    # orient so that larger is better
    score = data if direction == "higher" else -data
    if method == "percentile":
        hi = np.percentile(score, 100 * (1 - share))
        lo = np.percentile(score, 100 * share)
        return set(score.index[score >= hi]), set(score.index[score <= lo])
    k = cut_size(base_n if base_n is not None else len(score), share, k_rule)
    k = min(k, len(score))
    if k == 0:
        return set(), set()
    if ties == "order":
        keys = (order.reindex(score.index) if order is not None
                else pd.Series(score.index, index=score.index))
        if keys.isna().any():
            raise ValueError("order has no sort key for some authorities with a value")
        frame = pd.DataFrame({"score": score, "key": keys})
        best = frame.sort_values(["score", "key"], ascending=[False, True], kind="stable")
        worst = frame.sort_values(["score", "key"], ascending=[True, True], kind="stable")
        return set(best.index[:k]), set(worst.index[:k])
    ordered = score.sort_values(ascending=False)
    return _top(ordered, k, ties), _top(ordered.iloc[::-1], k, ties, worst=True)


def _top(ordered: pd.Series, k: int, ties: str, worst: bool = False) -> set:
    boundary = ordered.iloc[k - 1]
    beyond = ordered < boundary if worst else ordered > boundary
    if ties == "include":
        chosen = beyond | (ordered == boundary)
    else:
        # strictly inside the cut, plus the tie group only if it fits wholly within k
        tied = ordered == boundary
        chosen = beyond | (tied if beyond.sum() + tied.sum() <= k else False)
    return set(ordered.index[chosen])


def recurrence(groups: dict[str, set], universe: list[str]) -> pd.Series:
    """How many indicators put each authority in the group (0 for those never in it)."""
    tally = Counter(la for members in groups.values() for la in members)
    index = pd.Index(sorted(universe), name="la_code")
    return pd.Series([tally.get(la, 0) for la in index], index=index, dtype=int)


def distribution(counts: pd.Series) -> pd.DataFrame:
    """Authorities by number of indicators, every count from 0 to the maximum.

    Returns columns ``indicators`` (the count), ``authorities`` and ``percent`` (of all
    authorities in ``counts``).
    """
    top = int(counts.max()) if len(counts) else 0
    tally = counts.value_counts().reindex(range(top + 1), fill_value=0)
    return pd.DataFrame({"indicators": tally.index, "authorities": tally.to_numpy(),
                         "percent": 100 * tally.to_numpy() / max(len(counts), 1)})


def named(counts: pd.Series, top: int = 10, minimum: int = 1) -> pd.Series:
    """Authorities at the top of the distribution.

    Whole count levels are taken from the highest down while the list stays within
    ``top`` authorities (the highest level is always taken, however many it has); counts
    below ``minimum`` are never listed.
    """
    listed = counts[counts >= minimum]
    sizes = listed.value_counts().sort_index(ascending=False)
    running = sizes.cumsum()
    keep = running.index[(running <= top) | (running.index == running.index.max())] \
        if len(running) else []
    lowest = min(keep) if len(keep) else np.inf
    return listed[listed >= lowest].sort_values(ascending=False, kind="stable")
