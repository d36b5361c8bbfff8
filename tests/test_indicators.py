"""Indicator values from the real releases, checked against hand calculations.

Each expected value below was computed by hand from the raw file named in the comment
(file, line, columns), not by this package.
"""

import math

import pytest

from csc_outcomes.indicators import values

BARNET, LEEDS, DARLINGTON = "E09000003", "E08000035", "E06000005"
S = "suppressed"

# (indicator, authority, expected value or status)
STUDY_2015 = [
    # SFR34_CEA2015.csv lines 28/76/108, CLA_ceaParPlan / (CLA_ceaParPlan + CLA_ceaParNPlan)
    ("cla-return-home-planned", BARNET, 100 * 43 / (43 + 16)),
    ("cla-return-home-planned", LEEDS, 100 * 110 / (110 + 12)),
    ("cla-return-home-planned", DARLINGTON, 100 * 23 / (23 + 9)),
    # SFR34_2015 LA tables, LAF1c rows 132/63/16, "Total number in EET" percentage
    ("care-leavers-21-eet", BARNET, 45), ("care-leavers-21-eet", LEEDS, 48),
    ("care-leavers-21-eet", DARLINGTON, S),
    # LAF3 rows 134/66/20, percentage of 21 year olds in suitable accommodation
    ("care-leavers-21-accommodation", BARNET, 84), ("care-leavers-21-accommodation", LEEDS, 80),
    ("care-leavers-21-accommodation", DARLINGTON, S),
    # SFR34_Missing2015.csv (CLA_MissDuringYear, CLA_AwayDuringYear) / SFR34_CLA2015.csv CLA_2015
    ("cla-missing", BARNET, 100 * 18 / 478), ("cla-missing", LEEDS, 100 * 78 / 1721),
    ("cla-missing", DARLINGTON, 100 * 10 / 288),
    ("cla-away", BARNET, 100 * 13 / 478), ("cla-away", LEEDS, 100 * 70 / 1721),
    ("cla-away", DARLINGTON, 100 * 8 / 288),
    # SFR34_OC22015.csv lines 28/76/108: CLA_convicted / CLA_10over, CLA_submisuse / CLA_12mths,
    # CLA_SDQnormal and CLA_SDQconcern / CLA_SDQ
    ("cla-offending", BARNET, S), ("cla-offending", LEEDS, 100 * 37 / 569),
    ("cla-offending", DARLINGTON, 100 * 7 / 90),
    ("cla-substance-misuse", BARNET, S), ("cla-substance-misuse", LEEDS, 100 * 28 / 978),
    ("cla-substance-misuse", DARLINGTON, 100 * 9 / 134),
    ("cla-sdq-normal", BARNET, 100 * 76 / 141), ("cla-sdq-normal", LEEDS, 100 * 138 / 318),
    ("cla-sdq-normal", DARLINGTON, 100 * 43 / 96),
    ("cla-sdq-concern", BARNET, 100 * 48 / 141), ("cla-sdq-concern", LEEDS, 100 * 135 / 318),
    ("cla-sdq-concern", DARLINGTON, 100 * 41 / 96),
    # c1_...csv lines 1788/1696/1654: rereferral_count / referral_count
    ("cin-rereferrals-12m", BARNET, 100 * 776 / 3358), ("cin-rereferrals-12m", LEEDS, 100 * 2959 / 11897),
    ("cin-rereferrals-12m", DARLINGTON, 100 * 249 / 1508),
    # d3_...csv lines 1788/1696/1654: CPP_subsequent / CPP_start (Darlington 'c')
    ("cpp-second-subsequent", BARNET, 100 * 41 / 270), ("cpp-second-subsequent", LEEDS, 100 * 157 / 905),
    ("cpp-second-subsequent", DARLINGTON, S),
    # SFR07_2016_UD.csv lines 99/56/14: CiNperCSW_Headcount_2015, B3_FTE_TurnoverRate_2015,
    # D2_FTE_AgencyWorkerRate_2015
    ("csww-cin-per-sw", BARNET, 13), ("csww-cin-per-sw", LEEDS, 11), ("csww-cin-per-sw", DARLINGTON, 11),
    ("csww-turnover-rate", BARNET, 39), ("csww-turnover-rate", LEEDS, 12),
    ("csww-turnover-rate", DARLINGTON, 19),
    ("csww-agency-rate", BARNET, 24), ("csww-agency-rate", LEEDS, 4), ("csww-agency-rate", DARLINGTON, 12),
]


