"""houston.py takes its Houston keys and chart defaults from the release data, for every release of the charts.

For each chart archive in ../shared/charts: the Houston keys :func:`houston.houston_keys` uses are the data's
(every production.yaml key and the values path and part it comes from), the chart defaults it merges under the
values are that archive's own ``values.yaml`` block (read here with tarfile, not through the data), and where the
chart's key mapping changes between releases, the model equals what the real chart renders (helm).
Versions the data does not hold get the documented representative release.
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED
from houston_helpers import charts, get, render_houston

from astro_config.document.reader import load_text
from astro_config.helm import helmyaml
from astro_config.platform import houston, releases
from astro_config.platform.profiles import GENERATION_BY_ID, Platform, generation_for_version

CHARTS = SHARED / "charts"
needs_shared = pytest.mark.skipif(not CHARTS.is_dir(), reason="../shared/charts is not present")


def chart_versions() -> list[str]:
    if not CHARTS.is_dir():
        return []
    names = [p.name[len("astronomer-") : -len(".tgz")] for p in CHARTS.glob("astronomer-*.tgz")]
    return sorted(names, key=lambda v: tuple(int(x) for x in v.split(".")))


def chart_block(version: str) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The DAG-only block of the archive's own values.yaml, and its path."""
    with tarfile.open(CHARTS / f"astronomer-{version}.tgz") as tar:
        handle = tar.extractfile("astronomer/values.yaml")
        assert handle is not None
        values = helmyaml.load(handle.read().decode(), "values.yaml").data
    g = values["global"]
    if "deployMechanisms" in g:
        return ("global", "deployMechanisms", "dagOnlyDeployment"), g["deployMechanisms"]["dagOnlyDeployment"]
    return ("global", "dagOnlyDeployment"), g["dagOnlyDeployment"]


@needs_shared
def test_every_chart_has_release_data() -> None:
    assert chart_versions() == [r.version for r in releases.releases()]


@needs_shared
@pytest.mark.parametrize("version", chart_versions())
def test_the_keys_houston_uses_are_the_data_of_that_release(version: str) -> None:
    platform = generation_for_version(version)
    keys = houston.houston_keys(platform)
    rel = releases.release(version)
    assert keys.release == version
    assert dict(keys.generated_from) == rel.houston_keys
    production = [k for k in rel.houston_key_list if k.file == "production.yaml"]
    assert dict(keys.parts) == {k.houston: k.part for k in production}
    # every fact the chart generates sits at one of the release's keys, from the release's DAG-only block
    for name, path in keys.facts().items():
        if name == "configure":  # never generated: only the passthrough sets it
            assert path not in rel.houston_keys
            assert (*houston.PASSTHROUGH, *path) == platform.generation.houston_flag
            continue
        assert path in rel.houston_keys, name
        assert rel.houston_keys[path][: len(rel.block)] == rel.block
    assert keys.flag == (*rel.block, "enabled")
    assert set(rel.houston_paths_from(keys.flag)) == {keys.dag_only, keys.dag_deploy_enabled}
    resources = set(rel.houston_paths_from((*rel.block, "resources")))
    assert resources == {keys.server_resources} | ({keys.client_resources} - {None})
    # the single dagDeploy.resources block of 0.34.0 and 0.34.1; server and client blocks from 0.34.2 on
    single = rel.version_tuple < (0, 34, 2)
    assert (keys.client_resources is None) == single
    assert keys.server_resources[-2:] == (("dagDeploy", "resources") if single else ("server", "resources"))
    # image: repo:tag split (0.34-0.35) or repository and tag
    split = rel.generation == "0.34"
    assert keys.parts[keys.image_repository] == ("repository" if split else "whole")
    assert keys.parts[keys.image_tag] == ("tag" if split else "whole")
    assert keys.security_context[-1] == ("securityContext" if split else "securityContexts")


@needs_shared
@pytest.mark.parametrize("version", chart_versions())
def test_chart_defaults_are_the_archives_values(version: str) -> None:
    block_path, block = chart_block(version)
    defaults = houston.chart_defaults(generation_for_version(version))
    assert get(defaults, block_path) == block
    # and what the chart layer makes of them: the chart's default image, resources only where the chart has some
    doc = load_text("{}", "empty.yaml")
    h = houston.houston_config(doc, generation_for_version(version), assume_on=True)
    if "image" in block:
        repo, tag = block["image"].split(":")[0], block["image"].split(":")[-1]
    else:
        repo, tag = block["repository"], block["tag"]
    assert (h.value("image_repository"), h.value("image_tag")) == (repo, tag)
    chart = h.layers[houston.CHART]
    assert get(chart, h.keys.server_resources) == (block["resources"] or "<missing>")


def _first_of_each_mapping() -> list[str]:
    """The releases where the chart's Houston key mapping differs from the release before."""
    out, prev = [], None
    for rel in releases.releases():
        mapping = sorted((k.houston, k.values, k.part) for k in rel.houston_key_list)
        if mapping != prev:
            out.append(rel.version)
        prev = mapping
    return out


