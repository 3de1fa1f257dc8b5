"""Draws a static SVG of each chart (shown without JavaScript), through a cache keyed on the spec."""

from __future__ import annotations

import hashlib
import json
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# Below this many SVGs to draw, a process pool costs more than it saves.
POOL_MIN_JOBS = 4
POOL_MAX_WORKERS = 4
POOL_CHUNK = 4
# Part of every cache key: a change to how an SVG is made (stable_ids) redraws what was cached before it.
CACHE_VERSION = "stable-ids-1"
# Vega's SVG renderer numbers gradients and clip paths with a counter that lives as long as its
# process, so a chart's ids depend on what that pool worker drew before it. Each SVG is its own
# file (pages show it with <img>), so numbering them per file from 0 keeps them unique and stable.
VEGA_ID_RE = re.compile(r'(?<=id=")(gradient_|pattern_|clip)(\d+)(?=")|(?<=url\(#)(gradient_|pattern_|clip)(\d+)(?=\))')


def svg_of(spec_json: str) -> str:
    import vl_convert

    return stable_ids(vl_convert.vegalite_to_svg(json.loads(spec_json)))


def stable_ids(svg: str) -> str:
    """The SVG with Vega's numbered ids renumbered from 0 in order of appearance, kind by kind."""
    numbers: dict[str, str] = {}
    counts: dict[str, int] = {}

    def renumber(found: re.Match) -> str:
        name = found.group(0)
        if name not in numbers:
            kind = found.group(1) or found.group(3)
            numbers[name] = f"{kind}{counts.get(kind, 0)}"
            counts[kind] = counts.get(kind, 0) + 1
        return numbers[name]

    return VEGA_ID_RE.sub(renumber, svg)


def render_svgs(jobs: list[tuple[str, Path]], cache_dir: Path) -> int:
    """Write each spec's SVG, from the cache when the spec is unchanged. Returns how many were drawn."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    todo = []
    for spec_json, target in jobs:
        key = hashlib.sha256((CACHE_VERSION + spec_json).encode()).hexdigest()
        cached = cache_dir / f"{key}.svg"
        if cached.exists():
            target.write_bytes(cached.read_bytes())
        else:
            todo.append((spec_json, target, cached))
    if not todo:
        return 0
    workers = min(os.cpu_count() or 1, POOL_MAX_WORKERS)
    if len(todo) < POOL_MIN_JOBS or workers < 2:
        drawn = map(svg_of, [job[0] for job in todo])
        for (_, target, cached), svg in zip(todo, drawn):
            cached.write_text(svg)
            target.write_text(svg)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for (_, target, cached), svg in zip(todo, pool.map(svg_of, [job[0] for job in todo], chunksize=POOL_CHUNK)):
                cached.write_text(svg)
                target.write_text(svg)
    return len(todo)
