"""Makes the static JSON API under <source>/api/v1/ (the site's /api/v1/): index.json, states/<usps>.json, agencies/<agency_id>.json and schema.json.

Pure functions from the build tables to documents, and one writer at the end. Every column is
written by its contract type (common.values), so a value reads the same in the API, the CSV
files and the data package. The version is in the path: a change that breaks a reader is v2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..common.addresses import agency_page, site_url, state_page
from ..common.contracts import Table
from ..common.values import json_value, records
from ..downloads.contract import workbook_path
from ..history.contract import AGENCIES, CHANGES, EARLY_AGENCY_STATUS
from ..removals.contract import BY_AGENCY, EARLY_AGENCIES
from .api_schema import API_AGREEMENTS, API_FOLDER, API_VERSION, schema_document
from .contract import AGENCY_FIGURES, NATIONAL_FIGURES, STATE_FIGURES

DATAPACKAGE = "data/datapackage.json"
FEED = "feeds/changes.xml"
DOCS_PAGE = "api/"


def api_address(base: str, relative: str) -> str:
    return f"{base}{API_FOLDER}/{relative}"


def state_file(usps: str) -> str:
    return f"states/{usps.lower()}.json"


def agency_file(agency_id: str) -> str:
    return f"agencies/{agency_id}.json"


def workbook(base: str, sha256s) -> str:
    """The address of a list's published workbook: its first file, data/ice/<sha256>.xlsx (the downloads stage publishes it)."""
    return f"{base}{workbook_path(str(list(sha256s)[0]))}"


def grouped(table: Table, frame: pd.DataFrame, *keys: str) -> list[dict[str, list[dict]]]:
    """The frame's rows as JSON objects by `table`'s types, grouped by each key in turn, each group in the frame's order."""
    rows = records(table, frame)
    out = []
    for key in keys:
        groups: dict[str, list[dict]] = {}
        for value, record in zip(frame[key].tolist(), rows):
            groups.setdefault(value, []).append(record)
        out.append(groups)
    return out


def one_by(table: Table, frame: pd.DataFrame, key: str) -> dict[str, dict]:
    return dict(zip(frame[key].tolist(), records(table, frame)))


def list_entries(publications: pd.DataFrame, base: str) -> dict[str, dict]:
    """publication_id -> the list as a source names it: id, kind, date, first file name and published workbook."""
    return {
        p.publication_id: {
            "publication_id": p.publication_id,
            "list_kind": p.list_kind,
            "published_at": json_value("datetime", p.published_at),
            "file_name": str(list(p.file_names)[0]),
            "workbook": workbook(base, p.sha256s),
        }
        for p in publications.itertuples(index=False)
    }


def agreement_sources(agreements: pd.DataFrame, publications: pd.DataFrame, row_links: pd.DataFrame, base: str) -> dict[str, list[dict]]:
    """agency_id -> for each of its agreements (in agreement_id order), the first and last list that printed it, with its Excel rows there, and how many lists did."""
    lists = list_entries(publications, base)
    ends = pd.concat(
        [agreements[["agreement_id", f"{end}_publication_id"]].set_axis(["agreement_id", "publication_id"], axis=1) for end in ("first", "last")]
    ).drop_duplicates()
    # Only the rows of each agreement's first and last list: a merge with at most two pairs an agreement.
    rows = row_links[["agreement_id", "publication_id", "row_number"]].merge(ends, on=["agreement_id", "publication_id"])
    numbers = rows.sort_values("row_number").groupby(["agreement_id", "publication_id"])["row_number"].agg(list).to_dict()

    def listed(agreement_id: str, publication_id: str) -> dict | None:
        if publication_id not in lists:
            return None
        return {**lists[publication_id], "rows": [int(n) for n in numbers.get((agreement_id, publication_id), [])]}

    out: dict[str, list[dict]] = {}
    for a in agreements.sort_values("agreement_id").itertuples(index=False):
        entry = {
            "agreement_id": a.agreement_id, "lists": int(a.lists),
            "first": listed(a.agreement_id, a.first_publication_id), "last": listed(a.agreement_id, a.last_publication_id),
        }  # fmt: skip
        out.setdefault(a.agency_id, []).append(entry)
    return out


