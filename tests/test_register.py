"""The register of authorities, built from the real releases."""

from datetime import date

import pytest

from csc_outcomes.data.register import normalise_name


def test_counts_by_existence_date(register):
    def alive(when):
        return sum(1 for a in register.authorities.values()
                   if (a.valid_from is None or a.valid_from <= when)
                   and (a.valid_to is None or when <= a.valid_to))
    # 152 before the 2019 Dorset reorganisation, 151 after it, 152 after the
    # 2021 Northamptonshire split and 153 after the 2023 Cumbria split.
    assert alive(date(2015, 3, 31)) == 152
    assert alive(date(2020, 3, 31)) == 151
    assert alive(date(2022, 3, 31)) == 152
    assert alive(date(2024, 3, 31)) == 153


@pytest.mark.parametrize("kwargs, expected", [
    ({"ons": "E10000002"}, "E06000060"),          # Buckinghamshire before its 2020 recode
    ({"ons": "E08000020"}, "E08000037"),          # Gateshead's pre-2013 code in old SFR files
    ({"dfe": 301.0}, "E09000002"),                # LAIT's float LA numbers
    ({"name": "Bristol, City of"}, "E06000023"),  # Ofsted's spelling
    ({"name": "Bedford Borough"}, "E06000055"),
    ({"name": "Kingston Upon Hull, City of"}, "E06000010"),
    ({"name": "County Durham"}, "E06000047"),
    ({"name": "Dorset", "year": 2016}, "E10000009"),  # the old county
    ({"name": "Dorset", "year": 2021}, "E06000059"),  # the 2019 unitary
    ({"dfe": "314 / 318"}, "E09000021+E09000027"),    # Achieving for Children, one CSWW row
    ({"name": "INNER LONDON", "area_level": True}, "E13000001"),
    ({"name": "England", "area_level": True}, "E92000001"),
])
def test_resolve(register, kwargs, expected):
    assert register.resolve(**kwargs).la_code == expected


def test_unknown_authority_has_a_reason(register):
    res = register.resolve(name="Atlantis")
    assert res.la_code is None and "Atlantis" in res.reason


def test_successors_and_predecessors(register):
    tables = register.tables()
    la = tables["la"].set_index("la_code")
    assert list(la.loc["E10000021", "successors"]) == ["E06000061", "E06000062"]
    assert list(la.loc["E06000059", "predecessors"]) == ["E10000009"]
    assert sorted(la.loc["E06000058", "predecessors"]) == ["E06000028", "E06000029", "E10000009"]
    assert str(la.loc["E10000006", "valid_to"]) == "2023-03-31"
    hist = tables["la_code_history"]
    bucks = hist[hist.la_code == "E06000060"].set_index("ons_code")
    assert str(bucks.loc["E10000002", "valid_to"]) == "2020-03-31"
    assert register.code_at("E06000060", date(2015, 3, 31)) == "E10000002"


def test_normalise_name_keeps_city_of_london_apart_from_london():
    assert normalise_name("City of London") != normalise_name("London")


def test_name_variants_are_kept(register):
    names = register.tables()["la_name"]
    bristol = set(names[names.la_code == "E06000023"].name)
    assert {"Bristol, City of", "Bristol"} <= bristol
    assert "Bedford Borough" in set(names[names.la_code == "E06000055"].name)


def test_2009_unitaries_have_their_start_date(register):
    la = register.tables()["la"].set_index("la_code")
    assert str(la.loc["E06000049", "valid_from"]) == "2009-04-01"  # Cheshire East
    assert "Cheshire County Council" in la.loc["E06000049", "note"]
    assert la.loc["E09000003", "valid_from"] is None  # Barnet: existed before 2010
