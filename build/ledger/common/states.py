"""The states, DC and territories, by USPS code: read once from states.csv beside this module."""

from __future__ import annotations

import csv
import functools
from importlib import resources


@functools.cache
def state_codes() -> dict[str, str]:
    """Upper-case state, DC and territory names to USPS codes."""
    with resources.files("ledger.common").joinpath("states.csv").open(encoding="utf-8") as fh:
        return {row["name"]: row["usps"] for row in csv.DictReader(fh)}


@functools.cache
def state_names() -> dict[str, str]:
    """USPS code to the upper-case name."""
    return {usps: name for name, usps in state_codes().items()}


def state_count() -> int:
    """How many state pages the site has: the 50 states, DC and the territories in states.csv."""
    return len(state_codes())
