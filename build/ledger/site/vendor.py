"""Copies the chart runtime (vega, vega-lite, vega-embed, vega-interpreter) from node_modules into the site's assets/vendor/."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ..common.errors import LedgerError
from ..common.paths import NODE_MODULES, REPO

VENDOR_FILES = {
    "vega.min.js": "vega/build/vega.min.js",
    "vega-lite.min.js": "vega-lite/build/vega-lite.min.js",
    "vega-embed.min.js": "vega-embed/build/vega-embed.min.js",
}
INTERPRETER = "vega-interpreter.min.js"


def copy_vendor(target: Path) -> None:
    """The chart runtime, from the npm packages, served by the site itself."""
    target = Path(target).resolve()  # esbuild runs from the checkout, not from the caller's folder
    target.mkdir(parents=True, exist_ok=True)
    for name, source in VENDOR_FILES.items():
        path = NODE_MODULES / source
        if not path.exists():
            raise LedgerError(path, "missing: run `make setup` (npm ci) first")
        if not (target / name).exists() or (target / name).stat().st_size != path.stat().st_size:
            shutil.copyfile(path, target / name)
    interpreter = target / INTERPRETER
    if not interpreter.exists():
        # The interpreter lets vega-embed draw without eval (ast: true); it ships as an ES module only.
        entry = target / "interpreter-entry.mjs"
        entry.write_text("export { expressionInterpreter } from 'vega-interpreter';\n")
        subprocess.run(
            [str(NODE_MODULES / ".bin" / "esbuild"), str(entry), "--bundle", "--minify", "--format=iife",
             "--global-name=vegaInterpreter", f"--outfile={interpreter}", "--log-level=warning"],
            check=True, cwd=REPO, env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
        )  # fmt: skip
        entry.unlink()