def removals_by_page(removals: pd.DataFrame, early: pd.DataFrame) -> pd.DataFrame:
    """removals_by_agency rows with `page_id`, the agency page that shows them: linked by agency_id, or named by an early agency's statistics_names (as its page's early-era section finds them)."""
    linked = removals[removals["agency_id"].fillna("").astype(str).ne("")]
    linked = linked.assign(page_id=linked["agency_id"].astype(object))
    names = early[["agency_id", "state", "statistics_names"]].explode("statistics_names").dropna(subset=["statistics_names"])
    names = names.set_axis(["page_id", "state", "agency_name"], axis=1).astype(object)
    named = removals.astype({"state": object, "agency_name": object}).merge(names, on=["state", "agency_name"])
    both = pd.concat([linked, named], ignore_index=True).drop_duplicates(["page_id", "source_file", "source_row", "fiscal_year"])
    return both.sort_values(["page_id", "fiscal_year", "source_file", "source_row"], kind="stable")


@dataclass
class Tables:
    """The build tables as JSON objects, grouped once (by agency and by state)."""

    base: str
    agencies: dict[str, dict]
    early: dict[str, dict]
    agency_figures: dict[str, dict]
    agreements: dict[str, list[dict]]  # by agency_id, in agreement_id order
    state_agreements: dict[str, list[dict]]  # by state, in agreement_id order
    changes: dict[str, list[dict]]  # by agency_id, in the change log's order
    removals: dict[str, list[dict]]
    sources: dict[str, list[dict]]
    early_only: list[str]  # agencies with a page known only before 2021


def api_tables(inputs, agency_figures: pd.DataFrame, base: str) -> Tables:
    """Group every table the documents draw from once (never a filter per agency)."""
    agreements = inputs.agreements.sort_values("agreement_id", kind="stable")
    early = inputs.early_agencies
    listed = set(inputs.agencies["agency_id"])
    early_only = early[~early["in_archive"].fillna(False).astype(bool) & ~early["agency_id"].isin(listed)]  # as pages/early.py makes pages
    by_agency, by_state = grouped(API_AGREEMENTS, agreements, "agency_id", "state")
    return Tables(
        base=base,
        agencies=one_by(AGENCIES, inputs.agencies, "agency_id"),
        early=one_by(EARLY_AGENCIES, early, "agency_id"),
        agency_figures=one_by(AGENCY_FIGURES, agency_figures, "agency_id"),
        agreements=by_agency,
        state_agreements=by_state,
        changes=grouped(CHANGES, inputs.changes, "agency_id")[0],
        removals=grouped(BY_AGENCY, removals_by_page(inputs.removals_agency, early), "page_id")[0],
        sources=agreement_sources(agreements, inputs.publications, inputs.row_links, base),
        early_only=sorted(early_only["agency_id"]),
    )


def page_ids(tables: Tables) -> list[str]:
    """Every agency with a page (agencies.parquet and the agencies known only before 2021), sorted."""
    return sorted([*tables.agencies, *tables.early_only])


def agency_document(tables: Tables, agency_id: str) -> dict:
    """agencies/<agency_id>.json: the agency, its figures, agreements, changes, removals, early-era row, sources and links."""
    agency, early = tables.agencies.get(agency_id), tables.early.get(agency_id)
    state = (agency or early)["state"]
    base = tables.base
    return {
        "api_version": API_VERSION,
        "kind": "agency",
        "agency_id": agency_id,
        "agency": agency,
        "figures": tables.agency_figures.get(agency_id),
        "agreements": tables.agreements.get(agency_id, []),
        "changes": tables.changes.get(agency_id, []),
        "removals": tables.removals.get(agency_id, []),
        "early": early,
        "sources": tables.sources.get(agency_id, []),
        "links": {
            "self": api_address(base, agency_file(agency_id)),
            "page": base + agency_page(agency_id),
            "state": api_address(base, state_file(state)),
            "state_page": base + state_page(state),
            "index": api_address(base, "index.json"),
            "schema": api_address(base, "schema.json"),
        },
    }


def agency_summary(tables: Tables, agency_id: str) -> dict:
    """An agency as a state's document lists it: its name, status, active agreements and addresses."""
    agency, figures = tables.agencies.get(agency_id), tables.agency_figures.get(agency_id)
    row = agency or tables.early[agency_id]
    return {
        "agency_id": agency_id,
        "agency_name": row["agency_name"],
        "status": figures["status"] if figures else EARLY_AGENCY_STATUS,
        "active": figures["active"] if figures else 0,
        "api": api_address(tables.base, agency_file(agency_id)),
        "page": tables.base + agency_page(agency_id),
    }


