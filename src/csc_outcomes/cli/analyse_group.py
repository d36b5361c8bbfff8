"""`csc-outcomes analyse ...`: the analyses that go past the 2016 study.

The group is defined here; each family of analyses registers its commands on it from a
module of its own.
"""

from __future__ import annotations

from . import Group, cli


@cli.group(cls=Group)
def analyse():
    """Analyses past the 2016 study: can the data tell, and is it improving?

    Example: csc-outcomes analyse --help
    """
