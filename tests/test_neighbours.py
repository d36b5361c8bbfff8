"""Statistical neighbours: distances against a hand calculation and scipy, symmetry, no
authority its own neighbour, reorganised authorities in their own years only, DfE's
published groupings as loaded, the comparison with them."""

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from csc_outcomes.analysis import neighbours as nb
from csc_outcomes.analysis.alike import (
    context_for,
    default_year,
    find_authority,
    neighbours_report,
)
from csc_outcomes.indicators import load_registry

REGISTRY = load_registry()


def hand_context():
    """A hand-made case (synthetic: the real data have no case small enough to check by
    hand). Four authorities, two numbers and a category."""
    return pd.DataFrame({"x": [0.0, 1.0, 3.0, 4.0], "y": [10.0, 10.0, 20.0, 40.0],
                         "kind": ["a", "a", "b", "a"]},
                        index=pd.Index(["A", "B", "C", "D"], name="la_code"))


def test_distances_match_a_hand_calculation():
    ctx = hand_context()
    w = {"x": 1.0, "y": 1.0, "kind": 2.0}
    d = nb.distance_matrix(ctx, w, {})
    # by hand: sd(x) = sqrt(((0-2)^2 + (1-2)^2 + 1^2 + 2^2) / 3) = sqrt(10/3);
    # sd(y) = sqrt((100 + 100 + 0 + 400) / 3) = sqrt(200) (mean 20)
    sx, sy = np.sqrt(10 / 3), np.sqrt(200)
    ab = np.sqrt((1 * (1 / sx) ** 2 + 0 + 2 * 0) / 4)
    ac = np.sqrt(((3 / sx) ** 2 + (10 / sy) ** 2 + 2 * 1) / 4)
    cd = np.sqrt(((1 / sx) ** 2 + (20 / sy) ** 2 + 2 * 1) / 4)
    assert d.at["A", "B"] == pytest.approx(ab)
    assert d.at["A", "C"] == pytest.approx(ac)
    assert d.at["C", "D"] == pytest.approx(cd)
    near = nb.neighbours(d, k=2)
    # A: B (sqrt(0.3 / 4) = 0.27), then C (sqrt((2.7 + 0.5 + 2) / 4) = 1.14); D is
    # further (sqrt((4.8 + 4.5 + 0) / 4) = 1.52) although of A's kind
    assert d.at["A", "D"] == pytest.approx(np.sqrt(((4 / sx) ** 2 + (30 / sy) ** 2) / 4))
    assert [round(v, 2) for v in (ab, ac, d.at["A", "D"])] == [0.27, 1.14, 1.52]
    assert near[near.la_code == "A"].neighbour_code.tolist() == ["B", "C"]
    assert near[near.la_code == "A"].distance.tolist() == pytest.approx([ab, ac])
    # with the kind weighted up, D (same kind) overtakes C
    heavy = nb.neighbours(nb.distance_matrix(ctx, {**w, "kind": 20.0}, {}), k=2)
    assert heavy[heavy.la_code == "A"].neighbour_code.tolist() == ["B", "D"]


def test_a_missing_value_uses_the_other_variables_and_min_shared():
    ctx = hand_context()
    ctx.loc["D", "x"] = np.nan
    w = {"x": 1.0, "y": 1.0, "kind": 2.0}
    d = nb.distance_matrix(ctx, w, {})
    sy = ctx["y"].std()
    # D against A: only y and kind are shared (weight 3 of 4)
    assert d.at["A", "D"] == pytest.approx(np.sqrt((30 / sy) ** 2 / 3))
    strict = nb.distance_matrix(ctx, w, {}, min_shared=0.8)
    assert np.isnan(strict.at["A", "D"]) and not np.isnan(strict.at["A", "B"])
    assert "D" not in nb.neighbours(strict, 3).query("la_code == 'A'").neighbour_code.tolist()


def test_zero_weight_is_the_same_as_leaving_the_variable_out():
    ctx = hand_context()
    a = nb.distance_matrix(ctx, {"x": 1.0, "y": 0.0, "kind": 1.0}, {})
    b = nb.distance_matrix(ctx, {"x": 1.0, "kind": 1.0}, {})
    pd.testing.assert_frame_equal(a, b)


