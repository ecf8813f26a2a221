#!/usr/bin/env python3
"""Generate ``astro_config/platform/release_data.json`` from the real platform charts.

Usage (from the repository root, Helm 3.17 on PATH)::

    python scripts/extract_release_data.py [--charts ../shared/charts] [--houston-defaults ../shared/astronomer]
                                           [--out astro_config/platform/release_data.json] [--helm helm]

For every ``astronomer-X.Y.Z.tgz`` it reads, with :mod:`tarfile`, the chart's ``Chart.yaml`` (the release) and
``values.yaml`` (the defaults of the DAG-only block: layout generation, default image, default resources), and
it renders the chart once with ``helm template`` (only Houston's ConfigMap), with a distinctive sentinel value at
every candidate values path of both DAG-only layouts (``global.dagOnlyDeployment.*`` and
``global.deployMechanisms.dagOnlyDeployment.*``) and under ``astronomer.houston.config``. Where each sentinel
lands in ``production.yaml`` / ``local-production.yaml`` gives the Houston config keys the chart generates and the
values path each comes from; a candidate whose sentinel lands nowhere is ignored by that release. The default
image is the chart's default values put through that mapping (the chart's own ``splitList ":"`` for
``image: repo:tag``). Houston's built-in DAG-deploy defaults come from ``houston-defaults-0.34.yaml`` and
``-0.35.yaml`` for those lines; other releases have none recorded (null).

The output is deterministic (sorted, no timestamps): ``tests/platform/test_release_data.py`` regenerates it and
requires it to be identical to the committed file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from astro_config.helm import helmyaml  # noqa: E402
from astro_config.platform import render_check  # noqa: E402

SCRIPT = "scripts/extract_release_data.py"
FORMAT = 1
ROOTS: dict[str, tuple[str, ...]] = {
    "0.x/1.x": ("global", "dagOnlyDeployment"),
    "2.x": ("global", "deployMechanisms", "dagOnlyDeployment"),
}
PASSTHROUGH = ("astronomer", "houston", "config")
MARK = "acsMark"  # the key that marks a sentinel mapping
# Candidate paths under a DAG-only block: scalars get a string sentinel, mappings a {MARK: sentinel} mapping.
SCALARS = ("enabled", "image", "repository", "tag", "securityContext.fsGroup", "securityContexts.pod.fsGroup")
MAPPINGS = (
    "resources",
    "persistence",
    "serviceAccount",
    "securityContext",
    "securityContexts",
    "server.livenessProbe",
    "server.readinessProbe",
    "server.nodeSelector",
    "server.affinity",
    "server.tolerations",
    "client.livenessProbe",
    "client.readinessProbe",
)
SENTINEL_RE = re.compile(r"^acs(\d+)(?:-(repo|tag))?$")
HOUSTON_DAG_KEYS = ("configureDagDeployment", "dagOnlyDeployment", "dagDeploy", "deployMechanisms")


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _chart_files(tgz: Path) -> dict[str, str]:
    """Chart.yaml and values.yaml of the umbrella chart (the archive's top folder)."""
    out: dict[str, str] = {}
    with tarfile.open(tgz, "r:gz") as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if len(parts) == 2 and parts[1] in ("Chart.yaml", "values.yaml") and member.isfile():
                handle = tar.extractfile(member)
                assert handle is not None
                out[parts[1]] = handle.read().decode("utf-8")
    return out


def _get(data: Any, path: tuple[str, ...]) -> Any:
    cur = data
    for part in path:
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    cur = data
    for part in path[:-1]:
        cur = cur.setdefault(part, {})
    cur[path[-1]] = value


def sentinel_values() -> tuple[dict[str, Any], dict[int, tuple[str, ...]]]:
    """The values file of sentinels, and sentinel number -> values path."""
    values: dict[str, Any] = {}
    ids: dict[int, tuple[str, ...]] = {}
    n = 0

    def next_id(path: tuple[str, ...]) -> int:
        nonlocal n
        n += 1
        ids[n] = path
        return n

    for root in ROOTS.values():
        for rel in MAPPINGS:
            path = (*root, *rel.split("."))
            _put(values, path, {MARK: f"acs{next_id(path)}"})
        for rel in SCALARS:
            path = (*root, *rel.split("."))
            i = next_id(path)
            # image is repo:tag; the chart splits it on ":"
            _put(values, path, f"acs{i}-repo:acs{i}-tag" if path[-1] == "image" else f"acs{i}")
    _put(values, PASSTHROUGH, {MARK: f"acs{next_id(PASSTHROUGH)}"})
    return values, ids


def _landings(data: Any, prefix: tuple[str, ...], out: list[tuple[tuple[str, ...], int, str]]) -> None:
    if isinstance(data, dict):
        mark = data.get(MARK)
        if isinstance(mark, str) and (m := SENTINEL_RE.match(mark)):
            out.append((prefix, int(m.group(1)), "mapping"))
        for key, value in data.items():
            if key != MARK:
                _landings(value, (*prefix, str(key)), out)
    elif isinstance(data, str) and (m := SENTINEL_RE.match(data)):
        out.append((prefix, int(m.group(1)), {"repo": "repository", "tag": "tag"}.get(m.group(2) or "", "whole")))


def houston_keys(cm: render_check.HoustonConfigMap, ids: dict[int, tuple[str, ...]]) -> list[dict[str, Any]]:
    """Where each sentinel landed: Houston config path <- values path (and which part of it)."""
    found: list[tuple[tuple[str, ...], int, str]] = []
    _landings(cm.production, (), found)
    local: list[tuple[tuple[str, ...], int, str]] = []
    _landings(cm.local_production, (), local)
    rows: list[dict[str, Any]] = []
    mapped = [(h, ids[i]) for h, i, kind in found if kind == "mapping"]
    for houston, i, part in found:
        values = ids[i]
        # a scalar inside a mapping that is copied whole is implied by the mapping's row
        implied = any(
            values[: len(v)] == v and houston[: len(h)] == h and houston[len(h) :] == values[len(v) :]
            for h, v in mapped
            if (h, v) != (houston, values)
        )
        if implied:
            continue
        rows.append({"file": render_check.PRODUCTION, "houston": list(houston), "values": list(values), "part": part})
    for houston, i, part in local:
        rows.append(
            {"file": render_check.LOCAL_PRODUCTION, "houston": list(houston), "values": list(ids[i]), "part": part}
        )
    rows.sort(key=lambda r: (r["file"] != render_check.PRODUCTION, r["houston"], r["values"], r["part"]))
    return rows


def _generation(block_root: tuple[str, ...], block: dict[str, Any]) -> str:
    if block_root == ROOTS["2.x"]:
        return "2"
    if "image" in block:
        return "0.34"
    return "0.36"


def _apply(row: dict[str, Any], values: dict[str, Any]) -> Any:
    value = _get(values, tuple(row["values"]))
    if not isinstance(value, str) or row["part"] == "whole":
        return value
    pieces = value.split(":")  # the chart's splitList ":" | first / last
    return pieces[0] if row["part"] == "repository" else pieces[-1]


def houston_dag_defaults(path: Path) -> dict[str, Any]:
    """Houston's built-in defaults for the DAG-deploy keys under ``deployments``."""
    data = helmyaml.load(path.read_text(encoding="utf-8"), path.name).data
    deployments = data.get("deployments") if isinstance(data, dict) else None
    if not isinstance(deployments, dict):
        raise SystemExit(f"{path}: no deployments section")
    return {"deployments": {k: deployments[k] for k in HOUSTON_DAG_KEYS if k in deployments}}


def extract_release(tgz: Path, helm: str, values_file: Path, ids: dict[int, tuple[str, ...]]) -> dict[str, Any]:
    files = _chart_files(tgz)
    chart = helmyaml.load(files["Chart.yaml"], f"{tgz.name}/Chart.yaml").data
    version = str(chart["version"])
    values = helmyaml.load(files["values.yaml"], f"{tgz.name}/values.yaml").data
    block_root = next(r for r in (ROOTS["2.x"], ROOTS["0.x/1.x"]) if isinstance(_get(values, r), dict))
    block = _get(values, block_root)
    v = render_check.version_of(version)
    argv = render_check.helm_template_argv(tgz, [values_file], chart_release=v, helm=helm)
    cm = render_check.parse_configmap(render_check.run_helm(argv))
    rows = houston_keys(cm, ids)
    image_rows = {
        r["part"] if r["part"] != "whole" else r["houston"][-1]: r
        for r in rows
        if r["houston"][-2:] in (["dagServer", "repository"], ["dagServer", "tag"])
    }
    default_image = {
        "repository": _apply(image_rows["repository"], values),
        "tag": _apply(image_rows["tag"], values),
    }
    resources = block.get("resources")
    return {
        "version": version,
        "chart": tgz.name,
        "generation": _generation(block_root, block),
        "block": list(block_root),
        "block_defaults": block,
        "default_image": default_image,
        "default_resources": resources if isinstance(resources, dict) else {},
        "kube_version": render_check.QUIRK_KUBE_VERSION if render_check.needs_kube_version(v) else None,
        "houston_keys": rows,
    }


def extract(charts: Path, houston_defaults: Path, helm: str = "helm", jobs: int = 2) -> dict[str, Any]:
    tgzs = sorted(charts.glob("astronomer-*.tgz"), key=lambda p: _version_key(p.name[len("astronomer-") : -4]))
    if not tgzs:
        raise SystemExit(f"{charts}: no astronomer-*.tgz")
    defaults_files = {line: houston_defaults / f"houston-defaults-{line}.yaml" for line in ("0.34", "0.35")}
    defaults = {line: houston_dag_defaults(p) for line, p in defaults_files.items()}
    sentinels, ids = sentinel_values()
    helm_version = subprocess.run([helm, "version", "--short"], capture_output=True, text=True, check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        values_file = Path(tmp) / "sentinels.yaml"
        values_file.write_text(json.dumps(sentinels), encoding="utf-8")  # JSON is YAML
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            releases = list(pool.map(lambda t: extract_release(t, helm, values_file, ids), tgzs))
    for rel in releases:
        line = ".".join(rel["version"].split(".")[:2])
        rel["houston_defaults"] = defaults.get(line)
        rel["houston_defaults_source"] = defaults_files[line].name if line in defaults else None
    return {
        "_about": (
            f"Generated by {SCRIPT} from the platform chart archives below (tarfile: Chart.yaml, values.yaml; "
            "helm template with sentinel values: houston_keys) and Houston's default config files. "
            "Do not edit: rerun the script."
        ),
        "format": FORMAT,
        "generated_by": SCRIPT,
        "helm": helm_version.strip().split("+")[0],
        "sources": {
            "charts": {p.name: _sha256(p) for p in tgzs},
            "houston_defaults": {p.name: _sha256(p) for p in defaults_files.values()},
        },
        "releases": releases,
    }


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = Path(os.environ.get("ASTRO_CONFIG_SHARED", ROOT.parent / "shared"))  # as tests/conftest.py
    parser.add_argument("--charts", type=Path, default=shared / "charts")
    parser.add_argument("--houston-defaults", type=Path, default=shared / "astronomer")
    parser.add_argument("--out", type=Path, default=ROOT / "astro_config" / "platform" / "release_data.json")
    parser.add_argument("--helm", default="helm")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    data = extract(args.charts, args.houston_defaults, args.helm, args.jobs)
    args.out.write_text(dump(data), encoding="utf-8")
    print(f"wrote {args.out}: {len(data['releases'])} releases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
