"""The history stage: identity tiers, statuses and the change log, on tiny lists written here; and on the real archive."""

from __future__ import annotations

import datetime as dt

import jinja2
import pandas as pd
import pytest

from ledger import cli, history
from ledger.common.errors import LedgerError
from ledger.common.fixes import FixTable

from .conftest import ICE_SHEETS, shared_path

MODELS = {"jem": "Jail Enforcement Model", "tfm": "Task Force Model", "wso": "Warrant Service Officer"}


def row(agency: str, model: str = "tfm", signed: str | None = "2025-03-01", state: str = "FL", county: str | None = None, moa: str | None = None) -> dict:
    return {"agency": agency, "model": model, "signed": signed, "state": state, "county": county, "moa": moa}


def tables(*lists: tuple[str, str, list[dict]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(publications, sheet_rows) in the ingest schema from (kind, 'YYYY-MM-DD HH', rows) lists."""
    pubs, rows = [], []
    for kind, when, printed in lists:
        at = pd.Timestamp(when)
        publication_id = f"{kind}-{at:%Y%m%d-%H%M%S}"
        pubs.append({"publication_id": publication_id, "list_kind": kind, "published_at": at, "rows_accepted": len(printed)})
        for number, item in enumerate(printed, start=2):
            signed = dt.date.fromisoformat(item["signed"]) if item["signed"] and kind == "participating" else None
            rows.append(
                {
                    "publication_id": publication_id, "list_kind": kind, "published_at": at, "row_number": number,
                    "state": item["state"], "agency_name": item["agency"], "agency_type": None, "county": item["county"],
                    "support_type": MODELS[item["model"]], "signed": signed,
                    "moa_url": item["moa"], "moa_status": "posted" if item["moa"] else "none",
                    "raw_county": item["county"] or "", "raw_agency_type": None, "raw_moa": item["moa"] or "link pending",
                }
            )  # fmt: skip
    publications = pd.DataFrame(pubs)
    publications["published_at"] = publications["published_at"].astype("datetime64[us]")
    sheet_rows = pd.DataFrame(rows, columns=history.ROW_COLUMNS)
    sheet_rows["published_at"] = sheet_rows["published_at"].astype("datetime64[us]")
    return publications, sheet_rows


def days(kind: str, first_day: int, *printed: list[dict]) -> list[tuple[str, str, list[dict]]]:
    """Consecutive daily lists of one kind from March 2025."""
    return [(kind, f"2025-03-{first_day + i:02d} 09:00", rows) for i, rows in enumerate(printed)]


def build(*lists, aliases: dict[str, str] | None = None) -> history.HistoryResult:
    publications, sheet_rows = tables(*lists)
    result = history.build_history(publications, sheet_rows, FixTable("agency_aliases", dict(aliases or {})))
    failed = [q for q in result.qa if q["status"] == "fail"]
    assert not failed, failed
    return result


def changes_of(result: history.HistoryResult) -> list[tuple]:
    c = result.changes
    return [
        (p.split("-")[1], ch, a, f if isinstance(f, str) else None)
        for p, ch, a, f in zip(c["publication_id"], c["change"], c["agreement_id"], c["field"])
    ]


def status_of(result: history.HistoryResult) -> dict[str, str]:
    return dict(zip(result.agreements["agreement_id"], result.agreements["status"]))


ALACHUA = "Alachua Police Department"
ID = "FL-alachua-police-department-tfm-2025-03-01"


# ---------------------------------------------------------------- names and keys


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("St. Johns County Sheriff's Office", "SAINT JOHNS COUNTY SHERIFF OFFICE"),
        ("St Johns County Sheriff Office", "SAINT JOHNS COUNTY SHERIFF OFFICE"),
        ("Iowa Dept. of Public Safety", "IOWA DEPARTMENT OF PUBLIC SAFETY"),
        ("Miami-Dade  Sheriff\u2019s Office", "MIAMI DADE SHERIFF OFFICE"),
        ("Rutherford COunty Sheriff's Office", "RUTHERFORD COUNTY SHERIFF OFFICE"),
        ("Florida Fish & Wildlife Conservation Commission", "FLORIDA FISH AND WILDLIFE CONSERVATION COMMISSION"),
        ("City of Tampa PD", "TAMPA POLICE DEPARTMENT"),
        ("Waukesha County Sheriff's Department", "WAUKESHA COUNTY SHERIFF OFFICE"),
        ("Galveston County Constable's Office Pct.1", "GALVESTON COUNTY CONSTABLES OFFICE PRECINCT 1"),
    ],
)
def test_name_key_sets_aside_what_is_not_the_name(printed, key):
    assert history.name_key(printed) == key


@pytest.mark.parametrize(
    ("printed", "key"),
    [("Okaloosa County", "OKALOOSA"), ("Hinds Couny", "HINDS"), ("#NA", None), ("N/A", None), (None, None), ("St. Landry Parish", "SAINT LANDRY")],
)
def test_county_key(printed, key):
    assert history.county_key(printed) == key


def test_slug_and_edits():
    assert history.slug("Alamance County Sheriff's Office") == "alamance-county-sheriffs-office"
    assert history.edits("MACRO ISLAND", "MARCO ISLAND") == 1
    assert history.edits("BIBB", "COBB") == 2


# ---------------------------------------------------------------- scenarios


def test_a_typo_fixed_between_lists_is_one_agency_and_one_agreement():
    result = build(*days("participating", 1, [row("Alachua Police Departent", county="Alachua County")], [row(ALACHUA, county="Alachua County")]))
    assert result.agencies["agency_id"].tolist() == ["FL-alachua-police-department"]
    assert sorted(result.agencies["spellings"].iloc[0]) == ["Alachua Police Departent", ALACHUA]
    assert changes_of(result) == [("20250301", "added", ID, None), ("20250302", "renamed", ID, "agency")]
    renamed = result.changes.iloc[1]
    assert (renamed["old_value"], renamed["new_value"]) == ("Alachua Police Departent", ALACHUA)
    assert result.tiers["typo"] == 1


def test_two_agencies_a_letter_apart_and_listed_together_stay_two():
    waller, walker = row("Waller County Sheriff's Office", state="TX"), row("Walker County Sheriff's Office", state="TX")
    result = build(*days("participating", 1, [waller, walker], [waller, walker]))
    assert len(result.agencies) == 2
    assert result.review["why_not_merged"].tolist() == ["listed together"]


def test_a_re_dated_agreement_keeps_its_first_date_as_id():
    result = build(*days("participating", 1, [row(ALACHUA, signed="2025-02-12")], [row(ALACHUA, signed="2025-02-11")]))
    agreement = result.agreements.iloc[0]
    assert agreement["agreement_id"] == "FL-alachua-police-department-tfm-2025-02-12"
    assert str(agreement["signed"]) == "2025-02-11"
    assert list(agreement["signed_dates"]) == ["2025-02-12", "2025-02-11"]
    assert changes_of(result)[1] == ("20250302", "field changed", agreement["agreement_id"], "signed")
    assert result.tiers["redating"] == 1


def test_a_renewal_supersedes_the_old_agreement():
    old, new = row("Knox County Sheriff's Office", "jem", "2017-06-15", "TN"), row("Knox County Sheriff's Office", "jem", "2020-06-08", "TN")
    result = build(*days("participating", 1, [old], [old], [new], [new], [new], [new], [new], [new]))
    assert status_of(result) == {
        "TN-knox-county-sheriffs-office-jem-2017-06-15": "superseded",
        "TN-knox-county-sheriffs-office-jem-2020-06-08": "active",
    }
    assert [c[:2] for c in changes_of(result)] == [("20250301", "added"), ("20250303", "renewed")]


def test_a_model_switch_is_one_change():
    jem, tfm = row("Bradley County Sheriff's Office", "jem", "2025-02-03", "TN"), row("Bradley County Sheriff's Office", "wso", "2025-03-03", "TN")
    result = build(*days("participating", 1, [jem], [jem], [tfm], [tfm], [tfm], [tfm], [tfm], [tfm]))
    switch = result.changes[result.changes["change"] == "model switch"].iloc[0]
    assert (switch["old_value"], switch["new_value"]) == ("Jail Enforcement Model", "Warrant Service Officer")
    assert switch["previous_agreement_id"] == "TN-bradley-county-sheriffs-office-jem-2025-02-03"
    # The old model's agreement is gone: dropped the day it went, ended at the fifth list without it.
    assert [c[:2] for c in changes_of(result) if c[2].endswith("jem-2025-02-03")] == [("20250301", "added"), ("20250303", "dropped"), ("20250307", "ended")]
    assert status_of(result)["TN-bradley-county-sheriffs-office-jem-2025-02-03"] == "ended"


def test_an_agency_renamed_is_joined_by_the_alias_table_and_reviewed_without_it():
    lists = days("participating", 1, *([[row("Louisiana State Patrol", state="LA")]] * 2 + [[row("Louisiana State Police Department", state="LA")]] * 6))
    joined = build(*lists, aliases={"LA|LOUISIANA STATE PATROL": "Louisiana State Police Department"})
    assert joined.agencies["agency_id"].tolist() == ["LA-louisiana-state-police-department"]
    assert [c[1] for c in changes_of(joined)] == ["added", "renamed"]
    assert joined.tiers["alias"] == 1
    apart = build(*lists)
    assert sorted(status_of(apart).values()) == ["active", "ended"]
    assert apart.review["what"].tolist() == ["possible rename"]


def test_an_alias_that_matches_nothing_is_reported():
    result = build(*days("participating", 1, [row(ALACHUA)]), aliases={"FL|NOWHERE POLICE DEPARTMENT": ALACHUA})
    assert [q["check"] for q in result.qa if q["status"] == "warn" and q["check"] == "fix_unused"] == ["fix_unused"]


def test_a_blip_is_dropped_and_back_but_not_an_end():
    other = row("Ocala Police Department")
    result = build(*days("participating", 1, [row(ALACHUA), other], [other], [row(ALACHUA), other]))
    assert status_of(result)[ID] == "active"
    assert result.agreements.set_index("agreement_id").loc[ID, "blips"] == 1
    assert [c for c in changes_of(result) if c[2] == ID] == [("20250301", "added", ID, None), ("20250302", "dropped", ID, None), ("20250303", "back", ID, None)]
    assert result.changes.set_index("change").loc["back", "detail"] == "listed again after 1 lists without it"
    assert any(q["check"] == "blip" and q["scope"] == ID for q in result.qa)


def test_a_drop_in_the_latest_list_is_missing_with_a_dropped_change_and_no_end():
    other = row("Ocala Police Department")
    result = build(*days("participating", 1, [row(ALACHUA), other], [row(ALACHUA), other], [other]))
    agreement = result.agreements.set_index("agreement_id").loc[ID]
    assert agreement["status"] == "missing"
    assert (agreement["last_publication_id"], agreement["first_absent_publication_id"]) == ("participating-20250302-090000", "participating-20250303-090000")
    assert [c for c in changes_of(result) if c[2] == ID] == [("20250301", "added", ID, None), ("20250303", "dropped", ID, None)]
    assert result.agencies.set_index("agency_id").loc["FL-alachua-police-department", "status"] == "missing"
    assert pd.isna(result.agreements.set_index("agreement_id").loc["FL-ocala-police-department-tfm-2025-03-01", "first_absent"])


def test_an_agreement_ends_at_the_fifth_list_without_it_with_its_end_window():
    other = row("Ocala Police Department")
    ended = build(*days("participating", 1, [row(ALACHUA), other], *([[other]] * history.ENDED_AFTER_LISTS)))
    agreement = ended.agreements.set_index("agreement_id").loc[ID]
    assert agreement["status"] == "ended"
    assert (agreement["last_publication_id"], agreement["first_absent_publication_id"]) == ("participating-20250301-090000", "participating-20250302-090000")
    assert [c for c in changes_of(ended) if c[2] == ID] == [("20250301", "added", ID, None), ("20250302", "dropped", ID, None), ("20250306", "ended", ID, None)]
    confirmation = ended.changes[ended.changes["change"] == "ended"].iloc[0]
    assert confirmation["detail"] == "last listed 2025-03-01, not on ICE's list since 2025-03-02"
    assert ended.agencies.set_index("agency_id").loc["FL-alachua-police-department", "status"] == "ended"
    waiting = build(*days("participating", 1, [row(ALACHUA), other], *([[other]] * (history.ENDED_AFTER_LISTS - 1))))
    assert status_of(waiting)[ID] == "missing"
    assert "ended" not in set(waiting.changes["change"])


def test_an_agreement_back_after_thirty_lists_is_dropped_ended_and_back():
    other = row("Ocala Police Department")
    gone = [("participating", f"{day:%Y-%m-%d} 09:00", [other]) for day in pd.date_range("2025-03-02", periods=30)]
    lists = [("participating", "2025-03-01 09:00", [row(ALACHUA), other]), *gone, ("participating", "2025-04-01 09:00", [row(ALACHUA), other])]
    result = build(*lists)
    assert status_of(result)[ID] == "active"
    told = result.changes[result.changes["agreement_id"] == ID]
    assert told["change"].tolist() == ["added", "dropped", "ended", "back"]
    assert [p.split("-")[1] for p in told["publication_id"]] == ["20250301", "20250302", "20250306", "20250401"]
    assert told["detail"].tolist()[2:] == ["last listed 2025-03-01, not on ICE's list since 2025-03-02", "listed again after 30 lists without it"]
    assert any(q["check"] == "listed_again_after_an_end" and q["scope"] == ID for q in result.qa)


def test_a_renewal_in_the_latest_list_supersedes_at_once_without_a_drop():
    old, new = row("Knox County Sheriff's Office", "jem", "2017-06-15", "TN"), row("Knox County Sheriff's Office", "jem", "2020-06-08", "TN")
    result = build(*days("participating", 1, [old], [old], [new]))
    assert status_of(result)["TN-knox-county-sheriffs-office-jem-2017-06-15"] == "superseded"
    assert [c[1] for c in changes_of(result)] == ["added", "renewed"]


def test_a_pending_request_that_is_signed():
    request = row(ALACHUA, signed=None)
    lists = days("pending", 1, [request], [request]) + days("participating", 3, [row(ALACHUA)], [row(ALACHUA)])
    result = build(*lists)
    pending_id = "FL-alachua-police-department-tfm-pending-2025-03-01"
    assert status_of(result) == {ID: "active", pending_id: "signed"}
    moved = result.changes[result.changes["change"] == "moved from pending to signed"].iloc[0]
    assert (moved["agreement_id"], moved["previous_agreement_id"], moved["list_kind"]) == (ID, pending_id, "participating")


def test_an_empty_pending_list_ends_nothing():
    requests = [row(ALACHUA, signed=None), row("Ocala Police Department", signed=None)]
    lists = days("pending", 1, requests, requests, []) + days("pending", 4, *([requests] * 6))
    result = build(*lists)
    assert set(status_of(result).values()) == {"pending"}
    assert set(result.changes["change"]) == {"added"}


def test_a_request_gone_after_an_empty_list_lapses_at_the_fifth_real_list():
    lists = days("pending", 1, [row(ALACHUA, signed=None)], []) + days("pending", 3, *([[row("Ocala Police Department", signed=None)]] * 5))
    result = build(*lists)
    request = "FL-alachua-police-department-tfm-pending-2025-03-01"
    assert result.agreements.set_index("agreement_id").loc[request, "first_absent_publication_id"] == "pending-20250303-090000"
    lapsed = result.changes[result.changes["change"] == "lapsed"].iloc[0]
    assert (lapsed["agreement_id"], lapsed["publication_id"]) == (request, "pending-20250307-090000")
    assert lapsed["detail"] == "last listed 2025-03-01, not on ICE's list since 2025-03-03"
    assert status_of(result)[request] == "lapsed"
    assert result.agencies.set_index("agency_id").loc["FL-alachua-police-department", "status"] == "lapsed"
    assert not {"dropped", "ended"} & set(result.changes["change"])


def test_a_request_that_swings_off_the_pending_list_is_missing_never_dropped():
    request, other = row(ALACHUA, signed=None), row("Ocala Police Department", signed=None)
    result = build(*days("pending", 1, [request, other], [other], [request, other], [other]))
    assert status_of(result)["FL-alachua-police-department-tfm-pending-2025-03-01"] == "missing"
    assert set(result.changes["change"]) == {"added"}
    assert result.agencies.set_index("agency_id")["status"].to_dict() == {"FL-alachua-police-department": "missing", "FL-ocala-police-department": "pending"}


def test_duplicate_rows_in_one_list_are_one_agreement():
    result = build(*days("participating", 1, [row(ALACHUA, county="Alachua County"), row(ALACHUA, county="#NA")], [row(ALACHUA)]))
    assert result.agreements["agreement_id"].tolist() == [ID]
    assert result.rows["agreement_id"].nunique() == 1


def test_ids_do_not_depend_on_the_order_of_the_inputs():
    lists = (
        days("pending", 1, [row(ALACHUA, signed=None)], [row(ALACHUA, signed=None)])
        + days("participating", 1, [row("Alachua Police Departent"), row("Ocala Police Department", signed="2025-02-12")], [row(ALACHUA), row("Ocala Police Department", signed="2025-02-11")], [row(ALACHUA)])
    )  # fmt: skip
    publications, sheet_rows = tables(*lists)
    first = history.build_history(publications, sheet_rows)
    shuffled = history.build_history(publications.sample(frac=1, random_state=1), sheet_rows.sample(frac=1, random_state=2))
    for name in ("agencies", "agreements", "changes"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(shuffled, name))
    check = history.stable_ids_check(publications, sheet_rows, FixTable("agency_aliases", {}), first)
    assert check["status"] == "pass"


def test_every_accepted_row_maps_to_one_agreement():
    lists = days("pending", 1, [row(ALACHUA, signed=None)]) + days("participating", 2, [row(ALACHUA), row(ALACHUA, county="#NA")], [row("Ocala Police Department")])
    publications, sheet_rows = tables(*lists)
    result = build(*lists)
    mapped = result.row_agreements
    assert mapped.columns.tolist() == ["publication_id", "row_number", "agreement_id", "agency_id"]
    assert len(mapped) == len(sheet_rows) and not mapped.duplicated(["publication_id", "row_number"]).any()
    assert mapped["agreement_id"].tolist() == [
        ID, ID, "FL-ocala-police-department-tfm-2025-03-01", "FL-alachua-police-department-tfm-pending-2025-03-01",
    ]  # fmt: skip
    assert [q["status"] for q in result.qa if q["check"] == "rows_map_to_one_agreement"] == ["pass"]
    # A row left out, or a row counted as two agreements, fails the check.
    assert history.row_map_check(sheet_rows, mapped.iloc[1:])["status"] == "fail"
    twice = pd.concat([mapped, mapped.iloc[[0]].assign(agreement_id=ID)])
    assert history.row_map_check(sheet_rows, twice)["value"] == 1


def test_the_vocabularies_are_one_definition_and_the_tables_use_only_them():
    assert list(history.CHANGE_TYPES) == [
        "added", "moved from pending to signed", "renewed", "model switch", "renamed", "field changed", "back", "dropped", "ended", "lapsed",
    ]  # fmt: skip
    assert list(history.AGREEMENT_STATUSES) == ["active", "missing", "ended", "superseded", "pending", "signed", "lapsed"]
    assert list(history.AGENCY_STATUSES) == ["active", "missing", "pending", "ended", "lapsed", "before 2021"]
    assert all(meaning.strip() for meaning in [*history.CHANGE_TYPES.values(), *history.AGREEMENT_STATUSES.values()])
    other = row("Ocala Police Department")
    result = build(*days("participating", 1, [row(ALACHUA), other], [other], [row(ALACHUA)]))
    assert set(result.agreements["status"]) <= set(history.AGREEMENT_STATUSES)
    assert set(result.changes["change"]) <= set(history.CHANGE_TYPES)
    order = [list(history.CHANGE_TYPES).index(c) for c in result.changes[result.changes["publication_id"] == "participating-20250303-090000"]["change"]]
    assert order == sorted(order) and len(order) == 2  # back (Alachua) before dropped (Ocala)


# ---------------------------------------------------------------- the stage and its inputs


def test_run_writes_every_output_and_a_missing_input_is_one_line(tmp_path):
    with pytest.raises(LedgerError, match="publications.parquet: not found"):
        history.run(tmp_path)
    publications, sheet_rows = tables(*days("participating", 1, [row(ALACHUA)]))
    (tmp_path / "build").mkdir()
    publications.to_parquet(tmp_path / "build" / "publications.parquet")
    sheet_rows.to_parquet(tmp_path / "build" / "sheet_rows.parquet")
    history.run(tmp_path)
    for name in ("agencies.parquet", "agreements.parquet", "changes.parquet", "row_agreements.parquet", "history_review.csv", "identity_tiers.csv", "qa/history.csv"):
        assert (tmp_path / "build" / name).exists(), name
    context = history.methodology_context(tmp_path)
    assert set(context["tiers"]) == set(history.TIERS)
    template = history.Path(history.__file__).parent / "templates" / "methodology_identity.md"
    text = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(template.read_text()).render(**context)
    flat = " ".join(text.split())
    assert f"missing from {history.ENDED_AFTER_LISTS} lists in a row" in flat
    assert "still shown as active" not in flat


def test_a_bad_alias_table_is_one_line(tmp_path):
    path = tmp_path / "agency_aliases.csv"
    path.write_text("wrong,right,reason,source,reviewed\nA,B,c,d,e\n")
    with pytest.raises(LedgerError, match="lacks column"):
        history.load_aliases(path)


def test_the_project_alias_table_loads():
    table = history.load_aliases(history.manual_dir(history.Path("/nonexistent")) / "agency_aliases.csv")
    assert table.mapping


# ---------------------------------------------------------------- the real archive


@pytest.mark.archive
def test_history_checks_pass_on_the_real_archive(tmp_path_factory):
    shared_path("ice-sheets/MANIFEST.csv")
    data = tmp_path_factory.mktemp("history") / "data"
    assert cli.main(["--data-dir", str(data), "import", str(ICE_SHEETS)]) == 0
    assert cli.main(["--data-dir", str(data), "ingest"]) == 0
    result = history.run(data)
    failed = [q for q in result.qa if q["status"] == "fail"]
    assert not failed, failed
    names = {q["check"] for q in result.qa if q["status"] == "pass"}
    assert {
        "rows_map_to_one_agreement", "publications_agreements_equal_distinct_rows", "agreement_ids_unique",
        "agency_ids_unique", "publication_dates_strictly_ordered", "ids_stable_when_inputs_reordered",
        "statuses_agree_with_changes",
    } <= names  # fmt: skip
    assert not [q for q in result.qa if q["check"] == "fix_unused"]
    rows = pd.read_parquet(data / "build" / "sheet_rows.parquet", columns=["publication_id"])
    assert len(result.rows) == len(rows)
    mapped = pd.read_parquet(data / "build" / "row_agreements.parquet")
    assert len(mapped) == len(rows) and mapped["agreement_id"].notna().all()
    # Each missing agreement's drop is in the change log, in the first list without it.
    missing = result.agreements[(result.agreements["status"] == "missing") & (result.agreements["list_kind"] == "participating")]
    dropped = result.changes[result.changes["change"] == "dropped"]
    assert set(zip(missing["agreement_id"], missing["first_absent_publication_id"])) <= set(zip(dropped["agreement_id"], dropped["publication_id"]))


def test_a_reviewed_alias_joins_names_listed_together_for_different_models_but_never_one_model():
    county, variant = "Hopewell County Sheriff's Office", "Hopewell Sheriff's Office"
    tfm, jem = row(county, state="VA"), row(county, model="jem", state="VA")
    misprinted = row(variant, model="jem", state="VA")
    lists = days("participating", 1, [tfm, jem], [tfm, misprinted], [tfm, misprinted], [tfm, jem])
    alias = {"VA|HOPEWELL SHERIFF OFFICE": county}
    joined = build(*lists, aliases=alias)
    assert joined.agencies["agency_id"].tolist() == ["VA-hopewell-county-sheriffs-office"]
    assert sorted(joined.agreements["status"]) == ["active", "active"]
    assert [c[1] for c in changes_of(joined) if "-jem-" in c[2]] == ["added", "renamed", "renamed"]
    # Two names printing one model in one list are two rows of one list: the alias is refused.
    same_model = days("participating", 1, [tfm, jem, misprinted])
    publications, sheet_rows = tables(*same_model)
    result = history.build_history(publications, sheet_rows, FixTable("agency_aliases", alias))
    assert [q["check"] for q in result.qa if q["status"] == "fail"] == ["alias_joins_names_listed_together"]