ALL_ON = {
    "0.34": "global:\n  dagOnlyDeployment:\n    enabled: true\n    image: example.com/dag:v7.7\n"
    "    securityContext: {fsGroup: 1234}\n    resources:\n      requests: {cpu: '2', memory: 3Gi}\n",
    "0.36": "global:\n  dagOnlyDeployment:\n    enabled: true\n    repository: example.com/dag\n    tag: v7.7\n"
    "    securityContexts: {pod: {fsGroup: 1234}}\n    resources:\n      requests: {cpu: '2', memory: 3Gi}\n",
    "2": "global:\n  deployMechanisms:\n    dagOnlyDeployment:\n      enabled: true\n"
    "      repository: example.com/dag\n      tag: v7.7\n      securityContexts: {pod: {fsGroup: 1234}}\n"
    "      resources:\n        requests: {cpu: '2', memory: 3Gi}\n",
}


@charts
@pytest.mark.skipif(not CHARTS.is_dir(), reason="../shared/charts is not present")
@pytest.mark.parametrize("version", _first_of_each_mapping())
def test_model_equals_render_where_the_mapping_changes(version: str, tmp_path: Path) -> None:
    platform = generation_for_version(version)
    f = tmp_path / "values.yaml"
    f.write_text(ALL_ON[platform.generation.id], encoding="utf-8")
    h = houston.houston_config(load_text(f.read_text(), str(f)), platform)
    rendered = render_houston(version, [f])
    model = h.rendered()
    for name, key in h.keys.facts().items():
        assert get(model, key) == get(rendered, key), f"{version} {name} {'.'.join(key)}"
    assert get(rendered, h.keys.server_resources) == {"requests": {"cpu": "2", "memory": "3Gi"}}
    assert get(rendered, h.keys.image_tag) == "v7.7"


def _platform(gen: str, version: tuple[int, int, int] | None, text: str | None) -> Platform:
    return Platform(GENERATION_BY_ID[gen], version, text, "test")


def test_versions_the_data_does_not_hold_get_the_representative_release() -> None:
    newest = {g: [r for r in releases.releases() if r.generation == g][-1].version for g in GENERATION_BY_ID}
    cases = [
        (generation_for_version("2.2.0"), "2.1.0"),  # unknown patch: the nearest known release below
        (generation_for_version("0.37.9"), "0.37.7"),
        (generation_for_version("0.34.9"), "0.34.5"),
        (generation_for_version("2.0"), "2.0.1"),  # X.Y: the newest known X.Y.*
        (generation_for_version("0.34"), "0.34.5"),
        (generation_for_version("1.9"), newest["0.36"]),  # no 1.9.x known: the nearest below
        (_platform("0.36", None, None), newest["0.36"]),  # inferred: the newest of the generation
        (_platform("2", None, None), newest["2"]),
        (_platform("0.34", None, None), newest["0.34"]),
    ]
    for platform, expected in cases:
        assert releases.release(expected).generation == platform.generation.id
        assert houston.release_for(platform).version == expected, platform
        assert houston.houston_keys(platform).release == expected
        assert houston.chart_defaults(platform) == houston.chart_defaults(generation_for_version(expected))
    # an unknown patch keeps the split server/client blocks of its predecessor; 0.34 (X.Y) is not 0.34.0
    assert houston.houston_keys(generation_for_version("0.34")).client_resources is not None
    assert houston.houston_keys(generation_for_version("0.34.0")).client_resources is None


def test_houston_defaults_are_the_datas_and_labelled_where_assumed() -> None:
    for version in ("0.34.0", "0.34.5", "0.35.4"):
        keys = houston.houston_keys(generation_for_version(version))
        own = releases.release(version).houston_defaults
        assert own is not None
        ours = houston.houston_defaults(keys)
        # the client block and the switches are at the same paths in Houston's config and the chart's keys
        assert get(ours, keys.dag_only) == own["deployments"]["dagOnlyDeployment"] is False
        assert get(ours, keys.configure) == own["deployments"]["configureDagDeployment"] is False
        if keys.client_resources is not None:
            assert get(ours, keys.client_resources) == own["deployments"]["dagDeploy"]["client"]["resources"]
        assert get(ours, keys.server_resources) == own["deployments"]["dagDeploy"]["server"]["resources"]
        assert houston.houston_defaults_source(keys).startswith("Houston's defaults (houston-defaults-0.3")
    for version in ("0.36.0", "1.2.0", "2.1.0"):
        keys = houston.houston_keys(generation_for_version(version))
        source = houston.houston_defaults_source(keys)
        assert source.startswith("assumed: Houston 0.35.") and version in source
        assumed = releases.release("0.35.4").houston_defaults
        assert assumed is not None
        assert (
            get(houston.houston_defaults(keys), keys.server_resources)
            == (assumed["deployments"]["dagDeploy"]["server"]["resources"])
        )
        assert get(houston.houston_defaults(keys), keys.configure) is False
