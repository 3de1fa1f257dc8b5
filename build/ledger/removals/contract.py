"""The removals stage's contract: what it reads and the tables it writes, every column typed and described."""

from __future__ import annotations

from ..common.contracts import Column, ForeignKey, Stage, Table, qa_table
from .vocabulary import CRIMINALITY_COLUMNS, LEVEL_COLUMNS

S, I, N, B = "string", "integer", "number", "boolean"

BY_AGENCY = Table(
    "removals_by_agency.parquet",
    "people identified and removed through 287(g), per agency and fiscal year (ICE's statistics by agency, FY2006-2013)",
    (
        Column("agency_id", S, "the agency in the agreements history (agencies.parquet), empty when unlinked"),
        Column("agency_name", S, "the agency's name as the source printed it"),
        Column("state", S, "USPS code, from the address or data/manual/removals_states.csv"),
        Column("fiscal_year", I, "federal fiscal year (October to September)"),
        Column("identified", I, "people identified through 287(g); empty = not reported (never zero)"),
        Column("removed", I, "people removed through 287(g); empty = not reported (never zero)"),
        Column("link_method", S, "how agency_id was found: manual, name, loose_name, or unlinked"),
        Column("source", S, "the publication the figure comes from"),
        Column("source_url", S, "its address"),
        Column("source_file", S, "the file in the raw archive"),
        Column("source_row", I, "the row of that file (1 = header)"),
    ),
    primary_key=("source_file", "source_row", "fiscal_year"),
    foreign_keys=(ForeignKey("agency_id", "agencies.parquet", "agency_id"),),
)

BY_STATE = Table(
    "removals_by_state.parquet",
    "people removed through 287(g), per source, state and fiscal year, with the share of all ICE removals",
    (
        Column("state", S, "USPS code; 'unknown' where the record gives none"),
        Column("fiscal_year", I, "federal fiscal year (October to September)"),
        Column("removed", I, "people removed through 287(g)"),
        Column("agencies_reporting", I, "agencies with a reported figure (statistics by agency only)"),
        Column("national_removed", I, "all ICE removals that year (data/published/national_removals.csv)"),
        Column("share", N, "removed / national_removed"),
        Column("share_chosen", B, "this row's source is the one shown for the state and year (removals.by_state.SHARE_PRECEDENCE)"),
        Column("national_source", S, "the publication national_removed comes from"),
        Column("national_source_url", S, "its address, where known"),
        *(Column(c, I, f"removed, criminality '{c}' (FOIA records with criminality only)") for c in CRIMINALITY_COLUMNS),
        *(Column(c, I, f"removed, threat {c.replace('_', ' ')} (FOIA records with a threat level only)") for c in LEVEL_COLUMNS),
        Column("source", S, "the publication the figures come from"),
        Column("source_url", S, "its address, where known"),
        Column("source_file", S, "the file in the raw archive"),
    ),
    primary_key=("source_file", "state", "fiscal_year"),
)

BY_YEAR = Table(
    "removals_by_year.parquet",
    "people removed through 287(g) in the whole country per fiscal year (ICE's statistics by agency), beside all ICE removals",
    (
        Column("fiscal_year", I, "federal fiscal year (October to September)"),
        Column("removed", I, "people removed through 287(g), summed over the agencies that reported a figure"),
        Column("agencies_reporting", I, "agencies with a reported figure"),
        Column("national_removed", I, "all ICE removals that year (data/published/national_removals.csv)"),
        Column("share", N, "removed / national_removed"),
        Column("source", S, "the publication the 287(g) figures come from"),
        Column("source_url", S, "its address"),
        Column("source_file", S, "the file in the raw archive"),
        Column("national_source", S, "the publication national_removed comes from"),
        Column("national_source_url", S, "its address, where known"),
    ),
    primary_key=("fiscal_year",),
)

UNLINKED = Table(
    "removals_unlinked.csv",
    "agencies of the statistics by agency that could not be linked to the agreements history",
    (
        Column("agency_name", S, "the agency's name as the source printed it"),
        Column("state", S, "USPS code"),
        Column("reason", S, "no_match, ambiguous, manual_target_missing or no_agencies_table"),
        Column("detail", S, "the candidates or the hand table's target, where there are any"),
        Column("source_file", S, "the file in the raw archive"),
        Column("source_row", I, "the agency's first row in that file (1 = header)"),
    ),
    primary_key=("agency_name", "state"),
)

SET_ASIDE = Table(
    "removals_set_aside.csv",
    "source rows not loaded, each with a reason from removals.SET_ASIDE_REASONS (FOIA releases: counts only)",
    (
        Column("source_file", S, "the file the rows come from"),
        Column("row", I, "the row of that file (1 = header); empty for FOIA counts"),
        Column("reason", S, "a key of removals.SET_ASIDE_REASONS"),
        Column("detail", S, "what was found"),
        Column("count", I, "how many rows (1, except for FOIA counts)"),
    ),
)

NATIONAL = Table(
    "national_removals.parquet",
    "all ICE removals per fiscal year, as cited in data/published/national_removals.csv (validated)",
    (
        Column("fiscal_year", I, "federal fiscal year (October to September)"),
        Column("removals", I, "all ICE removals that year"),
        Column("source", S, "the publication the figure comes from"),
        Column("source_url", S, "its address, empty where not recorded"),
        Column("source_kind", S, "primary (ICE or DHS itself) or secondary (a report quoting or counting ICE's data)"),
        Column("note", S, "how the figure was found or what is still missing"),
    ),
    primary_key=("fiscal_year",),
)

