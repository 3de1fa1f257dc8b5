"""The removals stage's quality checks: every source row accounted for, totals equal to the sources', links reported."""

from __future__ import annotations

import pandas as pd

from ..common.fixes import FixTable
from ..common.qa import check
from ..common.text import clean_text
from .agency_stats import agency_stats_layout
from .foia import FoiaFile

def agency_checks(wide: pd.DataFrame, by_agency: pd.DataFrame, set_aside: pd.DataFrame, source_file: str) -> list[dict]:
    """Rows accounted for, and each year's totals equal the source file's own column sums."""
    qa = []
    loaded = by_agency["source_row"].nunique()
    aside = len(set_aside)
    qa.append(
        check(
            "removals_source_rows_accounted",
            source_file,
            loaded + aside,
            len(wide),
            "pass" if loaded + aside == len(wide) else "fail",
        )
    )
    for reason, count in set_aside["reason"].value_counts().sort_index().items():
        qa.append(check("removals_rows_set_aside", f"{source_file}: {reason}", int(count), "reviewed", "info"))
    # Recomputed from the raw cells by another route than the loader's, so a loader bug shows.
    for year, measure, column in agency_stats_layout(source_file, [c for c in wide.columns if c != "source_row"]):
        expected = int(pd.to_numeric(wide[column].str.replace(",", ""), errors="coerce").sum())
        found = int(by_agency.loc[by_agency["fiscal_year"] == year, measure].sum())
        qa.append(
            check(
                "removals_year_total_matches_source",
                f"FY{year} {measure}",
                found,
                expected,
                "pass" if found == expected else "fail",
            )
        )
    if "all_removed" in wide.columns:
        removed_columns = [c for y, m, c in agency_stats_layout(source_file, list(wide.columns)) if m == "removed"]
        sums = sum(pd.to_numeric(wide[c], errors="coerce").fillna(0) for c in removed_columns)
        totals = pd.to_numeric(wide["all_removed"], errors="coerce")
        differ = wide[totals.notna() & (sums != totals)]
        for _, row in differ.iterrows():
            qa.append(
                check(
                    "removals_agency_total_matches_all_removed",
                    clean_text(row["Jurisdiction"]),
                    int(sums[row.name]),
                    row["all_removed"],
                    "warn",
                )
            )
        qa.append(
            check(
                "removals_agency_totals_match_all_removed",
                source_file,
                len(wide) - len(differ),
                len(wide),
                "pass" if differ.empty else "warn",
            )
        )
    # Not an error: an agency whose agreement ended identifies no one but still sees earlier cases removed.
    odd = by_agency[(by_agency["identified"] == 0) & (by_agency["removed"] > 0)]
    if not odd.empty:
        qa.append(
            check(
                "removals_removed_with_none_identified",
                ", ".join(f"FY{y}" for y in sorted(odd["fiscal_year"].unique())),
                len(odd),
                "reviewed",
                "info",
            )
        )
    return qa


def state_checks(by_agency: pd.DataFrame, by_state: pd.DataFrame, foia: list[FoiaFile]) -> list[dict]:
    """The national 287(g) totals per year equal the sums of the state figures, for every source file."""
    qa = []
    national = {}
    if not by_agency.empty:
        reported = by_agency[by_agency["removed"].notna()]
        for (source_file, year), total in reported.groupby(["source_file", "fiscal_year"])["removed"].sum().items():
            national[(source_file, int(year))] = int(total)
    for release in foia:
        for year, total in release.loaded_by_year.items():
            national[(release.name, year)] = total
    states = by_state.groupby(["source_file", "fiscal_year"])["removed"].sum()
    for (source_file, year), total in sorted(national.items()):
        found = int(states.get((source_file, year), 0))
        qa.append(
            check(
                "removals_state_sums_equal_national",
                f"{source_file} FY{year}",
                found,
                total,
                "pass" if found == total else "fail",
            )
        )
    extra = set(states.index) - set(national)
    for source_file, year in sorted(extra):
        qa.append(
            check("removals_state_sums_equal_national", f"{source_file} FY{year}", int(states[(source_file, year)]), 0, "fail")
        )
    if len(by_state):
        # The site shows one share per state and year: by_state.SHARE_PRECEDENCE must pick exactly one row.
        shown = by_state.groupby(["state", "fiscal_year"])["share_chosen"].sum()
        wrong = int((shown != 1).sum())
        qa.append(check("removals_one_share_shown", "all state-years", wrong, 0, "pass" if wrong == 0 else "fail"))
    too_big = int((by_state["share"].fillna(0) > 1).sum())
    qa.append(check("removals_share_at_most_one", "all state-years", too_big, 0, "pass" if too_big == 0 else "fail"))
    without = sorted(by_state.loc[by_state["national_removed"].isna(), "fiscal_year"].unique())
    if without:
        qa.append(
            check("removals_years_without_national_total", ", ".join(f"FY{y}" for y in without), len(without), "reviewed", "info")
        )
    return qa


def foia_checks(release: FoiaFile) -> list[dict]:
    qa = []
    accounted = sum(release.counts.values())
    qa.append(
        check(
            "removals_source_rows_accounted",
            release.name,
            accounted,
            release.rows_in,
            "pass" if accounted == release.rows_in else "fail",
        )
    )
    qa.append(check("removals_foia_287g_removals", release.name, release.counts["loaded"], "reviewed", "info"))
    for reason, count in sorted(release.counts.items()):
        if reason != "loaded" and count:
            qa.append(check("removals_rows_set_aside", f"{release.name}: {reason}", count, "reviewed", "info"))
    for value, count in sorted(release.unrecognised_states.items()):
        qa.append(
            check("removals_foia_unrecognised_state", f"{release.name}: {value}", count, "a state, DC or territory", "warn")
        )
    if release.sheets:
        qa.append(check("removals_foia_sheets_read", release.name, len(release.sheets), "at least 1", "info"))
    return qa


def link_checks(links: pd.DataFrame, agencies_present: bool, fixes: list[FixTable]) -> list[dict]:
    qa = []
    if not agencies_present:
        qa.append(check("removals_agencies_table_present", "build/agencies.parquet", "missing", "present", "warn"))
    unlinked = links[links["agency_id"].isna()]
    qa.append(
        check(
            "removals_agencies_linked",
            "statistics by agency",
            len(links) - len(unlinked),
            len(links),
            "pass" if unlinked.empty else "warn",
        )
    )
    for reason, count in unlinked["reason"].value_counts().sort_index().items():
        qa.append(check("removals_agencies_unlinked", reason, int(count), 0, "warn"))
    for table in fixes:
        for wrong in table.unused():
            qa.append(check("fix_unused", f"{table.name}.csv: {wrong}", "matched no value", "matches a value", "warn"))
    return qa

