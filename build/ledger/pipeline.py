"""The pipeline: every stage's contract in run order, and from them what each stage reads and when it must run.

This is the one list of stages. The CLI's stage commands, `ledger build`, the up-to-date
stamps, `ledger stages`, the README's pipeline table and the data dictionary all come from the
`STAGE` declared in each stage package's contract.py.

A stage's stamp (<data-dir>/build/cache/<stage>.stamp) is the sha256 of everything it reads:
the tables its upstream stages wrote, its other input files, and every module of the `ledger`
package that its own package imports, directly or through others (found by reading the
imports, so a new helper module is covered without anyone listing it).
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path

from .checks.contract import STAGE as CHECK
from .common import stamps
from .common.addresses import site_url
from .common.contracts import Stage, Table
from .common.fixes import manual_dir
from .common.paths import PACKAGE, PROJECT_PUBLISHED_DIR, REPO
from .downloads.contract import STAGE as DOWNLOADS
from .history.contract import STAGE as HISTORY
from .ingest.contract import STAGE as INGEST
from .removals.contract import STAGE as REMOVALS
from .site.contract import STAGE as RENDER

STAGES: list[Stage] = [INGEST, HISTORY, REMOVALS, DOWNLOADS, RENDER, CHECK]
BY_NAME = {stage.name: stage for stage in STAGES}
# Files a package carries besides its modules (templates, message catalogs, reference tables).
DATA_SUFFIXES = {".csv", ".json", ".md", ".j2"}


def ordered() -> list[Stage]:
    """The stages in run order, checked: a stage reads only stages listed before it."""
    seen: set[str] = set()
    for stage in STAGES:
        unknown = [name for name in stage.reads if name not in seen]
        if unknown:
            raise ValueError(f"stage {stage.name} reads {', '.join(unknown)}, which do not run before it")
        seen.add(stage.name)
    return STAGES


def tables() -> list[tuple[Stage, Table]]:
    """Every table the pipeline writes, with the stage that writes it."""
    return [(stage, table) for stage in ordered() for table in stage.writes]


# ---------------------------------------------------------------- the code a stage runs


def module_file(name: str) -> Path | None:
    """The source file of a module of the ledger package, or None for anything outside it."""
    if name != "ledger" and not name.startswith("ledger."):
        return None
    parts = name.split(".")[1:]
    if not parts:
        return PACKAGE / "__init__.py"
    relative = Path(*parts)
    for candidate in (PACKAGE / relative.with_suffix(".py"), PACKAGE / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    parts = parts[:-1] if parts[-1] == "__init__" else parts
    return ".".join(("ledger", *parts))


def imports_of(path: Path) -> set[str]:
    """The ledger modules one file imports, anywhere in it (imports inside functions count too)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.add(base)
            # `from . import history` names a module; `from .x import name` names an object in x.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if module_file(name) is not None}


def data_files(folder: Path) -> set[Path]:
    """Templates, catalogs and tables beside a module, and in its folders that are not packages."""
    found = {p for p in folder.iterdir() if p.is_file() and p.suffix in DATA_SUFFIXES}
    for child in folder.iterdir():
        if child.is_dir() and not (child / "__init__.py").exists() and child.name != "__pycache__":
            found |= {p for p in child.rglob("*") if p.is_file() and p.suffix in DATA_SUFFIXES}
    return found


@cache
def code_files(package: str) -> tuple[Path, ...]:
    """Every file of the ledger package that a stage package runs: its own files and all it imports."""
    root = module_file(package)
    if root is None:
        raise ValueError(f"no package {package}")
    folder = root.parent
    todo = [p for p in folder.rglob("*.py")]
    files: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in files:
            continue
        files.add(path)
        for name in imports_of(path):
            todo.append(module_file(name))
            parts = name.split(".")
            # Another stage's contract is public: reading it is not running that stage's code.
            if parts[-1] == "contract" and len(parts) == 3 and name.rsplit(".", 1)[0] != package:
                continue
            # Importing ledger.x.y runs ledger/x/__init__.py (and ledger/__init__.py) first.
            for depth in range(1, len(parts)):
                parent = module_file(".".join(parts[:depth]))
                if parent is not None and parent.name == "__init__.py":
                    todo.append(parent)
    data = {p for f in files for p in data_files(f.parent)}
    return tuple(sorted(files | data))


