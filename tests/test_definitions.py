"""Indicator definitions: the schema, the built-ins, user folders and the sets."""

import textwrap

import pytest

from csc_outcomes.errors import DefinitionError
from csc_outcomes.indicators import load_registry
from csc_outcomes.indicators.model import Indicator

STUDY_ORDER = ["cla-return-home-planned", "care-leavers-21-eet", "care-leavers-21-accommodation",
               "cla-missing", "cla-away", "cla-offending", "cla-substance-misuse", "cla-sdq-normal",
               "cla-sdq-concern", "cin-rereferrals-12m", "cpp-second-subsequent",
               "csww-cin-per-sw", "csww-turnover-rate", "csww-agency-rate"]


def test_builtins_load_with_the_study_set_in_order():
    registry = load_registry()
    assert registry.sets["study-2016"].indicators == STUDY_ORDER
    study = [i for i in registry.indicators.values() if i.study]
    assert sorted(i.study.number for i in study) == list(range(1, 15))
    assert [registry.get(i).study.number for i in STUDY_ORDER] == list(range(1, 15))
    assert len(registry.indicators) - len(study) >= 25
    kinds = {i.id: i.kind for i in study}
    assert sum(k == "workforce" for k in kinds.values()) == 3
    for ind in registry.indicators.values():
        assert ind.evidence, f"{ind.id}: no evidence references"
        assert all(v.sources for v in ind.versions)


def test_every_referenced_measure_exists_and_has_data_in_its_years(store):
    registry = load_registry()
    known = set(store.query("SELECT measure FROM measure").measure)
    held = store.query("SELECT DISTINCT measure, year FROM observation WHERE status = 'value'")
    years_of = held.groupby("measure").year.apply(set).to_dict()
    for ind in registry.indicators.values():
        for v in ind.versions:
            for term in v.terms():
                assert term.measure in known, (ind.id, v.version, term.measure)
                years = set(range(v.first_year, (v.last_year or 2025) + 1))
                held_years = years_of.get(term.measure, set())
                assert any(term.data_year(y) in held_years for y in years), (
                    ind.id, v.version, term.measure, "no values in its years")


def test_contested_polarity_needs_a_reason():
    base = dict(id="x-y", title="t", definition="d", kind="context",
                framework={"dimension": "context"}, unit="percent", polarity="contested",
                period="31-march",
                versions=[{"version": 1, "first_year": 2015, "measure": "m",
                           "sources": [{"publisher": "DfE", "dataset": "d"}]}])
    with pytest.raises(ValueError, match="polarity_reason"):
        Indicator.model_validate(base)
    Indicator.model_validate({**base, "polarity_reason": "r"})


def test_overlapping_versions_are_rejected():
    v = {"measure": "m", "sources": [{"publisher": "DfE", "dataset": "d"}]}
    with pytest.raises(ValueError, match="overlap"):
        Indicator.model_validate(dict(
            id="x", title="t", definition="d", kind="context", framework={"dimension": "context"},
            unit="percent", polarity="lower-is-better", period="31-march",
            versions=[{**v, "version": 1, "first_year": 2015, "last_year": 2017},
                      {**v, "version": 2, "first_year": 2017}]))


def test_a_broken_user_folder_is_reported_in_full(tmp_path):
    (tmp_path / "bad-one.yaml").write_text(textwrap.dedent("""\
        id: bad-one
        title: A
        definition: B
        kind: context
        framework: {dimension: somewhere}
        unit: percent
        polarity: down
        period: 31-march
        colour: blue
        versions: []
        """))
    (tmp_path / "renamed.yaml").write_text("id: other\n")
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n")
    with pytest.raises(DefinitionError) as err:
        load_registry([tmp_path])
    text = str(err.value)
    assert "bad-one.yaml: framework.dimension: 'somewhere' is not one of" in text
    assert "bad-one.yaml: polarity: 'down' is not one of" in text
    assert "bad-one.yaml: colour: unknown key" in text
    assert "bad-one.yaml: versions: " in text
    assert "renamed.yaml:" in text and "broken.yaml: not valid YAML" in text
    assert len([line for line in text.splitlines() if line.startswith("  ")]) >= 6


