"""Ofsted overall ratings as numbers, for the inspections an analysis chooses to count."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from ..data.store import opened
from ..errors import AnalysisError

GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
#: rating codings: the study's (1 = Outstanding ... 4 = Inadequate) and its reverse
CODINGS = {
    "outstanding-1": {g: i + 1 for i, g in enumerate(GRADES)},
    "inadequate-1": {g: 4 - i for i, g in enumerate(GRADES)},
}
SELECTIONS = ("first-sif", "latest")
#: which date of an inspection a window is applied to
DATE_BASES = ("published", "inspected")


def judgements(store_path: str | Path) -> pd.DataFrame:
    """Every overall judgement in the store, under any framework.

    Returns
    -------
    DataFrame with la_code, framework (SIF, ILACS, CPI ...), inspection_type, start_date
    (the first day of the inspection, where the source gives it, else NaT), published and
    overall, one row per inspection.
    """
    with opened(store_path) as store:
        judged = store.judgements()
    for col in ("start_date", "published"):
        judged[col] = pd.to_datetime(judged[col]).dt.date
    return judged


def ratings(store_path: str | Path, *, selection: str = "first-sif",
            published_from: date | None = None, published_to: date | None = None,
            coding: str = "outstanding-1", date_basis: str = "published",
            judged: pd.DataFrame | None = None) -> pd.DataFrame:
    """One overall rating per authority.

    Parameters
    ----------
    selection : "first-sif" takes each authority's first Single Inspection Framework
        judgement; "latest" takes its most recent overall judgement under SIF or ILACS.
    published_from, published_to : only judgements dated in this window (inclusive)
        count; authorities with none are left out (uninspected in the window).
    coding : "outstanding-1" (1 = Outstanding ... 4 = Inadequate, the study's) or
        "inadequate-1" (the reverse).
    date_basis : the date the window applies to: "published" (the report's publication
        date) or "inspected" (the inspection's first day). Judgements whose source gives no
        inspection date are left out under "inspected"; if none is left, AnalysisError.
    judged : the frame :func:`judgements` returns, to avoid reading it again.

    Returns
    -------
    DataFrame indexed by la_code with grade, rating (the coded number), published,
    start_date, framework and inspection_type.
    """
    if selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, not {selection!r}")
    if coding not in CODINGS:
        raise ValueError(f"coding must be one of {sorted(CODINGS)}, not {coding!r}")
    if date_basis not in DATE_BASES:
        raise ValueError(f"date_basis must be one of {DATE_BASES}, not {date_basis!r}")
    judged = judgements(store_path) if judged is None else judged
    judged = judged[judged.framework.isin(["SIF", "ILACS"])]
    if selection == "first-sif":
        judged = judged[(judged.framework == "SIF") & (judged.inspection_type == "first")]
    when = judged["published" if date_basis == "published" else "start_date"]
    if date_basis == "inspected" and when.notna().sum() == 0:
        raise AnalysisError(
            f"the releases give no inspection dates for these judgements ({len(judged)} "
            f"{selection} judgements; Ofsted's SIF records carry only the publication date), "
            "so a window on the inspection date cannot be applied: use the publication date")
    keep = when.notna()
    if published_from:
        keep &= when >= published_from
    if published_to:
        keep &= when <= published_to
    judged = judged[keep].assign(_when=when[keep]).sort_values(["_when", "published"])
    pick = judged.groupby("la_code").tail(1) if selection == "latest" else \
        judged.groupby("la_code").head(1)
    out = pick.set_index("la_code").rename(columns={"overall": "grade"})
    out["rating"] = out.grade.map(CODINGS[coding])
    return out[["grade", "rating", "published", "start_date", "framework", "inspection_type"]]
