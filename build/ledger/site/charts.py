"""Makes the charts' Vega-Lite specs with Altair, in one visual style, and the map geometry they draw.

The style (fonts, colours, sizes) is set once, in THEME; every chart of the site goes through
`spec_of`, so no chart carries a style of its own. Maps are drawn from the us-atlas package's
TopoJSON, decoded here into GeoJSON features that carry their own figures, so each map spec is
self-contained: the browser and the SVG renderer need no other file.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import altair as alt
import pandas as pd

from ..common.models import SUPPORT_TYPES

MODEL_COLOURS = ["#1f5f99", "#d0641c", "#6b4fa0"]  # distinguishable with common colour-vision deficiencies
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
SEQUENTIAL = "blues"
NO_DATA = "#eceff1"

THEME = {
    "config": {
        "font": FONT,
        "background": "white",
        "view": {"stroke": None, "continuousWidth": 640, "continuousHeight": 300},
        "title": {"fontSize": 15, "fontWeight": 600, "anchor": "start", "color": "#1a1a1a"},
        "axis": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": 500, "gridColor": "#e6e6e6", "domainColor": "#888", "tickColor": "#888"},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
        "range": {"category": MODEL_COLOURS},
        "area": {"opacity": 0.9},
        "bar": {"color": MODEL_COLOURS[0]},
        "geoshape": {"stroke": "white", "strokeWidth": 0.5},
    }
}


def spec_of(chart: alt.TopLevelMixin) -> dict:
    """The chart as a Vega-Lite spec dict, with the site's style and a responsive width."""
    # Not validated here (a second of a build): tests.test_site validates every chart the site ships against the schema.
    spec = chart.properties(width="container").to_dict(validate=False)
    spec.pop("$schema", None)
    spec["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier, never fetched
    spec["config"] = THEME["config"]
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def timeline(frame: pd.DataFrame, labels: dict[str, str], t) -> dict:
    """Stacked step area of active agreements by model. frame: date, support_type, agreements."""
    rank = {m: i for i, m in enumerate(SUPPORT_TYPES)}
    data = frame.assign(
        model=frame["support_type"].map(labels), rank=frame["support_type"].map(rank), date=frame["date"].dt.strftime("%Y-%m-%d")
    )
    order = [labels[m] for m in SUPPORT_TYPES]
    chart = (
        alt.Chart(alt.Data(values=data[["date", "model", "rank", "agreements"]].to_dict("records")))
        .mark_area(interpolate="step-after")
        .encode(
            # Dates are days in UTC: a local-time scale puts the ticks, and so the drawn SVG, where the
            # machine's (or the reader's) time zone says, and shows a day's tooltip as the day before west of UTC.
            x=alt.X("date:T", title=t("chart.timeline.x"), scale=alt.Scale(type="utc"), axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=6)),
            y=alt.Y("agreements:Q", title=t("chart.timeline.y"), stack="zero"),
            color=alt.Color("model:N", title=t("chart.timeline.model"), scale=alt.Scale(domain=order, range=MODEL_COLOURS)),
            order=alt.Order("rank:Q"),
            tooltip=[alt.Tooltip("date:T", timeUnit="utcyearmonthdate", title=t("chart.timeline.x")), alt.Tooltip("model:N", title=t("chart.timeline.model")), alt.Tooltip("agreements:Q", title=t("chart.timeline.y"))],
        )
        .properties(height=260, title=t("chart.timeline.title"))
    )
    return spec_of(chart)


def choropleth(features: list[dict], title: str, legend: str, projection: str, height: int = 380) -> dict:
    """A map whose features carry `properties.value` (0 drawn in the no-data grey)."""
    # Altair walks and validates inline data value by value; the geometry is put in after, as is.
    data = alt.Data(values=[{"properties": {"name": "", "value": 0}}])
    chart = (
        alt.Chart(data)
        .mark_geoshape()
        .encode(
            color=alt.condition(
                "datum.properties.value > 0",
                alt.Color("properties.value:Q", title=legend, scale=alt.Scale(scheme=SEQUENTIAL, domainMin=0)),
                alt.value(NO_DATA),
            ),
            tooltip=[alt.Tooltip("properties.name:N", title=" "), alt.Tooltip("properties.value:Q", title=legend)],
        )
        .project(type=projection)
        .properties(height=height, title=title)
    )
    spec = spec_of(chart)
    spec["data"] = {"values": {"type": "FeatureCollection", "features": features}, "format": {"property": "features"}}
    return spec


def removals_bars(frame: pd.DataFrame, t) -> dict:
    """People removed per fiscal year, stacked by agency. frame: fiscal_year, agency_name, removed."""
    chart = (
        alt.Chart(alt.Data(values=frame.to_dict("records")))
        .mark_bar()
        .encode(
            x=alt.X("fiscal_year:O", title=t("chart.removals.x"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(removed):Q", title=t("chart.removals.y")),
            color=alt.Color("agency_name:N", title=t("chart.removals.agency"), legend=alt.Legend(columns=2, labelLimit=260)),
            tooltip=[alt.Tooltip("fiscal_year:O", title=t("chart.removals.x")), alt.Tooltip("agency_name:N", title=t("chart.removals.agency")), alt.Tooltip("removed:Q", title=t("chart.removals.y"))],
        )
        .properties(height=260, title=t("chart.removals.title"))
    )
    return spec_of(chart)


def yearly_bars(frame: pd.DataFrame, title: str, x_title: str, y_title: str) -> dict:
    """One bar per fiscal year. frame: fiscal_year, removed."""
    chart = (
        alt.Chart(alt.Data(values=frame[["fiscal_year", "removed"]].to_dict("records")))
        .mark_bar()
        .encode(
            x=alt.X("fiscal_year:O", title=x_title, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("removed:Q", title=y_title),
            tooltip=[alt.Tooltip("fiscal_year:O", title=x_title), alt.Tooltip("removed:Q", title=y_title, format=",")],
        )
        .properties(height=260, title=title)
    )
    return spec_of(chart)


# ---------------------------------------------------------------- map geometry from us-atlas


def decode_topology(topology: dict, name: str) -> list[dict]:
    """GeoJSON features of one TopoJSON object: arcs de-quantised and delta-decoded, 3 decimals kept.

    Three decimals (about 100 m) is finer than the 1:10m source needs and halves the files.
    """
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append([round(x * scale_x + shift_x, 3), round(y * scale_y + shift_y, 3)])
        arcs.append(points)

    def ring(indices: list[int]) -> list[list[float]]:
        points: list[list[float]] = []
        for index in indices:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return points

    features = []
    for geometry in topology["objects"][name]["geometries"]:
        kind = geometry.get("type")
        if kind == "Polygon":
            coordinates = [ring(r) for r in geometry["arcs"]]
        elif kind == "MultiPolygon":
            coordinates = [[ring(r) for r in polygon] for polygon in geometry["arcs"]]
        else:
            continue
        features.append(
            {
                "type": "Feature",
                "id": geometry.get("id"),
                "properties": {"name": geometry.get("properties", {}).get("name", "")},
                "geometry": {"type": kind, "coordinates": coordinates},
            }
        )
    return features


@lru_cache(maxsize=2)
def atlas(node_modules: str, which: str) -> tuple[dict, ...]:
    path = Path(node_modules) / "us-atlas" / f"{which}-10m.json"
    topology = json.loads(path.read_text())
    return tuple(decode_topology(topology, which))