def state_document(tables: Tables, state: pd.Series, agency_ids: list[str]) -> dict:
    """states/<usps>.json: the saved state figures, the state's agencies (those with a page) and its agreements."""
    base, usps = tables.base, state["usps"]
    return {
        "api_version": API_VERSION,
        "kind": "state",
        "usps": usps,
        "name": state["title"],
        "figures": records(STATE_FIGURES, state.to_frame().T)[0],
        "agencies": [agency_summary(tables, a) for a in agency_ids],
        "agreements": tables.state_agreements.get(usps, []),
        "links": {
            "self": api_address(base, state_file(usps)),
            "page": base + state_page(usps),
            "index": api_address(base, "index.json"),
            "schema": api_address(base, "schema.json"),
        },
    }


def index_document(tables: Tables, national: pd.Series, states: pd.DataFrame, publications: pd.DataFrame, counts: dict) -> dict:
    """index.json: the latest participating list, the national figures, counts, every state and the other addresses."""
    base = tables.base
    return {
        "api_version": API_VERSION,
        "kind": "index",
        "site_url": base,
        "as_of": {**list_entries(publications, base)[national["as_of_participating"]], "date": json_value("string", national["as_of_date"])},
        "figures": records(NATIONAL_FIGURES, national.to_frame().T)[0],
        "counts": counts,
        "states": [
            {"usps": s.usps, "name": s.title, "active": int(s.active), "api": api_address(base, state_file(s.usps)), "page": base + state_page(s.usps)}
            for s in states.itertuples(index=False)
        ],
        "links": {
            "self": api_address(base, "index.json"),
            "schema": api_address(base, "schema.json"),
            "docs": base + DOCS_PAGE,
            "datapackage": base + DATAPACKAGE,
            "feed": base + FEED,
        },
    }


def api_documents(inputs, states: pd.DataFrame, agency_figures: pd.DataFrame, national: pd.Series, base: str) -> dict[str, dict]:
    """Every document of the API by its path under api/v1/ (schema.json aside); `states` are the saved state figures beside each name."""
    tables = api_tables(inputs, agency_figures, base)
    ids = page_ids(tables)
    by_state: dict[str, list[str]] = {}
    for agency_id in ids:
        by_state.setdefault((tables.agencies.get(agency_id) or tables.early[agency_id])["state"], []).append(agency_id)
    states = states.sort_values("usps")
    docs = {state_file(s["usps"]): state_document(tables, s, by_state.get(s["usps"], [])) for _, s in states.iterrows()}
    docs.update({agency_file(a): agency_document(tables, a) for a in ids})
    counts = {"states": len(states), "agencies": len(ids), "agreements": len(inputs.agreements), "changes": len(inputs.changes), "lists": len(inputs.publications)}
    docs["index.json"] = index_document(tables, national, states, inputs.publications, counts)
    return docs


def state_example(inputs, states: pd.DataFrame, agency_figures: pd.DataFrame, usps: str, base: str) -> dict:
    """One state's document alone (the API page's example), from the tables cut to that state once."""
    early = inputs.early_agencies[inputs.early_agencies["state"] == usps]
    agencies = inputs.agencies[inputs.agencies["state"] == usps]
    cut = replace(
        inputs, agencies=agencies, early_agencies=early, agreements=inputs.agreements[inputs.agreements["state"] == usps],
        changes=inputs.changes.iloc[0:0], removals_agency=inputs.removals_agency.iloc[0:0], row_links=inputs.row_links.iloc[0:0],
    )  # fmt: skip
    tables = api_tables(cut, agency_figures[agency_figures["agency_id"].isin(set(agencies["agency_id"]))], base)
    return state_document(tables, states.set_index("usps", drop=False).loc[usps], page_ids(tables))


def dumps(document: dict) -> str:
    """One document as it is published: compact, UTF-8, keys in the order built (the contracts' column order), byte-stable."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def write_api(site, folder: Path) -> int:
    """Write every document and schema.json under `folder` (only those changed); remove any other .json there. Returns how many."""
    base = site_url()
    docs = api_documents(site.inputs, site.figures, site.agency_figures, site.national, base)
    docs["schema.json"] = schema_document(base)
    folder = Path(folder)
    written = set()
    for relative, document in docs.items():
        path, text = folder / relative, dumps(document)
        written.add(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:  # unchanged files keep their dates (MkDocs, caches)
            path.write_text(text, encoding="utf-8")
    for path in sorted(folder.rglob("*.json")):
        if path not in written:
            path.unlink()  # an agency no longer in the data
    return len(docs)
