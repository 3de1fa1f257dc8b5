"""The message catalog: every user-facing word of the generated pages and charts, from messages/<language>.json."""

from __future__ import annotations

import json
from importlib import resources


class Messages:
    """The message catalog: every user-facing word of the generated pages and charts."""

    def __init__(self, language: str = "en"):
        with resources.files("ledger.site").joinpath(f"messages/{language}.json").open(encoding="utf-8") as fh:
            self.catalog: dict[str, str] = json.load(fh)
        self.language = language

    def __call__(self, key: str, **values) -> str:
        if key not in self.catalog:
            raise KeyError(f"message {key!r} is missing from the {self.language} catalog")
        return self.catalog[key].format(**values) if values else self.catalog[key]

    def get(self, key: str, default: str) -> str:
        return self.catalog.get(key, default)
