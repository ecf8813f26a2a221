"""What the hardening modules share: where their figures go (docs/security-figures.md, SECURITY.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def record_figures(module: str, part: str, data: dict[str, Any]) -> None:
    """Print one part's figures and keep them where the environment asks.

    ``ASTRO_CONFIG_FIGURES=FILE`` appends ``{"file": module, "part": part, ...}`` to FILE as one JSON line;
    ``ASTRO_CONFIG_STATS_DIR=DIR`` writes ``DIR/<part>.json`` (as the fuzz and property tests do)."""
    line = {"file": module, "part": part, **data}
    print(f"\nfigures: {json.dumps(line)}")
    out = os.environ.get("ASTRO_CONFIG_FIGURES")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
    where = os.environ.get("ASTRO_CONFIG_STATS_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        (Path(where) / f"{part}.json").write_text(json.dumps(data, indent=2) + "\n")
