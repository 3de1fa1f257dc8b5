"""Makes the API's documentation page, api/index.md (the site's /api/): its documents, versioning, the schema and the beginning of a real one."""

from __future__ import annotations

import json

from ...common.addresses import site_url
from ..api import agency_file, api_address, state_example, state_file
from ..api_schema import API_VERSION, DROPPED
from .common import Output, Site

EXAMPLE_ENTRIES = 2  # the example's lists are cut to their first entries: the page shows the shape, the file the data


def example_state(figures) -> str:
    """The state the example shows: the one with the most active agreements (then by USPS code), so it has agencies to show."""
    return figures.sort_values(["active", "usps"], ascending=[False, True])["usps"].iloc[0]


def shortened(document: dict, entries: int = EXAMPLE_ENTRIES) -> dict:
    return {key: value[:entries] if isinstance(value, list) else value for key, value in document.items()}


def api_page(site: Site, out: Output) -> None:
    base = site_url()
    usps = example_state(site.figures)
    document = state_example(site.inputs, site.figures, site.agency_figures, usps, base)
    # The agency example: the state's first with an active agreement, else its first.
    agencies = sorted(document["agencies"], key=lambda a: a["active"] == 0)
    agency_id = agencies[0]["agency_id"] if agencies else None
    # Links on the page are relative (they resolve in a local build and the site check follows them); the examples are absolute.
    folder = f"{API_VERSION}/"
    out.page(
        "api/index.md",
        site.render(
            "api.md.j2", version=API_VERSION, folder=folder, dropped=", ".join(DROPPED), state_name=document["name"],
            state_json=f"{folder}{state_file(usps)}", agency_json=f"{folder}{agency_file(agency_id)}" if agency_id else "",
            index_url=api_address(base, "index.json"), state_url=api_address(base, state_file(usps)),
            example=json.dumps(shortened(document), ensure_ascii=False, indent=2),
            cut=len(document["agencies"]) > EXAMPLE_ENTRIES or len(document["agreements"]) > EXAMPLE_ENTRIES,
        ),
    )  # fmt: skip
