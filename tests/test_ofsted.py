"""analyse ofsted: the look-ahead pairing on hand-made dates, the ordinal model and its
clustered standard errors against a direct maximum-likelihood fit written here with scipy,
Holm and Benjamini-Hochberg against hand implementations, and the real releases."""

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from csc_outcomes.analysis.ofsted import (
    LogitOrderedModel,
    adjust_pvalues,
    data_year,
    ordinal_fit,
    pair,
    select_judgements,
)
from csc_outcomes.analysis.ratings import CODINGS
from csc_outcomes.analysis.tell import existing_values, ofsted_report
from csc_outcomes.data.store import Store
from csc_outcomes.indicators import load_registry


@pytest.mark.parametrize("kind,published,pairing,expected", [
    ("year-to-31-march", date(2015, 3, 31), "before", 2014),  # the year ends that day
    ("year-to-31-march", date(2015, 4, 1), "before", 2015),
    ("year-to-31-march", date(2016, 2, 19), "before", 2015),
    ("30-september", date(2015, 9, 30), "before", 2014),
    ("30-september", date(2015, 10, 1), "before", 2015),
    ("snapshot", date(2020, 7, 1), "before", 2020),
    ("academic-year", date(2019, 8, 31), "before", 2018),
    ("year-to-31-march", date(2015, 3, 31), "same-year", 2015),
    ("year-to-31-march", date(2015, 4, 1), "same-year", 2016),
    ("30-september", date(2015, 6, 22), "same-year", 2015),
])
def test_data_year_pairing_on_hand_made_dates(kind, published, pairing, expected):
    assert data_year(kind, published, pairing) == expected


def test_pair_takes_the_paired_year_and_carries_context_back():
    judged = pd.DataFrame({"la_code": ["A", "A", "B"], "framework": ["SIF", "ILACS", "SIF"],
                           "inspection_type": ["first", "standard", "first"],
                           "published": [date(2015, 6, 1), date(2019, 1, 10), date(2015, 3, 1)],
                           "overall": ["Good", "Outstanding", "Inadequate"]})
    vals = pd.DataFrame({
        "la_code": ["A", "A", "A", "B", "B", "A", "B"],
        "period": [2014, 2015, 2018, 2014, 2015, 2016, 2013],
        "indicator": ["x", "x", "x", "x", "x", "ctx", "ctx"],
        "value": [1.0, 2.0, 3.0, 4.0, 5.0, 9.0, 8.0], "status": "value"})
    got = pair(judged, vals, {"x": "year-to-31-march", "ctx": "year-to-31-march"},
               carry_back=("ctx",))
    x = got[got.indicator == "x"].set_index("inspection")
    assert list(x.data_year) == [2015, 2018, 2014] and list(x.value) == [2.0, 3.0, 4.0]
    ctx = got[got.indicator == "ctx"].set_index("inspection")
    # context takes its latest value at or before the paired year; none before 2016 for A
    assert np.isnan(ctx.loc[0, "value"]) and ctx.loc[1, "value"] == 9.0
    assert ctx.loc[2, "value"] == 8.0
    same = pair(judged, vals, {"x": "year-to-31-march"}, pairing="same-year")
    # A 2015-06 -> 2016 and A 2019-01 -> 2019 (not held); B 2015-03 -> 2015
    assert list(same.value.fillna(-1)) == [-1.0, -1.0, 5.0]


def _loglik_obs(params, y, x, k):
    """Cumulative logit, thresholds as statsmodels parameterises them: the first, then the
    logs of the increments."""
    beta, raw = params[: x.shape[1]], params[x.shape[1]:]
    cuts = np.concatenate([[-np.inf], np.cumsum([raw[0], *np.exp(raw[1:])]), [np.inf]])
    eta = x @ beta
    upper = stats.logistic.cdf(cuts[y + 1] - eta)
    lower = stats.logistic.cdf(cuts[y] - eta)
    return np.log(np.clip(upper - lower, 1e-300, None))


@pytest.fixture(scope="module")
def agency_pairs(store_path):
    registry = load_registry()
    vals = existing_values(["csww-agency-rate"], None, store_path, registry)
    with Store(store_path, read_only=True) as store:
        chosen = select_judgements(store.judgements())
    paired = pair(chosen, vals, {"csww-agency-rate": "30-september"}).dropna(subset=["value"])
    y = paired.overall.map(CODINGS["outstanding-1"]).to_numpy() - 1  # 0..3
    x = pd.DataFrame({"agency": (paired.value - paired.value.mean()) / paired.value.std(),
                      "ilacs": (paired.framework == "ILACS").astype(float)})
    return y, x, paired.la_code.to_numpy()


def test_ordinal_model_matches_a_direct_maximum_likelihood_fit(agency_pairs):
    y, x, groups = agency_pairs
    assert len(y) > 300
    k = 4
    neg = lambda p: -_loglik_obs(p, y, x.to_numpy(), k).sum()  # noqa: E731
    start = np.array([0.0, 0.0, -1.0, 0.0, 0.0])
    own = optimize.minimize(neg, start, method="BFGS", options={"gtol": 1e-8})
    got = ordinal_fit(y + 1, x, groups)
    assert got["converged"]
    assert got["coef"] == pytest.approx(own.x[0], abs=1e-4)


