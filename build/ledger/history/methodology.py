"""Renders the methodology's identity section (build/history_methodology.md) from the rules and this build's tier counts.

The text lives beside the stage (templates/methodology_identity.md) and quotes the rules by
name, so the site publishes the rules this build applied; the site includes the rendered file.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
import pandas as pd

from ..common.contracts import read_table
from . import rules
from .contract import IDENTITY_TIERS

TEMPLATE = Path(__file__).parent / "templates" / "methodology_identity.md"
# Characters Markdown would read as formatting inside a name.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")


def md(value: object) -> str:
    """Text safe inside Markdown: HTML escaped, Markdown punctuation backslashed (names can hold anything)."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split()), quote=False))


def num(value: object) -> str:
    """A count with thousands separators; empty for a figure not reported."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return f"{int(value):,}"


def rules_context(tiers: dict[str, int]) -> dict:
    """The template's names: every upper-case rule of rules.py, and `tiers` (tier -> merges)."""
    context = {name: value for name, value in vars(rules).items() if name.isupper()}
    context["tiers"] = {name: int(count) for name, count in tiers.items()}
    return context


def render_methodology(tiers: dict[str, int]) -> str:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters.update(md=md, num=num)
    return env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(**rules_context(tiers))


def methodology_context(data_dir: Path) -> dict:
    """What templates/methodology_identity.md needs, with the tier counts of the last build (build/identity_tiers.csv)."""
    tiers = read_table(Path(data_dir) / "build", IDENTITY_TIERS, ["tier", "merges"])
    return rules_context(dict(zip(tiers["tier"], tiers["merges"].astype(int))))
