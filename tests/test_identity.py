"""Identity follows the agreement (issue 10 point 7): relabels, folds, corrected dates and states, swapped words, and the pair check."""

from __future__ import annotations

import pandas as pd

from ledger import history
from ledger.common.fixes import FixTable
from ledger.history.pairs import DISTINCT_COLUMNS, pair_checks, same_list_pairs

from .test_history import build, days, row, tables


def spans(before: list[dict], after: list[dict], lists_before: int = 3, lists_after: int = 7) -> list:
    """Daily lists printing `before` then `after` (with the same other agency on every list, so no list is empty)."""
    other = row("Other Police Department", signed="2025-01-01", county="Other")
    return days("participating", 1, *([before + [other]] * lists_before + [after + [other]] * lists_after))


def participating(result) -> pd.DataFrame:
    agreements = result.agreements
    return agreements[(agreements["list_kind"] == "participating") & ~agreements["agency_name"].str.startswith("Other")]


def no_end_and_add(result) -> None:
    assert same_list_pairs(result.agreements, result.changes).empty
    assert not ((result.changes["change"] == "ended") & ~result.changes["agreement_id"].str.contains("other")).any()


def test_relabel_of_the_signing_body_is_one_agreement_with_a_rename():
    # (a) ICE moves the agreement from the sheriff's office to its county's board: same county, model and date.
    result = build(*spans([row("Gulf County Sheriff's Office", "wso", "2025-02-26", county="Gulf")],
                          [row("Gulf County Board of County Commissioners", "wso", "2025-02-26", county="Gulf")]))  # fmt: skip
    agreements = participating(result)
    assert len(agreements) == 1 and agreements["status"].iloc[0] == "active"
    renames = result.changes[(result.changes["field"] == "agency") & (result.changes["agreement_id"] == agreements["agreement_id"].iloc[0])]
    assert renames[["old_value", "new_value"]].values.tolist() == [["Gulf County Sheriff's Office", "Gulf County Board of County Commissioners"]]
    assert result.tiers["relabel"] == 1
    no_end_and_add(result)


def test_relabel_without_a_county_needs_the_same_moa_link():
    link = "https://www.ice.gov/doclib/287gMOA/x.pdf"
    result = build(*spans([row("Sheriff of Nowhere", "wso", "2025-02-26", moa=link)], [row("Nowhere Jail", "wso", "2025-02-26", moa=link)]))
    assert len(participating(result)) == 1
    # Without the link nothing says the two are one: two agreements, and the pair check names them.
    publications, sheet_rows = tables(*spans([row("Sheriff of Nowhere", "wso", "2025-02-26")], [row("Nowhere Jail", "wso", "2025-02-26")]))
    apart = history.build_history(publications, sheet_rows, FixTable("agency_aliases", {}))
    assert len(participating(apart)) == 2
    # ... as a warning: with no county on either side the pair is weaker evidence than a county's relabel.
    assert {q["status"] for q in apart.qa if q["check"].startswith("same_list_end_and_add")} == {"warn", "info"}


def test_labels_listed_together_stay_two_agreements():
    both = [row("Gulf County Sheriff's Office", "wso", "2025-02-26", county="Gulf"),
            row("Gulf County Board of County Commissioners", "wso", "2025-02-26", county="Gulf")]  # fmt: skip
    publications, sheet_rows = tables(*spans(both[:1], both[1:], 3, 7), *days("participating", 20, both + [row("Other Police Department", signed="2025-01-01")]))
    result = history.build_history(publications, sheet_rows, FixTable("agency_aliases", {}))
    assert len(participating(result)) == 2
    assert result.tiers["relabel"] == 0


def test_a_division_printed_beside_its_department_folds_into_one_agreement():
    # (b) one list prints the agreement twice: the division's name with its older date, one MOA link for both.
    link = "https://www.ice.gov/doclib/287gMOA/FloridaDeptEnvironProtect_TFM.pdf"
    department = row("Florida Department of Environmental Protection", signed="2025-04-24", moa=link)
    division = row("Florida Department of Environmental Protection, Division of Law Enforcement", signed="2025-02-14", moa=link)
    result = build(*spans([department], [department, division]))  # build() asserts no check fails
    agreements = participating(result)
    assert agreements["agreement_id"].tolist() == ["FL-florida-department-of-environmental-protection-tfm-2025-04-24"]
    assert result.tiers["fold"] == 7
    # Two unrelated agencies printed with one link (ICE's copy-paste) are not folded.
    result = build(*spans([department], [department, row("Sebastian Police Department", signed="2025-04-15", moa=link)]))
    assert len(participating(result)) == 2 and result.tiers["fold"] == 0


