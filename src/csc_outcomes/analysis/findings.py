"""What the "Can the data tell?" analyses return, and the choices they share.

Every analysis returns :class:`Findings`: plain-words verdict lines first, then tidy tables
with documented columns, the notes on what could not be done, and the parameters used
(seeds included). ``to_dict()`` is strict JSON: missing numbers are ``None``, never NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from .. import ATTRIBUTION
from ..indicators.registry import Registry

CONTESTED = ("study", "exclude")


@dataclass
class Findings:
    """The result of one analysis.

    Attributes
    ----------
    analysis : "consistency", "funnel" or "ofsted".
    verdict : plain-words sentences, most important first.
    tables : tidy frames by name; each analysis documents its columns.
    notes : what was left out and why (too few authorities, no counts ...).
    parameters : every option used, seeds included.
    """

    analysis: str
    verdict: list[str]
    tables: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Strict-JSON-ready: records per table, NaN and infinities as None."""
        return {"analysis": self.analysis, "attribution": ATTRIBUTION,
                "verdict": list(self.verdict),
                "parameters": _clean(self.parameters), "notes": list(self.notes),
                "tables": {k: [_clean(r) for r in v.to_dict(orient="records")]
                           for k, v in self.tables.items()}}


def combine(parts: list[Findings]) -> Findings:
    """One Findings from several (e.g. one per year): verdicts, tables and notes appended."""
    if not parts:
        raise ValueError("nothing to combine")
    names = dict.fromkeys(k for p in parts for k in p.tables)
    tables = {k: pd.concat([p.tables[k] for p in parts if k in p.tables], ignore_index=True)
              for k in names}
    return Findings(parts[0].analysis, [v for p in parts for v in p.verdict], tables,
                    [n for p in parts for n in p.notes], parts[0].parameters)


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (date, datetime, pd.Timestamp)):
        return value.isoformat()[:10] if not pd.isna(value) else None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def directions(registry: Registry, ids: list[str], contested: str = "study") -> dict:
    """Which end of each indicator is better: "higher", "lower" or None (not ranked).

    An indicator the 2016 study ranked takes the study's direction; otherwise its polarity.
    ``contested="exclude"`` leaves contested indicators (and context) unranked even where
    the study ranked them.
    """
    if contested not in CONTESTED:
        raise ValueError(f"contested must be one of {CONTESTED}, not {contested!r}")
    out = {}
    for ind_id in ids:
        ind = registry.get(ind_id)
        by_polarity = {"higher-is-better": "higher", "lower-is-better": "lower"}.get(ind.polarity)
        direction = ind.study.direction if ind.study else by_polarity
        if ind.polarity == "contested" and (contested == "exclude" or ind.kind == "context"):
            direction = None
        out[ind_id] = direction
    return out


def one_period(values: pd.DataFrame) -> int:
    """The single reporting year of a values frame (the analyses compare within a year)."""
    periods = values["period"].dropna().unique()
    if len(periods) != 1:
        raise ValueError(f"give the values of one year, not {sorted(periods)}")
    return int(periods[0])


def wide(values: pd.DataFrame, ids: list[str], authorities=None) -> pd.DataFrame:
    """Authorities x indicators: published values only (status 'value'), others NaN."""
    got = values[values["status"] == "value"].pivot_table(
        index="la_code", columns="indicator", values="value", aggfunc="first")
    rows = pd.Index(authorities if authorities is not None else values["la_code"].unique(),
                    name="la_code")
    return got.reindex(index=rows.sort_values(), columns=ids)


def fmt_p(p) -> str:
    """A p-value in words-friendly form (p < 0.001, p = 0.03)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p not available"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"