def test_bad_weights_and_variables_are_refused():
    ctx = hand_context()
    with pytest.raises(ValueError, match="no column"):
        nb.distance_matrix(ctx, {"z": 1.0}, {})
    with pytest.raises(ValueError, match="not all zero"):
        nb.distance_matrix(ctx, {"x": 0.0}, {})
    with pytest.raises(ValueError, match="transform"):
        nb.distance_matrix(ctx, {"x": 1.0}, {"x": "sqrt"})


@pytest.fixture(scope="module")
def real(store_path):
    year = default_year(store_path, ["child-population", "imd-average-score",
                                     "pupils-fsm-primary", "pupils-eal-primary"], REGISTRY)
    ctx = context_for(store_path, year, nb.DEFAULT_WEIGHTS, REGISTRY)
    return year, ctx, nb.distance_matrix(ctx)


def test_real_distances_are_symmetric_and_no_authority_is_its_own_neighbour(real):
    year, ctx, d = real
    assert len(ctx) >= 150
    assert np.allclose(d.to_numpy(), d.to_numpy().T, equal_nan=True)
    assert (np.diag(d.to_numpy()) == 0).all()
    near = nb.neighbours(d, 10)
    assert (near.la_code != near.neighbour_code).all()
    assert near.groupby("la_code").size().eq(10).all()
    assert near.groupby("la_code").distance.apply(lambda s: s.is_monotonic_increasing).all()
    # every listed distance is the matrix's, and nobody outside the list is nearer
    for la, rows in near.groupby("la_code"):
        row = d.loc[la].drop(la)
        assert rows.distance.tolist() == pytest.approx(row.loc[rows.neighbour_code].tolist())
        assert row.drop(rows.neighbour_code).min() >= rows.distance.max() - 1e-12


def test_real_distances_match_scipy_weighted_euclidean(real):
    """Independent implementation: scipy's weighted Euclidean distance on z-scores, with
    each category one-hot and half its weight on each column (a mismatch differs in two)."""
    _, ctx, d = real
    complete = ctx.dropna()
    w = nb.DEFAULT_WEIGHTS
    z = nb.standardised(ctx)  # standardised over every authority, as the distance is
    cols, weights = [], []
    for v in ["child-population", "imd-average-score", "pupils-fsm-primary",
              "pupils-eal-primary"]:
        cols.append(z.loc[complete.index, v].to_numpy())
        weights.append(w[v])
    for v in ["authority_type", "region"]:
        dummies = pd.get_dummies(complete[v]).astype(float)
        cols += [dummies[c].to_numpy() for c in dummies]
        weights += [w[v] / 2] * dummies.shape[1]
    X = np.column_stack(cols)
    ref = cdist(X, X, "euclidean", w=np.array(weights)) / np.sqrt(sum(w.values()))
    assert np.allclose(d.loc[complete.index, complete.index].to_numpy(), ref)


def test_log_transform_of_the_child_population(real):
    _, ctx, _ = real
    z = nb.standardised(ctx)
    x = np.log(ctx["child-population"])
    assert np.allclose(z["child-population"], (x - x.mean()) / x.std(ddof=1))


def test_reorganised_authorities_have_neighbours_in_their_own_years_only(store_path):
    w = {"child-population": 1.0, "authority_type": 1.0, "region": 0.5}
    before = nb.neighbours(nb.distance_matrix(context_for(store_path, 2020, w, REGISTRY), w))
    after = nb.neighbours(nb.distance_matrix(context_for(store_path, 2022, w, REGISTRY), w))
    north, west, county = "E06000061", "E06000062", "E10000021"  # Northamptonshire 2021
    assert county in set(before.la_code) and county not in set(after.la_code)
    assert {north, west} <= set(after.la_code)
    assert not {north, west} & (set(before.la_code) | set(before.neighbour_code))
    assert county not in set(after.neighbour_code)
    bcp = "E06000058"  # Bournemouth, Christchurch and Poole from 1 April 2019
    in_2019 = context_for(store_path, 2019, w, REGISTRY)
    assert bcp not in in_2019.index and "E06000028" in in_2019.index
    assert bcp in context_for(store_path, 2020, w, REGISTRY).index


#: DfE's ten, typed from the CSV by hand (LA num -> ONS code via the register's names)
CAMDEN = ["E09000033", "E09000013", "E09000020", "E09000019", "E09000032", "E08000003",
          "E09000011", "E06000038", "E09000014", "E09000003"]
GLOUCESTERSHIRE = ["E06000054", "E06000022", "E10000032", "E10000003", "E10000008",
                   "E06000059", "E06000051", "E10000014", "E06000025", "E10000034"]


