"""The workforce SFR, LAIT, context (IMD 2019, Section 251) and lookup readers, on the real
releases. Values pinned here were read by hand from the raw files (file, line, column given).
"""

import math

import numpy as np
import pandas as pd
import pytest

from csc_outcomes.data.readers.context import financial_year, line_key
from csc_outcomes.data.readers.csww_sfr import measure_name
from csc_outcomes.data.readers.lait import period_year

SFR07 = "dfe_csww/SFR07_2016_UD.csv"
SFR08 = "dfe_csww/SFR08_2017_UD.csv"
LAIT = "dfe_lait/bds_long_0.parquet"
DICTIONARY = "dfe_lait/lait_data_dictionary.csv"
IMD = "context/imd19.csv"
S251_1213 = "context/outturn_1213.csv"
S251_1314 = "context/outturn_1314.csv"
LA_CODES = "dfe_lait/la_code_list.xlsx"
PROVIDERS = "lookups/Provider_data_lookup.csv"
NEIGHBOURS = "lookups/New_Statistical_Neighbour_Groupings_April_2021.csv"
LTLA23 = "lookups/LTLA-UTLA_Apr23_Lookup_England-Wales.csv"
LTLA21 = "lookups/qlacref_authorities/records.json"
ALL = [SFR07, SFR08, LAIT, DICTIONARY, IMD, S251_1213, S251_1314, LA_CODES, PROVIDERS,
       NEIGHBOURS, LTLA23, LTLA21]

BARNET, CAMDEN = "E09000003", "E09000007"


@pytest.fixture(scope="module")
def read(read_file):
    """Each file read once for the whole module (the LAIT table has 641,070 rows)."""
    cache = {}

    def _read(name):
        if name not in cache:
            cache[name] = read_file(name)
        return cache[name]

    return _read


def _obs(result) -> pd.DataFrame:
    return result.observation_frame()


def _one(obs, la_code, measure, period):
    hit = obs[(obs.la_code == la_code) & (obs.measure == measure) & (obs.period == period)]
    assert len(hit) == 1, (la_code, measure, period, len(hit))
    return hit.iloc[0]


# -- every file ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_accounting_balances(read, name):
    result = read(name)
    obs = _obs(result)
    values = int((obs["status"] == "value").sum()) + result.other_values
    special = int((obs["status"] != "value").sum()) + result.other_special
    problems = sum(p.cells for p in result.problems)
    assert result.cells_read > 0 and result.rows_read > 0
    assert result.cells_read == values + special + problems


@pytest.mark.parametrize("name", [SFR07, SFR08, LAIT, IMD, S251_1213, S251_1314])
def test_special_cells_are_never_numbers(read, name):
    obs = _obs(read(name))
    special = obs[obs.status != "value"]
    assert special["value"].isna().all()
    assert obs.loc[obs.status == "value", "value"].notna().all()
    assert set(obs.status) <= {"value", "suppressed", "not_available", "not_applicable", "nil"}


@pytest.mark.parametrize("name, release", [
    (SFR07, "2016"), (SFR08, "2017"), (LAIT, "2026"), (IMD, "2019"), (S251_1213, "2013"),
    (S251_1314, "2014"), (NEIGHBOURS, "2021"), (LTLA23, "2023"), (LTLA21, "2021"),
    (LA_CODES, "2024"),
])
def test_release(read, name, release):
    assert read(name).release == release


# -- children's social work workforce SFRs -----------------------------------------------------

@pytest.mark.parametrize("column, year, expected", [
    ("B3_FTE_TurnoverRate_2015", 2015, "B3_FTE_TurnoverRate"),
    ("CiNperCSW_Headcount_2015", 2015, "CiNperCSW_Headcount"),
    ("B1ca_FTE_Age of Starters_2016_20_29", 2016, "B1ca_FTE_Age of Starters_20_29"),
    ("B2cc_FTE__Percentage_Age_leavers_2016_40_49", 2016, "B2cc_FTE_Percentage_Age_leavers_40_49"),
    ("Average_caseload", 2016, "Average_caseload"),
])
def test_csww_measure_name(column, year, expected):
    assert measure_name(column, year) == expected


def test_csww_2015_barnet_by_hand(read):
    # SFR07_2016_UD.csv line 99 (Barnet, 302): column 12 B3_FTE_TurnoverRate_2015 = 39,
    # column 15 D2_FTE_AgencyWorkerRate_2015 = 24, column 45 CiNperCSW_Headcount_2015 = 13.
    obs = _obs(read(SFR07))
    for measure, value in [("B3_FTE_TurnoverRate", 39), ("D2_FTE_AgencyWorkerRate", 24),
                           ("CiNperCSW_Headcount", 13)]:
        row = _one(obs, BARNET, f"csww-sfr:{measure}", "2015")
        assert row.value == value and row.year == 2015 and row.source_row == 99


