"""The history stage's contract: what it reads and the tables it writes, every column typed and described."""

from __future__ import annotations

from ..common.contracts import Column, ForeignKey, Stage, Table, qa_table
from .rules import AGENCY_STATUSES, AGREEMENT_STATUSES, CHANGE_TYPES, EARLY_AGENCY_STATUS, ENDED_AFTER_LISTS, FIELDS, TIERS

S, I, B, D, T, A = "string", "integer", "boolean", "date", "datetime", "array"


def one_of(vocabulary) -> str:
    return ", ".join(vocabulary)


# The columns of ingest's tables this stage reads: publications.parquet and sheet_rows.parquet.
PUBLICATION_INPUT_COLUMNS = ["publication_id", "list_kind", "published_at", "rows_accepted"]
ROW_COLUMNS = [
    "publication_id", "list_kind", "published_at", "row_number", "state", "agency_name", "agency_type", "county",
    "support_type", "signed", "moa_url", "moa_status", "raw_county", "raw_agency_type", "raw_moa",
]  # fmt: skip

IDENTITY = Column("identity", S, f"the identity tiers that joined its spellings or dates, comma-separated: {one_of(TIERS)}")

AGENCIES = Table(
    "agencies.parquet",
    "one row per agency ever on ICE's lists, its printed spellings joined by the identity tiers",
    (
        Column("agency_id", S, "<STATE>-<slug of the canonical name>, derived from content"),
        Column("agency_name", S, "the canonical name: the spelling listed on the most days, or the alias table's"),
        Column("spellings", A, "every spelling ICE printed for it, sorted"),
        Column("state", S, "USPS code"),
        Column("county", S, "the county printed most often, empty where ICE never stated one"),
        Column("agency_type", S, "the agency type of its latest listing"),
        Column("first_listed", T, "when the first list that printed it was published"),
        Column("last_listed", T, "when the last list that printed it was published"),
        Column("status", S, f"one of {one_of(s for s in AGENCY_STATUSES if s != EARLY_AGENCY_STATUS)} (rules.AGENCY_STATUSES)"),
        Column("agreements", I, "how many participating agreements it had"),
        IDENTITY,
    ),
    primary_key=("agency_id",),
)

AGREEMENTS = Table(
    "agreements.parquet",
    "one row per agreement (participating) or request (pending), followed from list to list",
    (
        Column("agreement_id", S, "<agency_id>-<jem|tfm|wso>-<first signing date printed>, or -pending-<first listing date>"),
        Column("list_kind", S, "participating (a signed agreement) or pending (a request)"),
        Column("agency_id", S, "the agency (agencies.parquet)"),
        Column("agency_name", S, "the agency's canonical name"),
        Column("state", S, "USPS code"),
        Column("county", S, "the county of its latest listing"),
        Column("support_type", S, "the 287(g) model as ICE names it"),
        Column("model", S, "the model's short code: jem, tfm or wso"),
        Column("signed", D, "the latest signing date printed; empty for a pending request"),
        Column("signed_dates", A, "every signing date printed for it (ISO dates), in the order first printed"),
        Column("status", S, f"one of {one_of(AGREEMENT_STATUSES)} (rules.AGREEMENT_STATUSES)"),
        Column("first_listed", T, "when the first list that printed it was published"),
        Column("first_publication_id", S, "that list"),
        Column("last_listed", T, "when the last list that printed it was published"),
        Column("last_publication_id", S, "that list"),
        Column("first_absent", T, "when the first list of its kind without it was published, for one not on the latest list (missing, ended, lapsed, superseded); its end lies between last_listed and this"),
        Column("first_absent_publication_id", S, "that list"),
        Column("previous_agreement_id", S, "the agreement or request it renewed, switched from or signed"),
        Column("next_agreement_id", S, "the agreement that renewed, switched from or signed it"),
        Column("moa_url", S, "the address of its memorandum of agreement, from its latest listing"),
        Column("lists", I, "how many lists printed it"),
        Column("blips", I, f"how many times it was missing from fewer than {ENDED_AFTER_LISTS} lists and came back"),
        Column("publication_ids", A, "every list that printed it, in order"),
        IDENTITY,
    ),
    primary_key=("agreement_id",),
    foreign_keys=(ForeignKey("agency_id", "agencies.parquet", "agency_id"),),
)

