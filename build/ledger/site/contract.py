"""The render stage's contract: the site's figure tables, and the MkDocs source tree it makes under build/."""

from __future__ import annotations

from ..common.contracts import Column, ForeignKey, Stage, Table

S, I = "string", "integer"
AS_OF = (
    Column("as_of_participating", S, "the participating list the figures are as of (publications.parquet)"),
    Column("as_of_pending", S, "the pending list the pending figure is as of; empty when there is none"),
    Column("as_of_date", S, "the participating list's date (YYYY-MM-DD)"),
)

NATIONAL_FIGURES = Table(
    "national_figures.parquet",
    "the figures the home page shows: one row, as of ICE's latest lists",
    (
        Column("active", I, "agreements on the latest participating list"),
        Column("agencies", I, "agencies with an agreement on the latest participating list"),
        Column("states_with", I, "states, DC and territories with at least one such agreement"),
        Column("pending", I, "requests on the latest pending list"),
        *AS_OF,
    ),
)

STATE_FIGURES = Table(
    "state_figures.parquet",
    "the figures each state page shows, for every state, DC and territory (zero where ICE lists none)",
    (
        Column("usps", S, "the state's USPS code"),
        Column("active", I, "agreements on the latest participating list"),
        Column("agencies", I, "agencies with an agreement on the latest participating list"),
        Column("pending", I, "requests on the latest pending list"),
        Column("ever", I, "agreements on any participating list"),
        *AS_OF,
    ),
    primary_key=("usps",),
    foreign_keys=(ForeignKey("as_of_participating", "publications.parquet", "publication_id"),),
)

SOURCE_TREE = "site_src"  # the hand-written site_src copied, plus the generated pages
MKDOCS_CONFIG = "mkdocs.yml"  # the project's mkdocs.yml, pointed at SOURCE_TREE

STAGE = Stage(
    name="render",
    description="make the site's pages and charts from the build tables, then the site with MkDocs",
    package="ledger.site",
    run="ledger.site.stage:run",
    reads=("ingest", "history", "removals"),
    inputs=(
        "project:site_src", "project:mkdocs.yml",
        "project:node_modules/us-atlas/states-10m.json", "project:node_modules/us-atlas/counties-10m.json",
        "project:node_modules/vega/build/vega.min.js", "project:node_modules/vega-lite/build/vega-lite.min.js",
        "project:node_modules/vega-embed/build/vega-embed.min.js", "project:node_modules/vega-interpreter/package.json",
    ),  # fmt: skip
    writes=(NATIONAL_FIGURES, STATE_FIGURES),
    products=(SOURCE_TREE, MKDOCS_CONFIG),
    help="write the site's Markdown pages and charts under build/site_src and build the site with MkDocs",
)
