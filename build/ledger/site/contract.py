"""The render stage's contract: the site's figure tables, and the MkDocs source tree it makes under build/.

Every figure a page shows is a cell of one of these tables, and every figure row names its
source: the ICE list it counts (publication_id), that list's file and the file's sha256 (the site
publishes the file as data/ice/<sha256>.xlsx).
"""

from __future__ import annotations

from ..common.contracts import Column, ForeignKey, Stage, Table
from ..common.models import MODEL_CODES

S, I, B = "string", "integer", "boolean"
# The change types of the one vocabulary (history/rules.py, issue 10), in the order the change log
# tells them within one list: list_changes has one count column per type, named with "_" for " ".
CHANGE_COUNTS = (
    "added", "moved from pending to signed", "renewed", "model switch", "renamed", "field changed",
    "back", "dropped", "ended", "lapsed",
)  # fmt: skip


def count_column(change: str) -> str:
    return change.replace(" ", "_")


BY_MODEL = tuple(Column(f"active_{code}", I, f"of the active agreements, those of the {name}") for name, code in MODEL_CODES.items())
AS_OF = (
    Column("as_of_participating", S, "the participating list the figures are as of (publications.parquet)"),
    Column("as_of_pending", S, "the pending list the pending figure is as of; empty when there is none"),
    Column("as_of_date", S, "the participating list's date (YYYY-MM-DD)"),
)
SOURCE = (
    Column("source_file", S, "the participating list's ICE file (its first file name)"),
    Column("source_sha256", S, "that file's sha256: the site publishes it as data/ice/<sha256>.xlsx"),
    Column("pending_file", S, "the pending list's ICE file; empty when there is none"),
    Column("pending_sha256", S, "that file's sha256; empty when there is none"),
)
ARCHIVE = (Column("archive_start", S, "the date of the archive's first participating list (YYYY-MM-DD)"),)
AS_OF_KEY = (ForeignKey("as_of_participating", "publications.parquet", "publication_id"),)

NATIONAL_FIGURES = Table(
    "national_figures.parquet",
    "the figures the home page shows: one row, as of ICE's latest lists",
    (
        Column("active", I, "agreements on the latest participating list (status active)"),
        *BY_MODEL,
        Column("missing", I, "participating agreements not on the latest list, not yet ended (status missing)"),
        Column("agencies", I, "agencies with an agreement on the latest participating list"),
        Column("states_with", I, "states, DC and territories with at least one such agreement"),
        Column("pending", I, "requests on the latest pending list (status pending)"),
        Column("participating_changes", I, "changes recorded between participating lists (changes.parquet)"),
        *AS_OF, *SOURCE, *ARCHIVE,
    ),  # fmt: skip
    foreign_keys=AS_OF_KEY,
)

STATE_FIGURES = Table(
    "state_figures.parquet",
    "the figures each state page shows, for every state, DC and territory (zero where ICE lists none)",
    (
        Column("usps", S, "the state's USPS code"),
        Column("active", I, "agreements on the latest participating list (status active)"),
        *BY_MODEL,
        Column("missing", I, "participating agreements not on the latest list, not yet ended (status missing)"),
        Column("ended", I, "participating agreements whose end is confirmed (status ended)"),
        Column("agencies", I, "agencies with an agreement on the latest participating list"),
        Column("pending", I, "requests on the latest pending list (status pending)"),
        Column("ever", I, "agreements on any participating list"),
        Column("changes", I, "changes recorded in the state's change log, on lists of both kinds (changes.parquet)"),
        *AS_OF, *SOURCE, *ARCHIVE,
    ),  # fmt: skip
    primary_key=("usps",),
    foreign_keys=AS_OF_KEY,
)

