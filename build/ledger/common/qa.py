"""The one shape of a quality check (`check, scope, value, expected, status`), shared by every stage."""

from __future__ import annotations

QA_COLUMNS = ["check", "scope", "value", "expected", "status"]
# Ordered by urgency: a `fail` row fails the build, the rest are published on the methodology page.
STATUSES = ["fail", "warn", "pass", "info"]


def check(name: str, scope: str, value: object, expected: object, status: str) -> dict:
    return {"check": name, "scope": scope, "value": value, "expected": expected, "status": status}
