"""`make bench`: times the pipeline on the shared archive and prints each figure beside its goal.

Timings live here, never in a test's assertion. Every figure comes from this run, and ratios
compare two measurements taken in the same run on the same machine. Results are also written
to .bench/results.json for comparison between runs.
"""

from __future__ import annotations

import json
import os
import re
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
# The same measures of an earlier revision, taken in the same run, so a refactor shows its cost.
BASELINE_REV = os.environ.get("BENCH_BASELINE", "")
CURRENT: dict[str, float] = {}


def record(name: str, value: float, unit: str, goal: str = "", ok: bool | None = None) -> None:
    status = "" if ok is None else ("meets goal" if ok else "MISSES GOAL")
    results.append({"benchmark": name, "value": round(value, 3), "unit": unit, "goal": goal, "status": status})
    print(f"  {name:<48} {value:>10.2f} {unit:<4} {goal:<12} {status}", flush=True)


def run_timed(args: list[str], env: dict | None = None, cwd: Path | None = None, log: Path | None = None) -> tuple[float, float]:
    """(seconds, peak resident MiB) of one command in its own process tree; its output kept in `log` when given."""
    out_to = f"open({str(log)!r}, 'w')" if log else "subprocess.DEVNULL"
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        f"r = subprocess.run(sys.argv[1:], stdout={out_to})\n"
        "elapsed = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(elapsed, peak, r.returncode)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=cwd, check=True)
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
    CURRENT["ingest, cold"] = cold
    CURRENT["ingest, cold: peak"] = peak
    record("ingest, cold: peak memory", peak, "MiB")
    warm, _ = run_timed(LEDGER + ["--data-dir", str(data), "ingest"])
    record("ingest, warm (nothing new)", warm, "s", "<= 1 s", warm <= 1)
    reparse, _ = run_timed(LEDGER + ["--data-dir", str(data), "ingest", "--force"])
    record("ingest, forced (parse cache kept)", reparse, "s")
    files = sorted(ICE_SHEETS.glob("*.xlsx"))
    naive = naive_ingest(files)
    record("naive read (pandas.read_excel + openpyxl)", naive, "s")
    record("naive / cold ingest", naive / cold, "x", ">= 10x", naive / cold >= 10)


def bench_history(data: Path) -> None:
    print("history (issues 3 and 10)")
    # `ledger history` skips when nothing changed; remove its stamp so this is the real work.
    (data / "build" / "cache" / "history.stamp").unlink(missing_ok=True)
    seconds, peak = run_timed(LEDGER + ["--data-dir", str(data), "history"])
    record("history, whole archive", seconds, "s", "<= 10 s", seconds <= 10)
    CURRENT["history"] = seconds
    CURRENT["history: peak"] = peak
    record("history: peak memory", peak, "MiB")


# The newest real lists, imported beside the generated one so it meets ICE's own names and dates.
EARLIER_LISTS = [
    "participatingAgencies02102026am.xlsx", "participatingAgencies02112026am.xlsx", "participatingAgencies02172026pm.xlsx",
    "participatingAgencies02272026am.xlsx", "pendingAgencies02172026pm.xlsx", "pendingAgencies02272026am.xlsx",
]  # fmt: skip
LARGE_LIST = "participatingAgencies03022026am.xlsx"  # dated after the newest real list


def bench_large_list() -> None:
    """import + ingest + history of a generated list ten times ICE's largest, beside the real archive's figures."""
    from make_large_list import ROWS, write_large_list

    print("a list ten times ICE's largest (issue 9)")
    folder, data = WORK / "large-list", WORK / "data-large"
    shutil.rmtree(data, ignore_errors=True)
    generated = write_large_list(folder / LARGE_LIST)
    earlier = [ICE_SHEETS / name for name in EARLIER_LISTS if (ICE_SHEETS / name).exists()]
    steps = {
        "import": LEDGER + ["--data-dir", str(data), "import", *map(str, earlier), str(generated)],
        "ingest": LEDGER + ["--data-dir", str(data), "ingest"],
        "history": LEDGER + ["--data-dir", str(data), "history"],
    }
    total, peak = 0.0, 0.0
    for step, args in steps.items():
        seconds, memory = run_timed(args)
        record(f"{step}, {ROWS:,} generated rows + {len(earlier)} real lists", seconds, "s")
        total, peak = total + seconds, max(peak, memory)
    record("import + ingest + history, 10x list", total, "s", "< 30 s", total < 30)
    record("import + ingest + history, 10x list: peak memory", peak, "MiB", "< 1024 MiB", peak < 1024)
    if "ingest, cold" in CURRENT and "history" in CURRENT:
        real = CURRENT["ingest, cold"] + CURRENT["history"]
        record("real archive: ingest (cold) + history", real, "s")
        record("real archive: ingest + history, peak memory", max(CURRENT["ingest, cold: peak"], CURRENT["history: peak"]), "MiB")


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_logged(args: list[str]) -> tuple[float, float, str]:
    """run_timed, keeping what the command printed (the stages' own timings)."""
    log = WORK / "build.log"
    seconds, peak = run_timed(args, log=log)
    return seconds, peak, log.read_text()


def stage_seconds(output: str, stage: str) -> float:
    found = re.search(rf"^{stage}: .*?, ([0-9.]+)s$", output, re.M)
    return float(found.group(1)) if found else float("nan")


