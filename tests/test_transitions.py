"""Transition matrices against a hand-made inspection history (synthetic: the real
histories have no known answer), then on the real store."""

import pandas as pd
import pytest

from csc_outcomes.analysis import transitions as X

G, RI, INA, OUT = "Good", "Requires improvement", "Inadequate", "Outstanding"


def hand_made():
    """Synthetic history: A rises Inadequate -> RI -> Good; B is stuck and falls; P is
    reorganised into S (one predecessor, inherits); X and Y merge into M (no inheritance)."""
    rows = [("A", "SIF", "first", "2015-03-01", INA), ("A", "ILACS", "standard", "2019-05-01", RI),
            ("A", "ILACS", "standard", "2023-06-01", G),
            ("B", "SIF", "first", "2016-01-10", RI), ("B", "ILACS", "standard", "2019-01-10", RI),
            ("B", "ILACS", "short", "2022-07-10", INA),
            ("P", "SIF", "first", "2016-02-01", INA), ("P", "ILACS", "standard", "2019-09-01", INA),
            ("S", "ILACS", "standard", "2023-02-01", G),
            ("X", "SIF", "first", "2015-05-01", G), ("M", "ILACS", "standard", "2022-05-01", OUT),
            ("A", "ILACS", "monitoring visit", "2021-01-01", None)]
    f = pd.DataFrame(rows, columns=["la_code", "framework", "inspection_type", "published",
                                    "overall"])
    f["published"] = pd.to_datetime(f["published"])
    for j in X.JUDGEMENTS[1:]:
        f[j] = None
    register = pd.DataFrame({"la_code": ["S", "M"], "valid_from": pd.to_datetime(
        ["2021-04-01", "2019-04-01"]), "predecessors": [["P"], ["X", "Y"]]})
    return f, register


def test_matrix_matches_hand_counts():
    f, register = hand_made()
    h = X.histories(f, register)
    pairs = X.transitions(h)
    expected = {("A", INA, RI), ("A", RI, G), ("B", RI, RI), ("B", RI, INA), ("P", INA, INA),
                ("S", INA, G)}
    assert set(zip(pairs.la_code, pairs.from_grade, pairs.to_grade)) == expected
    m = X.matrix(pairs)
    assert m["count"].sum() == 6 and len(m) == 2 * 16  # SIF→ILACS and ILACS→ILACS grids
    cell = m[(m.kind == "ILACS→ILACS") & (m.from_grade == INA) & (m.to_grade == G)].iloc[0]
    assert cell["count"] == 1 and cell["authorities"] == "S"
    hand = pd.crosstab(pairs.kind, [pairs.from_grade, pairs.to_grade]).stack([0, 1])
    got = m.set_index(["kind", "from_grade", "to_grade"])["count"]
    assert (got.reindex(hand.index) == hand).all()
    # the predecessor's own pair is counted once, under P; S has only the bridging pair
    assert pairs.loc[pairs.la_code == "S", "across_reorganisation"].tolist() == [True]
    assert "M" not in set(pairs.la_code)  # several predecessors: no inherited history


def test_improvers_stuck_and_fell():
    f, register = hand_made()
    s = X.authority_summary(X.histories(f, register)).set_index("la_code")
    assert s.loc["A", "improver"] and not s.loc["A", "stuck"] and not s.loc["A", "fell"]
    assert s.loc["B", "stuck"] and s.loc["B", "fell"] and not s.loc["B", "improver"]
    assert s.loc["S", "improver"] and s.loc["S", "n_inspections"] == 3
    assert not s.loc["M", "stuck"]  # one inspection is not "every inspection"
    assert X.histories(f, register, follow_reorganisations=False).query("la_code == 'S'").shape[0] == 1


def test_months_between_inspections():
    f, register = hand_made()
    pairs = X.transitions(X.histories(f, register))
    a = pairs[(pairs.la_code == "A") & (pairs.kind == "SIF→ILACS")].iloc[0]
    assert a.months == pytest.approx((pd.Timestamp("2019-05-01") - pd.Timestamp("2015-03-01")).days
                                     / (365.25 / 12))
    iv = X.intervals(pairs)
    assert iv["n"].sum() == len(pairs)


def test_real_store_transitions(store):
    ins, register = store.table("inspection"), store.table("la")
    h = X.histories(ins, register)
    pairs = X.transitions(h)
    assert set(pairs.kind) <= {"SIF→SIF", "SIF→ILACS", "ILACS→ILACS"}
    assert X.matrix(pairs)["count"].sum() == len(pairs)
    latest = X.first_to_latest(h)
    assert latest.la_code.is_unique and len(latest) >= 140
    # North Northamptonshire carries Northamptonshire's SIF and 2019 ILACS
    nn = h[h.la_code == "E06000061"]
    assert set(nn[nn.inherited].source_la_code) == {"E10000021"}
    early = X.early_pairs(ins)
    assert {"CPI→SIF", "SLAC→SIF", "TLAC→SIF"} <= set(early.kind)
    for sub in ("help_and_protection", "children_in_care", "leadership"):
        assert len(X.transitions(X.histories(ins, register, judgement=sub))) > 100