def test_the_fast_logit_model_gives_statsmodels_own_fit(agency_pairs):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    y, x, groups = agency_pairs
    fast, own = ordinal_fit(y + 1, x, groups), ordinal_fit(y + 1, x, groups, OrderedModel)
    assert own["converged"] and fast["converged"]
    for key in ("coef", "se", "p", "ci_low", "ci_high"):
        assert fast[key] == pytest.approx(own[key], rel=1e-9, abs=1e-12), key
    z = np.array([-800.0, -30.0, -1.5, 0.0, 2.0, 40.0, 800.0])
    assert np.allclose(LogitOrderedModel.pdf(None, z), stats.logistic.pdf(z), rtol=1e-12,
                       atol=0)
    assert np.allclose(LogitOrderedModel.cdf(None, z), stats.logistic.cdf(z), rtol=1e-12,
                       atol=0)


def test_clustered_standard_errors_match_a_sandwich_by_hand(agency_pairs):
    y, x, groups = agency_pairs
    xa, k = x.to_numpy(), 4
    own = optimize.minimize(lambda p: -_loglik_obs(p, y, xa, k).sum(),
                            np.array([0.0, 0.0, -1.0, 0.0, 0.0]), method="BFGS",
                            options={"gtol": 1e-9}).x
    h = 1e-5
    scores = np.column_stack([
        (_loglik_obs(own + h * e, y, xa, k) - _loglik_obs(own - h * e, y, xa, k)) / (2 * h)
        for e in np.eye(len(own))])
    hess = np.column_stack([
        ((_score_sum(own + h * e, y, xa, k) - _score_sum(own - h * e, y, xa, k)) / (2 * h))
        for e in np.eye(len(own))])
    bread = np.linalg.inv(-hess)
    codes = pd.factorize(groups)[0]
    cluster_scores = np.array([scores[codes == g].sum(axis=0) for g in np.unique(codes)])
    meat = cluster_scores.T @ cluster_scores
    n, g, p = len(y), len(np.unique(codes)), len(own)
    cov = bread @ meat @ bread * g / (g - 1) * (n - 1) / (n - p)
    got = ordinal_fit(y + 1, x, groups)
    assert got["se"] == pytest.approx(np.sqrt(cov[0, 0]), rel=2e-3)
    naive = np.sqrt(bread[0, 0])
    assert got["se"] != pytest.approx(naive, rel=1e-2)  # clustering matters here


def _score_sum(params, y, x, k):
    h = 1e-5
    return np.array([(_loglik_obs(params + h * e, y, x, k).sum()
                      - _loglik_obs(params - h * e, y, x, k).sum()) / (2 * h)
                     for e in np.eye(len(params))])


def test_holm_and_bh_match_hand_implementations():
    p = pd.Series([0.01, 0.04, 0.03, np.nan, 0.20, 0.005], index=list("abcdef"))
    got = adjust_pvalues(p)
    ok = p.dropna().sort_values()
    m = len(ok)
    holm = np.maximum.accumulate([min(1, (m - i) * v) for i, v in enumerate(ok)])
    bh = np.minimum.accumulate([min(1, v * m / (i + 1)) for i, v in
                                reversed(list(enumerate(ok)))])[::-1]
    assert np.allclose(got.loc[ok.index, "p_holm"], holm)
    assert np.allclose(got.loc[ok.index, "p_bh"], bh)
    assert np.allclose(got.loc[ok.index, "p_bh"], stats.false_discovery_control(ok.to_numpy()))
    assert np.isnan(got.loc["d", "p_holm"])


@pytest.fixture(scope="module")
def pooled(store_path):
    return ofsted_report(store=store_path)


def test_pooled_rows_have_the_contract_fields_and_their_n(pooled):
    table = pooled.tables["associations"]
    rows = json.loads(json.dumps(pooled.to_dict(), allow_nan=False))["tables"]["associations"]
    for field in ("indicator", "n", "spearman_rho", "spearman_p", "odds_ratio", "p", "p_holm",
                  "p_bh", "adjusted"):
        assert all(field in r for r in rows)
    fam = table[table.role == "indicator"]
    assert len(fam) == 28 and (fam.n >= 200).all()
    assert (fam.p_holm >= fam.p - 1e-12).all() and (fam.p_bh >= fam.p - 1e-12).all()
    adjusted = fam[fam.adjusted]
    assert (adjusted.covariates == "imd-average-score, child-population").all()
    assert set(table[table.role == "context"].indicator) == {"imd-average-score",
                                                             "child-population"}
    assert pooled.verdict[0].split()[0] in {"No", *map(str, range(1, 15))}
    assert set(pooled.tables["inspections"].framework) == {"SIF", "ILACS"}


def test_same_year_pairing_and_first_sif_selection(store_path, store):
    chosen = select_judgements(store.judgements(), "first-sif")
    assert chosen.la_code.is_unique and (chosen.framework == "SIF").all()
    found = ofsted_report(["csww-agency-rate"], selection="first-sif", pairing="same-year",
                          context=(), store=store_path)
    row = found.tables["associations"].iloc[0]
    assert row.n > 100 and not row.adjusted
    assert "look-ahead" in found.verdict[-1]


def test_too_few_inspections_says_so(store_path):
    found = ofsted_report(["cla-return-home-planned"], years=[2015], min_n=60, context=(),
                          store=store_path)
    row = found.tables["associations"].iloc[0]
    assert np.isnan(row.odds_ratio) and row.reason.startswith("too few inspections")
