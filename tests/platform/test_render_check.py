"""platform/render_check.py: the helm argv, the ConfigMap, Houston's merge, and real renders of every minor line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SHARED

from astro_config.errors import InputError
from astro_config.platform import releases, render_check
from astro_config.platform.render_check import HelmError, HoustonConfigMap

CHARTS = SHARED / "charts"
HELM = shutil.which("helm")
needs_helm = pytest.mark.skipif(HELM is None, reason="helm is not on PATH")
needs_charts = pytest.mark.skipif(not CHARTS.is_dir(), reason="../shared/charts is not present")

# one release of each minor line
LINES = ["0.34.5", "0.35.4", "0.36.1", "0.37.7", "1.0.1", "1.1.7", "1.2.0", "2.0.1", "2.1.0"]


def test_argv_renders_only_houstons_configmap() -> None:
    argv = render_check.helm_template_argv(
        "c.tgz", ["a.yaml", "b.yaml"], [("--set", "x=1"), ("--set-string", "y=2")], chart_release=(2, 1, 0)
    )
    assert argv == [
        "helm", "template", "astro", "c.tgz", "-n", "astronomer", "-f", "a.yaml", "-f", "b.yaml",
        "--set", "global.baseDomain=example.com", "--set", "x=1", "--set-string", "y=2",
        "--show-only", "charts/astronomer/templates/houston/houston-configmap.yaml",
    ]  # fmt: skip
    assert "--set" not in render_check.helm_template_argv("c", set_base_domain=False)


@pytest.mark.parametrize(("version", "needs"), [((0, 34, 0), True), ((0, 37, 0), True), ((0, 37, 1), False),
                                                ((2, 1, 0), False)])  # fmt: skip
def test_kube_version_quirk(version: tuple[int, int, int], needs: bool) -> None:
    argv = render_check.helm_template_argv("c", chart_release=version)
    assert (argv[6:8] == ["--kube-version", "1.28.0"]) is needs


def test_houston_merge_order_and_node_config_rules() -> None:
    cm = HoustonConfigMap(
        production={"deployments": {"dagOnlyDeployment": True, "dagDeploy": {"server": {"resources": {"a": 1}}}}},
        local_production={"deployments": {"dagOnlyDeployment": False, "dagDeploy": {"client": {"resources": None}}}},
    )
    defaults = {"deployments": {"configureDagDeployment": False, "dagDeploy": {"client": {"resources": {"b": 2}}}}}
    eff = render_check.effective_config(defaults, cm)
    assert eff["deployments"]["dagOnlyDeployment"] is False  # the passthrough wins
    assert eff["deployments"]["dagDeploy"] == {"server": {"resources": {"a": 1}}, "client": {"resources": None}}
    view = render_check.dag_view(cm, "0.36", defaults)
    assert view.dag_only.value is False and view.dag_only.source.startswith("local-production.yaml")
    assert view.configure.value is False and view.configure.source == "Houston's default"
    assert view.server_resources.source.startswith("production.yaml")


def test_parse_configmap_refuses_other_output() -> None:
    with pytest.raises(HelmError):
        render_check.parse_configmap("---\nkind: Secret\ndata: {}\n")


def test_chart_version_of_a_directory_and_errors(tmp_path: Path) -> None:
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: astronomer\nversion: 0.37.7\n")
    assert render_check.chart_version(tmp_path) == "0.37.7"
    with pytest.raises(InputError):
        render_check.chart_version(tmp_path / "missing")
    (tmp_path / "x.tgz").write_bytes(b"not a tarball")
    with pytest.raises(InputError):
        render_check.chart_version(tmp_path / "x.tgz")


def test_run_helm_without_helm_is_one_line() -> None:
    with pytest.raises(HelmError, match="not on PATH"):
        render_check.run_helm(["/nonexistent/helm", "version"])


def _expected(**facts: tuple[tuple[str, ...], object]) -> dict[str, render_check.Expected]:
    return {name: render_check.Expected(key, value) for name, (key, value) in facts.items()}


DAG_ONLY = ("deployments", "dagOnlyDeployment")
CONFIGURE = ("deployments", "configureDagDeployment")
SERVER = ("deployments", "dagDeploy", "server", "resources")
CLIENT = ("deployments", "dagDeploy", "client", "resources")
REPO = ("deployments", "dagDeploy", "images", "dagServer", "repository")
TAG = ("deployments", "dagDeploy", "images", "dagServer", "tag")


def test_compare_model_judges_resources_and_image_only_while_on() -> None:
    cm = HoustonConfigMap({"deployments": {"dagOnlyDeployment": False}}, {})
    expected = _expected(
        dag_only=(DAG_ONLY, False), configure=(CONFIGURE, None), server_resources=(SERVER, {"requests": {"cpu": "1"}}),
        image_repository=(REPO, "r"), image_tag=(TAG, "t"),
    )  # fmt: skip
    checks = render_check.compare_model(expected, cm, {})
    assert [(c.name, c.agree) for c in checks] == [
        ("global switch", True), ("houston switch", True), ("server resources", True), ("image", True),
    ]  # fmt: skip
    assert all("not judged" in c.note for c in checks[2:])


def test_compare_model_compares_quantities_and_names_the_source() -> None:
    on = HoustonConfigMap(
        {"deployments": {"dagOnlyDeployment": True,
                         "dagDeploy": {"server": {"resources": {"requests": {"cpu": "1000m", "memory": "1.5Gi"}}},
                                       "images": {"dagServer": {"repository": "r", "tag": 0.1}}}}},
        {"deployments": {"configureDagDeployment": True}},
    )  # fmt: skip
    res = {"requests": {"cpu": "1", "memory": "1536Mi"}}
    expected = _expected(
        dag_only=(DAG_ONLY, True), configure=(CONFIGURE, True), server_resources=(SERVER, res),
        client_resources=(CLIENT, res), image_repository=(REPO, "r"), image_tag=(TAG, "0.10"),
    )  # fmt: skip
    checks = {c.name: c for c in render_check.compare_model(expected, on, {})}
    assert checks["server resources"].agree and checks["server resources"].houston.source.startswith("production")
    assert checks["houston switch"].agree and checks["houston switch"].houston.source.startswith("local-production")
    assert not checks["client resources"].agree and checks["client resources"].houston.source == "unset"
    assert not checks["image"].agree and checks["image"].actual == "r:0.1"


def test_houstons_yaml_is_1_2() -> None:
    manifest = (
        "kind: ConfigMap\ndata:\n  production.yaml: |\n    a: yes\n    b: 0.10\n    c: 0o17\n"
        "  local-production.yaml: |\n    d: on\n"
    )
    cm = render_check.parse_configmap(manifest)
    assert cm.production == {"a": "yes", "b": 0.1, "c": 15} and cm.local_production == {"d": "on"}


@pytest.mark.parametrize("version", LINES)
@needs_charts
@needs_helm
@pytest.mark.helm
def test_real_render_of_each_minor_line(version: str, tmp_path: Path) -> None:
    rel = releases.release(version)
    block: dict[str, object] = {
        "enabled": True,
        "resources": {"requests": {"cpu": "3", "memory": "4608Mi"}, "limits": {"cpu": "3", "memory": "4608Mi"}},
    }
    if rel.generation == "0.34":
        block["image"] = "quay.io/astronomer/ap-dag-deploy:9.9.9"
    else:
        block["tag"] = "9.9.9"
    glob: dict[str, object] = (
        {"deployMechanisms": {"dagOnlyDeployment": block}} if rel.generation == "2" else {"dagOnlyDeployment": block}
    )
    houston = render_check.houston_paths(rel.generation)["configure"]
    passthrough: dict[str, object] = {"dagDeploy": {"client": {"resources": {"limits": {"cpu": "7"}}}}}
    cur = passthrough
    for part in houston[1:-1]:
        cur = cur.setdefault(part, {})  # type: ignore[assignment]
    cur[houston[-1]] = True
    values = {"global": glob, "astronomer": {"houston": {"config": {"deployments": passthrough}}}}
    f = tmp_path / "values.yaml"
    f.write_text(json.dumps(values))
    v = rel.version_tuple
    argv = render_check.helm_template_argv(CHARTS / rel.chart, [f], chart_release=v)
    cm = render_check.parse_configmap(render_check.run_helm(argv))
    defaults, _ = render_check.houston_defaults(rel, rel.generation_info)
    view = render_check.dag_view(cm, rel.generation, defaults)
    assert view.dag_only.value is True and view.dag_only.source.startswith("production.yaml")
    assert view.configure.value is True and view.configure.source.startswith("local-production.yaml")
    assert view.image.value == "quay.io/astronomer/ap-dag-deploy:9.9.9"
    assert view.server_resources.value == block["resources"]
    # the passthrough is merged over what the chart generated: cpu limit replaced, the rest kept
    assert view.client_resources.value == {
        "requests": {"cpu": "3", "memory": "4608Mi"}, "limits": {"cpu": "7", "memory": "4608Mi"},
    }  # fmt: skip
    # the render agrees with the generated release data: every production.yaml key it names is there
    for path in rel.houston_keys:
        if path[-1] in ("dagOnlyDeployment", "enabled", "resources", "repository", "tag"):
            assert render_check.get_path(cm.production, path) is not render_check._MISSING, path


@needs_charts
@needs_helm
@pytest.mark.helm
def test_the_kube_version_quirk_is_what_helm_needs() -> None:
    """0.37.0 refuses Helm 3.17's default Kubernetes version; 0.37.1 does not (the rule in needs_kube_version)."""
    old = CHARTS / "astronomer-0.37.0.tgz"
    argv = render_check.helm_template_argv(old, chart_release=None)
    with pytest.raises(HelmError, match="helm template failed"):
        render_check.run_helm(argv)
    assert "ConfigMap" in render_check.run_helm(render_check.helm_template_argv(old, chart_release=(0, 37, 0)))
    new = CHARTS / "astronomer-0.37.1.tgz"
    assert "ConfigMap" in render_check.run_helm(render_check.helm_template_argv(new, chart_release=None))
