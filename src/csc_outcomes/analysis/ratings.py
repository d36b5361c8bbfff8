"""Ofsted overall ratings as numbers, for the inspections an analysis chooses to count."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from ..data.store import Store

GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
#: rating codings: the study's (1 = Outstanding ... 4 = Inadequate) and its reverse
CODINGS = {
    "outstanding-1": {g: i + 1 for i, g in enumerate(GRADES)},
    "inadequate-1": {g: 4 - i for i, g in enumerate(GRADES)},
}
SELECTIONS = ("first-sif", "latest")


def ratings(store_path: str | Path, *, selection: str = "first-sif",
            published_from: date | None = None, published_to: date | None = None,
            coding: str = "outstanding-1") -> pd.DataFrame:
    """One overall rating per authority.

    Parameters
    ----------
    selection : "first-sif" takes each authority's first Single Inspection Framework
        judgement; "latest" takes its most recent overall judgement under SIF or ILACS.
    published_from, published_to : only judgements published in this window (inclusive)
        count; authorities with none are left out (uninspected in the window).
    coding : "outstanding-1" (1 = Outstanding ... 4 = Inadequate, the study's) or
        "inadequate-1" (the reverse).

    Returns
    -------
    DataFrame indexed by la_code with grade, rating (the coded number), published,
    framework and inspection_type.
    """
    if selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, not {selection!r}")
    if coding not in CODINGS:
        raise ValueError(f"coding must be one of {sorted(CODINGS)}, not {coding!r}")
    with Store(store_path, read_only=True) as store:
        judged = store.judgements(("SIF", "ILACS"))
    judged["published"] = pd.to_datetime(judged["published"]).dt.date
    if selection == "first-sif":
        judged = judged[(judged.framework == "SIF") & (judged.inspection_type == "first")]
    if published_from:
        judged = judged[judged.published >= published_from]
    if published_to:
        judged = judged[judged.published <= published_to]
    judged = judged.sort_values("published")
    pick = judged.groupby("la_code").tail(1) if selection == "latest" else \
        judged.groupby("la_code").head(1)
    out = pick.set_index("la_code").rename(columns={"overall": "grade"})
    out["rating"] = out.grade.map(CODINGS[coding])
    return out[["grade", "rating", "published", "framework", "inspection_type"]]
