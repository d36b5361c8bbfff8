"""Ofsted judgement histories and the transitions between successive judgements.

Plain functions over the store's ``inspection`` table (one row per inspection: la_code,
framework, inspection_type, start_date, end_date, published, overall and the
sub-judgements) and its ``la`` register (valid_from, predecessors). Grades are scored
1 = Outstanding ... 4 = Inadequate; a *rise* is a move to a better grade.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ratings import GRADES

SCORE = {g: i + 1 for i, g in enumerate(GRADES)}
JUDGEMENTS = ("overall", "help_and_protection", "children_in_care", "care_leavers",
              "adoption", "leadership", "lscb")
#: pre-2014 framework judgements and the SIF judgement each compares with
EARLY_TO_SIF = (("CPI", "overall", "help_and_protection"),
                ("CPRI", "overall", "help_and_protection"),
                ("TLAC", "overall", "children_in_care"),
                ("SLAC", "help_and_protection", "help_and_protection"),
                ("SLAC", "children_in_care", "children_in_care"))
HISTORY_COLUMNS = ["la_code", "source_la_code", "framework", "inspection_type", "published",
                   "judgement", "grade", "score", "inherited"]
PAIR_COLUMNS = ["la_code", "judgement", "kind", "from_framework", "to_framework",
                "from_published", "to_published", "from_grade", "to_grade", "rise", "months",
                "across_reorganisation"]


def histories(inspections: pd.DataFrame, register: pd.DataFrame | None = None, *,
              judgement: str = "overall", frameworks: tuple[str, ...] = ("SIF", "ILACS"),
              follow_reorganisations: bool = True) -> pd.DataFrame:
    """Each authority's graded inspections in publication order, for one judgement.

    Parameters
    ----------
    inspections : the store's ``inspection`` table.
    register : the store's ``la`` table (la_code, valid_from, predecessors); needed to
        follow reorganisations.
    judgement : ``overall`` or a sub-judgement column (see :data:`JUDGEMENTS`).
    frameworks : frameworks whose inspections count.
    follow_reorganisations : an authority created with exactly one predecessor (Dorset
        2019, North and West Northamptonshire 2021, Cumberland and Westmorland and Furness
        2023) inherits that predecessor's inspections published before it existed. One
        with several predecessors (Bournemouth, Christchurch and Poole) inherits none: its
        history starts at its own first inspection.

    Returns
    -------
    DataFrame with la_code (whose history), source_la_code (who was inspected), framework,
    inspection_type, published, judgement, grade, score (1 = Outstanding ... 4 =
    Inadequate) and inherited (the row is a predecessor's).
    """
    if judgement not in JUDGEMENTS:
        raise ValueError(f"judgement must be one of {JUDGEMENTS}, not {judgement!r}")
    rows = inspections[inspections["framework"].isin(frameworks)
                       & inspections[judgement].isin(GRADES)]
    own = pd.DataFrame({"la_code": rows["la_code"], "source_la_code": rows["la_code"],
                        "framework": rows["framework"],
                        "inspection_type": rows["inspection_type"],
                        "published": pd.to_datetime(rows["published"]),
                        "judgement": judgement, "grade": rows[judgement], "inherited": False})
    parts = [own]
    if follow_reorganisations and register is not None:
        parts.append(_inherited(own, register))
    out = pd.concat(parts, ignore_index=True)
    out["score"] = out["grade"].map(SCORE).astype(int)
    out = out.sort_values(["la_code", "published"], kind="stable").reset_index(drop=True)
    return out[HISTORY_COLUMNS]


def _inherited(own: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    single = register["predecessors"].map(lambda p: hasattr(p, "__len__") and len(p) == 1)
    heirs = register[single.astype(bool)]
    parts = []
    for r in heirs.itertuples():
        (pred,) = list(r.predecessors)
        before = own[(own["la_code"] == pred)
                     & (own["published"] < pd.Timestamp(r.valid_from))].copy()
        before["la_code"] = r.la_code
        before["inherited"] = True
        parts.append(before)
    return pd.concat(parts, ignore_index=True) if parts else own.iloc[:0]


def transitions(history: pd.DataFrame) -> pd.DataFrame:
    """Each pair of successive graded inspections of an authority.

    Returns
    -------
    DataFrame with la_code, judgement, kind (``SIF→ILACS``, ``ILACS→ILACS``, ``SIF→SIF``
    ...), from_framework, to_framework, from_published, to_published, from_grade,
    to_grade, rise (grades better: from score - to score, so +2 is Inadequate to Good),
    months (between publication dates) and across_reorganisation (the later inspection
    is of the successor authority, the earlier of its predecessor). A successor's two
    inherited inspections are left out: they are its predecessor's pair, counted there.
    """
    h = history.sort_values(["la_code", "published"], kind="stable")
    nxt = h.groupby("la_code").shift(-1)
    # a pair of two inherited inspections is the predecessor's own pair: count it once
    keep = nxt["grade"].notna() & ~(h["inherited"].astype(bool)
                                    & nxt["inherited"].astype("boolean").fillna(False))
    a, b = h[keep], nxt[keep]
    out = pd.DataFrame({
        "la_code": a["la_code"], "judgement": a["judgement"],
        "kind": a["framework"] + "→" + b["framework"],
        "from_framework": a["framework"], "to_framework": b["framework"],
        "from_published": a["published"], "to_published": b["published"],
        "from_grade": a["grade"], "to_grade": b["grade"],
        "rise": a["score"] - b["score"].astype(int),
        "months": (b["published"] - a["published"]).dt.days / (365.25 / 12),
        "across_reorganisation": a["inherited"].astype(bool) & ~b["inherited"].astype(bool)})
    return out[PAIR_COLUMNS].reset_index(drop=True)


def first_to_latest(history: pd.DataFrame, from_framework: str = "SIF",
                    to_framework: str = "ILACS") -> pd.DataFrame:
    """One pair per authority: its first ``from_framework`` judgement and its latest
    ``to_framework`` one (same columns as :func:`transitions`)."""
    first = history[history["framework"] == from_framework].groupby("la_code").head(1)
    last = history[history["framework"] == to_framework].groupby("la_code").tail(1)
    both = first.merge(last, on="la_code", suffixes=("_a", "_b"))
    out = pd.DataFrame({
        "la_code": both["la_code"], "judgement": both["judgement_a"],
        "kind": f"first {from_framework}→latest {to_framework}",
        "from_framework": both["framework_a"], "to_framework": both["framework_b"],
        "from_published": both["published_a"], "to_published": both["published_b"],
        "from_grade": both["grade_a"], "to_grade": both["grade_b"],
        "rise": both["score_a"] - both["score_b"],
        "months": (both["published_b"] - both["published_a"]).dt.days / (365.25 / 12),
        "across_reorganisation": both["inherited_a"] & ~both["inherited_b"]})
    return out[PAIR_COLUMNS]


def matrix(pairs: pd.DataFrame) -> pd.DataFrame:
    """The transition matrix as a tidy frame: every (from_grade, to_grade) cell, with its
    count, share of the row and the authorities in it.

    Returns
    -------
    DataFrame with kind, judgement, from_grade, to_grade, count, row_share (count / the
    from_grade row total; NaN for an empty row) and authorities (sorted la_codes, ``;``
    separated). Cells are in grade order; empty cells are kept with count 0.
    """
    grid = pd.MultiIndex.from_product([GRADES, GRADES], names=["from_grade", "to_grade"])
    parts = []
    for (kind, judgement), p in pairs.groupby(["kind", "judgement"], sort=True):
        cells = p.groupby(["from_grade", "to_grade"])["la_code"].agg(
            count="size", authorities=lambda s: ";".join(sorted(s)))
        cells = cells.reindex(grid).reset_index()
        cells["count"] = cells["count"].fillna(0).astype(int)
        cells["authorities"] = cells["authorities"].fillna("")
        total = cells.groupby("from_grade")["count"].transform("sum")
        cells["row_share"] = cells["count"] / total.where(total > 0)
        cells.insert(0, "judgement", judgement)
        cells.insert(0, "kind", kind)
        parts.append(cells)
    cols = ["kind", "judgement", "from_grade", "to_grade", "count", "row_share", "authorities"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def authority_summary(history: pd.DataFrame) -> pd.DataFrame:
    """One row per authority: its path through the grades and the groups it falls in.

    Returns
    -------
    DataFrame with la_code, judgement, n_inspections, first_grade, first_published,
    latest_grade, latest_published, worst_grade, rises, falls (successive moves up and
    down), net_rise (first to latest, in grades), improver (latest grade two or more
    grades better than the worst before it), stuck (two or more inspections, every one
    Requires improvement or Inadequate) and fell (latest grade worse than the first).
    """
    h = history.sort_values(["la_code", "published"], kind="stable").copy()
    h["step"] = -h.groupby("la_code")["score"].diff()
    h["worst_before"] = h.groupby("la_code")["score"].transform(lambda s: s.shift().cummax())
    g = h.groupby("la_code", sort=True)
    out = pd.DataFrame({
        "judgement": g["judgement"].first(), "n_inspections": g.size(),
        "first_grade": g["grade"].first(), "first_published": g["published"].first(),
        "latest_grade": g["grade"].last(), "latest_published": g["published"].last(),
        "worst_grade": g["score"].max().map(dict(enumerate(GRADES, 1))),
        "rises": g["step"].apply(lambda s: int((s > 0).sum())),
        "falls": g["step"].apply(lambda s: int((s < 0).sum())),
        "net_rise": g["score"].first() - g["score"].last()})
    last = g.tail(1).set_index("la_code")
    out["improver"] = (last["worst_before"] - last["score"]).ge(2)
    out["stuck"] = out["n_inspections"].ge(2) & g["score"].min().ge(SCORE["Requires improvement"])
    out["fell"] = out["net_rise"].lt(0)
    return out.reset_index()


def early_pairs(inspections: pd.DataFrame) -> pd.DataFrame:
    """Each authority's last judgement under a 2009-2013 framework paired with the
    comparable judgement of its first SIF inspection (:data:`EARLY_TO_SIF`): child
    protection (CPI, CPRI, SLAC safeguarding) with SIF help and protection, looked-after
    children (TLAC, SLAC) with SIF children looked after. Same columns as
    :func:`transitions`; ``judgement`` reads ``<from> → <to>``."""
    sif = inspections[(inspections["framework"] == "SIF")
                      & (inspections["inspection_type"] == "first")].set_index("la_code")
    parts = []
    for framework, src, dst in EARLY_TO_SIF:
        old = inspections[(inspections["framework"] == framework)
                          & inspections[src].isin(GRADES)]
        old = old.sort_values("published").groupby("la_code").tail(1).set_index("la_code")
        new = sif[sif[dst].isin(GRADES)]
        both = old.merge(new, how="inner", left_index=True, right_index=True,
                         suffixes=("_a", "_b"))
        a_pub, b_pub = pd.to_datetime(both["published_a"]), pd.to_datetime(both["published_b"])
        parts.append(pd.DataFrame({
            "la_code": both.index, "judgement": f"{framework} {src} → SIF {dst}",
            "kind": f"{framework}→SIF", "from_framework": framework, "to_framework": "SIF",
            "from_published": a_pub, "to_published": b_pub,
            "from_grade": both[f"{src}_a"], "to_grade": both[f"{dst}_b"],
            "months": (b_pub - a_pub).dt.days / (365.25 / 12),
            "across_reorganisation": False}))
    out = pd.concat(parts, ignore_index=True)
    out["rise"] = out["from_grade"].map(SCORE) - out["to_grade"].map(SCORE)
    return out[PAIR_COLUMNS]


def intervals(pairs: pd.DataFrame) -> pd.DataFrame:
    """Months between successive inspections per kind of transition: n, median,
    quartiles, minimum and maximum."""
    g = pairs.groupby(["kind", "judgement"])["months"]
    out = g.describe()[["count", "25%", "50%", "75%", "min", "max"]]
    out.columns = ["n", "q1_months", "median_months", "q3_months", "min_months", "max_months"]
    out["n"] = out["n"].astype(int)
    return out.reset_index().replace({np.inf: np.nan})
