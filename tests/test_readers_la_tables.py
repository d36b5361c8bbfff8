"""The DfE LA-table workbook reader on the four real workbooks.

Pinned values were read by hand from the workbooks; each comment names the sheet, the
row as Excel numbers it and the column letter.
"""

import math

import pytest

from csc_outcomes.data.readers.la_tables import clean_label, unit_of

SFR34 = "dfe_cla_la_tables/2015/SFR34_2015_Local_Authority_Tables (3).xlsx"
SFR41 = "dfe_cla_la_tables/2016/SFR41_2016_LA_Tables (3).xlsx"
SFR11 = "dfe_cla_la_tables/2015/SFR11_2016_MainTables.xlsx"
SFR12 = "dfe_cla_la_tables/2016/SFR12_2017_LA_Tables.xlsx"
WORKBOOKS = [SFR34, SFR41, SFR11, SFR12]

ENGLAND, DARLINGTON, DURHAM = "E92000001", "E06000005", "E06000047"
LAG1 = "cla-la-tables:LAG1:"
LAI4 = "cla-la-tables:LAI4:"


@pytest.fixture(scope="module")
def books(read_file):
    return {name: read_file(name) for name in WORKBOOKS}


def _obs(result):
    return result.observation_frame()


def _cell(result, la, measure, period):
    obs = _obs(result)
    rows = obs[(obs.la_code == la) & (obs.measure == measure) & (obs.period == period)]
    assert len(rows) == 1, (la, measure, period, rows)
    return rows.iloc[0]


@pytest.mark.parametrize("name", WORKBOOKS)
def test_accounting_balances(books, name):
    result = books[name]
    obs = _obs(result)
    values = int((obs.status == "value").sum()) + result.other_values
    special = int((obs.status != "value").sum()) + result.other_special
    assert result.cells_read == values + special + sum(p.cells for p in result.problems)
    assert result.cells_read > 10_000
    assert result.release == name.split("/")[1]


@pytest.mark.parametrize("name", WORKBOOKS)
def test_every_sheet_has_all_authorities_england_and_regions(books, register, name):
    obs = _obs(books[name])
    obs["sheet"] = obs.measure.str.split(":").str[1]
    level = obs.la_code.map(lambda k: register.areas.get(k, {}).get("level", "la"))
    counts = obs.assign(level=level).groupby(["sheet", "level"]).la_code.nunique().unstack()
    assert len(counts) >= 6
    for sheet, row in counts.iterrows():
        # 151 (Isles of Scilly merged) or 152 authorities. LAC4 2015 calls Medway "Medway
        # Towns" and LAI2 misspells "Yorkshrie": the register knows both spellings.
        assert row["la"] in (151, 152), (name, sheet)
        assert row["national"] == 1, (name, sheet)
        # 9 regions plus Inner and Outer London
        assert row["region"] == 11, (name, sheet)


def test_unknown_rows_are_reported_not_dropped(books):
    unknown = {(p.row, p.value) for p in books[SFR34].problems if p.code == "unknown-la"}
    # LAA6 rows 187-191 children placed outside England; LAA4 rows 32 and 98 list the
    # abolished Cheshire (875) and Bedfordshire (820) counties. (LAI2 row 49 "Yorkshrie and
    # the Humber" and LAC4 row 154 "Medway Towns" are matched through register aliases.)
    assert {(188, "N. Ireland"), (32, "Cheshire"), (98, "Bedfordshire")} <= unknown
    assert not {(49, "Yorkshrie and the Humber"), (154, "Medway Towns")} & unknown
    cells = {p.row: p.cells for p in books[SFR34].problems if p.code == "unknown-la"}
    assert cells[188] == 21  # LAA6 has 21 data columns


def test_lag1_2015_darlington_and_durham(books):
    result = books[SFR34]
    # LAG1 row 14 (841 Darlington): C = 10, D = 290, E = 3.
    assert _cell(result, DARLINGTON, LAG1 + "missing-children-who-had-a-missing-incident-"
                 "during-the-year", "2015").value == 10
    assert _cell(result, DARLINGTON, LAG1 + "missing-children-looked-after-during-the-year",
                 "2015").value == 290
    pct = _cell(result, DARLINGTON, LAG1 + "missing-percentage-of-whom-had-a-missing-incident-"
                "during-the-year", "2015")
    assert (pct.value, pct.year, pct.source_row) == (3, 2015, 14)
    # LAG1 row 15 (840 Durham): M = 'x'.
    away = _cell(result, DURHAM, LAG1 + "away-from-placement-without-authorisation-percentage-"
                 "who-were-away-from-placement-without-authorisation-during-the-year", "2015")
    assert away.status == "suppressed" and away.code == "x" and math.isnan(away.value)
    measures = result.measures
    assert measures[LAG1 + "missing-percentage-of-whom-had-a-missing-incident-during-the-year"][
        "unit"] == "percent"
    assert measures[LAG1 + "missing-children-missing-at-31-march"]["label"] == (
        "Missing / Children missing at 31 March")  # the header says "at 31 March 2015"