OIG_AGREEMENTS = Table(
    "oig_2009_agreements.parquet",
    "the 287(g) agreements the DHS Inspector General listed in 2009 (OIG-10-63, Appendix E), as cited in data/published",
    (
        Column("state", S, "USPS code"),
        Column("state_name", S, "the state's name"),
        Column("agency", S, "the agency's name as the report prints it"),
        Column("model", S, "the agreement's model as the report names it (Task Force, Jail Enforcement, Hybrid)"),
        Column("date_signed_original", S, "the date the first agreement was signed (YYYY-MM-DD)"),
        Column("status", S, "the agreement's status in the report"),
        Column("as_of", S, "the date the report's table describes (YYYY-MM-DD)"),
        Column("source", S, "the publication the row comes from"),
        Column("source_url", S, "its address"),
    ),
    primary_key=("state", "agency"),
)

OIG_FINDINGS = Table(
    "oig_2010_findings.parquet",
    "the figures of the DHS Inspector General's 2010 report on 287(g) (OIG-10-63) the site cites, as in data/published",
    (
        Column("figure_id", S, "the figure's name, as the site refers to it"),
        Column("value", I, "the figure (every figure the site cites from the report is a whole number)"),
        Column("unit", S, "what it counts"),
        Column("description", S, "what the figure is"),
        Column("as_of", S, "the year or month it describes, where the report gives one"),
        Column("report", S, "the report's number"),
        Column("source", S, "the publication the figure comes from"),
        Column("source_url", S, "its address"),
        Column("source_kind", S, "primary (the report itself) or secondary (quoted by another publication)"),
    ),
    primary_key=("figure_id",),
)

EARLY_AGENCIES = Table(
    "early_agencies.parquet",
    "one row per agency known from the 2009 Inspector General list (OIG-10-63) or ICE's statistics by agency, FY2006-2013",
    (
        Column("agency_id", S, "the archive's agency (agencies.parquet) when provably the same, else <STATE>-<slug> of agency_name (common.ids)"),
        Column("agency_name", S, "the agency's name as the report prints it, else as the statistics print it"),
        Column("state", S, "USPS code"),
        Column("county", S, "the county, from the archive or the name, where there is one"),
        Column("in_archive", B, "also on ICE's lists since 2021 (linked by hand or by the same name in the same state)"),
        Column("oig_model", S, "the model in the 2009 list (Task Force, Jail Enforcement, Hybrid); empty when not on it"),
        Column("oig_signed", S, "the date the first agreement was signed, per the 2009 list (YYYY-MM-DD)"),
        Column("oig_status", S, "the agreement's status in the 2009 list (signed, pending)"),
        Column("oig_as_of", S, "the date the 2009 list describes (YYYY-MM-DD)"),
        Column("removed_total", I, "people removed through 287(g), FY2006-2013, summed over the reported years; empty when none reported"),
        Column("first_fiscal_year", I, "the first fiscal year with a reported figure"),
        Column("last_fiscal_year", I, "the last fiscal year with a reported figure"),
        Column("sources", S, "the publications the row comes from, one a line"),
        Column("source_urls", "array", "their addresses, one per line of sources in the same order, empty where none is known"),
        Column("statistics_names", "array", "the names ICE's statistics print for it (removals_by_agency.agency_name in this state); empty when not in them"),
        Column("link_method", S, "how agency_id was found: manual, name or loose_name (to the archive, per source, '; ' between), or new_id"),
    ),
    primary_key=("agency_id",),
)

CITED = {"national_removals.csv": NATIONAL, "oig_2009_agreements.csv": OIG_AGREEMENTS, "oig_2010_findings.csv": OIG_FINDINGS}

STAGE = Stage(
    name="removals",
    description="ICE's 287(g) removal figures by agency and state, the FOIA aggregates and the cited national figures",
    package="ledger.removals",
    run="ledger.removals.stage:run",
    reads=("history",),
    inputs=(
        # The manifest names each stored file by its sha256: hashing the files (releases run to
        # gigabytes) would add nothing. Loose releases in raw/foia/ have no manifest, so they are read.
        "raw:removals/manifest.csv",
        "raw:foia",
        "manual:removals_states.csv",
        "manual:removals_agency_links.csv",
        "manual:oig_agency_links.csv",
        "manual:early_agency_links.csv",
        "published:national_removals.csv",
        "published:oig_2009_agreements.csv",
        "published:oig_2010_findings.csv",
    ),
    writes=(BY_AGENCY, BY_STATE, BY_YEAR, UNLINKED, SET_ASIDE, NATIONAL, OIG_AGREEMENTS, OIG_FINDINGS, EARLY_AGENCIES, qa_table("removals")),
    help="Run after history: links the statistics by agency to build/agencies.parquet.",
)

# Column -> description, the order each table is written in (tests and the methodology page read these).
AGENCY_COLUMNS = {c.name: c.description for c in BY_AGENCY.columns}
STATE_COLUMNS = {c.name: c.description for c in BY_STATE.columns}
UNLINKED_COLUMNS = UNLINKED.names
SET_ASIDE_COLUMNS = SET_ASIDE.names
