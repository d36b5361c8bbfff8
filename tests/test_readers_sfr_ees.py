"""The 2010-2017 SFR underlying-data reader and the explore-education-statistics reader,
on the real releases. Pinned values were read by hand from the raw files (file, line, column
named in each case)."""

import glob
from pathlib import Path

import numpy as np


def _obs(result):
    return result.observation_frame()


def _value(obs, la, measure, period=None):
    rows = obs[(obs.la_code == la) & (obs.measure == measure)]
    if period is not None:
        rows = rows[rows.period == period]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def _balanced(result):
    obs = _obs(result)
    values = int((obs.status == "value").sum()) + result.other_values
    special = int((obs.status != "value").sum()) + result.other_special
    return result.cells_read == values + special + sum(p.cells for p in result.problems)


def _files(raw_dir, *patterns):
    out = []
    for pattern in patterns:
        out += [Path(p).relative_to(raw_dir).as_posix()
                for p in glob.glob(str(raw_dir / pattern), recursive=True)]
    return sorted(out)


SFR_PATTERNS = ("dfe_cla_underlying/**/*.csv", "dfe_cla_la_tables/2016/SFR41_OC22016.csv")
EES_PATTERNS = ("dfe_cin_ees/*.csv", "dfe_cla_ees/*/*.csv", "dfe_csww/csww_*.csv",
                "context/ons_mid-year*.csv")


def test_every_sfr_file_balances_and_covers_all_authorities(raw_dir, read_file):
    files = _files(raw_dir, *SFR_PATTERNS)
    assert len(files) == 43
    for name in files:
        result = read_file(name)
        assert _balanced(result), name
        las = {c for c in _obs(result).la_code.unique() if c[:3] in ("E06", "E08", "E09", "E10")}
        # 151 authorities (Isles of Scilly merged with Cornwall) or 152 (2010, 2017 care leavers)
        assert len(las) in (151, 152), name
        assert not [p for p in result.problems if p.code == "unknown-la"], name


def test_missing_2015_darlington(read_file):
    # SFR34_Missing2015.csv line 108: E06000005,LA,841,Darlington,10,33,7,0,8,13,x,0
    obs = _obs(read_file("dfe_cla_underlying/2015/SFR34_Missing2015.csv"))
    assert _value(obs, "E06000005", "cla-sfr:Missing:CLA_MissDuringYear").value == 10
    assert _value(obs, "E06000005", "cla-sfr:Missing:CLA_AwayDuringYear").value == 8
    away_more = _value(obs, "E06000005", "cla-sfr:Missing:CLA_AwayMoreOnce")
    assert away_more.status == "suppressed" and np.isnan(away_more.value) and away_more.code == "x"
    assert away_more.year == 2015 and away_more.period == "2015"


def test_ceased_2015_darlington_returned_home(read_file):
    # SFR34_CEA2015.csv line 108, columns 17-18 (CLA_ceaParPlan, CLA_ceaParNPlan): 23, 9
    obs = _obs(read_file("dfe_cla_underlying/2015/SFR34_CEA2015.csv"))
    assert _value(obs, "E06000005", "cla-sfr:CEA:CLA_ceaParPlan").value == 23
    assert _value(obs, "E06000005", "cla-sfr:CEA:CLA_ceaParNPlan").value == 9


def test_2010_file_without_ons_codes_and_year_stripped_from_measure(read_file):
    # SFR27_2010_March.csv line 105: LA,841,Darlington,143,21900,...
    obs = _obs(read_file("dfe_cla_underlying/2010/SFR27_2010_March.csv"))
    assert _value(obs, "E06000005", "cla-sfr:March:MarTotal").value == 143


def test_old_gateshead_code_maps_to_the_authority(read_file):
    # SFR20_CLA2012.csv line 78: E08000020,LA,390,Gateshead,384,...
    obs = _obs(read_file("dfe_cla_underlying/2012/UnderlyingData/SFR20_CLA2012.csv"))
    assert _value(obs, "E08000037", "cla-sfr:CLA:CLA_Mar").value == 384


