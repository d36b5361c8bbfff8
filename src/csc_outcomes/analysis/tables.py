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
