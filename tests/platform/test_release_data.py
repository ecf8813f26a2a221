"""The per-release chart data: regenerated from the real charts it must equal the committed file; the API."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT, SHARED

from astro_config.errors import PlatformVersionError
from astro_config.helm import helmyaml
from astro_config.platform import profiles, releases

CHARTS = SHARED / "charts"
needs_charts = pytest.mark.skipif(not CHARTS.is_dir(), reason="../shared/charts is not present")
HELM = shutil.which("helm")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("extract_release_data", ROOT / "scripts" / "extract_release_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.helm
@pytest.mark.slow
@needs_charts
@pytest.mark.skipif(HELM is None, reason="helm is not on PATH")
def test_regenerating_from_the_charts_gives_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "release_data.json"
    script = _script()
    assert (
        script.main(["--charts", str(CHARTS), "--houston-defaults", str(SHARED / "astronomer"), "--out", str(out)]) == 0
    )
    committed = releases.DATA_FILE.read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, "rerun scripts/extract_release_data.py and commit the result"


@needs_charts
def test_the_data_names_every_chart_with_its_digest() -> None:
    script = _script()
    on_disk = {p.name: script._sha256(p) for p in CHARTS.glob("astronomer-*.tgz")}
    assert releases.sources()["charts"] == on_disk
    assert [r.chart for r in releases.releases()] == sorted(on_disk, key=lambda n: script._version_key(n[11:-4]))


@needs_charts
@pytest.mark.parametrize("rel", releases.releases(), ids=lambda r: r.version)
def test_defaults_match_the_charts_values(rel: releases.Release) -> None:
    """Read back from each archive's values.yaml, independently of the script."""
    with tarfile.open(CHARTS / rel.chart) as tar:
        handle = tar.extractfile("astronomer/values.yaml")
        assert handle is not None
        values = helmyaml.load(handle.read().decode(), "values.yaml").data
    block = values["global"]
    for part in rel.block[1:]:
        block = block[part]
    if "image" in block:
        assert f"{rel.default_image}" == block["image"]
    else:
        assert (rel.default_image.repository, rel.default_image.tag) == (block["repository"], block["tag"])
    assert dict(rel.default_resources) == (block.get("resources") or {})
    assert rel.generation == profiles.generation_for_version(rel.version).generation.id


def test_every_release_from_0_34_0_to_2_1_0() -> None:
    versions = [r.version for r in releases.releases()]
    assert len(versions) == 35 and versions[0] == "0.34.0" and versions[-1] == "2.1.0"
    assert releases.release("v2.1.0").version == "2.1.0"
    for bad in ("2.1.9", "0.33.0", "2.1"):
        with pytest.raises(PlatformVersionError):
            releases.release(bad)


def test_houston_keys_the_templates_generate() -> None:
    flag = ("global", "dagOnlyDeployment", "enabled")
    res = ("global", "dagOnlyDeployment", "resources")
    old = releases.release("0.34.0")
    # 0.34.0 and 0.34.1 write the resources beside server/client, where Houston's defaults do not put them
    assert old.houston_keys[("deployments", "dagDeploy", "resources")] == res
    assert ("deployments", "dagDeploy", "server", "resources") not in old.houston_keys
    for version in ("0.34.2", "0.35.4", "0.36.0", "0.37.7", "1.2.0"):
        rel = releases.release(version)
        assert rel.houston_keys[("deployments", "dagOnlyDeployment")] == flag
        assert set(rel.houston_paths_from(res)) == {
            ("deployments", "dagDeploy", "server", "resources"),
            ("deployments", "dagDeploy", "client", "resources"),
        }
    new = releases.release("2.1.0")
    assert new.houston_keys[("deployments", "deployMechanisms", "dagOnlyDeployment", "enabled")] == (
        "global", "deployMechanisms", "dagOnlyDeployment", "enabled",
    )  # fmt: skip
    assert new.houston_paths_from(flag) == []  # 2.x ignores the 0.x/1.x block
    assert releases.release("0.35.1").houston_paths_from(("global", "dagOnlyDeployment", "persistence")) == []
    assert releases.release("0.35.2").houston_paths_from(("global", "dagOnlyDeployment", "persistence")) == [
        ("deployments", "dagDeploy", "persistence")
    ]
    for rel in releases.releases():  # the passthrough is copied verbatim by every release
        assert any(k.file == "local-production.yaml" and k.values == releases.PASSTHROUGH for k in rel.houston_key_list)
        assert rel.kube_version == ("1.28.0" if rel.version_tuple <= (0, 37, 0) else None)


def test_what_profiles_still_states_agrees_with_the_charts() -> None:
    assert dict(profiles.GEN_2.default_resources) == releases.release("2.1.0").default_resources
    for version in ("0.34.5", "0.35.4"):
        defaults = releases.release(version).houston_defaults
        assert defaults is not None
        server = defaults["deployments"]["dagDeploy"]["server"]["resources"]
        assert server == profiles.GEN_034.default_resources
        assert defaults["deployments"]["configureDagDeployment"] is False
    assert releases.release("0.36.0").houston_defaults is None


@pytest.mark.parametrize("argv", [["--help"], ["dag-deploy", "size", "--upload", "40MB"]])
def test_quick_commands_do_not_load_the_data(argv: list[str], tmp_path: Path) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['astro-config', *{argv!r}]\n"
        "from astro_config.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "mod = sys.modules.get('astro_config.platform.releases')\n"
        "print('LOADED' if mod is not None and mod._data.cache_info().currsize else 'NOT LOADED')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "NOT LOADED", done.stderr


def test_data_file_header_says_how_it_was_made() -> None:
    data = json.loads(releases.DATA_FILE.read_text(encoding="utf-8"))
    assert data["generated_by"] == "scripts/extract_release_data.py"
    assert "Do not edit" in data["_about"]
    assert all(d.startswith("sha256:") for d in data["sources"]["charts"].values())


def _schema_node(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


@pytest.mark.parametrize("gen", profiles.GENERATIONS, ids=lambda g: g.id)
def test_the_schemas_know_exactly_the_keys_the_charts_read(gen: profiles.Generation) -> None:
    """Each key a release's template reads under its DAG-only block is in that layout's schema (else lint calls
    it unknown), and each key the schema allows there is read by some release of the layout."""
    schema = json.loads((ROOT / "schemas" / f"{gen.schema_name}.schema.json").read_text(encoding="utf-8"))
    block = _schema_node(schema, schema["$defs"]["dagOnlyDeployment"])
    read: set[str] = set()
    for rel in releases.releases():
        if rel.generation != gen.id:
            continue
        for key in rel.houston_key_list:
            if key.values[: len(rel.block)] != rel.block:
                continue
            rest = key.values[len(rel.block) :]
            read.add(rest[0])
            node = block
            for part in rest:
                node = _schema_node(schema, node)
                props = node.get("properties")
                if props is None:
                    break
                assert part in props, f"{rel.version}: {'.'.join(key.values)} is read by the chart, not in the schema"
                node = props[part]
        assert read <= gen.block_keys
    assert set(block["properties"]) == read


def test_default_image_tag_by_generation() -> None:
    for rel in releases.releases():
        assert releases.default_image_tag(rel.generation, rel.version_tuple) == rel.default_image.tag
    assert releases.default_image_tag("0.36", (1, 1, 9)) == releases.release("1.1.7").default_image.tag  # below
    assert releases.default_image_tag("2", None) == releases.release("2.1.0").default_image.tag  # newest
    assert releases.default_image_tag("0.34", (0, 33, 0)) is None
