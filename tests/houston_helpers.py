"""Render the real platform chart and read what Houston reads (test helper, not a test module).

Houston loads the chart-generated ``production.yaml`` and then ``local-production.yaml``
(``astronomer.houston.config`` verbatim), deep-merging the second over the first: :func:`render_houston`
returns that merge, parsed as YAML 1.2 (Houston's js-yaml).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED

from astro_config.platform.houston import houston_merge

CHARTS = SHARED / "charts"
HELM = shutil.which("helm")
CONFIGMAP = "charts/astronomer/templates/houston/houston-configmap.yaml"

needs_charts = [
    pytest.mark.helm,
    pytest.mark.skipif(HELM is None, reason="no helm binary on PATH (run .ci/get-helm .ci/bin)"),
    pytest.mark.skipif(not CHARTS.is_dir(), reason="../shared/charts is not present"),
]


def charts(test: Any) -> Any:
    """Decorator: the test renders the real charts (marked helm; skipped without helm or ../shared/charts)."""
    for mark in needs_charts:
        test = mark(test)
    return test


# one release of each minor line (the list), newest patch of each
RELEASE_LINES = ["0.34.5", "0.35.4", "0.36.1", "0.37.7", "1.0.1", "1.1.7", "1.2.0", "2.0.1", "2.1.0"]


def _yaml12(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def render_houston(version: str, files: Sequence[Path], sets: Sequence[str] = ()) -> dict[str, Any]:
    """Houston's effective config (production.yaml merged with local-production.yaml) for the values."""
    assert HELM is not None
    cmd = [HELM, "template", "astro", str(CHARTS / f"astronomer-{version}.tgz"), "-n", "astronomer"]
    for f in files:
        cmd += ["-f", str(f)]
    for s in sets:
        cmd += ["--set", s]
    cmd += ["--set", "global.baseDomain=example.com", "--show-only", CONFIGMAP]
    if tuple(int(x) for x in version.split(".")) <= (0, 37, 0):
        cmd += ["--kube-version", "1.28.0"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    cm = _yaml12(proc.stdout)
    production = _yaml12(cm["data"]["production.yaml"]) or {}
    local = _yaml12(cm["data"]["local-production.yaml"]) or {}
    merged = houston_merge(production, local)
    assert isinstance(merged, dict)
    return merged


def get(data: Any, path: Sequence[Any]) -> Any:
    cur = data
    for part in path:
        if not isinstance(cur, dict) or part not in cur:
            return "<missing>"
        cur = cur[part]
    return cur


def sample_values(
    gen_id: str,
    *,
    global_on: bool | None = None,
    pt_dag_only: bool | None = None,
    pt_configure: bool | None = None,
    pt_dag_deploy_enabled: bool | None = None,
    global_resources: dict[str, Any] | None = None,
    pt_server: dict[str, Any] | None = None,
    pt_client: dict[str, Any] | None = None,
) -> str:
    """A values file of generation ``gen_id`` ("0.34", "0.36", "2") with the given settings (None: absent)."""
    import json

    block = "  deployMechanisms:\n    dagOnlyDeployment:\n" if gen_id == "2" else "  dagOnlyDeployment:\n"
    pad = "      " if gen_id == "2" else "    "
    lines = ["global:"]
    lines.append("  nginx:\n    enabled: true" if gen_id == "2" else "  nginxEnabled: true")
    body = []
    if global_on is not None:
        body.append(f"{pad}enabled: {json.dumps(global_on)}")
    if global_resources is not None:
        body.append(f"{pad}resources: {json.dumps(global_resources)}")
    if body:
        lines.append(block.rstrip("\n"))
        lines.extend(body)
    pt = []
    if gen_id == "2":
        if pt_dag_only is not None or pt_configure is not None:
            pt.append("        deployMechanisms:")
            if pt_dag_only is not None:
                pt.append(f"          dagOnlyDeployment:\n            enabled: {json.dumps(pt_dag_only)}")
            if pt_configure is not None:
                pt.append(f"          configureDagDeployment:\n            enabled: {json.dumps(pt_configure)}")
    else:
        if pt_dag_only is not None:
            pt.append(f"        dagOnlyDeployment: {json.dumps(pt_dag_only)}")
        if pt_configure is not None:
            pt.append(f"        configureDagDeployment: {json.dumps(pt_configure)}")
    dag = []
    if pt_dag_deploy_enabled is not None:
        dag.append(f"          enabled: {json.dumps(pt_dag_deploy_enabled)}")
    if pt_server is not None:
        dag.append(f"          server:\n            resources: {json.dumps(pt_server)}")
    if pt_client is not None:
        dag.append(f"          client:\n            resources: {json.dumps(pt_client)}")
    if dag:
        pt.append("        dagDeploy:")
        pt.extend(dag)
    if pt:
        lines.append("astronomer:\n  houston:\n    config:\n      deployments:")
        lines.extend(pt)
    return "\n".join(lines) + "\n"
