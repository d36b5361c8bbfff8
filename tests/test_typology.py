"""The typology: planted clusters are recovered and called real, structureless data are
called unstable, a single elongated cloud a continuum; silhouette and adjusted Rand index
against hand implementations; the missing-value rule; the real releases."""

import json
from math import comb

import numpy as np
import pandas as pd
import pytest

from csc_outcomes.analysis import clusters as cl
from csc_outcomes.analysis import typology as ty
from csc_outcomes.analysis.alike_typology import typology_features, typology_report
from csc_outcomes.analysis.transitions import authority_summary, histories
from csc_outcomes.analysis.trends import trajectories
from csc_outcomes.indicators import load_registry, values

REGISTRY = load_registry()


def planted(seed=1, n_per=36, noise_only=False, scales=None):
    """Synthetic authorities (the real data have no known types to recover): four types
    6 SD apart on their own axes, or (``noise_only``) one spherical cloud with no types,
    or one cloud stretched by ``scales``."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(4), n_per)
    centres = np.zeros((4, 8))
    centres[np.arange(4), np.arange(4)] = 6.0
    noise = rng.normal(size=(4 * n_per, 8)) * (scales if scales is not None else 1.0)
    X = noise if noise_only or scales is not None else centres[truth] + noise
    index = pd.Index([f"L{i:03d}" for i in range(4 * n_per)], name="la_code")
    return pd.DataFrame(X, index=index), truth


def hand_ari(a, b) -> float:
    """Hubert and Arabie's adjusted Rand index from the contingency table."""
    a, b = np.asarray(a), np.asarray(b)
    table = np.array([[np.sum((a == i) & (b == j)) for j in np.unique(b)] for i in np.unique(a)])
    index = sum(comb(int(x), 2) for x in table.ravel())
    rows = sum(comb(int(x), 2) for x in table.sum(axis=1))
    cols = sum(comb(int(x), 2) for x in table.sum(axis=0))
    expected = rows * cols / comb(len(a), 2)
    return (index - expected) / ((rows + cols) / 2 - expected)


def hand_silhouette(X, labels) -> float:
    X = np.asarray(X)
    d = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2))
    out = []
    for i, c in enumerate(labels):
        own = labels == c
        a = d[i, own].sum() / (own.sum() - 1)
        b = min(d[i, labels == o].mean() for o in set(labels) if o != c)
        out.append((b - a) / max(a, b))
    return float(np.mean(out))


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_planted_clusters_are_recovered_and_called_real(method):
    X, truth = planted()
    r = cl.typology(X, method, draws=30, null_draws=19)
    s = r["summary"].iloc[0]
    assert s.k == 4
    assert hand_ari(truth, r["labels"]) > 0.95
    assert s.ari_median > 0.95 and s.stable
    assert s.beyond_chance and s.null_p == pytest.approx(1 / 20)
    assert s.verdict == "real"
    assert (r["agreement"] > 0.9).mean() > 0.95


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_structureless_data_are_reported_unstable(method):
    X, _ = planted(seed=2, noise_only=True)
    s = cl.typology(X, method, draws=30, null_draws=19)["summary"].iloc[0]
    assert not s.stable and s.ari_median < 0.5
    assert s.verdict == "unstable"


def test_one_elongated_cloud_is_stable_but_only_a_continuum():
    X, _ = planted(seed=3, scales=np.array([4.0, 1, 1, 1, 1, 1, 1, 1]))
    s = cl.typology(X, "kmeans", k=2, draws=30, null_draws=19)["summary"].iloc[0]
    assert s.stable  # the cut across the long axis is reproducible...
    assert not s.beyond_chance and s.verdict == "continuum"  # ...but it is not a gap


def test_silhouette_and_ari_match_hand_implementations():
    X, truth = planted(seed=4, n_per=12)
    table = cl.criteria(X, "kmeans", range(2, 6))
    _, labels = cl.fit(X, "kmeans", 3)
    assert table.set_index("k").at[3, "silhouette"] == pytest.approx(
        hand_silhouette(X, labels))
    r = cl.typology(X, "kmeans", k=3, draws=5, null_draws=0)
    assert r["runs"]["ari"].between(-1, 1).all()
    from sklearn.metrics import adjusted_rand_score
    assert adjusted_rand_score(truth, labels) == pytest.approx(hand_ari(truth, labels))


def test_the_same_seed_gives_the_same_typology_and_labels_are_matched():
    X, _ = planted(seed=5)
    a = cl.typology(X, "kmeans", draws=10, null_draws=5, seed=7)
    b = cl.typology(X, "kmeans", draws=10, null_draws=5, seed=7)
    pd.testing.assert_frame_equal(a["summary"], b["summary"])
    assert (a["labels"] == b["labels"]).all()
    assert (cl.matched(np.array([1, 1, 2, 2]), np.array([5, 5, 9, 9])) == [1, 1, 2, 2]).all()
    assert list(a["labels"].value_counts().sort_index()) == sorted(
        a["labels"].value_counts(), reverse=True)  # type 1 is the largest