def test_a_user_folder_adds_and_overrides(tmp_path):
    builtin = load_registry().get("cla-missing")
    data = builtin.model_dump(mode="json", exclude_none=True)
    data["title"] = "Missing incidents (our definition)"
    import yaml

    (tmp_path / "cla-missing.yaml").write_text(yaml.safe_dump(data))
    new = dict(data, id="cla-missing-copy", study=None)
    new.pop("study")
    (tmp_path / "cla-missing-copy.yaml").write_text(yaml.safe_dump(new))
    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "mine.yaml").write_text(
        "id: mine\ntitle: Mine\ndescription: Two\nindicators: [cla-missing, cla-missing-copy]\n")
    registry = load_registry([tmp_path])
    assert registry.get("cla-missing").title == "Missing incidents (our definition)"
    assert [i.id for i in registry.resolve(set_name="mine")] == ["cla-missing", "cla-missing-copy"]
    assert registry.origin["cla-missing"].startswith(str(tmp_path))


def test_unknown_indicator_and_set_have_clear_errors():
    registry = load_registry()
    with pytest.raises(DefinitionError, match="indicators list"):
        registry.get("no-such-thing")
    with pytest.raises(DefinitionError, match="study-2016"):
        registry.resolve(set_name="nope")


def test_variant_versions_cover_the_same_years_and_are_chosen_by_name():
    v = {"measure": "m", "sources": [{"publisher": "DfE", "dataset": "d"}]}
    base = dict(id="x", title="t", definition="d", kind="context",
                framework={"dimension": "context"}, unit="percent", polarity="lower-is-better",
                period="31-march")
    ind = Indicator.model_validate(dict(base, versions=[
        {**v, "version": 1, "first_year": 2015},
        {**v, "version": 2, "variant": "la-tables", "first_year": 2015, "last_year": 2016,
         "measure": {"measure": "t", "release": "first"}}]))
    assert ind.version_for(2015).version == 1
    assert ind.version_for(2016, ["headcount", "la-tables"]).version == 2
    assert ind.version_for(2017, ["la-tables"]).version == 1
    assert ind.variants() == ["la-tables"] and ind.span() == "from 2015"
    assert ind.version_for(2015, ["la-tables"]).measure.release == "first"
    with pytest.raises(ValueError, match="overlap"):  # within one variant they may not overlap
        Indicator.model_validate(dict(base, versions=[
            {**v, "version": 1, "variant": "fte", "first_year": 2015},
            {**v, "version": 2, "variant": "fte", "first_year": 2016}]))
    with pytest.raises(ValueError, match="variant name"):
        Indicator.model_validate(dict(base, versions=[
            {**v, "version": 1, "variant": "LA tables", "first_year": 2015}]))
    with pytest.raises(ValueError, match="release"):
        Indicator.model_validate(dict(base, versions=[
            {**v, "version": 1, "first_year": 2015,
             "measure": {"measure": "t", "release": "newest"}}]))


def test_study_set_variants_and_a_misspelt_one(tmp_path):
    registry = load_registry()
    assert registry.sets["study-2016"].variants == ["la-tables", "headcount"]
    # every study indicator with a published LA-tables figure for 2015 has that variant
    for ind in ("cla-missing", "cla-offending", "cla-sdq-concern", "cpp-second-subsequent"):
        assert registry.get(ind).version_for(2015, ["la-tables"]).variant == "la-tables"
    assert registry.get("csww-agency-rate").version_for(2015, ["headcount"]).variant == \
        "headcount"
    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "mine.yaml").write_text(
        "id: mine\ntitle: Mine\ndescription: One\nindicators: [cla-missing]\n"
        "variants: [la-table]\n")
    with pytest.raises(DefinitionError, match="'la-table' is not a variant"):
        load_registry([tmp_path])
