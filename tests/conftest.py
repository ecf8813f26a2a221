"""Shared test fixtures. Real chart files are read from ../shared beside the repository, never copied."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# In CI (the CI variable set, as .ci/run does) the property and fuzz tests run a fixed, reproducible set of
# examples: a red CI run can be rerun and debugged. Elsewhere each run explores new examples (and keeps the
# failing ones in .hypothesis/). The profiles the test modules register inherit this setting.
if os.environ.get("CI"):
    settings.register_profile("astro-config-ci", derandomize=True, database=None)
    settings.load_profile("astro-config-ci")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ASTRO_CONFIG_SHARED", ROOT.parent / "shared"))
ASTRONOMER = SHARED / "astronomer"
CORPUS = SHARED / "corpus"
SAMPLES = ROOT / "sample-values"

# release folder -> platform version
ASTRONOMER_RELEASES = {"v0.34.5": "0.34.5", "v0.36.1": "0.36.1", "v0.37.7": "0.37.7", "v2.1.0": "2.1.0"}


def astronomer_files() -> list[Path]:
    if not ASTRONOMER.is_dir():
        return []
    return sorted(ASTRONOMER.glob("v*/values.yaml"))


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.glob("*.yaml"))


def real_files() -> list[Path]:
    """Every real values file in ../shared (chart releases and the public corpus)."""
    return astronomer_files() + corpus_files()


needs_shared = pytest.mark.skipif(not ASTRONOMER.is_dir(), reason="../shared/astronomer is not present")


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("ASTRO_PLATFORM_VERSION", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


# --------------------------------------------------------------------------------------------------------------
# Helm as the oracle: how Helm 3.17 reads a values file (skipped where no helm is on PATH)
# --------------------------------------------------------------------------------------------------------------

HELM = shutil.which("helm")
needs_helm = pytest.mark.skipif(HELM is None, reason="no helm binary on PATH (run .ci/get-helm .ci/bin)")

_VALUES_TEMPLATE = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\ndata:\n  json: {{ toJson .Values | b64enc | quote }}\n"
)


class HelmRefused(Exception):
    """Helm could not read the values file (its message)."""


def helm_reads(values: Path | None, workdir: Path, sets: tuple[str, ...] = ()) -> Any:
    """``.Values`` as ``helm template -f values [--set S]...`` sees it (decoded from ``toJson``). Raises
    :class:`HelmRefused` when Helm cannot read the file."""
    chart = workdir / "oracle-chart"
    if not chart.is_dir():
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text("apiVersion: v2\nname: oracle\nversion: 0.1.0\n", encoding="utf-8")
        (chart / "templates" / "v.yaml").write_text(_VALUES_TEMPLATE, encoding="utf-8")
    assert HELM is not None
    cmd = [HELM, "template", "oracle", str(chart)] + (["-f", str(values)] if values is not None else [])
    for one in sets:
        cmd += ["--set", one]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise HelmRefused(proc.stderr.strip())
    m = re.search(r'^  json: "([^"]*)"$', proc.stdout, re.M)
    assert m, proc.stdout
    return json.loads(base64.b64decode(m.group(1)).decode("utf-8"))


def json_like(data: Any) -> Any:
    """Plain data as Helm's toJson prints it (a float with an integral value prints as an integer)."""
    if isinstance(data, dict):
        return {k: json_like(v) for k, v in data.items()}
    if isinstance(data, list):
        return [json_like(v) for v in data]
    if isinstance(data, float) and data.is_integer() and abs(data) < 1e21:
        return int(data)
    return data


_MANY_TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: many
data:
{{- range $path, $_ := .Files.Glob "cases/*.yaml" }}
  {{ base $path | trimSuffix ".yaml" }}: {{ $.Files.Get $path | fromYaml | toJson | b64enc | quote }}
{{- end }}
"""


def helm_reads_many(texts: list[str], workdir: Path) -> list[Any]:
    """How Helm reads each text (one ``helm template`` for all: its ``fromYaml`` reads text as it reads a values
    file, both with sigs.k8s.io/yaml). Each item is the data ({} for an empty or null document) or a
    :class:`HelmRefused`."""
    chart = workdir / "oracle-many"
    shutil.rmtree(chart, ignore_errors=True)
    (chart / "templates").mkdir(parents=True)
    (chart / "cases").mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: many\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "templates" / "many.yaml").write_text(_MANY_TEMPLATE, encoding="utf-8")
    for i, text in enumerate(texts):
        (chart / "cases" / f"c{i:06d}.yaml").write_text(text, encoding="utf-8", newline="")
    assert HELM is not None
    proc = subprocess.run([HELM, "template", "many", str(chart)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    found = dict(re.findall(r'^  c(\d+): "([^"]*)"$', proc.stdout, re.M))
    out: list[Any] = []
    for i in range(len(texts)):
        data = json.loads(base64.b64decode(found[f"{i:06d}"]).decode("utf-8"))
        if isinstance(data, dict) and set(data) == {"Error"} and isinstance(data["Error"], str):
            out.append(HelmRefused(data["Error"]))
        else:
            out.append({} if data is None else data)
    return out
