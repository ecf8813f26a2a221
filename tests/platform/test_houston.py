"""Houston's effective DAG-deploy config: layers, provenance and the chart's template rules (no helm needed;
test_houston_render.py proves the same against the real charts)."""

from __future__ import annotations

from typing import Any

import pytest

from astro_config.document.reader import load_text
from astro_config.platform import houston
from astro_config.platform.profiles import generation_for_version

OVERRIDE_1X = """\
global:
  nginxEnabled: true
  dagOnlyDeployment:
    enabled: true
    resources:
      requests: {cpu: "1", memory: 1536Mi}
astronomer:
  houston:
    config:
      deployments:
        dagOnlyDeployment: false
        configureDagDeployment: true
        dagDeploy:
          server:
            resources:
              requests: {cpu: 500m, memory: 512Mi}
"""


def config(text: str, version: str, **kw: Any) -> houston.HoustonConfig:
    return houston.houston_config(load_text(text, "values.yaml"), generation_for_version(version), **kw)


def test_passthrough_switch_wins_and_says_what_it_overrides() -> None:
    h = config(OVERRIDE_1X, "1.2.0")
    fact = h.fact("dag_only")
    assert fact.value is False
    assert f"{'.'.join(fact.key)} = false {fact.source_text()}" == (
        "deployments.dagOnlyDeployment = false from astronomer.houston.config.deployments.dagOnlyDeployment "
        "(values.yaml:11), overriding global.dagOnlyDeployment.enabled: true"
    )
    assert h.summary == "half-enabled"
    assert [f.name for f in h.overrides()] == ["dag_only", "server_resources"]


def test_passthrough_resources_deep_merge_over_the_generated_block() -> None:
    h = config(OVERRIDE_1X, "1.2.0")
    server, client = h.fact("server_resources"), h.fact("client_resources")
    assert server.value == {
        "requests": {"cpu": "500m", "memory": "512Mi"},
        "limits": {"cpu": "100m", "memory": "384Mi"},  # Houston's own default: the chart wrote no limits
    }
    assert [s.layer for s in houston.contributing(server)] == [houston.DEFAULT, houston.PASS]
    assert client.value["requests"] == {"cpu": "1", "memory": "1536Mi"}  # the client keeps the global block
    assert client.winner is not None and client.winner.where == "values.yaml:5"


PT = "astronomer: {houston: {config: {deployments: %s}}}"
G2 = "global: {deployMechanisms: {dagOnlyDeployment: {enabled: true}}}\n"
MECH = "{deployMechanisms: {dagOnlyDeployment: {enabled: %s}, configureDagDeployment: {enabled: true}}}"


@pytest.mark.parametrize(
    ("version", "text", "summary"),
    [
        ("1.2.0", PT % "{dagOnlyDeployment: true, configureDagDeployment: true}", "enabled"),
        ("2.1.0", PT % (MECH % "true"), "enabled"),
        ("2.1.0", G2 + PT % (MECH % "false"), "half-enabled"),
        (
            "0.37.7",
            "global: {dagOnlyDeployment: {enabled: false}}\n" + PT % "{dagOnlyDeployment: true}",
            "half-enabled",
        ),
        ("0.37.7", "global: {dagOnlyDeployment: {enabled: false}}", "disabled"),
    ],
)
def test_summary_is_what_houston_reads(version: str, text: str, summary: str) -> None:
    assert config(text, version).summary == summary


def test_quoted_flag_renders_as_the_boolean_and_quoted_false_still_opens_the_block() -> None:
    h = config('global: {dagOnlyDeployment: {enabled: "false"}}', "1.2.0")
    assert h.value("dag_only") is False
    assert h.value("dag_deploy_enabled") is False
    assert h.layers[houston.CHART]["deployments"]["dagDeploy"]["enabled"] is False  # {{ if "false" }} is true
    assert config('global: {dagOnlyDeployment: {enabled: "true"}}', "1.2.0").value("dag_only") is True


def test_single_resources_block_on_0_34_0_and_0_34_1() -> None:
    keys = houston.houston_keys(generation_for_version("0.34.1"))
    assert keys.server_resources == ("deployments", "dagDeploy", "resources") and keys.client_resources is None
    keys = houston.houston_keys(generation_for_version("0.34.2"))
    assert keys.server_resources == ("deployments", "dagDeploy", "server", "resources")


def test_assume_on_sizes_the_switched_on_server() -> None:
    text = "global: {dagOnlyDeployment: {resources: {requests: {cpu: 2}}}}"
    assert config(text, "1.2.0").value("server_resources")["requests"]["cpu"] == "100m"
    h = config(text, "1.2.0", assume_on=True)
    assert h.value("server_resources")["requests"]["cpu"] == 2


def test_go_truthy_and_rendered_scalar() -> None:
    assert [houston.go_truthy(v) for v in (False, 0, "", None, {}, [], "false", 1, {"a": 1})] == [
        False, False, False, False, False, False, True, True, True,
    ]  # fmt: skip
    assert [houston.rendered_scalar(v) for v in ("true", "False", "yes", None, "12", True)] == [
        True, False, "yes", None, 12, True,
    ]  # fmt: skip


def test_layered_provenance_points_at_the_layer() -> None:
    from astro_config.helm.layered import LayeredDocument
    from astro_config.helm.layering import Layer, LayerKind, merge

    a = load_text("global: {dagOnlyDeployment: {enabled: true}}\n", "a.yaml")
    b = load_text(
        "astronomer:\n  houston:\n    config:\n      deployments:\n        dagOnlyDeployment: false\n", "b.yaml"
    )
    eff = merge([Layer(d.name, d.data, d.locate, LayerKind.FILE) for d in (a, b)], [], None)
    h = houston.houston_config(LayeredDocument([a, b], [], eff), generation_for_version("1.2.0"))
    fact = h.fact("dag_only")
    assert fact.winner is not None and fact.winner.where == "b.yaml:5"
    assert fact.overridden is not None and fact.overridden.where == "a.yaml:1"
