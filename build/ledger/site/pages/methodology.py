"""Makes the methodology's generated parts: generated/methodology.md (lists, rows set aside, checks) and generated/identity.md."""

from __future__ import annotations

from .common import Output, Site


def methodology_page(site: Site, out: Output) -> None:
    pubs, inputs = site.inputs.publications, site.inputs
    out.page(
        "generated/methodology.md",
        site.render(
            "methodology.md.j2", qa=inputs.qa, rejected=inputs.rejected, tiers=inputs.tiers, pubs=pubs,
            participating=int((pubs["list_kind"] == "participating").sum()), pending=int((pubs["list_kind"] == "pending").sum()),
            files=int(pubs["file_names"].map(len).sum()), sightings=int(pubs["sightings"].sum() - len(pubs)),
        ),
    )  # fmt: skip
    # The identity rules' text is the history stage's (build/history_methodology.md), included as written.
    out.page("generated/identity.md", inputs.identity_text)
