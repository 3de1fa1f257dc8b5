"""What every page shares: the Jinja environment, the written-file tracker, chart blocks and the common context."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from ...common.models import MODEL_CODES, SUPPORT_TYPES
from ...common.spreadsheet import csv_text
from ...downloads.contract import ICE_FOLDER
from ..format import day, figure, h, md, num, safe_url, size
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
    env.filters.update(md=md, h=h, num=num, day=day, url=safe_url, figure=figure, size=size)
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
class Figures:
    """The saved figure tables, as read back after saving (the pages show nothing else)."""

    national: pd.Series  # national_figures.parquet's one row
    states: pd.DataFrame  # state_figures.parquet beside each state's name
    agencies: pd.DataFrame  # agency_figures.parquet, indexed by agency_id
    lists: pd.DataFrame  # list_changes.parquet
    series: pd.DataFrame  # active_by_day.parquet, its dates as timestamps
    counties: pd.DataFrame  # county_figures.parquet


@dataclass
class Site:
    """The tables every page draws from, prepared once."""

    t: Messages
    env: jinja2.Environment
    inputs: object  # ledger.site.inputs.Inputs
    shown: pd.DataFrame  # agreements as pages list them
    figures: pd.DataFrame  # the saved state figures beside each state's name
    national: pd.Series  # the saved national figures
    agency_figures: pd.DataFrame  # the saved agency figures, indexed by agency_id
    list_changes: pd.DataFrame  # the saved per-list change counts
    rows: pd.DataFrame  # the latest lists' accepted sheet rows, each with its agreement
    counties: pd.DataFrame  # the saved county figures
    series: pd.DataFrame  # the saved timelines: active agreements per list day, state and model
    changes: pd.DataFrame  # the change log, newest first
    latest: pd.Series
    latest_pending: pd.Series | None
    common: dict  # the context every template gets

    def render(self, template: str, **context) -> str:
        return self.env.get_template(template).render(**self.common, **context)


ICE_PREFIX = f"{ICE_FOLDER}/"  # the published workbooks, from the site's root
# The change types whose counts the summary of a list names even when zero, then those named when not.
SUMMARY_ALWAYS = ["new", "dropped"]
SUMMARY_WHEN_ANY = ["ended", "back", "renamed", "lapsed"]


def status_text(t: Messages, status: str, last_listed: object = None, first_absent: object = None) -> str:
    """A status as a reader sees it: `missing` with the date it left the list, `ended` with its end window."""
    if status == "missing" and day(first_absent):
        return t("status.missing.since", date=day(first_absent))
    if status == "ended" and day(first_absent) and day(last_listed):
        return t("status.ended.window", last=day(last_listed), absent=day(first_absent))
    return t.get(f"status.{status}", status)


def dropped_agreements(site: "Site", changes: pd.DataFrame) -> pd.DataFrame:
    """The agreements a list's `dropped` changes name, as the agreement tables list them."""
    ids = set(changes.loc[changes["change"] == "dropped", "agreement_id"])
    return site.shown[site.shown["agreement_id"].isin(ids)]


def model_breakdown(figures: pd.Series, labels: dict) -> str:
    """'Jail enforcement 152, Task force 868, ...' from a saved figure row's active_<model> columns."""
    return ", ".join(f"{labels[name]} {num(getattr(figures, f'active_{code}'))}" for name, code in MODEL_CODES.items())


def change_summary(t: Messages, counts: pd.Series) -> str:
    """'72 added, 8 dropped' (and ended, back, renamed, lapsed where any), from a saved list_changes row."""
    parts = [t(f"summary.{c}", count=num(counts[c])) for c in SUMMARY_ALWAYS]
    parts += [t(f"summary.{c}", count=num(counts[c])) for c in SUMMARY_WHEN_ANY if int(counts[c])]
    return ", ".join(parts)


def change_details(t: Messages, labels: dict):
    """A change row's details in words: the field's label and its values (moa_status and models labelled), and the note."""

    def value(field_name: str, text: object) -> str:
        text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
        if field_name == "moa_status":
            return t.get(f"moa_status.{text}", text)
        if field_name == "support_type":
            return labels.get(text, text)
        return text

    def details(c) -> str:
        parts = []
        field_name = "" if c.field is None or (isinstance(c.field, float) and pd.isna(c.field)) else str(c.field)
        if field_name:
            parts.append(t("change.field_value", field=t.get(f"field.{field_name}", field_name), old=value(field_name, c.old_value), new=value(field_name, c.new_value)))
        if isinstance(c.detail, str) and c.detail:
            parts.append(c.detail)
        return "; ".join(parts)

    return details


def common_context(publications: pd.DataFrame, latest_p: pd.Series, latest_n: pd.Series | None, t: Messages, archive_start: str) -> dict:
    """What every template sees (made the environment's globals, so the shared macros see it too).

    `archive_start` is the saved national figure's, so the date the pages give is the one the figures table holds.
    """
    labels = {m: t(f"model.{m}") for m in SUPPORT_TYPES}
    return {
        "archive_start": archive_start,
        "is_sample": bool(publications["is_sample"].any()),
        "first": day(publications["published_at"].min()),
        "last": day(publications["published_at"].max()),
        "latest": latest_p,
        "latest_pending": latest_n,
        "latest_file": list(latest_p["file_names"])[0],
        "lists": len(publications),
        "labels": labels,
        "status": lambda s, last=None, absent=None: status_text(t, s, last, absent),
        "change_label": lambda c: t.get(f"change.{c}", c),
        "change_details": change_details(t, labels),
        "change_summary": lambda counts: change_summary(t, counts),
    }


def dated(frame: pd.DataFrame) -> pd.DataFrame:
    """A timeline's points as the chart's CSV offers them."""
    return frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"))[["date", "support_type", "agreements"]]
