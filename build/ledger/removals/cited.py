"""The project's cited figures (data/published): the national removal totals and the two Inspector General tables, validated.

Read here once; the site reads the build tables this makes (national_removals.parquet,
oig_2009_agreements.parquet, oig_2010_findings.parquet), never data/published itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..common.contracts import Table
from ..common.errors import LedgerError
from ..common.qa import check
from ..common.text import clean_text
from .contract import CITED, NATIONAL, SET_ASIDE_COLUMNS
from .vocabulary import FIRST_DATA_LINE

NATIONAL_COLUMNS = ["fiscal_year", "national_removed", "national_source", "national_source_url"]
WHOLE_NUMBER_RE = re.compile(r"\d+")


def national_rows(frame: pd.DataFrame, source_file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The national totals by fiscal year, and the rows set aside."""
    missing = [c for c in ("fiscal_year", "removals", "source", "source_url") if c not in frame.columns]
    if missing:
        raise LedgerError(source_file, f"lacks column(s) {', '.join(missing)}")
    rows, set_aside, years = [], [], set()
    for number, row in enumerate(frame.to_dict("records"), start=FIRST_DATA_LINE):
        year_text, removals_text = clean_text(row["fiscal_year"]), clean_text(row["removals"])
        reason = None
        if not re.fullmatch(r"(19|20)\d{2}", year_text):
            reason = "bad_fiscal_year"
        elif not WHOLE_NUMBER_RE.fullmatch(removals_text.replace(",", "")):
            reason = "bad_removals"
        elif int(year_text) in years:
            reason = "repeated_year"
        if reason:
            set_aside.append(
                {
                    "source_file": source_file,
                    "row": number,
                    "reason": reason,
                    "detail": f"{year_text}: {removals_text}",
                    "count": 1,
                }
            )
            continue
        years.add(int(year_text))
        rows.append({"fiscal_year": int(year_text), "national_removed": int(removals_text.replace(",", "")),
                     "national_source": clean_text(row["source"]), "national_source_url": clean_text(row["source_url"])})  # fmt: skip
    national = pd.DataFrame(rows, columns=NATIONAL_COLUMNS)
    return national, pd.DataFrame(set_aside, columns=SET_ASIDE_COLUMNS)


def cited_file_checks(name: str, frame: pd.DataFrame) -> list[dict]:
    """Every figure of a cited file names its source (fail) and, where one is known, its address (warn)."""
    qa = []
    for column, status in (("source", "fail"), ("source_url", "warn")):
        if column not in frame.columns:
            qa.append(check(f"cited_file_has_{column}", name, "column missing", "present", "fail"))
            continue
        blank = int((frame[column].fillna("").astype(str).str.strip() == "").sum())
        qa.append(check(f"cited_figures_without_{column}", name, blank, 0, "pass" if blank == 0 else status))
    return qa



def cited_table(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """A cited file as its declared build table: text cleaned, integer columns as integers.

    LedgerError when a declared column is missing or an integer column holds something else.
    """
    missing = [c for c in table.names if c not in frame.columns]
    if missing:
        raise LedgerError(table.file, f"lacks column(s) {', '.join(missing)}")
    out = pd.DataFrame({c: frame[c].map(clean_text) for c in table.names})
    for column in (c.name for c in table.columns if c.type == "integer"):
        text = out[column].str.replace(",", "", regex=False)
        bad = out.loc[~text.str.fullmatch(WHOLE_NUMBER_RE.pattern), column]
        if len(bad):
            raise LedgerError(table.file, f"{column} {bad.iloc[0]!r} is not a whole number")
        out[column] = text.astype("int64")
    return out.reset_index(drop=True)


def load_cited_files(
    published: Path,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame], list[dict], list[LedgerError]]:
    """(national totals, set aside, cited build tables by file, qa, errors); every cited file checked for its sources.

    The national_removals table keeps only the rows national_rows accepted, so the site never shows
    a figure the stage set aside.
    """
    national = pd.DataFrame(columns=NATIONAL_COLUMNS)
    aside, qa, errors = pd.DataFrame(columns=SET_ASIDE_COLUMNS), [], []
    tables = {table.file: pd.DataFrame(columns=table.names) for table in CITED.values()}
    for name, table in CITED.items():
        path = published / name
        if not path.exists():
            qa.append(check("cited_file_present", name, "missing", "present", "fail"))
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        qa += cited_file_checks(name, frame)
        try:
            if table is NATIONAL:
                national, aside = national_rows(frame, name)
                accounted = len(national) + len(aside)
                qa.append(check("removals_source_rows_accounted", name, accounted, len(frame),
                                "pass" if accounted == len(frame) else "fail"))  # fmt: skip
                set_aside_lines = set(aside["row"])
                frame = frame[[line not in set_aside_lines for line in range(FIRST_DATA_LINE, FIRST_DATA_LINE + len(frame))]]
            tables[table.file] = cited_table(table, frame)
        except LedgerError as exc:
            errors.append(LedgerError(path, exc.reason))
            qa.append(check("removals_file_unreadable", name, exc.reason, "readable", "fail"))
    return national, aside, tables, qa, errors
