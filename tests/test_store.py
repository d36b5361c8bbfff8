"""The full load of the real releases: what issue 2 says the store must show."""

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from csc_outcomes.errors import PROBLEM_CODES


def test_every_file_is_accounted_for(loaded, raw_dir):
    _, report = loaded
    from csc_outcomes.data.load import data_files

    assert [f.file for f in report.files] == data_files(raw_dir)
    assert not report.failed, [(f.file, f.error) for f in report.failed]
    for f in report.files:
        assert f.cells_read == f.values_stored + f.special_stored + f.problems, f.file
        assert sum(f.special_by_status.values()) == f.special_stored, f.file
        assert set(f.special_by_status) <= {"suppressed", "not_available", "not_applicable",
                                            "nil", "low_reliability", "rounds_to_zero", "other"}
        if f.family == "skip":
            assert f.skipped_reason and f.cells_read == 0
        else:
            assert f.cells_read > 0 and f.skipped_reason is None, f.file


def test_problems_are_few_and_each_has_a_known_code(store, loaded):
    _, report = loaded
    cells = sum(f.cells_read for f in report.files)
    problems = store.problems()
    assert set(problems.code) <= set(PROBLEM_CODES)
    assert problems.cells.sum() < 0.001 * cells
    assert problems[["source_file", "message"]].notna().all().all()


def test_first_sif_judgement_for_all_152_authorities(store):
    sif = store.query("SELECT * FROM inspection WHERE framework = 'SIF' AND inspection_type = 'first'")
    assert sif.la_code.nunique() == 152 and len(sif) == 152
    assert sif.overall.value_counts().to_dict() == {
        "Requires improvement": 65, "Good": 51, "Inadequate": 33, "Outstanding": 3}
    # 48 published by 31 March 2015, 87 by 31 March 2016 (PROVENANCE.md)
    published = pd.to_datetime(sif.published)
    assert (published <= "2015-03-31").sum() == 48
    assert (published <= "2016-03-31").sum() == 87


def test_all_ilacs_inspections_to_march_2025_are_held(store, raw_dir):
    sheet = CalamineWorkbook.from_path(
        str(raw_dir / "ofsted/LA_Inspection_Outcomes_as_at_31_March_2025.ods")
    ).get_sheet_by_name("ILACS_inspection_history").to_python()
    header = sheet[2]
    rows = [dict(zip(header, r)) for r in sheet[3:] if r[1]]
    assert len(rows) == 271
    held = store.query("SELECT la_code, published, overall FROM inspection WHERE framework = 'ILACS'")
    held_keys = set(zip(pd.to_datetime(held.published).dt.date, held.overall))
    for r in rows:
        assert (r["Publication date"].date(), r["Overall effectiveness"].replace(
            "Requires improvement to be good", "Requires improvement")) in held_keys, r


STUDY_2015_MEASURES = [
    "cla-sfr:CEA:CLA_ceaParPlan", "cla-sfr:CEA:CLA_ceaParNPlan",
    "cla-sfr:Missing:CLA_MissDuringYear", "cla-sfr:Missing:CLA_AwayDuringYear",
    "cla-sfr:CLA:CLA_DuringYear", "cla-sfr:OC2:CLA_convicted", "cla-sfr:OC2:CLA_10over",
    "cla-sfr:OC2:CLA_submisuse", "cla-sfr:OC2:CLA_12mths", "cla-sfr:OC2:CLA_SDQnormal",
    "cla-sfr:OC2:CLA_SDQconcern", "cla-sfr:OC2:CLA_SDQ",
    "cin:c1_children_in_need_referrals_and_rereferrals:rereferral_count",
    "cin:c1_children_in_need_referrals_and_rereferrals:referral_count",
    "cin:d3_cpps_subsequent_plan:CPP_subsequent", "cin:d3_cpps_subsequent_plan:CPP_start",
    "csww-sfr:CiNperCSW_Headcount", "csww-sfr:B3_FTE_TurnoverRate",
    "csww-sfr:D2_FTE_AgencyWorkerRate", "csww-sfr:A1_Headcount_ChildrensSocialWorkers",
    "cin:b1_children_in_need:At31_episodes",
    # care leavers aged 21 are published separately only in the LA tables (LAF1c, LAF3)
    "cla-la-tables:LAF1c:percentages-local-authority-has-information-total-number-in-education-employment-or-training",
    "cla-la-tables:LAF3:21-year-olds-percentage-of-21-year-olds-in-suitable-accommodation",
]


@pytest.mark.parametrize("measure", STUDY_2015_MEASURES)
def test_2015_measures_for_the_study_cover_151_or_152_authorities(store, measure):
    rows = store.query(
        "SELECT o.la_code, o.status FROM observation_latest o JOIN la USING (la_code) "
        "WHERE la.level = 'la' AND o.year = 2015 AND o.measure = ?", [measure])
    assert rows.la_code.nunique() in (151, 152), measure