def test_excel_error_is_a_problem_not_a_zero(read_file):
    result = read_file("dfe_cla_underlying/2013/SFR36_CLA2013.csv")
    [problem] = result.problems
    assert (problem.code, problem.row, problem.column.strip(), problem.value) == (
        "bad-value", 2, "CLA_NetGain", "#VALUE!")
    assert not (_obs(result).measure == "cla-sfr:CLA:CLA_NetGain").any() or \
        "E92000001" not in set(_obs(result)[_obs(result).measure == "cla-sfr:CLA:CLA_NetGain"].la_code)


def test_repeated_header_names_are_kept_apart(read_file):
    result = read_file("dfe_cla_underlying/2014/SFR36_FormerCareLeavers2014.csv")
    measures = set(_obs(result).measure)
    assert {"cla-sfr:CareLeavers:LA_Noinf", "cla-sfr:CareLeavers:LA_Noinf#2"} <= measures


def test_every_ees_file_balances(raw_dir, read_file):
    files = _files(raw_dir, *EES_PATTERNS)
    assert len(files) == 29
    for name in files:
        result = read_file(name)
        assert _balanced(result), name
        assert not result.problems, (name, result.problems[:3])


def test_cin_2015_barnet(read_file):
    # c1_...csv line 1788: 2015,...,302,E09000003,Barnet,Referrals and Re-referrals,3358,776,23.1,...
    obs = _obs(read_file("dfe_cin_ees/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"))
    assert _value(obs, "E09000003", "cin:c1_children_in_need_referrals_and_rereferrals:rereferral_percent", "2015").value == 23.1
    assert _value(obs, "E09000003", "cin:c1_children_in_need_referrals_and_rereferrals:referral_count", "2015").value == 3358
    # line 1764: Isles of Scilly re-referrals are 'c'
    scilly = _value(obs, "E06000053", "cin:c1_children_in_need_referrals_and_rereferrals:rereferral_percent", "2015")
    assert scilly.status == "suppressed" and np.isnan(scilly.value)
    # d3_...csv line 1788: ...,270,41,15.2
    obs = _obs(read_file("dfe_cin_ees/d3_cpps_subsequent_plan_2013_to_2025.csv"))
    assert _value(obs, "E09000003", "cin:d3_cpps_subsequent_plan:CPP_subsequent_percent", "2015").value == 15.2


EET = "cla:la_care_leavers_activity[activity=total-in-education-employment-or-training,age=19-to-21-years]:percentage"


def test_care_leavers_one_measure_across_releases(read_file):
    # 2020_to_2024 line 3599: 2024,...,Barnet,...,Aged 19 to 21,"Total in education, employment or training",170,69
    # 2021_to_2025 line 3599: 2025,...,Barnet,...,19 to 21 years,"Total in education, ...",171,64
    old = _obs(read_file("dfe_cla_ees/2020_to_2024/la_care_leavers_activity.csv"))
    new = _obs(read_file("dfe_cla_ees/2021_to_2025/la_care_leavers_activity.csv"))
    assert _value(old, "E09000003", EET, "2024").value == 69
    assert _value(new, "E09000003", EET, "2025").value == 64


def test_workforce_2025_and_low_symbol(read_file):
    # csww_indicators_2017_to_2025.csv line 148: 2025,...,Barnet,187.3,191,21,21,25,25,13.3,...
    obs = _obs(read_file("dfe_csww/csww_indicators_2017_to_2025.csv"))
    assert _value(obs, "E09000003", "csww:csww_indicators:inpost_fte", "2025").value == 187.3
    assert _value(obs, "E09000003", "csww:csww_indicators:turnover_rate_fte", "2025").value == 13.3
    low = _value(obs, "E08000024", "csww:csww_indicators:agency_fte", "2025")  # Sunderland: 'low'
    assert low.status == "rounds_to_zero" and np.isnan(low.value)


def test_population_2015(read_file):
    # ons_mid-year...csv line 1624: 2015,...,Barnet,Children aged 0 to 17 years,87154
    obs = _obs(read_file("context/ons_mid-year_population_estimates_2012_to_2024.csv"))
    row = obs[(obs.la_code == "E09000003") & (obs.period == "2015")]
    assert row.value.tolist() == [87154]