def bench_build(data: Path) -> None:
    print("site (issue 4)")
    site = WORK / "site"
    subprocess.run(LEDGER + ["--data-dir", str(data), "import-removals", str(SHARED / "ice-287g-removals-fy2006-2013.csv")], stdout=subprocess.DEVNULL)
    shutil.rmtree(data / "build", ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    cold, peak, output = run_logged(LEDGER + ["--data-dir", str(data), "--site-dir", str(site), "build"])
    # Issue 10's 40 s, plus issue 11's allowance for the downloads (10 s).
    record("ledger build, cold (empty build/ and site/)", cold, "s", "<= 50 s", cold <= 50)
    added = stage_seconds(output, "downloads") + sum(float(x) for x in re.findall(r"(?:feeds|api) ([0-9.]+)s", output))
    record("downloads: what they add to a cold build", added, "s", "< 10 s", added < 10)  # issue 11
    record("downloads: site/data size", folder_size(site / "data") / 2**20, "MiB")
    record("downloads: site/feeds + site/api size", (folder_size(site / "feeds") + folder_size(site / "api")) / 2**20, "MiB")
    CURRENT["build, cold"] = cold
    record("ledger build, cold: peak memory", peak, "MiB")
    warm, _ = run_timed(LEDGER + ["--data-dir", str(data), "--site-dir", str(site), "build"])
    record("ledger build, nothing changed", warm, "s", "<= 15 s", warm <= 15)
    CURRENT["build, nothing changed"] = warm
    # MkDocs alone on the same generated Markdown, so our stages' share is visible.
    mkdocs, _ = run_timed([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--config-file", str(data / "build" / "mkdocs.yml"), "--site-dir", str(WORK / "site-mkdocs-only")], cwd=data / "build")
    record("mkdocs build alone (same Markdown)", mkdocs, "s")
    record("cold build / mkdocs alone", cold / mkdocs, "x")
    record("site size", folder_size(site) / 2**20, "MiB")
    record("search index (search/search_index.json)", (site / "search" / "search_index.json").stat().st_size / 1024, "KiB")
    record("home page HTML", (site / "index.html").stat().st_size / 1024, "KiB")
    pages = list((site / "states").glob("*/index.html"))
    largest = max(pages, key=lambda p: p.stat().st_size)
    size = largest.stat().st_size / 1024
    record(f"largest state page HTML ({largest.parent.name})", size, "KiB", "< 100 KiB", size < 100)


def bench_removals() -> None:
    print("removals (issue 5)")
    synthetic = WORK / "foia-3m.parquet"
    if not synthetic.exists():
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_synthetic_foia.py"), str(synthetic)], check=True, stdout=subprocess.DEVNULL)
    code = f"from ledger.removals import aggregate_foia; aggregate_foia([{str(synthetic)!r}])"
    seconds, peak = run_timed([sys.executable, "-c", code])
    record("FOIA aggregation, 3 million synthetic rows", seconds, "s", "<= 10 s", seconds <= 10)
    record("FOIA aggregation: peak memory", peak, "MiB", "<= 2048 MiB", peak <= 2048)


def bench_baseline(current: dict[str, float]) -> None:
    """Ingest, history, cold and unchanged builds of BENCH_BASELINE (a git revision) beside this tree's."""
    if not BASELINE_REV:
        return
    print(f"baseline: revision {BASELINE_REV} measured in this run")
    tree = WORK / "baseline-tree"
    if tree.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False)
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), BASELINE_REV], cwd=REPO, check=True, capture_output=True)
    try:
        (tree / "node_modules").symlink_to(REPO / "node_modules")
        env = {**os.environ, "PYTHONPATH": str(tree / "build")}  # ahead of the editable install
        old = [sys.executable, "-m", "ledger.cli"]
        data, site = WORK / "baseline-data", WORK / "baseline-site"
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(site, ignore_errors=True)
        subprocess.run(old + ["--data-dir", str(data), "import", str(ICE_SHEETS)], check=True, stdout=subprocess.DEVNULL, env=env)
        subprocess.run(old + ["--data-dir", str(data), "import-removals", str(SHARED / "ice-287g-removals-fy2006-2013.csv")], stdout=subprocess.DEVNULL, env=env)
        before = {"ingest, cold": run_timed(old + ["--data-dir", str(data), "ingest"], env)[0]}
        (data / "build" / "cache" / "history.stamp").unlink(missing_ok=True)
        before["history"] = run_timed(old + ["--data-dir", str(data), "history"], env)[0]
        shutil.rmtree(data / "build", ignore_errors=True)
        before["build, cold"] = run_timed(old + ["--data-dir", str(data), "--site-dir", str(site), "build"], env)[0]
        before["build, nothing changed"] = run_timed(old + ["--data-dir", str(data), "--site-dir", str(site), "build"], env)[0]
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False)
    for name, seconds in before.items():
        record(f"{name}: {BASELINE_REV} (before)", seconds, "s")
        record(f"{name}: this tree / before", current[name] / seconds, "x", "<= 1.1x", current[name] / seconds <= 1.1)


def main() -> int:
    if not ICE_SHEETS.exists():
        print(f"the shared archive is not at {ICE_SHEETS}: nothing to measure")
        return 1
    WORK.mkdir(exist_ok=True)
    print(f"287(g) Ledger benchmarks on {os.cpu_count()} cores; archive {ICE_SHEETS}")
    data = WORK / "data"
    # `python benchmarks/bench.py ingest history large` runs only the measures named.
    only = set(sys.argv[1:])
    if not only or "ingest" in only:
        bench_ingest(data)
    if not only or "history" in only:
        bench_history(data)
    if not only or "large" in only:
        bench_large_list()
    if not only or "build" in only:
        bench_build(data)
    if not only or "removals" in only:
        bench_removals()
    if not only or "baseline" in only:
        bench_baseline(CURRENT)
    (WORK / "results.json").write_text(json.dumps(results, indent=2))
    print(f"results -> {WORK / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
