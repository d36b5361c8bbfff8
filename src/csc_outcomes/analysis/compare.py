"""Every printed figure of the 2016 study beside the replication's own, with the difference.

``against_published(result)`` takes a ``replicate()`` result and returns a
:class:`Comparison`: Table A2a row by row (the printed Multiple R and Significance F,
the n that pair implies, and ours), Tables 1 and 3 bin by bin, Tables 2 and 4 name by
name, and one line of fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ..data.register import normalise_name
from ..errors import AnalysisError
from .published import Published, published

#: |our Multiple R - the printed one| below this counts as reproducing the printed figure
#: (the report prints R to 8 or 9 decimal places)
EXACT_R = 1e-6
ALPHA = 0.05


@dataclass(frozen=True)
class Comparison:
    """The replication beside the study's published tables.

    Attributes
    ----------
    a2a : one row per printed A2a row: number, indicator, label, published_r, published_p,
        published_n (the n the printed pair implies), n, r (our signed r), multiple_r, p,
        d_r (our Multiple R minus the printed; None where the row is printed blank),
        n_matches, exact (|d_r| < 1e-6 with the implied n), published_significant,
        significant, stated (the direction the report's text states, if any) and
        sign_matches (our r has the sign that direction implies under our coding).
    bins : Tables 1 and 3: table, side, indicators (the count), published, ours, difference.
    named : Tables 2 and 4: table, side, la (as printed), la_code, published_rating,
        published_date (as printed), named (we name it too), count (in how many of our
        groups it is), rating and date (ours: the counted judgement, or "not yet completed").
    summary : the fit in numbers (see :func:`fit_summary`).
    line : the summary as one line of text.
    """

    a2a: pd.DataFrame
    bins: pd.DataFrame
    named: pd.DataFrame
    summary: dict = field(default_factory=dict)
    line: str = ""

    def to_dict(self) -> dict:
        """Strict-JSON-ready: missing figures are None, never NaN."""
        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]

        return {"a2a": records(self.a2a), "bins": records(self.bins),
                "named": records(self.named), "summary": self.summary, "line": self.line,
                "reference": published().reference}


def json_value(v):
    """A cell as strict JSON wants it (see :func:`csc_outcomes.serialise.plain`)."""
    from ..serialise import plain

    return plain(v)


def against_published(result: dict, pub: Published | None = None) -> Comparison:
    """Compare a ``replicate()`` result with the published tables.

    Only meaningful for the study's year (2015) and indicator set; raises AnalysisError
    for another year. Our n is the number of authorities with both a rating and a value;
    the published row's implied n is solved from its (Multiple R, Significance F).
    """
    pub = pub or published()
    if result["year"] != 2015:
        raise AnalysisError(f"the published tables are for 2015, not {result['year']}")
    a2a = _a2a(result, pub)
    bins = _bins(result, pub)
    named = _named(result, pub)
    summary = fit_summary(a2a, bins, named, pub)
    return Comparison(a2a, bins, named, summary, fit_line(summary))


def _a2a(result: dict, pub: Published) -> pd.DataFrame:
    ours = {p["indicator"]: p for p in result["phase2"]}
    # under 1 = Outstanding a larger rating is worse, so "lower value, better rating" is r > 0
    worse_up = result["choices"]["coding"] == "outstanding-1"
    rows = []
    for row in pub.a2a.itertuples():
        mine = ours.get(row.indicator, {})
        r, p, n = mine.get("r"), mine.get("p"), mine.get("n")
        printed = pd.notna(row.multiple_r)
        d_r = abs(r) - row.multiple_r if printed and r is not None else None
        pub_n = int(row.implied_n) if pd.notna(row.implied_n) else None
        rows.append({
            "number": row.number, "indicator": row.indicator, "label": row.label,
            "published_r": row.multiple_r if printed else None,
            "published_p": row.significance_f if printed else None, "published_n": pub_n,
            "n": n, "r": r, "multiple_r": abs(r) if r is not None else None, "p": p,
            "d_r": d_r, "n_matches": (n == pub_n) if pub_n is not None else None,
            "exact": (d_r is not None and abs(d_r) < EXACT_R and n == pub_n) if printed else None,
            "published_significant": (row.significance_f < ALPHA) if printed else None,
            "significant": (p < ALPHA) if p is not None else None,
            "stated": pub.stated_directions.get(row.indicator),
            "sign_matches": _sign(pub.stated_directions.get(row.indicator), r, worse_up)})
    frame = pd.DataFrame(rows)
    for col in ("published_n", "n"):
        frame[col] = frame[col].astype("Int64")
    return frame


def _sign(stated: str | None, r: float | None, worse_up: bool) -> bool | None:
    if stated is None or r is None:
        return None
    lower_better = stated == "lower-is-better"
    return (r > 0) == (lower_better == worse_up)


def _bins(result: dict, pub: Published) -> pd.DataFrame:
    rows = []
    for side, table in (("best", "1"), ("worst", "3")):
        ours = {int(k): v for k, v in result["phase1"][side]["distribution"].items()}
        printed = dict(zip(pub.distribution[side].indicators, pub.distribution[side].authorities))
        for count in range(max([*ours, *printed]) + 1):
            a, b = printed.get(count, 0), ours.get(count, 0)
            rows.append({"table": table, "side": side, "indicators": count, "published": a,
                         "ours": b, "difference": b - a})
    return pd.DataFrame(rows)


def printed_codes(names: dict[str, str], pub: Published) -> dict[str, list[str]]:
    """The codes of the authorities Tables 2 and 4 name ({"best": [...], "worst": [...]}),
    matched by name against ``names`` ({la_code: name})."""
    by_name = {normalise_name(n): code for code, n in names.items()}
    out = {}
    for side, frame in pub.named.items():
        missing = [la for la in frame.la if normalise_name(la) not in by_name]
        if missing:
            raise AnalysisError(f"published {side} list: {missing} match no authority's name")
        out[side] = [by_name[normalise_name(la)] for la in frame.la]
    return out


def _named(result: dict, pub: Published) -> pd.DataFrame:
    codes = printed_codes(result["names"], pub)
    sample = {s["la_code"]: s for s in result["sample"]}
    rows = []
    for side, table in (("best", "2"), ("worst", "4")):
        counts = result["phase1"][side]["counts"]
        ours = {r["la_code"] for r in result["phase1"][side]["named"]}
        for row, code in zip(pub.named[side].itertuples(), codes[side]):
            s = sample.get(code)
            printed_date = row.date if isinstance(row.date, str) else None
            rows.append({
                "table": table, "side": side, "la": row.la, "la_code": code,
                "published_rating": row.rating, "published_date": printed_date,
                "named": code in ours, "count": counts.get(code, 0),
                "rating": s["grade"] if s else "not yet completed",
                "date": s["published"] if s else None,
                "rating_matches": (s["grade"] if s else "not yet completed").lower()
                == row.rating.lower(),
                "date_matches": _same_day(printed_date, s["published"] if s else None)})
    return pd.DataFrame(rows)


def _same_day(printed: str | None, ours: str | None) -> bool:
    if printed is None or ours is None:
        return printed is None and ours is None
    day, month, year = (int(x) for x in printed.split("/"))
    return date(year, month, day).isoformat() == ours


def fit_summary(a2a: pd.DataFrame, bins: pd.DataFrame, named: pd.DataFrame,
                pub: Published) -> dict:
    """The fit in numbers: A2a (sum and max |d_r| over the printed rows, the worst row, rows
    whose n is the implied n, rows reproduced exactly, whether the significant set is the
    published one), Tables 1 and 3 (L1 distance per table) and Tables 2 and 4 (printed
    names we also name)."""
    printed = a2a[a2a.published_r.notna()]
    d = printed.d_r.abs()
    ours_sig = sorted(printed.loc[printed.significant.fillna(False).astype(bool), "indicator"])
    pub_sig = sorted(printed.loc[printed.published_significant.astype(bool), "indicator"])
    worst = printed.loc[d.idxmax(), "indicator"] if d.notna().any() else None
    out = {"a2a_rows": int(len(printed)), "sum_abs_dr": _round(d.sum()),
           "max_abs_dr": _round(d.max()), "max_abs_dr_indicator": worst,
           "rows_n_match": int(printed.n_matches.fillna(False).astype(bool).sum()),
           "rows_exact": int(printed.exact.fillna(False).astype(bool).sum()),
           "significant_published": pub_sig, "significant": ours_sig,
           "significant_equal": ours_sig == pub_sig,
           "signs_as_stated": bool(printed.sign_matches.dropna().astype(bool).all())}
    for side, table in (("best", "1"), ("worst", "3")):
        part = bins[bins.side == side]
        out[f"l1_table{table}"] = int(part.difference.abs().sum())
    for side, table in (("best", "2"), ("worst", "4")):
        part = named[named.side == side]
        out[f"named_table{table}"] = int(part.named.sum())
        out[f"printed_table{table}"] = int(len(part))
    return out


def _round(x) -> float | None:
    return None if x is None or pd.isna(x) else round(float(x), 6)


def fit_line(s: dict) -> str:
    """One line: the fit summary as text."""
    sig = "equal" if s["significant_equal"] else (
        f"differs (ours: {', '.join(s['significant']) or 'none'})")
    return (f"A2a: sum |dR| {s['sum_abs_dr']:.4f}, max |dR| {s['max_abs_dr']:.4f} "
            f"({s['max_abs_dr_indicator']}); n = implied n on {s['rows_n_match']}/{s['a2a_rows']} "
            f"rows; {s['rows_exact']}/{s['a2a_rows']} rows reproduced to 1e-6; significant set "
            f"{sig}{'' if s['signs_as_stated'] else ' (a stated sign differs)'}. Tables 1/3: L1 {s['l1_table1']} and {s['l1_table3']}. Tables 2/4: "
            f"{s['named_table2']}/{s['printed_table2']} and {s['named_table4']}/"
            f"{s['printed_table4']} printed names also named.")
