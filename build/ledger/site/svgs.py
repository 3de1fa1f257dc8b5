"""Draws a static SVG of each chart (shown without JavaScript), through a cache keyed on the spec."""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# Below this many SVGs to draw, a process pool costs more than it saves.
POOL_MIN_JOBS = 4
POOL_MAX_WORKERS = 4
POOL_CHUNK = 4



def svg_of(spec_json: str) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(json.loads(spec_json))


def render_svgs(jobs: list[tuple[str, Path]], cache_dir: Path) -> int:
    """Write each spec's SVG, from the cache when the spec is unchanged. Returns how many were drawn."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    todo = []
    for spec_json, target in jobs:
        key = hashlib.sha256(spec_json.encode()).hexdigest()
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
