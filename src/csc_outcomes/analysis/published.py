"""The 2016 study's published tables, as printed, for comparison with the replication.

The figures ship as package data (``reference/la-valle-2016.yaml``, with the report's
reference). They are never an input to an analysis: ``compare.against_published`` sets
the replication's own results beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import pandas as pd
import yaml

from .regression import implied_n

SIDES = {"best": ("table1", "table2"), "worst": ("table3", "table4")}


@dataclass(frozen=True)
class Published:
    """The study's Tables 1-4 and A2a.

    Attributes
    ----------
    reference : the report.
    universe : the number of authorities the phase-one tables count (152).
    distribution : {"best": Table 1, "worst": Table 3}, each with columns indicators,
        authorities, percent (as printed).
    named : {"best": Table 2, "worst": Table 4}, each with columns la (as printed), rating,
        date (dd/mm/yyyy as printed, None for "Not yet completed").
    named_counts : {"best": [4, 5], "worst": [4]}: the counts the named tables cover.
    a2a : Table A2a with columns number, indicator, label, multiple_r, significance_f and
        implied_n (the n the printed pair implies; None for the blank row).
    significant : the indicators the report's text calls significant.
    stated_directions : {indicator: "lower-is-better" | "higher-is-better"}: the direction
        in which the report's text says an indicator goes with a better rating.
    """

    reference: str
    universe: int
    distribution: dict[str, pd.DataFrame]
    named: dict[str, pd.DataFrame]
    named_counts: dict[str, list[int]]
    a2a: pd.DataFrame
    significant: list[str] = field(default_factory=list)
    stated_directions: dict[str, str] = field(default_factory=dict)
    window: str = ""


@cache
def published() -> Published:
    """Load the published tables (package data)."""
    text = resources.files("csc_outcomes.analysis").joinpath(
        "reference/la-valle-2016.yaml").read_text()
    raw = yaml.safe_load(text)
    a2a = pd.DataFrame(raw["a2a"])
    a2a["implied_n"] = [implied_n(r, p) if pd.notna(r) else None
                        for r, p in zip(a2a.multiple_r, a2a.significance_f)]
    a2a["implied_n"] = a2a["implied_n"].astype("Int64")
    return Published(
        reference=" ".join(raw["reference"].split()), universe=int(raw["universe"]),
        distribution={s: pd.DataFrame(raw[t]) for s, (t, _) in SIDES.items()},
        named={s: pd.DataFrame(raw[n]) for s, (_, n) in SIDES.items()},
        named_counts={s: list(raw[f"{n}_counts"]) for s, (_, n) in SIDES.items()},
        a2a=a2a, significant=list(raw["significant_text"]),
        stated_directions=dict(raw["stated_directions"]), window=raw["inspection_window"])
