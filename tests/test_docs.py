"""Docs that are generated from code are up to date; every command is documented."""

import json
from pathlib import Path

import click
from click.testing import CliRunner

from csc_outcomes.cli import cli
from csc_outcomes.indicators import load_registry
from csc_outcomes.indicators.docs import render_markdown
from csc_outcomes.indicators.model import json_schema

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_indicators_page_is_up_to_date():
    expected = render_markdown(load_registry())
    assert (DOCS / "indicators.md").read_text() == expected, (
        "docs/indicators.md is stale: run `csc-outcomes indicators docs > docs/indicators.md`")
    for ind in load_registry().indicators:
        assert f"`{ind}`" in expected


def test_schema_is_up_to_date():
    assert json.loads((DOCS / "indicator.schema.json").read_text()) == json_schema()


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,), cmd


def test_every_command_has_help_with_an_example_and_is_in_the_cli_docs():
    cli_doc = (DOCS / "cli.md").read_text()
    for path, cmd in _commands(cli):
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example:" in result.output, path
        assert f"csc-outcomes {' '.join(path)}" in cli_doc, f"{' '.join(path)} not in docs/cli.md"


def test_the_python_api_page_runs(store_path):
    """docs/python-api.md's examples are doctests on the real store."""
    import doctest

    failures, tried = doctest.testfile(str(DOCS / "python-api.md"), module_relative=False,
                                       globs={"STORE": str(store_path)},
                                       optionflags=doctest.ELLIPSIS)
    assert tried >= 12 and failures == 0
