"""The static JSON API (site/api/v1/): a document for every state and agency page, valid against its schema, equal to the build tables, stable byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pandas as pd
import pytest

from ledger.common.addresses import site_url
from ledger.common.contracts import read_table
from ledger.common.values import records
from ledger.history.contract import AGENCIES, AGREEMENTS, CHANGES
from ledger.removals.contract import BY_AGENCY, EARLY_AGENCIES
from ledger.site.api import api_documents, dumps, one_by, removals_by_page, write_api
from ledger.site.api_schema import API_AGREEMENTS, DOCUMENTS, schema_document
from ledger.site.contract import AGENCY_FIGURES, NATIONAL_FIGURES, STATE_FIGURES
from ledger.site.figures import with_states
from ledger.site.inputs import load_inputs
from ledger.site.pages.api import example_state

from .hostile import hostile_names


@pytest.fixture(scope="module")
def api(built):
    """(build dir, site dir, {path under api/v1: document}) of the sample site."""
    _, build, site = built
    folder = site / "api" / "v1"
    return build, site, {p.relative_to(folder).as_posix(): json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.rglob("*.json"))}


def local(site: Path, address: str) -> Path:
    """The built file an absolute address of the site names."""
    base = site_url()
    assert address.startswith(base), address
    path = site / address[len(base) :]
    return path / "index.html" if address.endswith("/") else path


def test_every_state_and_agency_page_has_its_document(api):
    build, site, docs = api
    states = read_table(build, STATE_FIGURES)["usps"]
    assert {k for k in docs if k.startswith("states/")} == {f"states/{u.lower()}.json" for u in states}
    pages = {p.parent.name for p in (site / "agencies").glob("*/index.html")}
    assert pages and {k for k in docs if k.startswith("agencies/")} == {f"agencies/{a}.json" for a in pages}
    early_only = [k for k, d in docs.items() if d.get("kind") == "agency" and d["agency"] is None]
    assert early_only, "the sample has agencies known only before 2021; each has its page and document"
    assert {"index.json", "schema.json"} <= set(docs)


def test_every_document_validates_against_the_schema(api):
    _, _, docs = api
    schema = docs["schema.json"]
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    kinds = {}
    for name, document in docs.items():
        if name != "schema.json":
            validator.validate(document)
            kinds[document["kind"]] = kinds.get(document["kind"], 0) + 1
    assert set(kinds) == {"index", "state", "agency"}
    # The schema is strict: a field it does not declare, or a value of the wrong type, fails.
    agency = next(d for d in docs.values() if d.get("kind") == "agency" and d["agreements"])
    for broken in ({**agency, "extra": 1}, {**agency, "agreements": [{**agency["agreements"][0], "lists": "many"}]}):
        assert not validator.is_valid(broken)


def test_the_schema_is_made_from_the_contracts():
    defs = schema_document(site_url())["$defs"]
    for name, table in {"agency": AGENCIES, "agreement": API_AGREEMENTS, "change": CHANGES, "removal": BY_AGENCY, "early_agency": EARLY_AGENCIES,
                        "state_figures": STATE_FIGURES, "agency_figures": AGENCY_FIGURES, "national_figures": NATIONAL_FIGURES}.items():  # fmt: skip
        properties = defs[name]["properties"]
        assert list(properties) == table.names and defs[name]["required"] == table.names
        assert [p["description"] for p in properties.values()] == [c.description for c in table.columns]
    assert "publication_ids" in AGREEMENTS.names and "publication_ids" not in defs["agreement"]["properties"]
    assert defs["agreement"]["properties"]["signed"]["type"] == ["string", "null"] and defs["agreement"]["properties"]["agreement_id"]["type"] == "string"
    assert {d: defs[d]["properties"]["kind"]["const"] for d in DOCUMENTS} == {"index_document": "index", "state_document": "state", "agency_document": "agency"}


def test_state_documents_hold_the_saved_figures_and_their_agencies_and_agreements(api):
    build, _, docs = api
    figures = read_table(build, STATE_FIGURES).set_index("usps")
    agreements = pd.read_parquet(build / "agreements.parquet")
    for usps, row in figures.iterrows():
        doc = docs[f"states/{usps.lower()}.json"]
        assert doc["usps"] == usps and doc["figures"]["usps"] == usps
        for column in STATE_FIGURES.columns[1:]:
            expected = int(row[column.name]) if column.type == "integer" else row[column.name]
            assert doc["figures"][column.name] == expected, (usps, column.name)
        assert [a["agreement_id"] for a in doc["agreements"]] == sorted(agreements.loc[agreements["state"] == usps, "agreement_id"])
        assert sum(a["active"] for a in doc["agencies"]) == row["active"]
    fl = docs["states/fl.json"]
    assert fl["figures"]["active"] > 0 and fl["agencies"] and fl["name"] == "Florida"


def test_agency_documents_equal_the_build_tables(api):
    build, site, docs = api
    agencies = pd.read_parquet(build / "agencies.parquet")
    agreements = pd.read_parquet(build / "agreements.parquet").sort_values("agreement_id")
    changes = pd.read_parquet(build / "changes.parquet")
    figures = read_table(build, AGENCY_FIGURES).set_index("agency_id", drop=False)
    links = pd.read_parquet(build / "row_agreements.parquet")
    for agency_id in agencies["agency_id"]:
        doc = docs[f"agencies/{agency_id}.json"]
        assert doc["agency"] == records(AGENCIES, agencies[agencies["agency_id"] == agency_id])[0]
        assert doc["figures"] == records(AGENCY_FIGURES, figures.loc[[agency_id]])[0]
        mine = agreements[agreements["agency_id"] == agency_id]
        assert doc["agreements"] == records(API_AGREEMENTS, mine) and all("publication_ids" not in a for a in doc["agreements"])
        assert doc["changes"] == records(CHANGES, changes[changes["agency_id"] == agency_id])
        # Each agreement's first and last list, with the Excel rows history mapped to it there.
        assert [s["agreement_id"] for s in doc["sources"]] == mine["agreement_id"].tolist()
        for source, agreement in zip(doc["sources"], mine.itertuples()):
            assert source["lists"] == agreement.lists == len(agreement.publication_ids)
            for end in ("first", "last"):
                listed = source[end]
                assert listed["publication_id"] == getattr(agreement, f"{end}_publication_id")
                rows = links[(links["agreement_id"] == agreement.agreement_id) & (links["publication_id"] == listed["publication_id"])]
                assert listed["rows"] == sorted(rows["row_number"].tolist()) and listed["rows"]
                assert local(site, listed["workbook"]).exists()
        for name, address in doc["links"].items():
            assert local(site, address).exists(), (agency_id, name, address)


def test_the_index_names_the_latest_list_every_state_and_the_counts(api):
    build, site, docs = api
    index = docs["index.json"]
    national = read_table(build, NATIONAL_FIGURES).iloc[0]
    assert index["as_of"]["publication_id"] == national["as_of_participating"] and index["as_of"]["date"] == national["as_of_date"]
    assert index["as_of"]["workbook"].endswith(f"/data/ice/{national['source_sha256']}.xlsx") and local(site, index["as_of"]["workbook"]).exists()
    assert index["figures"]["active"] == int(national["active"]) and index["site_url"] == site_url()
    assert [s["usps"] for s in index["states"]] == sorted(read_table(build, STATE_FIGURES)["usps"])
    assert all(local(site, s["api"]).exists() and local(site, s["page"]).exists() for s in index["states"])
    counts = index["counts"]
    assert counts["agencies"] == sum(k.startswith("agencies/") for k in docs) and counts["states"] == len(index["states"])
    assert counts["agreements"] == len(pd.read_parquet(build / "agreements.parquet"))
    for name in ("self", "schema", "docs"):
        assert local(site, index["links"][name]).exists(), name


def test_the_documents_are_the_same_when_made_again(built, api):
    """No clock and no unordered set in the output: the tables make the same bytes."""
    data, build, site = built
    inputs = load_inputs(data)
    docs = api_documents(
        inputs, with_states(read_table(build, STATE_FIGURES), inputs.states), read_table(build, AGENCY_FIGURES).set_index("agency_id", drop=False),
        read_table(build, NATIONAL_FIGURES).iloc[0], site_url(),
    )  # fmt: skip
    folder = site / "api" / "v1"
    assert docs and all((folder / name).read_text(encoding="utf-8") == dumps(doc) for name, doc in docs.items())


def test_the_writer_removes_the_document_of_an_agency_no_longer_in_the_data(built, tmp_path):
    data, build, site = built
    inputs = load_inputs(data)
    figures = SimpleNamespace(
        inputs=inputs, figures=with_states(read_table(build, STATE_FIGURES), inputs.states),
        agency_figures=read_table(build, AGENCY_FIGURES).set_index("agency_id", drop=False), national=read_table(build, NATIONAL_FIGURES).iloc[0],
    )  # fmt: skip
    stale = tmp_path / "agencies" / "TX-gone.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")
    count = write_api(figures, tmp_path)
    assert not stale.exists() and count == len(list(tmp_path.rglob("*.json")))
    assert (tmp_path / "index.json").read_bytes() == (site / "api" / "v1" / "index.json").read_bytes()


def test_the_api_page_documents_it_with_a_real_example(built, api):
    _, build, site = built
    page = (build / "site_src" / "api" / "index.md").read_text(encoding="utf-8")
    usps = example_state(read_table(build, STATE_FIGURES))
    example = api[2][f"states/{usps.lower()}.json"]
    assert f"&quot;usps&quot;: &quot;{usps}&quot;" in page and f"&quot;agency_id&quot;: &quot;{example['agencies'][0]['agency_id']}&quot;" in page
    assert "curl -s " + site_url() + "api/v1/index.json" in page and "urllib.request" in page
    html = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert 'href="v1/index.json"' in html and 'href="v1/schema.json"' in html
    assert 'href="../api/"' in (site / "data" / "index.html").read_text(encoding="utf-8")  # the data page leads to it


@pytest.mark.parametrize("name", hostile_names())
def test_a_hostile_name_round_trips_exactly_through_json(name):
    frame = pd.DataFrame([{
        "agency_id": "TX-x", "agency_name": name, "spellings": [name, name.upper()], "state": "TX", "county": None, "agency_type": "County",
        "first_listed": pd.Timestamp("2025-03-01 09:00"), "last_listed": pd.NaT, "status": "active", "agreements": 1, "identity": "exact",
    }])  # fmt: skip
    back = json.loads(dumps(one_by(AGENCIES, frame, "agency_id")))["TX-x"]
    assert back["agency_name"] == name and back["spellings"] == [name, name.upper()]
    assert back["county"] is None and back["last_listed"] is None and back["first_listed"] == "2025-03-01T09:00:00"


def test_removals_go_to_the_page_that_shows_them_once():
    """Rows linked to an agency, and rows under a name ICE's statistics print for an early agency; a row both ways counts once."""
    removals = pd.DataFrame({
        "agency_id": ["TX-a", None, None, "TX-a"], "agency_name": ["A Sheriff", "Old Police", "Other", "A Sheriff"], "state": ["TX"] * 4,
        "fiscal_year": [2010, 2011, 2011, 2009], "source_file": ["f.csv"] * 4, "source_row": [2, 3, 4, 5],
    })  # fmt: skip
    early = pd.DataFrame({"agency_id": ["TX-a", "TX-old"], "state": ["TX", "TX"], "statistics_names": [["A Sheriff"], ["Old Police"]]})
    shown = removals_by_page(removals, early)
    assert list(zip(shown["page_id"], shown["fiscal_year"], shown["source_row"])) == [("TX-a", 2009, 5), ("TX-a", 2010, 2), ("TX-old", 2011, 3)]
