"""The whole loop from the command line on the real store: survey, a simulated panel of 60
in six groups over three rounds (synthetic ratings: no real panel exists), score, next,
set, and the agreed set used by `indicators values`, `replicate` and `framework coverage`;
then the COS-STAR report."""

import json
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from csc_outcomes import ATTRIBUTION
from csc_outcomes.cli import cli
from csc_outcomes.consensus.workflow import score_files
from csc_outcomes.indicators import load_registry, values

PLANTED_IN = ["care-leavers-21-eet", "care-leavers-21-accommodation", "cpp-second-subsequent",
              "cin-rereferrals-12m", "outcome-a17", "outcome-a12"]
PLANTED_OUT = ["cla-away", "cla-sdq-normal"]
AGREED_INDICATORS = ["care-leavers-21-eet", "care-leavers-21-accommodation",
                     "cin-rereferrals-12m", "cpp-second-subsequent"]


def _run(*args, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _strict(text: str):
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))


@pytest.fixture(scope="module")
def panel(tmp_path_factory, store_path):
    root = tmp_path_factory.mktemp("panel")
    plant = [x for i in PLANTED_IN for x in ("--agree-in", i)]
    plant += [x for i in PLANTED_OUT for x in ("--agree-out", i)]
    survey = _strict(_run("consensus", "survey", "--set", "study-2016", "--gaps",
                          "expected-outcomes", "--out", root / "round-1", "--store", store_path,
                          "--json"))
    _run("consensus", "simulate", root / "round-1/round-1.csv", "--to",
         root / "round-1/responses.csv", *plant)
    for k in (2, 3):
        _run("consensus", "next", root / f"round-{k - 1}/responses.csv", "--out",
             root / f"round-{k}")
        _run("consensus", "simulate", root / f"round-{k}/round-{k}.csv", "--to",
             root / f"round-{k}/responses.csv", *plant)
    return root, survey


