"""Spending: deflation against a hand calculation, the deflator file, alignment across
reorganisations against hand sums of the real values."""

import pandas as pd
import pytest

from csc_outcomes.analysis import spending as S
from csc_outcomes.errors import AnalysisError
from csc_outcomes.indicators import values


def test_deflate_by_hand():
    deflator = pd.DataFrame({"year": [2014, 2020, 2025], "index": [80.0, 90.0, 100.0]})
    cash = pd.DataFrame({"period": [2014, 2020, 2025, 2019], "spend": [1000.0, 900, 500, 7]})
    real = S.deflate(cash, deflator, columns=["spend"])
    assert real.spend_real.tolist()[:3] == pytest.approx([1250.0, 1000.0, 500.0])
    assert pd.isna(real.spend_real.iloc[3])  # no index for 2019
    assert S.deflate(cash, deflator, columns=["spend"], base_year=2014).spend_real.iloc[2] == 400
    with pytest.raises(AnalysisError):
        S.deflate(cash, deflator, columns=["spend"], base_year=2030)


def test_reads_hm_treasury_csv_layout(tmp_path):
    # synthetic figures in HM Treasury's published CSV layout
    f = tmp_path / "GDP_Deflators_test.csv"
    f.write_text("GDP DEFLATORS AT MARKET PRICES, AND MONEY GDP,,,\n"
                 ",GDP deflator at market prices,,Money GDP\n"
                 "Financial year,2016-17 = 100,per cent change on previous year,Cash\n"
                 "2015-16,98.5,0.8,\"1,900,000\"\n2016-17,100.0,1.5,\"1,950,000\"\n"
                 "2017-18 (1),101.9,1.9,\n")
    d = S.load_deflator(f)
    assert d.year.tolist() == [2016, 2017, 2018]
    assert d["index"].tolist() == [98.5, 100.0, 101.9]
    assert d.attrs["base"] == "2016-17"


def test_shipped_deflator_states_its_source():
    import yaml

    meta = yaml.safe_load(S.shipped_deflator().read_text())
    assert meta["source"] == "HM Treasury" and meta["url"].startswith("https://www.gov.uk/")
    if meta["values"]:
        assert meta["edition"] and meta["base"]
        assert len(S.load_deflator()) == len(meta["values"])
    else:  # not shipped: real terms must refuse rather than guess
        with pytest.raises(AnalysisError, match="no deflator values"):
            S.load_deflator()


def test_areas_are_summed_across_reorganisations(store, store_path):
    v = values([S.PER_CIN, S.PER_CHILD], store=store_path)
    groups = S.geography_groups(store.table("la"), store.table("la_change"))
    northants = set(groups.loc[groups.la_code == "E06000061", "area_code"])
    assert northants == {"E06000061+E06000062+E10000021"}
    alive = pd.concat([store.authorities(y).reset_index()[["la_code"]].assign(period=y)
                       for y in (2021, 2022)])
    out = S.spending(v, groups, alive).set_index(["area_code", "period"])
    cin = v[(v.indicator == S.PER_CIN) & (v.period == 2022)
            & v.la_code.isin(["E06000061", "E06000062"])]
    row = out.loc[("E06000061+E06000062+E10000021", 2022)]
    assert row.expenditure == pytest.approx(cin.numerator.sum())
    assert row.per_child_in_need == pytest.approx(cin.numerator.sum() / cin.denominator.sum())
    assert out.loc[("E06000061+E06000062+E10000021", 2021), "members"] == "E10000021"
    # an authority untouched by any change is its own area
    assert ("E09000027", 2022) in out.index


def test_children_in_a_reorganisation_year_come_from_the_new_authorities(store_path):
    """Northamptonshire spent 2020-21 as one county; ONS's mid-2021 estimates are for
    North and West Northamptonshire: the area's children are their sum (by hand below),
    so the year has a spending per child. Cumbria (2023) and Dorset (2019) likewise."""
    from csc_outcomes.analysis.improving_data import spending_report

    out = spending_report(store_path).tables["spending"].set_index(["area_code", "period"])
    every = values([S.PER_CHILD], [2019, 2021, 2023], store=store_path, all_authorities=True)
    estimate = every.set_index(["la_code", "period"])["denominator"]
    for area, year, new in (("E06000061+E06000062+E10000021", 2021, ["E06000061", "E06000062"]),
                            ("E06000063+E06000064+E10000006", 2023, ["E06000063", "E06000064"]),
                            ("E06000028+E06000029+E06000058+E06000059+E10000009", 2019,
                             ["E06000058", "E06000059"])):
        row = out.loc[(area, year)]
        by_hand = sum(estimate[(code, year)] for code in new)
        assert by_hand > 50_000
        assert row.children == by_hand
        assert row.per_child == pytest.approx(row.expenditure / by_hand)
    # an ordinary year is unchanged: the authority's own estimate
    assert out.loc[("E06000001", 2021), "children"] == estimate[("E06000001", 2021)]
