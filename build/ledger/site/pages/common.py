"""What every page shares: the Jinja environment, the written-file tracker, chart blocks and the common context."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from ...common.models import SUPPORT_TYPES
from ...common.spreadsheet import csv_text
from ..format import day, figure, h, md, num, safe_url
from ..messages import Messages


def environment(t: Messages, source: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(source / "templates"),
        autoescape=False,  # Markdown, not HTML: every value goes through |md or |h explicitly
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md, h=h, num=num, day=day, url=safe_url, figure=figure)
    env.globals.update(t=t)
    return env


@dataclass
class Output:
    """Where pages go, and what was written (so stale pages can be removed) and which SVGs to draw."""

    root: Path
    written: set[Path] = field(default_factory=set)
    jobs: list[tuple[str, Path]] = field(default_factory=list)
    pages: int = 0

    def write(self, path: Path, text: str) -> None:
        """Write only when the content changed, so MkDocs and the browser cache see stable files."""
        self.written.add(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")

    def page(self, relative: str, text: str) -> None:
        self.write(self.root / relative, text)
        self.pages += 1

    def csv(self, path: Path, frame: pd.DataFrame) -> None:
        self.write(path, csv_text(frame))  # published for download: spreadsheet-safe

    def chart(self, spec: dict, folder: Path, name: str, description: str, data: pd.DataFrame, prefix: str = "") -> dict:
        """Write a chart's spec and data beside its page; queue its SVG. Returns what the template needs.

        `prefix` is the folder's address relative to the page (the home page's charts live in national/).
        """
        spec_json = json.dumps(spec, separators=(",", ":"), sort_keys=True)
        self.write(folder / f"{name}.vl.json", spec_json)
        self.csv(folder / f"{name}.csv", data)
        self.jobs.append((spec_json, folder / f"{name}.svg"))
        return {"spec": f"{prefix}{name}.vl.json", "svg": f"{prefix}{name}.svg", "csv": f"{prefix}{name}.csv", "description": description, "id": name}


@dataclass
class Site:
    """The tables every page draws from, prepared once."""

    t: Messages
    env: jinja2.Environment
    inputs: object  # ledger.site.inputs.Inputs, with agreements carrying display_status
    shown: pd.DataFrame  # agreements as pages list them
    figures: pd.DataFrame  # the saved state figures beside each state's name
    national: pd.Series  # the saved national figures
    series: pd.DataFrame  # active agreements per list day, state and model
    changes: pd.DataFrame  # the change log, newest first
    latest: pd.Series
    latest_pending: pd.Series | None
    common: dict  # the context every template gets

    def render(self, template: str, **context) -> str:
        return self.env.get_template(template).render(**self.common, **context)


def common_context(publications: pd.DataFrame, latest_p: pd.Series, latest_n: pd.Series | None, t: Messages) -> dict:
    return {
        "is_sample": bool(publications["is_sample"].any()),
        "first": day(publications["published_at"].min()),
        "last": day(publications["published_at"].max()),
        "latest": latest_p,
        "latest_pending": latest_n,
        "latest_file": list(latest_p["file_names"])[0],
        "lists": len(publications),
        "labels": {m: t(f"model.{m}") for m in SUPPORT_TYPES},
        "status": lambda s: t.get(f"status.{s}", s),
        "change_label": lambda c: t.get(f"change.{c}", c),
    }


def dated(frame: pd.DataFrame) -> pd.DataFrame:
    """A timeline's points as the chart's CSV offers them."""
    return frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"))[["date", "support_type", "agreements"]]