def test_lai4_years_and_sdq_bands(books):
    result = books[SFR34]
    # LAI4 row 12 (England): F = 14.0, the 2013 average score (year heading C6:I6).
    assert _cell(result, ENGLAND, LAI4 + "average-score-per-child", "2013").value == 14.0
    # LAI4 row 15 (Darlington), 2015 block: W = 45, X = 13, Y = 43.
    for band, value in (("normal", 45), ("borderline", 13), ("concern", 43)):
        cell = _cell(result, DARLINGTON, LAI4 + f"banded-sdq-score-percentage-{band}", "2015")
        assert cell.value == value and cell.year == 2015
    obs = _obs(result)
    periods = obs[obs.measure == LAI4 + "average-score-per-child"].period.unique()
    assert sorted(periods) == ["2013", "2014", "2015"]
    # "aged 5 to 161": the footnote mark 1 glued to 16 is removed.
    assert LAI4 + "number-of-children-looked-after-for-at-least-12-months-aged-5-to-16" in (
        result.measures)


def test_lai4_2016_year_heading_out_of_step(books):
    # SFR41 LAI4 row 14 (Darlington): J = 42 sits under the "2015" heading (J6:R6) but in
    # the 2014 "Banded SDQ Score" group (H7:J8), so it is 2014's "Concern".
    result = books[SFR41]
    cell = _cell(result, DARLINGTON, LAI4 + "banded-sdq-score-percentage-concern", "2014")
    assert (cell.value, cell.source_row) == (42, 14)
    # 2015 as published in 2016 (R14 = 43) agrees with the 2015 workbook (Y15 = 43).
    assert _cell(result, DARLINGTON, LAI4 + "banded-sdq-score-percentage-concern",
                 "2015").value == 43


def test_laf1c_care_leavers_aged_21(books):
    result = books[SFR34]
    # LAF1c row 17 (840 Durham): H = 15 in training or employment, V = 35 per cent of them.
    stem = "cla-la-tables:LAF1c:{}-local-authority-has-information-in-training-or-employment"
    count = _cell(result, DURHAM, stem.format("numbers"), "2015")
    share = _cell(result, DURHAM, stem.format("percentages"), "2015")
    assert (count.value, share.value) == (15, 35)
    assert result.measures[stem.format("percentages")]["unit"] == "percent"
    # LAF1c row 16 (Darlington): C = 10 care leavers aged 21.
    assert _cell(result, DARLINGTON, "cla-la-tables:LAF1c:numbers-all-children-now-aged-21-who-"
                 "were-looked-after-for-a-total-of-at-least-13-weeks-after-their-14th-birthday-"
                 "including-some-time-after-their-16th-birthday", "2015").value == 10


def test_lad2_returned_home_as_part_of_care_planning(books):
    measure = ("cla-la-tables:LAD2:returned-home-to-live-with-parents-or-relatives-as-part-of-"
               "care-planning-process")
    # SFR34 LAD2 row 21 (Darlington): L = 25; row 18 (England): L = 8,100.
    assert _cell(books[SFR34], DARLINGTON, measure, "2015").value == 25
    assert _cell(books[SFR34], ENGLAND, measure, "2015").value == 8100
    # SFR41 LAD2 row 13 (Darlington): M = 20 (the header carries a footnote mark 5 there).
    assert _cell(books[SFR41], DARLINGTON, measure, "2016").value == 20


def test_2015_and_2016_sheets_share_measure_ids(books):
    for sheet in ("LAG1", "LAI1", "LAI2", "LAI4", "LAD2"):
        ids = [{m for m in books[name].measures if m.split(":")[1] == sheet}
               for name in (SFR34, SFR41)]
        assert ids[0] and ids[0] == ids[1], sheet


def test_sfr41_lab3_ons_codes_out_of_step(books):
    result = books[SFR41]
    # LAB3 row 131: A = E09000003 (Barnet's ONS code), B = 301, C = Barking and Dagenham,
    # D = 280: matched by DfE code and name.
    assert _cell(result, "E09000002", "cla-la-tables:LAB3:numbers-all-placements-ending-in-the-"
                 "year-where-the-child-moved-placements", "2016").value == 280
    assert any("LAB3: the ONS code in row(s) 131-148" in n for n in result.notes)
    # Row 129 has percentages but no code or name.
    stray = [p for p in result.problems if p.code == "unknown-la" and p.row == 129]
    assert stray and "no code or name" in stray[0].message


def test_sfr41_lai3_england_named_on_the_row_below(books):
    # SFR41 LAI3 row 8: D = 48,490, with "England" printed in C9.
    cell = _cell(books[SFR41], ENGLAND, "cla-la-tables:LAI3:number-of-children-looked-after-at-"
                 "31-march-who-had-been-looked-after-for-at-least-12-months", "2016")
    assert (cell.value, cell.source_row) == (48490, 8)