@pytest.fixture(scope="module")
def study_2015(store_path):
    # the default versions (DfE's underlying data, FTE workforce), not the set's variants
    return values(set_name="study-2016", years=[2015], store=store_path, variants=()).set_index(
        ["indicator", "la_code"])


@pytest.mark.parametrize("indicator, la, expected", STUDY_2015)
def test_study_indicators_2015_by_hand(study_2015, indicator, la, expected):
    row = study_2015.loc[(indicator, la)]
    if expected == S:
        assert row.status == "suppressed" and math.isnan(row.value)
    else:
        assert row.status == "value"
        assert row.value == pytest.approx(expected, abs=1e-9)


def test_every_study_indicator_has_145_or_more_values_or_says_why(study_2015):
    frame = study_2015.reset_index()
    assert frame.indicator.nunique() == 14
    for indicator, group in frame.groupby("indicator"):
        counts = group.status.value_counts()
        # every authority is there, and every missing value carries a status saying why
        assert len(group) >= 151
        assert counts.get("value", 0) + counts.get("suppressed", 0) >= 145, indicator
        assert set(counts.index) <= {"value", "suppressed", "not_applicable", "missing",
                                     "not_available"}
        assert group.loc[group.status != "value", "value"].isna().all()


HALTON, REDCAR = "E06000006", "E06000003"

# The study-2016 set's variants: DfE's LA tables as first published, headcount workforce
AS_PUBLISHED_2015 = [
    # SFR34_2015 LA tables, LAD2 rows 21/67/135/29, returned home as part of care planning
    # / (as part + not as part); Redcar's 'not as part' is x (suppressed)
    ("cla-return-home-planned", DARLINGTON, 100 * 25 / (25 + 10)),
    ("cla-return-home-planned", LEEDS, 100 * 110 / (110 + 10)),
    ("cla-return-home-planned", BARNET, 100 * 45 / (45 + 15)),
    ("cla-return-home-planned", REDCAR, S),
    # LAG1 rows 14/60/128/35, percentage with a missing incident; away from placement
    ("cla-missing", DARLINGTON, 3), ("cla-missing", LEEDS, 5), ("cla-missing", BARNET, 4),
    ("cla-missing", HALTON, 13),
    ("cla-away", DARLINGTON, 3), ("cla-away", LEEDS, 4), ("cla-away", BARNET, 3),
    # LAI4 rows 15/61/129/36, 2015 banded SDQ percentages (normal, concern). Halton's concern
    # is 39 here; SFR41/2016's tables revised it to 38
    ("cla-sdq-normal", DARLINGTON, 45), ("cla-sdq-normal", LEEDS, 43),
    ("cla-sdq-concern", DARLINGTON, 43), ("cla-sdq-concern", LEEDS, 42),
    ("cla-sdq-concern", BARNET, 34), ("cla-sdq-concern", HALTON, 39),
    # SFR07_2016_UD.csv, the lines above: B3_Headcount_TurnoverRate_2015,
    # D2_Headcount_AgencyWorkerRate_2015
    ("csww-turnover-rate", BARNET, 39), ("csww-turnover-rate", LEEDS, 11),
    ("csww-turnover-rate", DARLINGTON, 18),
    ("csww-agency-rate", BARNET, 23), ("csww-agency-rate", LEEDS, 4),
    ("csww-agency-rate", DARLINGTON, 11),
]


@pytest.fixture(scope="module")
def as_published_2015(store_path):
    return values(set_name="study-2016", years=[2015], store=store_path).set_index(
        ["indicator", "la_code"])


