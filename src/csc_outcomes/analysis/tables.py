"""The replication's tables as frames and CSV files, in the study's shapes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def phase1_frame(result: dict, side: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(distribution table, named authorities) for "best" or "worst" (Tables 1-4)."""
    part = result["phase1"][side]
    dist = pd.DataFrame(part["table"]).rename(columns={
        "indicators": f"indicators in {side} group", "authorities": "authorities",
        "percent": "% of authorities"})
    dist["% of authorities"] = dist["% of authorities"].round(1)
    named = pd.DataFrame(part["named"], columns=["la_name", "la_code", "count", "ofsted_rating",
                                                 "ofsted_date"])
    return dist, named


def phase2_frame(result: dict) -> pd.DataFrame:
    """Table A2a: n, Multiple R, signed r, F and Significance F per indicator."""
    frame = pd.DataFrame(result["phase2"])
    cols = ["indicator", "n", "multiple_r", "r", "f", "p", "slope", "reason"]
    frame = frame[[c for c in cols if c in frame]]
    for c in ("multiple_r", "r", "slope"):
        frame[c] = frame[c].astype(float).round(4)
    frame["f"] = frame["f"].astype(float).round(3)
    frame["p"] = frame["p"].astype(float).map(lambda p: None if pd.isna(p) else float(f"{p:.4g}"))
    return frame


def write_csv(result: dict, sensitivity: dict | None, folder: Path) -> list[Path]:
    """Write the tables (and the sensitivity tables, if given) as CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for side in ("best", "worst"):
        dist, named = phase1_frame(result, side)
        for name, frame in ((f"phase1_{side}_distribution", dist), (f"phase1_{side}_named", named)):
            path = folder / f"{name}.csv"
            frame.to_csv(path, index=False)
            written.append(path)
        members = [{"indicator": k, "la_code": la} for k, v in
                   result["phase1"][side]["members"].items() for la in v]
        path = folder / f"phase1_{side}_members.csv"
        pd.DataFrame(members, columns=["indicator", "la_code"]).to_csv(path, index=False)
        written.append(path)
    path = folder / "phase2.csv"
    phase2_frame(result).to_csv(path, index=False)
    written.append(path)
    path = folder / "choices.csv"
    pd.DataFrame([{"choice": k, "value": v} for k, v in result["choices"].items()]).to_csv(
        path, index=False)
    written.append(path)
    if sensitivity:
        for name, frame in (("sensitivity_variants", pd.DataFrame(sensitivity["variants"])),
                            ("sensitivity_phase2_r", pd.DataFrame(sensitivity["phase2_r"]))):
            path = folder / f"{name}.csv"
            frame.to_csv(path, index=name.endswith("_r"), index_label="indicator")
            written.append(path)
    return written


def comparison_frames(comparison) -> dict[str, pd.DataFrame]:
    """The comparison's tables, rounded for printing (``compare.Comparison``)."""
    a2a = comparison.a2a[["number", "indicator", "published_r", "published_p", "published_n",
                          "n", "r", "p", "d_r", "n_matches", "exact"]].copy()
    for c in ("published_r", "r", "d_r"):
        a2a[c] = a2a[c].astype(float).round(4)
    for c in ("published_p", "p"):
        a2a[c] = a2a[c].astype(float).map(lambda v: None if pd.isna(v) else float(f"{v:.3g}"))
    named = comparison.named[["table", "la", "published_rating", "published_date", "named",
                              "count", "rating", "date"]]
    return {"a2a": a2a, "bins": comparison.bins.drop(columns=["side"]), "named": named}


def write_comparison_csv(comparison, folder: Path) -> list[Path]:
    """Write the comparison with the published tables as CSV files."""
    return _write_frames(comparison, ("a2a", "bins", "named"), "published", folder)


def write_search_csv(found, folder: Path) -> list[Path]:
    """Write the search's ranked candidates as CSV files."""
    return _write_frames(found, ("samples", "changes", "phase1"), "search", folder)


def _write_frames(result, names: tuple[str, ...], prefix: str, folder: Path) -> list[Path]:
    """Each named frame attribute of ``result`` as ``folder/{prefix}_{name}.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = folder / f"{prefix}_{name}.csv"
        getattr(result, name).to_csv(path, index=False)
        written.append(path)
    return written


def search_frames(found, top: int | None = 10) -> dict[str, pd.DataFrame]:
    """The search's ranked tables with the columns worth printing, floats rounded."""
    fit = ["rows_exact", "rows_n_match", "sum_abs_dr"]
    cols = {
        "samples": ["rank", "cutoff_from", "cutoff_to", "n_rated", "source", "workforce_basis",
                    "suppressed", *fit, "ahead_exact", "ahead_n_match", "ahead_sum_abs_dr"],
        "changes": ["rank", "source", "workforce_basis", "suppressed", *fit, "ahead_exact",
                    "ahead_sum_abs_dr", "implies"],
        "phase1": ["rank", "source", "suppressed", "ties", "k_rule", "base", "method",
                   "contested", "l1_table1", "l1_table3", "named_table2", "named_table4",
                   "ahead_l1"]}
    out = {}
    for name, keep in cols.items():
        frame = getattr(found, name)[keep]
        frame = frame.head(top) if top else frame
        out[name] = frame.round({c: 4 for c in ("sum_abs_dr", "ahead_sum_abs_dr")})
    return out