def test_survey_lists_items_with_evidence_and_national_data(panel):
    root, survey = panel
    items = {i["item_id"]: i for i in survey["items"]}
    assert len(items) == 22 and survey["attribution"] == ATTRIBUTION
    assert items["cla-missing"]["national_data"].startswith("yes: 2015-")
    assert "a1 LAC placement stability" in items["cla-missing"]["evidence"]
    assert "contested" in items["cla-missing"]["description"]
    assert items["outcome-a17"]["national_data"] == "no national indicator"
    for name in ("items.csv", "survey.json", "round-1.csv", "form.html"):
        assert (root / "round-1" / name).is_file()
    header = (root / "round-1/round-1.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["panellist_id", "group", "cla-return-home-planned"]
    assert "comment:outcome-a17" in header


def test_score_json_equals_the_api(panel):
    root, _ = panel
    out = _strict(_run("consensus", "score", root / "round-1/responses.csv", "--json"))
    api = score_files(root / "round-1/responses.csv").as_dict()
    assert out == json.loads(json.dumps(api))
    assert out["scores"]["panel"]["panellists"] == 60 and out["scores"]["panel"]["included"] == 59
    not_scored = [p for p in out["scores"]["panellists"] if not p["included"]]
    assert len(not_scored) == 1 and "not scored" in not_scored[0]["reason"]


def test_score_with_previous_adds_stability_and_attrition(panel):
    root, _ = panel
    out = _strict(_run("consensus", "score", root / "round-3/responses.csv", "--previous",
                       root / "round-2/responses.csv", "--json"))
    comp = out["comparison"]
    assert len(comp["items"]) == 22
    total = next(a for a in comp["attrition"] if a["group"] == "all")
    assert total["scored_before"] - total["left"] == total["scored_after"] == \
        out["scores"]["panel"]["included"]
    final = {i["item_id"]: i["classification"] for i in out["scores"]["items"]}
    assert sorted(k for k, v in final.items() if v == "in") == sorted(PLANTED_IN)
    assert sorted(k for k, v in final.items() if v == "out") == sorted(PLANTED_OUT)


def test_round_two_shows_group_feedback_and_own_ratings(panel):
    root, _ = panel
    folder = root / "round-2"
    text = (folder / "forms.html").read_text()
    assert text.count('<section class="sheet">') == 59  # everyone scored in round 1
    assert "Your rating in round 1:" in text and "All panellists" in text
    assert "DfE and Ofsted" in (folder / "form.html").read_text()
    rows = (folder / "round-2.csv").read_text().splitlines()
    assert len(rows) == 60 and rows[1].split(",")[0].startswith("P")


@pytest.fixture(scope="module")
def agreed(panel):
    root, _ = panel
    out = _strict(_run("consensus", "set", root / "round-3/responses.csv", "--name",
                       "agreed-test", "--to", root / "definitions", "--json"))
    return root / "definitions", out


def test_set_writes_the_agreed_indicators_and_records_the_outcomes(agreed):
    folder, out = agreed
    assert out["indicators"] == AGREED_INDICATORS
    assert out["outcomes"] == ["outcome-a12", "outcome-a17"]
    registry = load_registry([folder])
    assert registry.sets["agreed-test"].indicators == AGREED_INDICATORS


def test_the_agreed_set_computes_values_on_the_real_store(agreed, store_path):
    folder, _ = agreed
    frame = values(set_name="agreed-test", years=[2024], store=store_path,
                   registry=load_registry([folder]))
    per = frame[frame.status == "value"].groupby("indicator").la_code.nunique()
    assert sorted(per.index) == sorted(AGREED_INDICATORS)
    assert (per >= 140).all(), per
    # (`indicators values --json` prints NaN for missing values: not this feature's code)
    cli_rows = json.loads(_run("indicators", "values", "--set", "agreed-test", "--year", "2024",
                               "--indicators", folder, "--store", store_path, "--json"))
    assert len(cli_rows) == len(frame)


def test_the_environment_variable_finds_the_set_without_a_flag(agreed, store_path):
    folder, _ = agreed
    out = _strict(_run("indicators", "list", "--set", "agreed-test", "--json",
                       env={"CSC_OUTCOMES_INDICATORS": str(folder)}))
    assert [r["id"] for r in out] == AGREED_INDICATORS


def test_replicate_runs_on_the_agreed_set(agreed, store_path):
    folder, _ = agreed
    out = _strict(_run("replicate", "--set", "agreed-test", "--year", "2024", "--indicators",
                       folder, "--store", store_path, "--json"))
    assert sorted(r["indicator"] for r in out["phase2"]) == sorted(AGREED_INDICATORS)
    assert all(r["n"] >= 100 for r in out["phase2"])


def test_coverage_of_the_agreed_set(agreed, store_path):
    folder, _ = agreed
    cov = _strict(_run("framework", "coverage", "--set", "agreed-test", "--indicators", folder,
                       "--store", store_path, "--json"))
    feats = {f["id"]: f for d in cov["dimensions"] for f in d["features"]}
    assert {k for k, f in feats.items() if f["status"] == "measured"} == {"a1", "a2", "a3", "b1"}
    assert feats["a6"]["status"] == "not in the set"
    assert "cla-offending" in feats["a6"]["outside_set"]
    assert feats["a17"]["status"] == "gap: no national indicator"
    assert feats["a17"]["agreed_outcomes"] == ["outcome-a17"]
    assert [a["id"] for a in cov["proposed_additions"]] == ["outcome-a12", "outcome-a17"]
    assert cov["summary"]["measured"] == 4 and cov["set"] == "agreed-test"
    text = _run("framework", "coverage", "--set", "agreed-test", "--indicators", folder,
                "--store", store_path)
    assert "proposed additions" in text and "outcome-a17" in text and ATTRIBUTION[:40] in text


class _Page(HTMLParser):
    """Headings, the number of scoped header cells, and each cell's text by section."""

    def __init__(self):
        super().__init__()
        self.headings, self.scoped, self.cells = [], 0, []
        self._tags, self._section, self._text = [], None, []

    def handle_starttag(self, tag, attrs):
        self._tags.append(tag)
        if tag == "th" and dict(attrs).get("scope"):
            self.scoped += 1
        if tag in ("td", "th", "h1", "h2"):
            self._text = []

    def handle_endtag(self, tag):
        text = " ".join(t for t in self._text if t)
        if tag in ("h1", "h2"):
            self.headings.append(text)
            self._section = text
        elif tag in ("td", "th"):
            self.cells.append((self._section, text))
        if self._tags and self._tags[-1] == tag:
            self._tags.pop()

    def handle_data(self, data):
        self._text.append(data.strip())


def test_report_follows_cos_star(panel, agreed):
    root, _ = panel
    rounds = [root / f"round-{k}/responses.csv" for k in (1, 2, 3)]
    _run("consensus", "report", *rounds, "--set", "agreed-test", "--indicators",
         root / "definitions", "--out", root / "report")
    page = _Page()
    page.feed((root / "report/report.html").read_text())
    for heading in ["Participants (5, 12)", "Items at the start (6a, 13a)", "Rounds (7, 9b)",
                    "Attrition and stability (12)", "Final set (14)"]:
        assert heading in page.headings
    assert page.scoped > 50
    final = [text for section, text in page.cells if section == "Final set (14)"]
    assert sorted(set(final) & set(PLANTED_IN + PLANTED_OUT)) == sorted(PLANTED_IN)
    md = (root / "report/report.md").read_text()
    assert "| all | 60 | 59 |" in md and ATTRIBUTION in md
    data = _strict(_run("consensus", "report", *rounds, "--json"))
    assert [len(r["in"]) for r in data["rounds"]][-1] == len(PLANTED_IN)
    assert sorted(i["item_id"] for i in data["final"]["in"]) == sorted(PLANTED_IN)


def test_set_refuses_to_clobber_or_to_guess(agreed, panel, monkeypatch):
    root, _ = panel
    responses = root / "round-3/responses.csv"
    runner = CliRunner()
    clash = runner.invoke(cli, ["consensus", "set", str(responses), "--name", "agreed-test",
                                "--to", str(root / "definitions")])
    assert clash.exit_code == 2 and "exists; choose another --name or pass --force" in clash.output
    builtin = runner.invoke(cli, ["consensus", "set", str(responses), "--name", "study-2016",
                                  "--to", str(root / "x")])
    assert builtin.exit_code == 2 and "built-in set" in builtin.output
    monkeypatch.delenv("CSC_OUTCOMES_INDICATORS", raising=False)
    nowhere = runner.invoke(cli, ["consensus", "set", str(responses), "--name", "x"])
    assert nowhere.exit_code == 1 and "--to DIR" in nowhere.output


def test_no_agreement_means_no_set(panel, tmp_path):
    root, _ = panel
    result = CliRunner().invoke(cli, ["consensus", "set", str(root / "round-1/responses.csv"),
                                      "--name", "strict", "--agree", "1.0", "--to",
                                      str(tmp_path)])
    assert result.exit_code == 1 and "no indicator reached consensus in" in result.output
    assert not (tmp_path / "sets").exists()