AGENCY_FIGURES = Table(
    "agency_figures.parquet",
    "the figures each agency page shows: its status and dates, as of ICE's latest lists",
    (
        Column("agency_id", S, "the agency (agencies.parquet)"),
        Column("state", S, "USPS code"),
        Column("status", S, "the agency's status (agencies.status, the one vocabulary)"),
        Column("active", I, "its agreements with status active"),
        Column("missing", I, "its agreements with status missing"),
        Column("ended", I, "its agreements with status ended"),
        Column("pending", I, "its requests with status pending"),
        Column("agreements", I, "its agreements on any participating list"),
        Column("first_seen", S, "the date of the first list that printed it (YYYY-MM-DD)"),
        Column("first_seen_at_start", B, "true when that list is the archive's first list of its kind: it may be older"),
        Column("first_seen_archive_start", S, "the date of the archive's first list of that kind (YYYY-MM-DD)"),
        Column("last_listed", S, "the date of the last list that printed it (YYYY-MM-DD)"),
        Column("first_absent", S, "for a missing agency, the earliest first list without one of its missing agreements; else empty"),
        *AS_OF, *SOURCE,
    ),  # fmt: skip
    primary_key=("agency_id",),
    foreign_keys=(ForeignKey("agency_id", "agencies.parquet", "agency_id"), *AS_OF_KEY),
)

LIST_CHANGES = Table(
    "list_changes.parquet",
    "the changes each list brought, counted from changes.parquet: nationally (state empty) and per state",
    (
        Column("publication_id", S, "the list (publications.parquet)"),
        Column("list_kind", S, "participating or pending"),
        Column("published_at", S, "the list's date (YYYY-MM-DD)"),
        Column("previous_published_at", S, "the date of the list of the same kind before it; empty for the first"),
        Column("state", S, "USPS code, or empty for the national count"),
        Column("new", I, "agreements new on the participating list: added plus moved from pending to signed (a renewal replaces one)"),
        *(Column(count_column(c), I, f"changes of type '{c}'") for c in CHANGE_COUNTS),
        Column("source_file", S, "the list's ICE file (its first file name)"),
        Column("source_sha256", S, "that file's sha256: the site publishes it as data/ice/<sha256>.xlsx"),
    ),
    primary_key=("publication_id", "state"),
    foreign_keys=(ForeignKey("publication_id", "publications.parquet", "publication_id"),),
)

ACTIVE_BY_DAY = Table(
    "active_by_day.parquet",
    "the timelines: agreements on each day's last participating list, by state and model (zero where none)",
    (
        Column("date", S, "the list's day (YYYY-MM-DD)"),
        Column("state", S, "USPS code"),
        Column("support_type", S, "the 287(g) model as ICE names it"),
        Column("agreements", I, "agreements that list printed"),
        Column("publication_id", S, "the day's last participating list (publications.parquet)"),
    ),
    primary_key=("date", "state", "support_type"),
    foreign_keys=(ForeignKey("publication_id", "publications.parquet", "publication_id"),),
)

COUNTY_FIGURES = Table(
    "county_figures.parquet",
    "the state maps: active agreements per county at the latest participating list; a county name ICE printed that matches no county of the map has an empty fips",
    (
        Column("usps", S, "the state's USPS code"),
        Column("fips", S, "the county's FIPS code (us-atlas), or empty for a name that matches none"),
        Column("county", S, "the county's name on the map, or the name ICE printed when it matches none"),
        Column("active", I, "active agreements of agencies in that county (an agency naming two counties counts in both)"),
        *AS_OF,
    ),
    primary_key=("usps", "fips", "county"),
    foreign_keys=AS_OF_KEY,
)

SOURCE_TREE = "site_src"  # the hand-written site_src copied, plus the generated pages
MKDOCS_CONFIG = "mkdocs.yml"  # the project's mkdocs.yml, pointed at SOURCE_TREE

STAGE = Stage(
    name="render",
    description="make the site's pages and charts from the build tables, then the site with MkDocs",
    package="ledger.site",
    run="ledger.site.stage:run",
    # The downloads stage's tree (data/, with ICE's workbooks) is linked into the site as it is.
    reads=("ingest", "history", "removals", "downloads"),
    inputs=(
        "project:site_src", "project:mkdocs.yml",
        "project:node_modules/us-atlas/states-10m.json", "project:node_modules/us-atlas/counties-10m.json",
        "project:node_modules/vega/build/vega.min.js", "project:node_modules/vega-lite/build/vega-lite.min.js",
        "project:node_modules/vega-embed/build/vega-embed.min.js", "project:node_modules/vega-interpreter/package.json",
    ),  # fmt: skip
    writes=(NATIONAL_FIGURES, STATE_FIGURES, AGENCY_FIGURES, LIST_CHANGES, ACTIVE_BY_DAY, COUNTY_FIGURES),
    products=(SOURCE_TREE, MKDOCS_CONFIG),
    help="write the site's Markdown pages and charts under build/site_src and build the site with MkDocs",
)
