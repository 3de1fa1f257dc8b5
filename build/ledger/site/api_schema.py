"""Makes the API's JSON Schema (draft 2020-12), api/v1/schema.json: the three documents, every row object generated from the stage contracts.

A row object has exactly its table's columns, typed by the contract's types and described by its
descriptions; a column outside the table's primary key may be null (missing), as in the CSV.
The few objects the API itself makes (a list cited as a source, a link map) are declared here.
"""

from __future__ import annotations

from ..common.contracts import Column, Table
from ..history.contract import AGENCIES, AGREEMENTS, CHANGES, ROW_AGREEMENTS
from ..ingest.contract import PUBLICATIONS
from ..removals.contract import BY_AGENCY, EARLY_AGENCIES
from .contract import AGENCY_FIGURES, NATIONAL_FIGURES, STATE_FIGURES

API_VERSION = "v1"
API_FOLDER = f"api/{API_VERSION}"  # under the site's root
# An agreement's publication_ids names every list that printed it (800 for the oldest): its
# `lists` counts them and the agency's `sources` names the first and the last, which keeps an
# agency's document a few kilobytes. The data package's agreements table has the full column.
DROPPED = ("publication_ids",)
API_AGREEMENTS = Table(
    AGREEMENTS.file,
    f"{AGREEMENTS.description} (every column but {', '.join(DROPPED)}: `lists` counts them, the agency's `sources` names the first and last)",
    tuple(c for c in AGREEMENTS.columns if c.name not in DROPPED),
    AGREEMENTS.primary_key,
)
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"  # ISO 8601 as the tables hold it: no UTC offset
TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    "datetime": {"type": "string", "pattern": DATETIME_PATTERN},
    "array": {"type": "array", "items": {"type": "string"}},
}
ADDRESS = {"type": "string", "format": "uri", "pattern": "^https?://"}
VERSION = {"const": API_VERSION, "description": "the API's version, also in the path: a change that breaks a reader gets a new one"}


def column_schema(column: Column, nullable: bool) -> dict:
    schema = dict(TYPES[column.type])
    if nullable:
        schema["type"] = [schema["type"], "null"]
    return {**schema, "description": column.description}


def row_schema(table: Table) -> dict:
    """One row of a contract table as a JSON object: every declared column, in order, and no other."""
    return obj(table.description, {c.name: column_schema(c, c.name not in table.primary_key) for c in table.columns})


def obj(description: str, properties: dict) -> dict:
    return {"type": "object", "description": description, "additionalProperties": False, "required": list(properties), "properties": properties}


def ref(name: str, nullable: bool = False) -> dict:
    target = {"$ref": f"#/$defs/{name}"}
    return {"anyOf": [target, {"type": "null"}]} if nullable else target


def items(name: str, description: str) -> dict:
    return {"type": "array", "description": description, "items": ref(name)}


def column(table: Table, name: str, nullable: bool = False) -> dict:
    """A contract's column, for an object the API makes of several tables."""
    return column_schema(next(c for c in table.columns if c.name == name), nullable)


def links(description: str, names: dict[str, str]) -> dict:
    return obj(description, {name: {**ADDRESS, "description": text} for name, text in names.items()})


SHARED_LINKS = {"self": "this document", "index": "the API's index.json", "schema": "this schema"}