@pytest.mark.parametrize("indicator, la, expected", AS_PUBLISHED_2015)
def test_study_set_variants_by_hand(as_published_2015, indicator, la, expected):
    row = as_published_2015.loc[(indicator, la)]
    if expected == S:
        assert row.status == "suppressed" and math.isnan(row.value)
    else:
        assert row.status == "value"
        assert row.value == pytest.approx(expected, abs=1e-9)


def test_suppressed_parts_as_zero(store_path):
    zero = values(["cla-return-home-planned"], [2015], store=store_path, variants=["la-tables"],
                  suppressed="zero").set_index("la_code")
    # Redcar: 20 returned home as part of care planning, 'x' not as part -> 20 / (20 + 0)
    assert zero.loc[REDCAR, "value"] == pytest.approx(100.0)
    assert zero.loc[LEEDS, "value"] == pytest.approx(100 * 110 / 120)  # no suppressed part
    # a suppressed published percentage stays suppressed: the rule is for a ratio's parts
    off = values(["cla-offending"], [2015], store=store_path, variants=["la-tables"],
                 suppressed="zero").set_index("la_code")
    assert off.loc[BARNET, "status"] == "suppressed"
    with pytest.raises(ValueError, match="suppressed"):
        values(["cla-missing"], [2015], store=store_path, suppressed="drop")


def test_counts_behind_rates_are_returned_for_weighting(study_2015):
    row = study_2015.loc[("cla-missing", LEEDS)]
    assert (row.numerator, row.denominator) == (78, 1721)


def test_later_year_from_the_newer_releases(store_path):
    # la_children_who_were_missing... (2020_to_2024) lines 6286/6284: 83 / 519. The 2022
    # release gave 518 children looked after (2018_to_2022 line 2351): the newest release wins.
    v = values(["cla-missing"], [2022], store=store_path).set_index("la_code")
    assert v.loc[BARNET, "value"] == pytest.approx(100 * 83 / 519)
    assert v.loc[BARNET, "denominator"] == 519
    # la_care_leavers_activity.csv (2021_to_2025) lines 5519/5518: 282 of 554
    v = values(["care-leavers-19-21-eet"], [2024], store=store_path).set_index("la_code")
    assert v.loc[LEEDS, "value"] == pytest.approx(100 * 282 / 554)


def test_authority_universe_follows_reorganisations(store_path):
    v15 = values(["cin-rereferrals-12m"], [2015], store=store_path)
    v24 = values(["cin-rereferrals-12m"], [2024], store=store_path)
    assert "E10000009" in set(v15.la_code) and "E06000059" not in set(v15.la_code)  # Dorset
    assert {"E06000063", "E06000064"} <= set(v24.la_code)  # Cumberland, W&F
    assert "E10000006" not in set(v24.la_code)  # Cumbria ended 2023
    assert len(v15) == 152 and len(v24) == 153


def test_status_is_carried_and_zero_denominator_is_not_applicable(store_path):
    v = values(["cla-sdq-normal"], [2015], store=store_path)
    # West Sussex, Southampton and Sunderland returned no SDQ scores (LAI4 footnote 5)
    na = set(v.loc[v.status == "not_applicable", "la_code"])
    assert {"E10000032", "E06000045", "E08000024"} <= na
    assert v.loc[v.status != "value", "value"].isna().all()


def test_values_json_has_the_value_fields_with_name_and_unit(store_path):
    import json

    from click.testing import CliRunner

    from csc_outcomes.cli import cli

    result = CliRunner().invoke(cli, ["indicators", "values", "cla-missing", "--year", "2015",
                                      "--json", "--store", str(store_path)])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert list(records[0]) == ["la_code", "authority", "period", "indicator", "unit", "value",
                                "numerator", "denominator", "status"]
    assert records[0]["unit"] == "percent" and records[0]["authority"]
    api = values(["cla-missing"], [2015], store=store_path)
    assert len(records) == len(api)
    by_la = {r["la_code"]: r for r in records}
    assert by_la[LEEDS]["value"] == pytest.approx(api.set_index("la_code").loc[LEEDS, "value"])
