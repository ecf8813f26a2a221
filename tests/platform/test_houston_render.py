"""Houston's effective config as astro-config models it equals what the real chart renders (Helm 3.17).

For one release of each minor line, sample files with passthrough overrides of each kind are rendered with the
real chart from ../shared/charts; the ConfigMap's production.yaml merged with local-production.yaml must hold,
at every DAG-deploy key, exactly what :func:`houston_config` says the chart and the passthrough put there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from houston_helpers import RELEASE_LINES, get, needs_charts, render_houston, sample_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astro_config.document.reader import load_file
from astro_config.platform.houston import houston_config
from astro_config.platform.profiles import generation_for_version

pytestmark = needs_charts

R_GLOBAL = {"requests": {"cpu": "1", "memory": "1536Mi"}, "limits": {"cpu": "1", "memory": "1536Mi"}}
R_PASS = {"requests": {"cpu": "500m", "memory": "512Mi"}}

CASES: dict[str, dict[str, Any]] = {
    # a passthrough switch off beside both flags on, and a passthrough server block over the global one
    "passthrough-overrides": {
        "global_on": True,
        "pt_configure": True,
        "pt_dag_only": False,
        "global_resources": R_GLOBAL,
        "pt_server": R_PASS,
    },
    # only the passthrough switches on (the global flag unset)
    "passthrough-only": {"pt_dag_only": True, "pt_configure": True},
    # the plain, documented setup
    "plain": {"global_on": True, "pt_configure": True, "global_resources": R_GLOBAL},
}

FACTS = ("dag_only", "configure", "dag_deploy_enabled", "server_resources", "client_resources", "security_context")


def assert_matches_render(version: str, files: list[Path], facts: tuple[str, ...] = FACTS) -> dict[str, Any]:
    platform = generation_for_version(version)
    if len(files) == 1:
        doc: Any = load_file(files[0])
    else:
        from astro_config.helm.layered import load_layered

        doc = load_layered([str(f) for f in files])
    h = houston_config(doc, platform)
    rendered = render_houston(version, files)
    model = h.rendered()
    keys = h.keys.facts()
    compared = 0
    for name in facts:
        if name not in keys:
            continue
        key = keys[name]
        assert get(model, key) == get(rendered, key), f"{version} {name} {key}"
        compared += 1
    assert compared >= 5
    return rendered


def gen_id(version: str) -> str:
    return generation_for_version(version).generation.id


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("version", RELEASE_LINES)
def test_model_equals_render(version: str, case: str, tmp_path: Path) -> None:
    f = tmp_path / "values.yaml"
    f.write_text(sample_values(gen_id(version), **CASES[case]), encoding="utf-8")
    rendered = assert_matches_render(version, [f])
    h = houston_config(load_file(f), generation_for_version(version))
    # the cases, read from the render itself
    dag_only = get(rendered, h.keys.dag_only)
    if case == "passthrough-overrides":
        assert dag_only is False and h.summary == "half-enabled"
        # Houston deep-merges the passthrough block over the generated one: requests from it, limits from global
        server = get(rendered, h.keys.server_resources)
        assert server == {"requests": R_PASS["requests"], "limits": R_GLOBAL["limits"]}
        assert h.fact("server_resources").value == server
        assert h.fact("dag_only").overridden is not None
    elif case == "passthrough-only":
        assert dag_only is True and h.summary == "enabled"
    else:
        assert dag_only is True and h.summary == "enabled" and h.overrides() == []


IMAGE_PINS = {
    "0.34": "global:\n  dagOnlyDeployment:\n    enabled: true\n    image: example.com/dag:1.2.3\n",
    "0.36": "global:\n  dagOnlyDeployment:\n    enabled: true\n    repository: example.com/dag\n    tag: 1.2.3\n",
    "2": "global:\n  deployMechanisms:\n    dagOnlyDeployment:\n      enabled: true\n"
    "      repository: example.com/dag\n      tag: 1.2.3\n",
}


@pytest.mark.parametrize("version", ["0.35.4", "1.2.0", "2.1.0"])
@pytest.mark.parametrize("private", [False, True])
def test_image_and_security_context_equal_render(version: str, private: bool, tmp_path: Path) -> None:
    text = IMAGE_PINS[gen_id(version)]
    if private:
        text += "  privateRegistry:\n    enabled: true\n    repository: registry.local/astro\n"
    f = tmp_path / "values.yaml"
    f.write_text(text, encoding="utf-8")
    rendered = assert_matches_render(version, [f], (*FACTS, "image_repository", "image_tag"))
    h = houston_config(load_file(f), generation_for_version(version))
    repo = get(rendered, h.keys.image_repository)
    assert repo == ("registry.local/astro/ap-dag-deploy" if private else "example.com/dag")
    assert get(rendered, h.keys.image_tag) == "1.2.3"


EDGE_CASES = {
    # a quoted "false": printed as false, but a non-empty string is true to {{ if }}: dagDeploy renders, disabled
    "quoted-false": (
        "1.2.0",
        'global:\n  dagOnlyDeployment:\n    enabled: "false"\n    resources: {requests: {cpu: 1}}\n',
    ),
    "quoted-true": ("2.1.0", 'global:\n  deployMechanisms:\n    dagOnlyDeployment:\n      enabled: "true"\n'),
    # fsGroup "auto": the helper leaves fsGroup out (and, 0.36+, unwraps .pod)
    "fsgroup-auto": (
        "1.2.0",
        "global:\n  dagOnlyDeployment:\n    enabled: true\n    securityContexts:\n      pod:\n        fsGroup: auto\n"
        "        runAsUser: 1000\n",
    ),
    "fsgroup-auto-034": (
        "0.35.4",
        "global:\n  dagOnlyDeployment:\n    enabled: true\n    securityContext:\n      fsGroup: auto\n"
        "      runAsUser: 7\n",
    ),
    "openshift": ("2.1.0", "global:\n  openshift:\n    enabled: true\n  deployMechanisms:\n    dagOnlyDeployment:\n"
                  "      enabled: true\n"),
    # 0.34.0 and 0.34.1 write one dagDeploy.resources block
    "single-block-0.34.1": (
        "0.34.1",
        "global:\n  dagOnlyDeployment:\n    enabled: true\n    resources: {requests: {cpu: 2}}\nastronomer:\n"
        "  houston:\n    config:\n      deployments:\n        dagDeploy:\n          resources: {limits: {cpu: 3}}\n",
    ),
    # 2.1.0's chart default resources deep-merge under the user's block; a null deletes one of them
    "chart-default-merge": (
        "2.1.0",
        "global:\n  deployMechanisms:\n    dagOnlyDeployment:\n      enabled: true\n      resources:\n"
        "        requests: {cpu: 2}\n        limits: null\n",
    ),
    # nulls as the subchart sees them: over a chart default the default stays, elsewhere the null stays
    "null-global": (
        "1.2.0",
        "global:\n  dagOnlyDeployment:\n    enabled: true\n    resources: {requests: {cpu: 1}, limits: null}\n"
        "    securityContexts: {pod: null}\n",
    ),
    # a passthrough that replaces the whole dagDeploy block with null
    "null-dag-deploy": (
        "1.2.0",
        "global:\n  dagOnlyDeployment:\n    enabled: true\nastronomer:\n  houston:\n    config:\n      deployments:\n"
        "        dagDeploy: null\n",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(EDGE_CASES))
def test_edge_cases_equal_render(case: str, tmp_path: Path) -> None:
    version, text = EDGE_CASES[case]
    f = tmp_path / "values.yaml"
    f.write_text(text, encoding="utf-8")
    assert_matches_render(version, [f], FACTS)


def test_layered_set_keeps_the_layer_that_set_it(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    prod = tmp_path / "prod.yaml"
    base.write_text(sample_values("0.36", global_on=True, pt_configure=True), encoding="utf-8")
    prod.write_text(sample_values("0.36", pt_dag_only=False), encoding="utf-8")
    assert_matches_render("1.2.0", [base, prod])
    from astro_config.helm.layered import load_layered

    h = houston_config(load_layered([str(base), str(prod)]), generation_for_version("1.2.0"))
    fact = h.fact("dag_only")
    assert fact.value is False
    assert fact.winner is not None and fact.winner.where == f"{prod}:7"
    assert fact.overridden is not None and fact.overridden.where == f"{base}:4"


_resources = st.none() | st.fixed_dictionaries(
    {},
    optional={
        "requests": st.fixed_dictionaries({}, optional={"cpu": st.sampled_from(["100m", "1", "2"]),
                                                        "memory": st.sampled_from(["384Mi", "1536Mi"])}),
        "limits": st.fixed_dictionaries({}, optional={"cpu": st.sampled_from(["200m", "3"]),
                                                      "memory": st.sampled_from(["512Mi", "4608Mi"])}),
    },
)  # fmt: skip
_switch = st.none() | st.booleans()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    version=st.sampled_from(["0.35.4", "0.37.7", "1.2.0", "2.1.0"]),
    global_on=_switch,
    pt_dag_only=_switch,
    pt_configure=_switch,
    pt_dag_deploy_enabled=_switch,
    global_resources=_resources,
    pt_server=_resources,
    pt_client=_resources,
)
def test_property_model_equals_render(
    tmp_path: Path,
    version: str,
    global_on: bool | None,
    pt_dag_only: bool | None,
    pt_configure: bool | None,
    pt_dag_deploy_enabled: bool | None,
    global_resources: dict[str, Any] | None,
    pt_server: dict[str, Any] | None,
    pt_client: dict[str, Any] | None,
) -> None:
    f = tmp_path / "values.yaml"
    f.write_text(
        sample_values(
            gen_id(version),
            global_on=global_on,
            pt_dag_only=pt_dag_only,
            pt_configure=pt_configure,
            pt_dag_deploy_enabled=pt_dag_deploy_enabled,
            global_resources=global_resources,
            pt_server=pt_server,
            pt_client=pt_client,
        ),
        encoding="utf-8",
    )
    assert_matches_render(version, [f])
