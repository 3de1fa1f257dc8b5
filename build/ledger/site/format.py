"""Values made safe and readable for a page: Markdown and HTML escaping, counts, dates, links."""

from __future__ import annotations

import html
import re

import pandas as pd

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")


def missing(value: object) -> bool:
    """None, NaN, NaT or pd.NA: a value the data does not have (never shown as text such as '<NA>')."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value))


def md(value: object) -> str:
    """Text safe inside Markdown: HTML escaped, Markdown punctuation backslashed (names can hold anything)."""
    text = "" if missing(value) else str(value)
    text = html.escape(" ".join(text.split()), quote=False)
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def h(value: object) -> str:
    """Text safe inside raw HTML."""
    return "" if missing(value) else html.escape(str(value), quote=True)


def num(value: object) -> str:
    """A count with thousands separators; empty for a figure not reported (never 0)."""
    return "" if missing(value) else f"{int(value):,}"


def day(value: object) -> str:
    """A date as YYYY-MM-DD; empty when unknown."""
    if missing(value):
        return ""
    if isinstance(value, str):
        return value[:10]
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def safe_url(value: object) -> str:
    """Only http(s) links leave the site; anything else in a cell is not made a link."""
    text = "" if missing(value) else str(value)
    return html.escape(text, quote=True) if text.lower().startswith(("https://", "http://")) else ""


def figure(value: object) -> str:
    """A cited figure as its report prints it: a whole number without a decimal point."""
    if missing(value):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def size(value: object) -> str:
    """A file's size as a reader reads it: 940 B, 12 KB, 3.4 MB (powers of 1,000, as browsers show downloads)."""
    if missing(value):
        return ""
    bytes_ = int(value)
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if bytes_ >= scale:
            amount = bytes_ / scale
            return f"{amount:,.1f} {unit}" if amount < 100 else f"{amount:,.0f} {unit}"
    return f"{bytes_} B"