CHANGES = Table(
    "changes.parquet",
    "the change log: each agreement's start, renames and field changes, drops, returns and confirmed ends, in the list where each was seen",
    (
        Column("publication_id", S, "the list where the change was first seen"),
        Column("list_kind", S, "that list's kind: participating or pending"),
        Column("published_at", T, "when that list was published"),
        Column("change", S, f"one of {one_of(CHANGE_TYPES)} (rules.CHANGE_TYPES), in that order within a list"),
        Column("agreement_id", S, "the agreement changed (agreements.parquet)"),
        Column("agency_id", S, "its agency"),
        Column("state", S, "USPS code"),
        Column("agency_name", S, "the agency's canonical name"),
        Column("support_type", S, "the 287(g) model as ICE names it"),
        Column("field", S, f"for a renamed, field changed or model switch, the field: {one_of(FIELDS)} or support_type"),
        Column("old_value", S, "the field's value in the previous list"),
        Column("new_value", S, "its value in this list"),
        Column("previous_agreement_id", S, "for a renewal, model switch or signing, the agreement or request before"),
        Column("detail", S, "a note: the end window of an ended or lapsed, the lists without it of a back, in the first list of the archive"),
    ),
    foreign_keys=(
        ForeignKey("agreement_id", "agreements.parquet", "agreement_id"),
        ForeignKey("publication_id", "publications.parquet", "publication_id"),
    ),
)

ROW_AGREEMENTS = Table(
    "row_agreements.parquet",
    "the row-to-agreement map: every accepted sheet row (sheet_rows.parquet) with the agreement and agency it was counted as",
    (
        Column("publication_id", S, "the list (publications.parquet)"),
        Column("row_number", I, "the row's Excel row number in that list's workbook"),
        Column("agreement_id", S, "the agreement or request the row is (agreements.parquet)"),
        Column("agency_id", S, "its agency (agencies.parquet)"),
    ),
    primary_key=("publication_id", "row_number"),
    foreign_keys=(
        ForeignKey("agreement_id", "agreements.parquet", "agreement_id"),
        ForeignKey("agency_id", "agencies.parquet", "agency_id"),
        ForeignKey("publication_id", "publications.parquet", "publication_id"),
    ),
)

REVIEW = Table(
    "history_review.csv",
    "look-alike names and signing dates the identity tiers left apart, and possible renames, for a person to review",
    (
        Column("what", S, "agency name, signing date or possible rename"),
        Column("state", S, "USPS code"),
        Column("agency_id", S, "the agency, for a signing date or a possible rename"),
        Column("first", S, "the first name key, date or agency"),
        Column("second", S, "the second"),
        Column("edits", I, "letters apart for names, days apart for signing dates"),
        Column("listed_together", I, "how many lists printed both"),
        Column("first_lists", I, "how many lists printed the first"),
        Column("second_lists", I, "how many lists printed the second"),
        Column("why_not_merged", S, "the rule that kept them apart"),
    ),
)
REVIEW_COLUMNS = REVIEW.names

IDENTITY_TIERS = Table(
    "identity_tiers.csv",
    "how many times each identity tier joined two spellings or dates in this build",
    (
        Column("tier", S, f"one of {one_of(TIERS)}"),
        Column("merges", I, "how many joins it made (for review: how many pairs were left apart)"),
        Column("description", S, "what the tier does"),
    ),
    primary_key=("tier",),
)

QA = qa_table("history")
METHODOLOGY = "history_methodology.md"

STAGE = Stage(
    name="history",
    description="follow agencies and agreements from list to list: identity, statuses and the change log",
    package="ledger.history",
    run="ledger.history.stage:run",
    reads=("ingest",),
    inputs=("manual:agency_aliases.csv",),
    writes=(AGENCIES, AGREEMENTS, CHANGES, ROW_AGREEMENTS, REVIEW, IDENTITY_TIERS, QA),
    products=(METHODOLOGY,),
    help="resolve identity and build agencies, agreements and the change log from the ingested lists",
)
