"""The ``csc-outcomes`` command: thin commands over the Python API (one module per group).

This module is the single error boundary: a :class:`CscOutcomesError` raised
anywhere below becomes ``Error: ...`` on stderr and exit code 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from .. import __version__
from ..errors import CscOutcomesError, LoadInterrupted

if TYPE_CHECKING:
    import pandas as pd

console = Console(width=None if sys.stdout.isatty() else 160)


class Group(click.Group):
    """The error boundary: library errors become one line on stderr, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LoadInterrupted as exc:
            click.echo(f"Interrupted: {exc}", err=True)
            ctx.exit(130)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except CscOutcomesError as exc:
            raise click.ClickException(str(exc)) from exc


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
    click.echo(json.dumps(obj, indent=2, default=_json_default))


def _json_default(value):
    import pandas as pd

    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if pd.isna(value):
        return None
    return str(value)


def frame_table(frame: pd.DataFrame, title: str | None = None, caption: str | None = None) -> Table:
    import pandas as pd

    table = Table(title=title, caption=caption, show_lines=False)
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(str(col), justify="right" if numeric else "left", overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if _blank(v) else _fmt(v) for v in row])
    return table


def _blank(v) -> bool:
    import pandas as pd

    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    return str(v)


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
    analyse_group,
    consensus_commands,
    data_commands,
    indicator_commands,
    replicate_command,
    report_commands,
)

__all__ = ["cli"]