def definitions() -> dict:
    published = {
        "publication_id": column(PUBLICATIONS, "publication_id"),
        "list_kind": column(PUBLICATIONS, "list_kind"),
        "published_at": column(PUBLICATIONS, "published_at"),
        "file_name": {"type": "string", "description": "the list's first file name (publications.file_names)"},
        "workbook": {**ADDRESS, "description": "the list's workbook as the site publishes it: data/ice/<sha256>.xlsx of its first file"},
    }
    rows = {"type": "array", "items": {"type": "integer"}, "description": f"{column(ROW_AGREEMENTS, 'row_number')['description']}: every row of that list that is this agreement"}
    return {
        "agency": row_schema(AGENCIES),
        "agreement": row_schema(API_AGREEMENTS),
        "change": row_schema(CHANGES),
        "removal": row_schema(BY_AGENCY),
        "early_agency": row_schema(EARLY_AGENCIES),
        "national_figures": row_schema(NATIONAL_FIGURES),
        "state_figures": row_schema(STATE_FIGURES),
        "agency_figures": row_schema(AGENCY_FIGURES),
        "list": obj("an ICE list that printed an agreement, and the Excel rows where it did", {**published, "rows": rows}),
        "source": obj(
            "where an agreement comes from: the first and last ICE lists that printed it, and how many did",
            {
                "agreement_id": column(AGREEMENTS, "agreement_id"),
                "lists": column(AGREEMENTS, "lists"),
                "first": ref("list", nullable=True),
                "last": ref("list", nullable=True),
            },
        ),
        "state_agency": obj(
            "an agency with a page in the state",
            {
                "agency_id": column(AGENCIES, "agency_id"),
                "agency_name": column(AGENCIES, "agency_name"),
                "status": {**column(AGENCY_FIGURES, "status"), "description": "the agency's status (agencies.status, the one vocabulary; 'before 2021' for an agency known only from before the archive)"},
                "active": column(AGENCY_FIGURES, "active"),
                "api": {**ADDRESS, "description": "the agency's document"},
                "page": {**ADDRESS, "description": "the agency's page"},
            },
        ),
        "index_state": obj(
            "a state, DC or territory",
            {
                "usps": column(STATE_FIGURES, "usps"),
                "name": {"type": "string", "description": "the state's name as the pages show it"},
                "active": column(STATE_FIGURES, "active"),
                "api": {**ADDRESS, "description": "the state's document"},
                "page": {**ADDRESS, "description": "the state's page"},
            },
        ),
        "index_document": obj(
            "index.json: the latest participating list, the national figures, counts and every state",
            {
                "api_version": VERSION,
                "kind": {"const": "index"},
                "site_url": {**ADDRESS, "description": "the site's address; every address in the API starts with it"},
                "as_of": obj("the latest participating list: every figure is as of it", {**published, "date": column(NATIONAL_FIGURES, "as_of_date", True)}),
                "figures": ref("national_figures"),
                "counts": obj(
                    "how many of each the API holds",
                    {name: {"type": "integer", "description": text} for name, text in COUNTS.items()},
                ),
                "states": items("index_state", "every state, DC and territory, by USPS code"),
                "links": links("the API's other addresses", {**{k: v for k, v in SHARED_LINKS.items() if k != "index"}, **INDEX_LINKS}),
            },
        ),
        "state_document": obj(
            "states/<usps>.json (lower case): one state, DC or territory",
            {
                "api_version": VERSION,
                "kind": {"const": "state"},
                "usps": column(STATE_FIGURES, "usps"),
                "name": {"type": "string", "description": "the state's name as the pages show it"},
                "figures": ref("state_figures"),
                "agencies": items("state_agency", "its agencies with a page, by agency_id"),
                "agreements": items("agreement", "its agreements and requests, by agreement_id"),
                "links": links("addresses", {**SHARED_LINKS, "page": "the state's page"}),
            },
        ),
        "agency_document": obj(
            "agencies/<agency_id>.json: one agency with a page",
            {
                "api_version": VERSION,
                "kind": {"const": "agency"},
                "agency_id": column(AGENCIES, "agency_id"),
                "agency": {**ref("agency", nullable=True), "description": "its agencies.parquet row; null for an agency known only from before 2021 (see early)"},
                "figures": {**ref("agency_figures", nullable=True), "description": "its saved agency figures; null for an agency known only from before 2021"},
                "agreements": items("agreement", "its agreements and requests, by agreement_id"),
                "changes": items("change", "its changes, in the change log's order"),
                "removals": items("removal", "its removals by fiscal year: rows linked to it, and rows under the names ICE's statistics print for it"),
                "early": {**ref("early_agency", nullable=True), "description": "its early_agencies.parquet row (the 2009 list, FY2006-2013 statistics); null when it has none"},
                "sources": items("source", "for each agreement (by agreement_id), the first and last ICE lists that printed it"),
                "links": links("addresses", {**SHARED_LINKS, "page": "the agency's page", "state": "its state's document", "state_page": "its state's page"}),
            },
        ),
    }


COUNTS = {
    "states": "states, DC and territories (a document each)",
    "agencies": "agencies with a page (a document each)",
    "agreements": "agreements and requests (agreements.parquet)",
    "changes": "rows of the change log (changes.parquet)",
    "lists": "ICE lists in the archive (publications.parquet)",
}
INDEX_LINKS = {
    "docs": "the page that documents the API",
    "datapackage": "the data package of every published table (Frictionless)",
    "feed": "the change log's feed",
}
DOCUMENTS = ("index_document", "state_document", "agency_document")


def schema_document(base: str) -> dict:
    """The schema of the three documents; `kind` tells them apart."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}{API_FOLDER}/schema.json",
        "title": f"287(g) Ledger API {API_VERSION}",
        "description": "The documents of the site's static JSON API: index.json, states/<usps>.json and agencies/<agency_id>.json.",
        "oneOf": [ref(name) for name in DOCUMENTS],
        "$defs": definitions(),
    }