def test_csww_2016_barnet_by_hand(read):
    # SFR08_2017_UD.csv line 99 (Barnet): column 11 B3_FTE_TurnoverRate_2016 = 17.0,
    # column 14 D2_FTE_AgencyWorkerRate_2016 = 18.0, column 53 Number_of_cases = "1,669".
    obs = _obs(read(SFR08))
    assert _one(obs, BARNET, "csww-sfr:B3_FTE_TurnoverRate", "2016").value == 17.0
    assert _one(obs, BARNET, "csww-sfr:D2_FTE_AgencyWorkerRate", "2016").value == 18.0
    assert _one(obs, BARNET, "csww-sfr:Number_of_cases", "2016").value == 1669


def test_csww_symbols(read):
    obs = _obs(read(SFR07))
    # line 157: Isles of Scilly (E06000053) is 'x' in every column
    scilly = obs[obs.la_code == "E06000053"]
    assert len(scilly) == 68 and (scilly.status == "suppressed").all()
    assert scilly["value"].isna().all() and set(scilly.code) == {"x"}
    # SFR08 line 124: Richmond upon Thames (joint service with Kingston) is '.' in column 8
    row = _one(_obs(read(SFR08)), "E09000027", "csww-sfr:A1_FTE_ChildrensSocialWorkers",
               "2016")
    assert row.status == "not_applicable" and math.isnan(row.value)


@pytest.mark.parametrize("name", [SFR07, SFR08])
def test_csww_areas(read, name):
    obs = _obs(read(name))
    codes = set(obs.la_code)
    # 152 authorities, England, 9 regions and Inner/Outer London
    assert len(codes) == 164
    assert {"E92000001", "E12000006", "E13000001", "E13000002"} <= codes
    assert not read(name).problems


def test_csww_2015_study_measures_cover_most_authorities(read):
    obs = _obs(read(SFR07))
    las = obs[~obs.la_code.str.match(r"E9|E1[23]")]
    counts = {m: int(((las.measure == f"csww-sfr:{m}") & (las.status == "value")).sum())
              for m in ("CiNperCSW_Headcount", "B3_FTE_TurnoverRate", "D2_FTE_AgencyWorkerRate")}
    assert counts == {"CiNperCSW_Headcount": 151, "B3_FTE_TurnoverRate": 149,
                      "D2_FTE_AgencyWorkerRate": 144}


def test_csww_measure_notes_say_30_september(read):
    assert "30 September" in read(SFR07).measures["csww-sfr:B3_FTE_TurnoverRate"]["notes"]


# -- LAIT ------------------------------------------------------------------------------------

@pytest.mark.parametrize("label, year", [
    ("2016", 2016), ("2015/16", 2016), ("2016-17 (OT)", 2017), ("2014-16", 2016),
    ("2018 (Rev)", 2018), ("2020 (Final)", 2020), ("2025 (prov)", 2025), ("2025-26", 2026),
    ("2013/14-15/16", 2016), ("1999/00", 2000), ("2014-2016", 2016),
    ("0", None), ("", None), ("Q1 2016", None),
])
def test_lait_period_year(label, year):
    assert period_year(label) == year


def test_lait_counts(read):
    result = read(LAIT)
    obs = _obs(result)
    assert result.rows_read == 641070
    assert len(result.measures) == 434
    # 154 authorities past and present (incl. pre-2019 Dorset, Poole, Bournemouth),
    # England, 9 regions, London and Inner/Outer London; every row matched
    assert obs.la_code.nunique() == 170
    assert not [p for p in result.problems if p.code == "unknown-la"]
    assert not [p for p in result.problems if "duplicate" in p.code]


def test_lait_unreadable_period_is_reported(read):
    problems = [p for p in read(LAIT).problems if p.code == "unknown-period"]
    # the 170 'CINPermExclusion' rows labelled '0' (rows 175612-175781)
    assert len(problems) == 170
    assert {p.value for p in problems} == {"0"} and problems[0].row == 175612


def test_lait_values_by_hand(read):
    obs = _obs(read(LAIT))
    # table row 2: RTA, 2014-16, Barking and Dagenham, '12.13'
    row = _one(obs, "E09000002", "lait:RTA", "2014-16")
    assert row.value == 12.13 and row.year == 2016 and row.source_row == 2
    # row 105913: Children_missing, 2016, Barnet, '11'; row 106070: England '9'
    assert _one(obs, BARNET, "lait:Children_missing", "2016").value == 11
    assert _one(obs, "E92000001", "lait:Children_missing", "2016").value == 9
    # row 105938: City of London '-' (not shown: suppressed or missing alike)
    dash = _one(obs, "E09000001", "lait:Children_missing", "2016")
    assert dash.status == "not_available" and dash.code == "-" and math.isnan(dash.value)
    # LAIT's workforce year is the 30 September census: Barnet 2016 = SFR08 D2 (18.0)
    assert _one(obs, BARNET, "lait:Work_Force_Agecy_Rate", "2016").value == 18
    # pre-2019 Dorset (835) and the 2019 unitary (838) stay apart
    codes = set(obs.la_code)
    assert {"E10000009", "E06000059", "E06000028", "E06000029"} <= codes