def test_sfr41_unmarked_percentage_block(books):
    # LAF3a repeats its headings from Y with no "percentages" heading; Y19 = 100 and
    # AA19 = 'x' for Darlington, E19 = 'x' its count.
    result = books[SFR41]
    stem = "cla-la-tables:LAF3a:{}-local-authority-has-information-with-parents-or-relatives"
    assert result.measures[stem.format("percentages")]["unit"] == "percent"
    assert _cell(result, DARLINGTON, stem.format("numbers"), "2016").status == "suppressed"
    # LAF3a row 16 (England): F = 3,050, AA = 12.
    assert _cell(result, ENGLAND, stem.format("numbers"), "2016").value == 3050
    assert _cell(result, ENGLAND, stem.format("percentages"), "2016").value == 12


def test_sfr11_outcomes_2015(books):
    result = books[SFR11]
    # Table LA1 row 13 (Durham): H = 85 reaching level 2 in reading.
    assert _cell(result, DURHAM, "cla-la-tables:LA1:percentage-who-achieved-at-least-level-2-in-"
                 "the-following-reading", "2015").value == 85
    # Table LA3 row 13 (Darlington), 2012 block: N = 50.
    assert _cell(result, DARLINGTON, "cla-la-tables:LA3:percentage-achieving-5-gcses-at-grades-"
                 "a-c", "2012").value == 50
    # Table LA1 row 9 (England): E = '90-99', a band, reported rather than stored.
    band = [p for p in result.problems if p.row == 9 and p.column == "Table LA1!E"]
    assert band and band[0].code == "bad-value" and band[0].value == "90-99"
    skipped = " ".join(result.notes)
    for sheet in ("Table 1", "Table 2", "Table 3", "Tables 4a and 4b", "Table 5"):
        assert f"sheet '{sheet}' skipped" in skipped


def test_sfr12_outcomes_2016(books):
    result = books[SFR12]
    # Table LA3b row 11 (Darlington): E = 26.3, the average Attainment 8 score.
    measure = "cla-la-tables:LA3b:average-attainment-8-score-per-pupil"
    assert _cell(result, DARLINGTON, measure, "2016").value == pytest.approx(26.3)
    assert result.measures[measure]["unit"] == "average"
    # Table LA6 row 12 (Darlington), 2011 block: G = 14.49 with a fixed-period exclusion.
    assert _cell(result, DARLINGTON, "cla-la-tables:LA6:percentage-of-children-with-at-least-"
                 "one-fixed-period-exclusion", "2011").value == pytest.approx(14.49)
    assert not result.problems


@pytest.mark.parametrize("name", WORKBOOKS)
def test_special_cells_are_never_numbers(books, name):
    obs = _obs(books[name])
    special = obs[obs.status != "value"]
    assert special.value.isna().all()
    suppressed = obs[obs.code.fillna("").str.lower() == "x"]
    assert len(suppressed) > 1000 and (suppressed.status == "suppressed").all()
    assert obs[obs.status == "value"].value.notna().all()


def test_clean_label_and_unit():
    assert clean_label("Percentage who achieved at least level 24 in the following:",
                       {1, 2, 3, 4}) == "Percentage who achieved at least level 2 in the following:"
    assert clean_label("Children missing at 31 March 2015") == "Children missing at 31 March 2015"
    assert clean_label("Allegation (s47)") == "Allegation (s47)"
    assert unit_of(["Reading Progress Score", "Number of pupils included"]) == "count"
    assert unit_of(["Reading Progress Score", "Lower confidence interval"]) == "score"


@pytest.mark.parametrize("content, message", [(b"", "the file is empty"),
                                              (b"not a workbook", "cannot be read as a workbook")])
def test_bad_workbooks_raise_data_errors(tmp_path, register, content, message):
    from csc_outcomes.data.readers import la_tables
    from csc_outcomes.data.readers.base import ReadContext
    from csc_outcomes.errors import DataError

    name = "dfe_cla_la_tables/2015/broken.xlsx"
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as info:
        la_tables.read(ReadContext(path, name, register))
    assert name in str(info.value) and "csc-outcomes data fetch" in str(info.value)


def test_lag1_agrees_with_the_unrounded_underlying_data(books, raw_dir, register):
    """LAG1 rounds authorities' counts to the nearest 5; SFR34_Missing2015.csv does not."""
    import pandas as pd

    csv = pd.read_csv(raw_dir / "dfe_cla_underlying/2015/SFR34_Missing2015.csv", dtype=str)
    csv = csv[csv.geog_l == "LA"]
    exact = pd.to_numeric(csv.set_index(csv.New_geog_code.map(
        lambda ons: register.resolve(ons=ons).la_code)).CLA_MissDuringYear, errors="coerce")
    obs = _obs(books[SFR34])
    table = obs[(obs.measure == LAG1 + "missing-children-who-had-a-missing-incident-during-the-"
                 "year") & (obs.status == "value")].set_index("la_code").value
    both = pd.concat([exact.rename("exact"), table.rename("table")], axis=1, join="inner").dropna()
    assert len(both) > 140
    assert ((both.exact - both.table).abs() <= 2.5).all()
