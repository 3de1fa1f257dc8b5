"""`make bench`: times the pipeline on the shared archive and prints each figure beside its goal.

Timings live here, never in a test's assertion. Every figure comes from this run, and ratios
compare two measurements taken in the same run on the same machine. Results are also written
to .bench/results.json for comparison between runs.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
ICE_SHEETS = SHARED / "ice-sheets"
WORK = REPO / ".bench"
LEDGER = [str(REPO / ".venv" / "bin" / "ledger")]

results: list[dict] = []


def record(name: str, value: float, unit: str, goal: str = "", ok: bool | None = None) -> None:
    status = "" if ok is None else ("meets goal" if ok else "MISSES GOAL")
    results.append({"benchmark": name, "value": round(value, 3), "unit": unit, "goal": goal, "status": status})
    print(f"  {name:<48} {value:>10.2f} {unit:<4} {goal:<12} {status}", flush=True)


def run_timed(args: list[str], env: dict | None = None) -> tuple[float, float]:
    """(seconds, peak resident MiB) of one command in its own process tree."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "elapsed = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(elapsed, peak, r.returncode)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True)
    elapsed, peak, status = out.stdout.split()
    if status != "0":
        raise SystemExit(f"benchmark command failed ({status}): {' '.join(args)}")
    return float(elapsed), float(peak)


def naive_ingest(files: list[Path]) -> float:
    """The archive read the obvious way: pandas.read_excel with openpyxl, one file after another."""
    import pandas as pd

    started = time.perf_counter()
    frames = [pd.read_excel(path, engine="openpyxl", dtype=str) for path in files]
    pd.concat(frames, ignore_index=True)
    return time.perf_counter() - started


def bench_ingest(data: Path) -> None:
    print("ingest (issue 2)")
    shutil.rmtree(data, ignore_errors=True)
    subprocess.run(LEDGER + ["--data-dir", str(data), "import", str(ICE_SHEETS)], check=True, stdout=subprocess.DEVNULL)
    cold, peak = run_timed(LEDGER + ["--data-dir", str(data), "ingest"])
    record("ingest, cold (1,046 lists, empty cache)", cold, "s", "<= 5 s", cold <= 5)
    record("ingest, cold: peak memory", peak, "MiB")
    warm, _ = run_timed(LEDGER + ["--data-dir", str(data), "ingest"])
    record("ingest, warm (nothing new)", warm, "s", "<= 1 s", warm <= 1)
    reparse, _ = run_timed(LEDGER + ["--data-dir", str(data), "ingest", "--force"])
    record("ingest, forced (parse cache kept)", reparse, "s")
    files = sorted(ICE_SHEETS.glob("*.xlsx"))
    naive = naive_ingest(files)
    record("naive read (pandas.read_excel + openpyxl)", naive, "s")
    record("naive / cold ingest", naive / cold, "x", ">= 10x", naive / cold >= 10)


def main() -> int:
    if not ICE_SHEETS.exists():
        print(f"the shared archive is not at {ICE_SHEETS}: nothing to measure")
        return 1
    WORK.mkdir(exist_ok=True)
    print(f"287(g) Ledger benchmarks on {os.cpu_count()} cores; archive {ICE_SHEETS}")
    data = WORK / "data"
    bench_ingest(data)
    (WORK / "results.json").write_text(json.dumps(results, indent=2))
    print(f"results -> {WORK / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
