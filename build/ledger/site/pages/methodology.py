"""Makes the methodology's generated parts: generated/methodology.md (lists, rows set aside, checks) and generated/identity.md."""

from __future__ import annotations

from ..contract import CHANGE_COUNTS
from ..format import num
from ..tables import DISPLAY_ORDER
from .common import Output, Site

# The page lists the first rows set aside and links the full table: a list with thousands of
# stray rows must not make the page, and MkDocs' time, grow with them (the real archive has 6).
LISTED_REJECTED = 100
# Published beside the national charts' data (a generated folder MkDocs copies as it is).
REJECTED_CSV = "national/rejected_rows.csv"
def glossary(site: Site) -> list[tuple[str, str]]:
    """Every status and change type the pages show, as (label, meaning), from the message catalog."""
    t = site.t
    return [(t(f"status.{s}"), t(f"status.{s}.meaning")) for s in DISPLAY_ORDER] + [
        (t.get(f"change.{c}", c), t(f"change.{c}.meaning")) for c in CHANGE_COUNTS
    ]


def methodology_page(site: Site, out: Output) -> None:
    pubs, inputs = site.inputs.publications, site.inputs
    rejected = inputs.rejected
    out.csv(out.root / REJECTED_CSV, rejected)
    listed = rejected.head(LISTED_REJECTED)
    rows = int(rejected["rows"].astype(int).sum()) if len(rejected) else 0
    capped = "" if len(listed) == len(rejected) else site.t(
        "methodology.rejected_capped", shown=num(len(listed)), records=num(len(rejected)), rows=num(rows)
    )
    out.page(
        "generated/methodology.md",
        site.render(
            "methodology.md.j2", qa=inputs.qa, rejected=listed, rejected_capped=capped, rejected_csv=f"../{REJECTED_CSV}",
            rejected_link=site.t("methodology.rejected_csv"), tiers=inputs.tiers, pubs=pubs,
            participating=int((pubs["list_kind"] == "participating").sum()), pending=int((pubs["list_kind"] == "pending").sum()),
            files=int(pubs["file_names"].map(len).sum()), sightings=int(pubs["sightings"].sum() - len(pubs)),
            words=glossary(site),
        ),
    )  # fmt: skip
    # The identity rules' text is the history stage's (build/history_methodology.md), included as written.
    out.page("generated/identity.md", inputs.identity_text)