def test_published_groupings_load_with_the_right_members(store):
    pub = nb.published_groupings(store.table("stat_neighbour"), store.table("la"))
    assert set(pub.grouping) == {"April 2021"} and set(pub.reporting_year) == {2022}
    camden = pub[pub.la_code == "E09000007"].sort_values("rank")
    assert camden.neighbour_code.tolist() == CAMDEN
    assert camden.closeness.tolist()[:5] == ["Very Close", "Close", "Close", "Close",
                                             "Somewhat close"]
    glos = pub[pub.la_code == "E10000013"].sort_values("rank")
    assert glos.neighbour_code.tolist() == GLOUCESTERSHIRE
    assert glos.closeness.tolist()[:3] == ["Extremely Close"] * 3
    # the block of authorities abolished before April 2021 is kept, marked not current
    old = set(pub.loc[~pub.current, "la_code"])
    assert old == {"E10000009", "E06000028", "E06000029", "E10000021"}
    assert pub[pub.current].la_code.nunique() == 152


def test_grouping_date_from_the_file_name():
    assert nb.grouping_date("x/Groupings_March_2019.csv")[1].isoformat() == "2019-03-01"
    assert nb.grouping_date("x/groupings.csv") == ("groupings.csv", None)


def test_overlap_by_hand():
    ours = pd.DataFrame({"la_code": ["A"] * 3 + ["B"] * 3, "neighbour_code":
                         ["B", "C", "D", "A", "C", "D"]})
    pub = pd.DataFrame({"la_code": ["A"] * 3 + ["E"] * 3, "neighbour_code":
                        ["C", "D", "E", "A", "B", "C"]})
    got = nb.overlap(ours, pub)
    assert got.to_dict("records") == [{"la_code": "A", "n_published": 3, "n_ours": 3,
                                       "overlap": 2, "published_only": "E",
                                       "ours_only": "B"}]


def test_drivers_leave_one_out_is_a_recomputation(real, store):
    _, ctx, d = real
    pub = nb.published_groupings(store.table("stat_neighbour"), store.table("la"))
    pub = pub[pub.current]
    ours = nb.neighbours(d, 10)
    dr = nb.drivers(ctx, ours, pub).set_index("variable")
    w = {k: v for k, v in nb.DEFAULT_WEIGHTS.items() if k != "region"}
    again = nb.overlap(nb.neighbours(nb.distance_matrix(ctx, w), 10), pub).overlap.mean()
    assert dr.at["region", "mean_overlap_without"] == pytest.approx(again)
    assert dr.at["region", "mean_overlap"] == pytest.approx(nb.overlap(ours, pub).overlap.mean())
    assert (dr.gap_published_only.notna()).all()


def test_find_authority_by_code_number_or_name(store):
    reg = store.table("la")
    assert find_authority(reg, "camden") == "E09000007"
    assert find_authority(reg, "202") == "E09000007"
    assert find_authority(reg, "e09000007") == "E09000007"
    with pytest.raises(ValueError, match="Did you mean Camden"):
        find_authority(reg, "Camdon")


def test_report_agreement_with_dfe(store_path):
    f = neighbours_report(store_path, "Camden", year=2022)
    ov = f.tables["overlap"]
    assert len(ov) == 152 and ov.overlap.between(0, 10).all()
    lists = f.tables["neighbours"]
    ours = lists[lists.source == "csc-outcomes"]
    dfe = lists[lists.source == "DfE April 2021"]
    assert ours.la_code.eq("E09000007").all() and len(ours) == len(dfe) == 10
    assert dfe.neighbour_code.tolist() == CAMDEN
    camden = ov.set_index("la_code").loc["E09000007"]
    assert camden.overlap == len(set(ours.neighbour_code) & set(CAMDEN))
    assert camden.overlap == ours.in_other.sum() == dfe.in_other.sum()
    # our rank of a DfE neighbour is its place in our full ordering
    assert (dfe.our_rank[dfe.in_other] <= 10).all() and (dfe.our_rank[~dfe.in_other] > 10).all()
    assert f.verdict[0].startswith("Camden's 10 nearest")
    pub = f.tables["published"]
    assert pub.la_code.eq("E09000007").all() and pub.neighbour_code.tolist() == CAMDEN
    assert pub.neighbour_name.iloc[0] == "Westminster" and pub.grouping.eq("April 2021").all()
    assert f"median of {ov.overlap.median():g}" in " ".join(f.verdict)
