"""Links the statistics by agency to the agreements history's agencies (agencies.parquet): agency_id and how it was found."""

from __future__ import annotations

import pandas as pd

from ..common.fixes import FixTable
from .names import name_keys

def agency_index(agencies: pd.DataFrame) -> tuple[dict, dict, dict]:
    """Lookups from (state, key) to agency ids, over every spelling, for the strict and loose tiers."""
    name_column = next((c for c in ("canonical_name", "agency_name", "name", "agency") if c in agencies.columns), None)
    strict: dict[tuple[str, str], set[str]] = {}
    loose: dict[tuple[str, str], set[str]] = {}
    states = dict(zip(agencies["agency_id"], agencies["state"]))
    for record in agencies.to_dict("records"):
        spellings = list(record.get("spellings") if record.get("spellings") is not None else [])
        if name_column:
            spellings.append(record[name_column])
        for spelling in spellings:
            if not isinstance(spelling, str) or not spelling.strip():
                continue
            strict_key, loose_key = name_keys(spelling, record["state"])
            strict.setdefault((record["state"], strict_key), set()).add(record["agency_id"])
            loose.setdefault((record["state"], loose_key), set()).add(record["agency_id"])
    return strict, loose, states


def link_agencies(names: pd.DataFrame, agencies: pd.DataFrame | None, links: FixTable) -> pd.DataFrame:
    """agency_id, link_method and (when unlinked) reason and detail for each (agency_name, state).

    Tiers: the hand table, then the same name after normalisation, then the loose key; a tier
    links only when it finds exactly one agency in the same state.
    """
    out = []
    index = agency_index(agencies) if agencies is not None else None
    for name, state in names[["agency_name", "state"]].drop_duplicates().itertuples(index=False):
        found, method, reason, detail = None, "unlinked", "", ""
        if index is None:
            reason, detail = "no_agencies_table", "build/agencies.parquet is absent: run the history stage"
        else:
            strict, loose, states = index
            strict_key, loose_key = name_keys(name, state)
            target = links.apply(name)
            if target is not None:
                ids = {target} if target in states else strict.get((state, name_keys(target, state)[0]), set())
                if len(ids) == 1 and states[next(iter(ids))] == state:
                    found, method = next(iter(ids)), "manual"
                else:
                    reason, detail = (
                        "manual_target_missing",
                        f"removals_agency_links.csv gives {target!r}, not one agency in {state}",
                    )
            else:
                for tier, ids in (
                    ("name", strict.get((state, strict_key), set())),
                    ("loose_name", loose.get((state, loose_key), set())),
                ):
                    if len(ids) == 1:
                        found, method = next(iter(ids)), tier
                        break
                    if len(ids) > 1:
                        reason, detail = "ambiguous", "; ".join(sorted(ids))
                        break
                else:
                    reason = "no_match"
        out.append(
            {"agency_name": name, "state": state, "agency_id": found, "link_method": method, "reason": reason, "detail": detail}
        )
    return pd.DataFrame(out, columns=["agency_name", "state", "agency_id", "link_method", "reason", "detail"])

