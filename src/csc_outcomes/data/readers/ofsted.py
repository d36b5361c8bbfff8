"""Placeholder: this reader is being written (see the issue on loading the releases)."""

from ...errors import DataError


def read(ctx):
    raise DataError(f"{ctx.name}: no reader for this family yet")