def test_a_missing_or_impossible_signing_date_joins_the_dated_agreement():
    # (c) printed without a date, then with one; printed with a year after the list, then corrected.
    for wrong in (None, "2026-03-02"):
        result = build(*spans([row("Hampshire County Sheriff's Office", signed=wrong)], [row("Hampshire County Sheriff's Office", signed="2025-02-20")]))
        agreements = participating(result)
        assert agreements["agreement_id"].tolist() == ["FL-hampshire-county-sheriffs-office-tfm-2025-02-20"], wrong
        no_end_and_add(result)


def test_an_agency_printed_under_the_wrong_state_stays_in_its_real_state():
    # (d) a few lists under Montana, then Minnesota: same name, model and date; the later state is ICE's correction.
    result = build(*spans([row("Cass County Sheriff's Office", signed="2025-02-28", state="MT")],
                          [row("Cass County Sheriff's Office", signed="2025-02-28", state="MN", county="Cass")], 2, 8))  # fmt: skip
    agreements = participating(result)
    assert agreements["agreement_id"].tolist() == ["MN-cass-county-sheriffs-office-tfm-2025-02-28"]
    assert agreements["lists"].iloc[0] == 10 and result.tiers["state"] == 1
    assert "MT" not in set(result.agencies["state"])


def test_a_state_agency_with_its_words_swapped_is_one_agency():
    # (e) 'Wyoming Highway State Patrol' on some lists, 'Wyoming State Highway Patrol' on others.
    result = build(*spans([row("Wyoming State Highway Patrol", state="WY")], [row("Wyoming Highway State Patrol", state="WY")]),
                   *days("participating", 20, [row("Wyoming State Highway Patrol", state="WY"), row("Other Police Department", signed="2025-01-01")]))  # fmt: skip
    assert len(participating(result)) == 1
    assert result.tiers["word order"] == 1
    wyoming = result.agencies[result.agencies["state"] == "WY"]
    assert wyoming["spellings"].map(list).tolist() == [["Wyoming Highway State Patrol", "Wyoming State Highway Patrol"]]


def test_every_same_list_end_and_add_pair_is_merged_or_reviewed():
    # (f) one agreement ends as another of the same state, county and model begins, with nothing to join them.
    lists = spans([row("Okaloosa County Sheriff's Office", "wso", "2025-02-26", county="Okaloosa")],
                  [row("Crestview Police Department", "wso", "2025-03-02", county="Okaloosa")])  # fmt: skip
    publications, sheet_rows = tables(*lists)
    result = history.build_history(publications, sheet_rows, FixTable("agency_aliases", {}))
    pairs = same_list_pairs(result.agreements, result.changes)
    assert pairs[["ended_agreement_id", "added_agreement_id"]].values.tolist() == [
        ["FL-okaloosa-county-sheriffs-office-wso-2025-02-26", "FL-crestview-police-department-wso-2025-03-02"]
    ]
    failed = [q for q in result.qa if q["status"] == "fail"]
    assert [q["check"] for q in failed] == ["same_list_end_and_add_unreviewed", "same_list_end_and_add_pairs_reviewed"]
    reviewed = pd.DataFrame([["FL-okaloosa-county-sheriffs-office-wso-2025-02-26", "FL-crestview-police-department-wso-2025-03-02",
                              "two departments", "test", "2026-12-02"]], columns=DISTINCT_COLUMNS)  # fmt: skip
    qa = pair_checks(pairs, reviewed)
    assert [q["status"] for q in qa] == ["pass", "info"]
    # The same end and addition in two counties is no pair.
    counties = result.agreements["agency_name"].map({"Okaloosa County Sheriff's Office": "Okaloosa", "Crestview Police Department": "Walton"})
    assert same_list_pairs(result.agreements.assign(county=counties), result.changes).empty


def test_a_list_that_drops_and_adds_many_at_once_is_one_warning_not_their_product():
    # Eleven agreements gone and eleven new ones in one state and model: 121 pairs, past the cap.
    before = [row(f"Town {i} Police Department", "wso", "2025-02-01", county="Okaloosa") for i in range(11)]
    after = [row(f"Village {i} Police Department", "wso", "2025-03-02") for i in range(11)]
    publications, sheet_rows = tables(*spans(before, after))
    result = history.build_history(publications, sheet_rows, FixTable("agency_aliases", {}))
    pairs = same_list_pairs(result.agreements, result.changes)
    assert len(pairs) == 121 and pairs["crowded"].all()
    checks = [q for q in result.qa if q["check"].startswith("same_list_end_and_add")]
    assert [(q["check"], q["status"]) for q in checks] == [
        ("same_list_end_and_add_crowded", "warn"), ("same_list_end_and_add_pairs_reviewed", "warn"), ("same_list_end_and_add_pairs", "info"),
    ]  # fmt: skip
    assert checks[0]["value"] == "11 ended, 11 added"
    # A county on one side only is not known on both (never a missing county read as one).
    assert not pairs["county_known"].any() and set(pairs["county"]) == {"OKALOOSA"}
