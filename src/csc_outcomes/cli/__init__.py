"""The ``csc-outcomes`` command: thin commands over the Python API (one module per group).

This module is the single error boundary: a :class:`CscOutcomesError` raised
anywhere below becomes ``Error: ...`` on stderr and exit code 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from .. import __version__
from ..errors import CscOutcomesError, InputError, LoadInterrupted

if TYPE_CHECKING:
    import pandas as pd

def _width() -> int | None:
    """The terminal's width; COLUMNS when set (as for a pipe or a test); else 120."""
    import os

    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    return None if sys.stdout.isatty() else 120


console = Console(width=_width())


#: Commands that show progress of their own (a spinner would fight with it).
OWN_PROGRESS = {"load", "fetch", "report", "serve"}


class Command(click.Command):
    """A command that shows a spinner on standard error while it works, when that is a
    terminal (a search or a whole coverage map takes several seconds)."""

    def invoke(self, ctx):
        if self.name in OWN_PROGRESS or not sys.stderr.isatty():
            return super().invoke(ctx)
        with Console(stderr=True).status(f"csc-outcomes {ctx.command_path.split(' ', 1)[-1]}: "
                                         "working", spinner="dots"):
            return super().invoke(ctx)


class BadInput(click.ClickException):
    """A value the user gave that the store or the definitions cannot serve: exit 2."""

    exit_code = 2


class Group(click.Group):
    """The error boundary: library errors become one line on stderr, never a traceback."""

    command_class = Command
    group_class = type  # sub-groups are Groups too (click: "type" means the same class)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LoadInterrupted as exc:
            click.echo(f"Interrupted: {exc}", err=True)
            ctx.exit(130)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except InputError as exc:
            raise BadInput(str(exc)) from exc
        except CscOutcomesError as exc:
            raise click.ClickException(str(exc)) from exc
        except Exception as exc:  # DuckDB stops a query on Ctrl-C with its own error
            if not (type(exc).__name__ == "InterruptException" or (
                    isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower())):
                raise
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


def store_option(f):
    return click.option("--store", "store", type=click.Path(dir_okay=False),
                        help="DuckDB store file [env CSC_OUTCOMES_STORE; default in the user "
                             "data folder].")(f)


def data_dir_option(f):
    return click.option("--data-dir", "data_dir", type=click.Path(file_okay=False),
                        help="Folder of official releases [env CSC_OUTCOMES_DATA].")(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print JSON for scripts instead of tables.")(f)


def emit_json(obj) -> None:
    """Print strict JSON (missing numbers are null, never NaN)."""
    from ..serialise import dumps

    click.echo(dumps(obj))


def write_tables(tables: dict, folder: str | Path, prefix: str = "") -> list[Path]:
    """Write each table as ``<folder>/<prefix><name>.csv`` and say on standard error which
    files were written (standard output stays the command's own)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot write CSV files into {folder}: "
                                   f"{exc.strerror}") from exc
    written = []
    for name, table in tables.items():
        path = folder / f"{prefix}{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)
    if written:
        click.echo(f"Wrote {len(written)} CSV file(s) to {folder}: "
                   + ", ".join(p.name for p in written), err=True)
    return written


def frame_table(frame: pd.DataFrame, title: str | None = None, caption: str | None = None) -> Table:
    """A table for people (see :mod:`.render`)."""
    from .render import people_table

    return people_table(frame, title=title, caption=caption)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="csc-outcomes")
def cli():
    """Children's social care outcomes for English local authorities, from the public
    DfE and Ofsted releases.

    Example: csc-outcomes data load --data-dir ../shared/data/raw
    """


def indicators_option(f):
    return click.option("--indicators", "indicator_dirs", multiple=True,
                        type=click.Path(file_okay=False),
                        help="Folder of extra or overriding indicator definitions (YAML); "
                             "may be given more than once.")(f)


def _registry(indicator_dirs):
    from ..indicators import load_registry

    return load_registry([Path(d) for d in indicator_dirs])


# The command modules register themselves on `cli` when imported.
from . import (  # noqa: E402,F401
    alike_commands,
    analyse_group,
    analyse_improving,
    analyse_tell,
    consensus_commands,
    data_commands,
    indicator_commands,
    replicate_command,
    report_commands,
)

__all__ = ["cli"]
