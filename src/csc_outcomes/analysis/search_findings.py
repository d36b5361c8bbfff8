"""What the forensic search's ranked candidates imply, in plain words with the evidence.

Each function reads the ranked frames of ``search.search`` and returns one finding
({"finding", "evidence"}); ``conclude`` returns them all, in the order the search settles them.
"""

from __future__ import annotations

import numpy as np

from .compare import EXACT_R
from .ratings import CODINGS
from .regression import batch_regression

DATA_CHOICES = ["source", "workforce_basis", "suppressed"]


def conclude(samples, changes, phase1, judged, printed, x, in_sample, first) -> list[dict]:
    """Every finding: the sample, each data choice, the rating change, what is left, phase one."""
    out = [_sample(samples, changes, len(printed))]
    out += [_data_choice(changes, col, len(printed)) for col in DATA_CHOICES]
    out += _rating(changes, judged, printed, x, in_sample, first)
    out.append(_phase1(phase1))
    return out


def _same(frame, row, cols):
    return frame[(frame[cols] == row[cols]).all(axis=1)]


def describe_change(row) -> str:
    """What a single-authority change implies, in words."""
    if row.change == "none":
        return "Ofsted's ratings as recorded"
    if row.change == "recode":
        return f"{row.la_name}'s rating differs from Ofsted's record: {row.grade} (Ofsted: " \
               f"{row.official_grade})"
    if row.change == "drop":
        return f"{row.la_name} left out of the sample though its first SIF was published by then"
    return f"{row.la_name} in the sample though its first SIF was published {row.published}"


def _sample(samples, changes, n_rows) -> dict:
    ranked = _same(samples, changes.iloc[0], DATA_CHOICES)  # under the best data choice
    top = ranked.iloc[0]
    nxt = ranked[ranked.n_rated != top.n_rated].iloc[0]
    return {
        "finding": f"The sample is the {top.n_rated} authorities whose first SIF was published "
                   f"on or before {top.cutoff_from:%d %B %Y} (any cut-off from then to "
                   f"{top.cutoff_to:%d %B %Y} gives the same sample).",
        "evidence": f"With Ofsted's ratings and {top.source}/{top.workforce_basis}/"
                    f"{top.suppressed} data, n equals the printed row's implied n on "
                    f"{top.rows_n_match}/{n_rows} rows and {top.rows_exact}/{n_rows} rows are "
                    f"reproduced to 1e-6; the best other sample ({nxt.n_rated} authorities, "
                    f"cut-off {nxt.cutoff_from:%d %b %Y}) matches n on {nxt.rows_n_match}/"
                    f"{n_rows} and reproduces {nxt.rows_exact}."}


def _data_choice(changes, col, n_rows) -> dict:
    best = changes.iloc[0]
    official = changes[changes.change == "none"]
    keep = [c for c in DATA_CHOICES if c != col]
    same_change = _same(changes, best, ["change", "la_code", "grade", *keep])
    alt = same_change[same_change[col] != best[col]].iloc[0]
    here, there = (_same(official, r, DATA_CHOICES).iloc[0] for r in (best, alt))
    return {
        "finding": f"{col.replace('_', ' ').capitalize()}: {best[col]}.",
        "evidence": f"{best[col]} reproduces {best.rows_exact}/{n_rows} rows (n = implied n on "
                    f"{best.rows_n_match}) with the best single change and {here.rows_exact} "
                    f"(n on {here.rows_n_match}) with Ofsted's ratings; {alt[col]} reproduces "
                    f"{alt.rows_exact} (n on {alt.rows_n_match}) and {there.rows_exact} (n on "
                    f"{there.rows_n_match})."}


def _rating(changes, judged, printed, x, in_sample, first) -> list[dict]:
    n_rows = len(printed)
    best = changes.iloc[0]
    base = _same(changes[changes.change == "none"], best, DATA_CHOICES).iloc[0]
    if best.change == "none" or best.rows_exact <= base.rows_exact:
        return []
    runner = changes[(changes.la_code != best.la_code) | (changes.grade != best.grade)].iloc[0]
    other = judged[(judged.la_code == best.la_code)].sort_values("published")
    history = "; ".join(f"{r.framework} ({r.inspection_type}) published {r.published}: "
                        f"{r.overall}" for r in other.itertuples())
    kind = ("the study's Table A2a is reproduced only with this rating"
            if best.change == "recode" else
            "the study's sample differs from the cut-off rule by this authority")
    out = [{
        "finding": f"{describe_change(best)}; {kind}.",
        "evidence": f"{best.rows_exact}/{n_rows} printed rows reproduced to 1e-6 (sum |dR| "
                    f"{best.sum_abs_dr:.4f}), against {base.rows_exact} with Ofsted's ratings "
                    f"(sum {base.sum_abs_dr:.4f}); the next-best other change "
                    f"({runner.change} {runner.la_name}: {runner.grade or ''}) reproduces "
                    f"{runner.rows_exact}. Ofsted's "
                    f"judgements of {best.la_name}: {history}."}]
    unresolved = _unresolved(x, in_sample, best, printed, first)
    if unresolved:
        out.append({"finding": "Not reproduced even then: " + ", ".join(
            f"{ind} (|dR| {d:.4f})" for ind, d in unresolved) + ".",
            "evidence": "No searched choice or single change reproduces these rows' printed R; "
                        "their n is the implied n."})
    return out


def _phase1(phase1) -> dict:
    p1 = phase1.iloc[0]
    key = ["l1_table1", "l1_table3", "named_table2", "named_table4"]
    tied = _same(phase1, p1, key)
    worse = phase1[~phase1.index.isin(tied.index)].iloc[0]

    def rule(r):
        return f"{r.ties}/{r.k_rule}/{r.base}/{r.method}/{r.contested}/{r.source}/{r.suppressed}"

    return {
        "finding": f"Phase one: ties {p1.ties}, k {p1.k_rule} of the {p1.base}, by {p1.method}, "
                   f"contested indicators as the {p1.contested}, {p1.source} data with "
                   f"suppressed parts as {p1.suppressed}.",
        "evidence": f"Tables 1 and 3 at L1 distance {p1.l1_table1} and {p1.l1_table3}; "
                    f"{p1.named_table2}/6 and {p1.named_table4}/6 printed names also named. "
                    f"Rules giving the same tables (ties/k/base/method/contested/source/"
                    f"suppressed): {', '.join(sorted({rule(r) for r in tied.itertuples()}))}. "
                    f"The next-best ({rule(worse)}) is at L1 {worse.l1_table1} and "
                    f"{worse.l1_table3}."}


def _unresolved(x, in_sample, best, printed, first) -> list[tuple[str, float]]:
    grades = in_sample.grade.copy()
    if best.change == "recode":
        grades[best.la_code] = best.grade
    elif best.change == "drop":
        grades = grades.drop(best.la_code)
    else:
        grades[best.la_code] = first.loc[best.la_code, "grade"]
    y = grades.reindex(x.index).map(CODINGS["outstanding-1"]).to_numpy(float)[None, :]
    stats = batch_regression(x[printed.indicator].to_numpy(float),
                             (~np.isnan(y)).astype(float), y)
    d = np.abs(stats["multiple_r"][0] - printed.multiple_r.to_numpy(float))
    return [(ind, float(v)) for ind, v in zip(printed.indicator, d) if not v < EXACT_R]
