"""ICE's three 287(g) support models: their names as ICE prints them, in display order, and their short codes."""

from __future__ import annotations

MODEL_CODES = {
    "Jail Enforcement Model": "jem",
    "Task Force Model": "tfm",
    "Warrant Service Officer": "wso",
}
SUPPORT_TYPES = list(MODEL_CODES)  # the order every table and chart shows them in