def test_a_tiny_mixture_component_cannot_choose_k():
    X, _ = planted(seed=6)
    X.iloc[:2] += 12.0  # two outlying authorities
    table = cl.criteria(X, "gmm", range(2, 7), min_size=5)
    by_bic = table[table.k >= 2].sort_values("bic").iloc[0]
    assert by_bic.smallest == 2 and not by_bic.eligible  # the BIC alone would pick it
    chosen = table[table.chosen].iloc[0]
    assert chosen.smallest >= 5 and chosen.eligible
    assert chosen.bic == table[table.eligible].bic.min()


def test_feature_matrix_states_its_missing_rule_and_never_fills():
    feats = pd.DataFrame({
        "la_code": list("ABCDE") * 3,
        "block": ["profile"] * 5 + ["profile"] * 5 + ["inspection"] * 5,
        "feature": ["f"] * 5 + ["g"] * 5 + ["h"] * 5,
        "indicator": ["f"] * 5 + ["g"] * 5 + [None] * 5,
        "value": [1, 2, 3, 4, np.nan, 1, np.nan, np.nan, 2, 3, 1, 2, 1, 2, 1.0],
        "n_years": 1})
    X, z, info, left = ty.feature_matrix(feats, list("ABCDE"), min_coverage=0.7)
    assert list(X.columns) == ["f", "h"]  # g held for 3/5 < 70%: dropped
    assert list(X.index) == ["A", "B", "C", "D"]  # E has no f: left out, not filled
    assert left.to_dict("records") == [
        {"what": "feature", "name": "g", "reason": "held for 60% of authorities, below 70%"},
        {"what": "authority", "name": "E", "reason": "no value for f"}]
    f = np.array([1, 2, 3, 4.0])
    assert np.allclose(z["f"], (f - f.mean()) / f.std(ddof=1))
    # one feature per block: each is scaled by sqrt(1 / 1)
    assert np.allclose(X, z) and info["scale"].tolist() == [1.0, 1.0]


@pytest.fixture(scope="module")
def real_features(store_path):
    return typology_features(store_path, ty.DEFAULT_INDICATORS, 2018, 2024, REGISTRY)


def test_profiles_and_trends_are_means_and_slopes_of_the_values(real_features, store_path):
    feats, auth, to_year = real_features
    assert to_year == 2024
    v = values(["csww-caseload"], list(range(2018, 2025)), store=store_path, variants=())
    one = v[(v.la_code == "E08000025") & (v.status == "value")].sort_values("period")
    got = feats[(feats.la_code == "E08000025")].set_index("feature")
    assert got.at["csww-caseload", "value"] == pytest.approx(one.value.mean())
    traj = trajectories(one, {"csww-caseload": REGISTRY.get("csww-caseload").unit})
    if traj.noise.eq("none").all():  # no counts: an ordinary least-squares slope
        slope = np.polyfit(one.period.astype(float), one.value, 1)[0]
        assert got.at["csww-caseload trend", "value"] == pytest.approx(slope)
    assert got.at["csww-caseload", "n_years"] == len(one)


def test_inspection_features_follow_the_authority_summary(real_features, store):
    feats, _, _ = real_features
    summary = authority_summary(histories(store.table("inspection"), store.table("la")))
    camden = summary.set_index("la_code").loc["E09000007"]
    got = feats[(feats.la_code == "E09000007") & (feats.block == "inspection")]
    got = got.set_index("feature").value
    score = {"Outstanding": 1, "Good": 2, "Requires improvement": 3, "Inadequate": 4}
    # features here count inspections to 31 March 2024; the summary counts them all
    if camden.latest_published <= pd.Timestamp(2024, 3, 31):
        assert got["latest Ofsted grade"] == score[camden.latest_grade]
    assert got["worst Ofsted grade"] >= 1


def test_real_typology_report(store_path):
    f = typology_report(store_path, to_year=2024, draws=10, null_draws=5)
    s = f.tables["summary"]
    assert list(s.method) == ["kmeans", "gmm"]
    assert set(s.verdict) <= {"real", "weak", "continuum", "unstable"}
    types = f.tables["types"]
    first = types[types.method == "kmeans"]
    assert first.type.value_counts().sum() == s.n_authorities.iloc[0]
    second = types[types.method == "gmm"].set_index("la_code").type
    assert s.ari_with_first.iloc[1] == pytest.approx(
        hand_ari(first.set_index("la_code").type, second.loc[first.la_code]))
    left = f.tables["left_out"]
    typed = set(first.la_code)
    assert not typed & set(left.loc[left.what == "authority", "name"])
    assert len(typed) + (left.what == "authority").sum() == 153  # every 2024 authority
    assert f.verdict[0].startswith("k-means: ")
    assert any(line.startswith("Type 1 (") for line in f.verdict)
    json.dumps(f.to_dict(), allow_nan=False)