def stages_running(path: Path) -> list[str]:
    """The stages whose code includes a file: those a change to it re-runs."""
    path = Path(path).resolve()
    return [stage.name for stage in ordered() if path in code_files(stage.package)]


# ---------------------------------------------------------------- what a stage reads and writes


def published_dir(data_dir: Path) -> Path:
    """<data-dir>/published when it exists, else the project's own data/published."""
    local = Path(data_dir) / "published"
    return local if local.is_dir() else PROJECT_PUBLISHED_DIR


def input_path(spec: str, data_dir: Path) -> Path:
    root, _, relative = spec.partition(":")
    bases = {
        "raw": lambda: Path(data_dir) / "raw",
        "manual": lambda: manual_dir(data_dir),
        "published": lambda: published_dir(data_dir),
        "project": lambda: REPO,
    }
    if root not in bases:
        raise ValueError(f"input {spec!r}: root must be one of {', '.join(bases)}")
    return bases[root]() / relative if relative else bases[root]()


def outputs(stage: Stage, data_dir: Path) -> list[Path]:
    build = Path(data_dir) / "build"
    return [table.path(build) for table in stage.writes] + [build / product for product in stage.products]


def reads(stage: Stage, data_dir: Path) -> list[Path]:
    """Every file a stage's result depends on: upstream outputs, input files and its code."""
    upstream = [path for name in stage.reads for path in outputs(BY_NAME[name], data_dir)]
    return upstream + [input_path(spec, data_dir) for spec in stage.inputs] + list(code_files(stage.package))


def stamp_of(stage: Stage, data_dir: Path, variant: str = "") -> tuple[Path, str]:
    """(stamp file, signature of everything the stage reads) for one stage and one variant of it."""
    name = f"{stage.name}-{variant}" if variant else stage.name
    # A stage that reads mkdocs.yml writes addresses: the site_url in force (LEDGER_SITE_URL may
    # override the file's) is part of what it reads.
    address = f"|{site_url()}" if "project:mkdocs.yml" in stage.inputs else ""
    return Path(data_dir) / "build" / "cache" / f"{name}.stamp", stamps.signature(reads(stage, data_dir)) + variant + address


def runner(stage: Stage):
    module, _, function = stage.run.partition(":")
    return getattr(importlib.import_module(module), function)


def run(stage: Stage, data_dir: Path, *, force: bool = False, variant: str = "", extra_outputs: list[Path] = (), **options):
    """Run one stage unless nothing it reads changed since its last run. Returns its result, or None when skipped."""
    stamp, signature = stamp_of(stage, data_dir, variant)
    wanted = outputs(stage, data_dir) + list(extra_outputs)
    if not force and stamps.is_fresh(stamp, signature, wanted):
        return None
    result = runner(stage)(data_dir, **options)
    stamps.mark(stamp, signature)
    return result


# ---------------------------------------------------------------- descriptions


def graph_text() -> str:
    """The stage graph as plain text, for `ledger stages`."""
    lines = []
    for stage in ordered():
        lines.append(f"{stage.name}: {stage.description}")
        lines.append(f"  reads stages: {', '.join(stage.reads) or '-'}")
        lines.append(f"  reads files:  {', '.join(stage.inputs) or '-'}")
        for table in stage.writes:
            lines.append(f"  writes {table.file}: {table.description} ({len(table.columns)} columns)")
        for product in stage.products:
            lines.append(f"  makes  {product}")
        lines.append(f"  code: {len(code_files(stage.package))} files of ledger ({stage.package} and what it imports)")
    return "\n".join(lines)


def markdown_table() -> str:
    """The README's pipeline table: one row per stage, generated from the contracts."""
    rows = ["| command | reads | makes (in `<data-dir>/build/`) |", "|---|---|---|"]
    for stage in ordered():
        read = ", ".join([f"`{n}`" for n in stage.reads] + [f"`{spec}`" for spec in stage.inputs]) or "-"
        made = ", ".join([f"`{t.file}`" for t in stage.writes] + [f"`{p}`" for p in stage.products])
        rows.append(f"| `ledger {stage.name}` | {read} | {made} |")
    return "\n".join(rows)


def dictionary_rows() -> list[dict]:
    """The data dictionary: every column of every table, with its type and description."""
    return [
        {"table": table.file, "stage": stage.name, "column": column.name, "type": column.type, "description": column.description}
        for stage, table in tables()
        for column in table.columns
    ]
