"""Start-up guards: the quick commands must not import the heavy libraries (no timing, only ``sys.modules``).

Measured on the project's 2-core machine with byte-compiled modules: ``import jsonschema`` costs about 0.1 s,
``import deepdiff`` (which brings pydantic when it is installed) about as much, pydantic alone about 0.1-0.2 s
and rich about 0.05 s, against a 0.15 s budget for ``--help`` and ``dag-deploy size``. Each command runs in a
fresh interpreter, as a user would run it; see benchmarks/bench_cli.py for the timings themselves.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample-values" / "platform-0.37.yaml"
HEAVY = ("deepdiff", "jsonschema", "pydantic", "rich")

_RUN = """
import json, sys
argv, out = json.loads(sys.argv[1]), sys.argv[2]
try:
    if argv is not None:
        sys.argv = ["astro-config", *argv]
        from astro_config.cli.main import main
        main()
    else:
        import astro_config.cli.main
except SystemExit:
    pass
finally:
    with open(out, "w") as fh:
        json.dump(sorted(sys.modules), fh)
"""


def modules_after(argv: list[str] | None, tmp_path: Path) -> set[str]:
    """Top-level package names in ``sys.modules`` after running ``astro-config ARGV`` (None: only importing
    :mod:`astro_config.cli.main`) in a fresh interpreter."""
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", _RUN, json.dumps(argv), str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), done.stderr
    return {name.split(".")[0] for name in json.loads(out.read_text())}


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in HEAVY if m in modules)


def test_importing_the_cli_imports_no_heavy_library(tmp_path: Path) -> None:
    assert heavy(modules_after(None, tmp_path)) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["dag-deploy", "--help"],
        ["dag-deploy", "size", "--upload", "40MB"],
        ["get", str(SAMPLE), "global.dagOnlyDeployment.enabled"],
        ["set", str(SAMPLE), "global.dagOnlyDeployment.enabled=true"],
        ["lint", str(SAMPLE)],
        ["dag-deploy", "enable", str(SAMPLE)],
    ],
    ids=["help", "dag-deploy-help", "size", "get", "set", "lint", "enable"],
)
def test_quick_commands_import_no_heavy_library(argv: list[str], tmp_path: Path) -> None:
    assert SAMPLE.exists()
    assert heavy(modules_after(argv, tmp_path)) == [], f"astro-config {' '.join(argv)}"


def test_lint_validates_without_jsonschema(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("global:\n  dagOnlyDeployment:\n    enabled: 'yes'\n    tga: 1\n", encoding="utf-8")
    assert "jsonschema" not in modules_after(["lint", "--platform-version", "0.37.7", str(bad)], tmp_path)


def full_modules_after(argv: list[str], tmp_path: Path) -> set[str]:
    out = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", _RUN, json.dumps(argv), str(out)], cwd=tmp_path, capture_output=True, timeout=120
    )
    return set(json.loads(out.read_text()))


def test_size_without_values_needs_no_yaml_reader(tmp_path: Path) -> None:
    """``dag-deploy size --upload`` reads no file: neither the document reader (and ruamel.yaml, ~25 ms) nor the
    edit engine is imported; rendering the block needs only render.py and scalars.py."""
    modules = full_modules_after(["dag-deploy", "size", "--upload", "40MB"], tmp_path)
    assert "astro_config.document.render" in modules and "astro_config.platform.sizing" in modules  # (it did run)
    for name in (
        "astro_config.document.reader",
        "astro_config.document.editing",
        "astro_config.platform.dagdeploy",
        "ruamel",
        "_ruamel_yaml",
    ):
        assert name not in modules, name


def test_enable_without_upload_does_not_size(tmp_path: Path) -> None:
    modules = full_modules_after(["dag-deploy", "enable", str(SAMPLE)], tmp_path)
    assert "astro_config.document.editing" in modules
    assert "astro_config.platform.sizing" not in modules
