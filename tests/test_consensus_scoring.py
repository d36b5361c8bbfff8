"""Scoring a round: the consensus rule at its boundaries, groups, panellists with too few
answers, and strict JSON, on small synthetic panels worked by hand."""

import json

import pytest

from csc_outcomes.consensus import Item, Rule, Survey, read_round, score
from csc_outcomes.consensus.items import write_items


def _survey(tmp_path, ids):
    items = [Item(i, "outcome", i.title(), "d") for i in ids]
    write_items(Survey(items), tmp_path)
    return Survey(items)


def _panel(tmp_path, ids, rows, name="r.csv"):
    """rows: (panellist, group, [ratings per item as text])"""
    survey = _survey(tmp_path, ids)
    lines = ["panellist_id,group," + ",".join(ids)]
    lines += [f"{p},{g}," + ",".join(r) for p, g, r in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return read_round(path, survey)


def test_rule_boundaries_follow_comet():
    rule = Rule()
    assert rule.classify(0.70, 0.149) == "in"
    assert rule.classify(0.70, 0.15) == "no consensus"  # COMET: fewer than 15%
    assert Rule(oppose_inclusive=True).classify(0.70, 0.15) == "in"
    assert rule.classify(0.699, 0.0) == "no consensus"
    assert rule.classify(0.10, 0.80) == "out" and rule.classify(0.15, 0.80) == "no consensus"
    with pytest.raises(ValueError):
        Rule(scope="most-groups")


def test_shares_and_classification_of_twenty_panellists_by_hand(tmp_path):
    # item "x": 14 of 20 rate 7-9 (70%), 3 rate 1-3 (15%), 3 rate 5
    ratings = ["8"] * 14 + ["2"] * 3 + ["5"] * 3
    rows = [(f"P{k:02d}", "A" if k % 2 else "B", [r]) for k, r in enumerate(ratings)]
    rnd = _panel(tmp_path, ["x"], rows)
    overall = score(rnd, Rule(scope="overall")).items.iloc[0]
    assert (overall.n, overall.share_7_9, overall.share_1_3) == (20, 0.70, 0.15)
    assert overall["median"] == 8.0
    assert overall.classification == "no consensus"  # 15% is not fewer than 15%
    inclusive = score(rnd, Rule(scope="overall", oppose_inclusive=True)).items.iloc[0]
    assert inclusive.classification == "in"


def test_every_group_must_agree(tmp_path):
    # item "y": group A 5/5 rate 8; group B 3/5 rate 8 and 2 rate 5 -> overall 80%, B 60%
    rows = [(f"A{k}", "A", ["8"]) for k in range(5)]
    rows += [(f"B{k}", "B", ["8" if k < 3 else "5"]) for k in range(5)]
    rnd = _panel(tmp_path, ["y"], rows)
    assert score(rnd, Rule(scope="overall")).items.iloc[0].classification == "in"
    every = score(rnd)
    item = every.items.iloc[0]
    assert item.classification == "no consensus"
    assert item.reason == "groups differ (A: in, B: no consensus)"
    groups = every.groups.set_index("group")
    assert groups.share_7_9.to_dict() == {"A": 1.0, "B": 0.6}
    assert groups.n.to_dict() == {"A": 5, "B": 5}
    assert groups.classification.to_dict() == {"A": "in", "B": "no consensus"}
    assert item.kw_n == {"A": 5, "B": 5}


def test_consensus_out_in_every_group(tmp_path):
    rows = [(f"P{k}", "AB"[k % 2], ["1" if k < 8 else "4"]) for k in range(10)]
    item = score(_panel(tmp_path, ["z"], rows)).items.iloc[0]
    assert (item.share_1_3, item.share_7_9, item.classification) == (0.8, 0.0, "out")


def test_unable_to_score_is_counted_but_not_in_the_shares(tmp_path):
    rows = [("P1", "A", ["8"]), ("P2", "A", ["U"]), ("P3", "A", ["9"]), ("P4", "A", ["2"])]
    item = score(_panel(tmp_path, ["w"], rows)).items.iloc[0]
    assert (item.n, item.n_unable) == (3, 1)
    assert item.share_7_9 == pytest.approx(2 / 3) and item.share_1_3 == pytest.approx(1 / 3)


def test_a_group_with_no_ratings_blocks_consensus_and_says_so(tmp_path):
    rows = [("P1", "A", ["8", "8"]), ("P2", "A", ["9", "8"]), ("P3", "B", ["U", "8"])]
    scores = score(_panel(tmp_path, ["u", "v"], rows))
    first = scores.items.set_index("item_id").loc["u"]
    assert first.classification == "no consensus" and first.reason == "no rating from group(s) B"
    assert scores.items.set_index("item_id").loc["v"].classification == "in"


def test_panellists_with_too_few_answers_are_listed_not_dropped(tmp_path):
    ids = ["a", "b", "c", "d"]
    rows = [("P1", "A", ["8", "8", "8", "8"]), ("P2", "A", ["8", "", "", ""]),
            ("P3", "B", ["U", "U", "7", ""]), ("P4", "B", ["9", "9", "9", "9"])]
    scores = score(_panel(tmp_path, ids, rows))
    p = scores.panellists.set_index("panellist_id")
    assert p.included.to_dict() == {"P1": True, "P2": False, "P3": True, "P4": True}
    assert p.loc["P2", "reason"] == "answered 1 of 4 items (fewer than 50%); not scored"
    assert (p.loc["P3", "n_rated"], p.loc["P3", "n_unable"], p.loc["P3", "n_blank"]) == (1, 2, 1)
    assert scores.items.set_index("item_id").loc["a", "n"] == 2  # P2's 8 is not counted
    assert scores.as_dict()["panel"] == {"panellists": 4, "included": 3, "groups": {
        "A": {"panellists": 2, "included": 1}, "B": {"panellists": 2, "included": 2}}}
    assert score(_panel(tmp_path, ids, rows), min_answered=0.25).panellists.included.all()


def test_scores_are_strict_json(tmp_path):
    rows = [("P1", "A", ["8", "U"]), ("P2", "B", ["9", "U"])]
    data = score(_panel(tmp_path, ["s", "t"], rows)).as_dict()
    text = json.dumps(data, allow_nan=False)  # raises on NaN or infinity
    t = next(i for i in json.loads(text)["items"] if i["item_id"] == "t")
    assert t["n"] == 0 and t["median"] is None and t["kw_p"] is None
    assert data["rule"]["text"].startswith("in: at least 70% in every stakeholder group")