def test_lait_children_missing_matches_sfr41(read, read_file):
    lait = _obs(read(LAIT))
    lait = lait[(lait.measure == "lait:Children_missing") & (lait.period == "2016")
                & (lait.status == "value")].set_index("la_code")["value"]
    missing = _obs(read_file("dfe_cla_underlying/2016/SFR41_Missing2016.csv"))
    cla = _obs(read_file("dfe_cla_underlying/2016/SFR41_CLA2016.csv"))
    # match on the column name: the SFR reader's measure ids carry the SFR table's name
    num = missing[missing.measure.str.endswith(":CLA_MissDuringYear")]
    den = cla[cla.measure.str.endswith(":CLA_DuringYear")]
    num, den = (f[f.status == "value"].set_index("la_code")["value"] for f in (num, den))
    both = pd.concat({"lait": lait, "num": num, "den": den}, axis=1).dropna()
    both = both[~both.index.str.match(r"E9|E1[23]")]
    diff = (both["lait"] - np.round(100 * both["num"] / both["den"])).abs()
    assert len(both) >= 140
    assert diff.max() <= 1
    # Barnet by hand: SFR41_Missing2016.csv line 28 CLA_MissDuringYear 52, SFR41_CLA2016.csv
    # line 28 CLA_2016 482: 100 * 52 / 482 = 10.8 -> 11, LAIT row 105913 says 11
    assert both.loc[BARNET].tolist() == [11, 52, 482]


def test_lait_dictionary_measures(read):
    result = read(DICTIONARY)
    assert result.rows_read == 448 and len(result.measures) == 434
    assert not result.observations and not result.problems
    # line 2: InfMort, Chart_title 'Infant Mortality rate per 1000 live births',
    # y_axis_name 'Rate per 1000 live births', Polarity 'Low', Year_Type 'Calendar Year'
    m = result.measures["lait:InfMort"]
    assert m["label"] == "Infant Mortality rate per 1000 live births"
    assert m["unit"] == "Rate per 1000 live births"
    assert "lower is better" in m["notes"] and "Calendar Year" in m["notes"]
    assert m["notes"].startswith("This data describes the infant mortality rate")
    # listed twice (Children in Need and absence topics): stored once, both listings noted
    assert "Also listed with Topic 'All Pupil Absence & Exclusions'" in \
        result.measures["lait:CINPermExclusion"]["notes"]
    assert result.measures["lait:C&YPExpenditure"]["unit"] == "GBP"


def test_lait_measures_are_the_same_in_both_files(read):
    assert set(read(LAIT).measures) == set(read(DICTIONARY).measures)


# -- context: IMD 2019 and Section 251 outturn ---------------------------------------------------

def test_imd_by_hand(read):
    result = read(IMD)
    obs = _obs(result)
    # line 2: E06000001 Hartlepool, 'IMD - Average score ' = 35.037, rank of average score 9
    row = _one(obs, "E06000001", "imd2019:imd-average-score", "2019")
    assert row.value == 35.037 and row.year == 2019 and row.source_row == 2
    assert _one(obs, "E06000001", "imd2019:imd-rank-of-average-score", "2019").value == 9
    assert obs.la_code.nunique() == 151 and len(result.measures) == 10
    assert not result.problems
    # Buckinghamshire's 2019 code (E10000002) is the register's E06000060
    assert "E06000060" in set(obs.la_code) and "E10000002" not in set(obs.la_code)


def test_s251_line_keys():
    assert financial_year("context/outturn_1213.csv") == ("2012-13", 2013)
    assert line_key("11Short breaks (respite) for looked after disabled children")[1] == \
        line_key("10 Short breaks (respite) for looked after disabled children")[1]
    assert line_key("34 Substance misuse services(Drugs, alcohol and volatile "
                    "substances)(included in lines 27 and 28 above)")[1] == \
        "substance-misuse-services-drugs-alcohol-and-volatile-substances"


def test_s251_by_hand(read):
    # outturn_1213.csv line 524: 302,Barnet,5,5 Residential care,...,TotalExpenditure 5507375
    obs = _obs(read(S251_1213))
    row = _one(obs, BARNET, "s251:residential-care:TotalExpenditure", "2012-13")
    assert row.value == 5507375 and row.year == 2013 and row.source_row == 524
    # outturn_1314.csv line 511: 302,Barnet,6,6 Residential care,2684234,...,Income 8939
    obs = _obs(read(S251_1314))
    assert _one(obs, BARNET, "s251:residential-care:OwnProvision", "2013-14").value == 2684234
    assert _one(obs, BARNET, "s251:residential-care:Income", "2013-14").value == 8939


