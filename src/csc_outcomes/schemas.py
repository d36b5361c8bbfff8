"""The shape of every command's ``--json`` output, as code: one model per output, from
which ``docs/schemas/*.json`` (JSON Schema) is generated, and against which a test checks
the real outputs.

One concept has one shape wherever it appears: a file's load report (``data load``), a
file's record (``data status``), a problem row, an indicator value, an analysis result
(every ``analyse`` command: verdict, parameters, notes, tables, attribution).

Regenerate the documents with ``python -m csc_outcomes.schemas docs/schemas``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Scalar = str | int | float | bool | None
#: A row of a table: column -> a scalar (or a short list, such as features).
Record = dict[str, Scalar | list[Scalar] | dict[str, Scalar]]
Table = list[Record]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileReport(Shape):
    """What a load did with one file."""

    file: str
    family: str | None
    cells_read: int
    values_stored: int
    special_stored: int
    problems: int
    problem_records: int
    rows_read: int
    skipped_reason: str | None
    error: str | None
    notes: list[str]
    special_by_status: dict[str, int]


class Load(Shape):
    """``data load --json``."""

    data_dir: str
    store: str
    files: list[FileReport]
    kept: list[str]
    pruned: list[str]
    register_note: str = Field(alias="register")
    failed: list[str]


class FileRecord(Shape):
    """A file's record in the store, as the last load that read it left it."""

    source_file: str
    family: str | None
    sha256: str | None
    size: int | None
    loaded_at: str | None
    rows_read: int | None
    cells_read: int | None
    values_stored: int | None
    special_stored: int | None
    problems: int | None
    problem_records: int | None
    skipped_reason: str | None
    notes: list[str]
    special_by_status: dict[str, int]
    failed_at: str | None
    failed_sha256: str | None
    failed_error: str | None


class Totals(Shape):
    observations: int
    values: int
    authorities: int
    measures: int
    inspections: int
    problems: int


class Status(Shape):
    """``data status --json``."""

    store: str
    loaded_at: str | None
    data_dir: str | None
    totals: Totals
    files: list[FileRecord]
    by_source: Table


class Problem(Shape):
    """A cell or row a load could not store."""

    source_file: str
    row: int | None
    column: str | None
    code: str
    message: str
    value: str | None
    cells: int


class Fetched(Shape):
    path: str
    status: str
    url: str
    detail: str | None
    network: bool


class Fetch(Shape):
    """``data fetch --json``."""

    cache: str
    files: list[Fetched]


class IndicatorRow(Shape):
    """A row of ``indicators list --json``."""

    id: str
    title: str
    kind: str
    dimension: str
    features: list[str]
    unit: str
    polarity: str
    study: int | None
    years: str


class Value(Shape):
    """An indicator's value for an authority and year (``indicators values --json``)."""

    la_code: str
    authority: str | None
    period: int
    indicator: str
    unit: str
    value: float | None
    numerator: float | None
    denominator: float | None
    status: str


class Coverage(Shape):
    """``framework coverage --json``."""

    source: Any
    set: str | None
    dimensions: list[dict[str, Any]]
    outside_map: list[dict[str, Any]]
    unknown_features: list[str]
    summary: dict[str, int]
    agreed_outcomes: list[dict[str, Any]] | None = None


class Side(Shape):
    """One side (best or worst) of the replication's phase one."""

    distribution: dict[str, int]
    table: Table
    named: Table
    members: dict[str, list[str]]
    counts: dict[str, int]


class Replication(Shape):
    """``replicate --json`` (``comparison`` with ``--against-published``)."""

    choices: dict[str, Any]
    year: int
    universe: int
    inspected: int
    indicators: Table
    phase1: dict[str, Side]
    phase2: Table
    notes: list[str]
    attribution: str
    sample: Table
    names: dict[str, str]
    comparison: dict[str, Any] | None = None


class Sensitivity(Shape):
    """``replicate --sensitivity --json``."""

    default: dict[str, Any]
    variants: Table
    phase2_r: dict[str, Any]
    phase2_n: dict[str, Any]


class Search(Shape):
    """``replicate --search --json``."""

    samples: Table
    changes: Table
    phase1: Table
    conclusions: list[dict[str, Any]]
    best: dict[str, Any]
    attribution: str


class Analysis(Shape):
    """Every ``analyse`` command, and ``neighbours``, ``typology`` and ``sample``."""

    analysis: str
    attribution: str
    verdict: list[str]
    parameters: dict[str, Any]
    notes: list[str]
    tables: dict[str, Table]


#: command -> the shape of its --json output
COMMANDS: dict[str, Any] = {
    "data load": Load,
    "data status": Status,
    "data problems": list[Problem],
    "data fetch": Fetch,
    "indicators list": list[IndicatorRow],
    "indicators values": list[Value],
    "framework coverage": Coverage,
    "replicate": Replication,
    "replicate --sensitivity": Sensitivity,
    "replicate --search": Search,
    "analyse consistency": Analysis,
    "analyse funnel": Analysis,
    "analyse ofsted": Analysis,
    "analyse trends": Analysis,
    "analyse transitions": Analysis,
    "analyse completeness": Analysis,
    "analyse spending": Analysis,
    "neighbours": Analysis,
    "typology": Analysis,
    "sample": Analysis,
}


def schema(command: str) -> dict:
    """The JSON Schema of a command's ``--json`` output."""
    out = TypeAdapter(COMMANDS[command]).json_schema()
    out["title"] = f"csc-outcomes {command} --json"
    return out


def file_name(command: str) -> str:
    return command.replace(" --", "-").replace(" ", "-") + ".json"


def write_all(folder: Path) -> list[Path]:
    """Write every command's schema into ``folder``; return the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for command in COMMANDS:
        path = folder / file_name(command)
        path.write_text(json.dumps(schema(command), indent=2) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")):
        print(path)