def test_s251_multiline_rows_keep_their_line_numbers(read):
    # outturn_1213.csv: the ReportGroup of budget lines 34 and 35 runs over two physical
    # lines each, so City of London's line 35 ("35 Teenage pregnancy services",
    # TotalExpenditure 0) starts on file line 37, and Camden's line 1 on file line 39.
    obs = _obs(read(S251_1213))
    row = _one(obs, "E09000001", "s251:teenage-pregnancy-services:TotalExpenditure", "2012-13")
    assert row.source_row == 37 and row.value == 0
    camden = _one(obs, CAMDEN, "s251:spend-by-individual-sure-start-childrens-centres:"
                               "TotalExpenditure", "2012-13")
    assert camden.source_row == 39


@pytest.mark.parametrize("name, lines", [(S251_1213, 35), (S251_1314, 36)])
def test_s251_counts(read, name, lines):
    result = read(name)
    obs = _obs(result)
    assert obs.la_code.nunique() == 152 and not result.problems
    assert result.rows_read == 152 * lines
    assert len(result.measures) == 10 * lines
    assert all(m["unit"] == "GBP" for m in result.measures.values())
    # an empty cell (a column the line does not collect) is not stored as 0
    blank = obs[obs.status == "not_available"]
    assert len(blank) > 0 and blank["value"].isna().all()


def test_s251_years_share_measures(read):
    a = {m for m in read(S251_1213).measures}
    b = {m for m in read(S251_1314).measures}
    assert len(a & b) == 29 * 10
    assert "s251:residential-care:NetCurrentExpenditure" in a & b


# -- lookups ---------------------------------------------------------------------------------

def test_la_code_list(read):
    result = read(LA_CODES)
    # 171 rows: 158 authorities (current and abolished), England, 11 regions, and
    # 'England (discontinued)' (1000); all matched, 'NA' region/type of areas special
    assert result.rows_read == 171 and not result.problems
    assert result.other_special == 26
    assert any("Buckinghamshire (SC" in n for n in result.notes)


def test_provider_lookup(read, register):
    result = read(PROVIDERS)
    assert result.rows_read == 156 and not result.problems
    assert not any(n.startswith("differs from the register") for n in result.notes)
    # line 2: urn 80486, la_code 301 (Barking and Dagenham): the register holds the URN
    assert register.authority("E09000002").urn == "80486"


def test_stat_neighbours(read):
    result = read(NEIGHBOURS)
    rows = pd.DataFrame(result.tables["stat_neighbour"])
    # 152 current authorities and 4 abolished ones (835, 836, 837, 928), 10 neighbours each
    assert result.rows_read == 156 and len(rows) == 1560 and not result.problems
    assert rows.groupby("la_code").size().eq(10).all() and rows.la_code.nunique() == 156
    # line 3: 202,Camden,...,SN1 213 'Very Close', SN2 205 'Close'
    camden = rows[rows.la_code == CAMDEN].set_index("rank")
    assert camden.loc[1].tolist() == [CAMDEN, "E09000033", "Very Close"]
    assert camden.loc[2].tolist() == [CAMDEN, "E09000013", "Close"]
    # line 157: 835,Dorset (Pre LG): SN1 893 (Shropshire) 'Extremely Close'
    dorset = rows[(rows.la_code == "E10000009") & (rows["rank"] == 1)].iloc[0]
    assert dorset.neighbour_code == "E06000051" and dorset.closeness == "Extremely Close"
    assert any("Old SNs" in n for n in result.notes)


@pytest.mark.parametrize("name, year, n, first", [
    # LTLA-UTLA_Apr23...csv line 2 and records.json record 1: Hartlepool -> Hartlepool
    (LTLA23, 2023, 318, ("E06000001", "Hartlepool", "E06000001", "Hartlepool")),
    (LTLA21, 2021, 331, ("E06000001", "Hartlepool", "E06000001", "Hartlepool")),
])
def test_ltla_utla(read, name, year, n, first):
    result = read(name)
    rows = pd.DataFrame(result.tables["ltla_utla"])
    assert len(rows) == n and (rows.year == year).all() and not rows.ltla_code.duplicated().any()
    assert tuple(rows.iloc[0][["ltla_code", "ltla_name", "utla_code", "utla_name"]]) == first
    assert rows.ltla_code.str.startswith("W").sum() == 22  # Welsh districts kept, as given


def test_ltla_utla_two_tier_areas(read):
    rows = pd.DataFrame(read(LTLA23).tables["ltla_utla"])
    # Kent's 12 districts map to Kent County Council (E10000016)
    assert (rows.utla_code == "E10000016").sum() == 12
