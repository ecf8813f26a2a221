"""Lint rules one by one, on inline values: what fires, what must not, and where it points."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astro_config.document.reader import load_text
from astro_config.lint import rules
from astro_config.lint.engine import lint_document
from astro_config.lint.rules import RULES, get_rule, helm_merge
from astro_config.models import Severity
from astro_config.platform import releases

ROOT = Path(__file__).resolve().parents[2]

V034 = "global:\n  dagOnlyDeployment:\n    image: quay.io/astronomer/ap-dag-deploy:0.3.6\n"
HOUSTON_0X = "astronomer:\n  houston:\n    config:\n      deployments:\n        configureDagDeployment: {}\n"
HOUSTON_2 = (
    "astronomer:\n  houston:\n    config:\n      deployments:\n        deployMechanisms:\n"
    "          configureDagDeployment:\n            enabled: {}\n"
)


def lint(text: str, version: str | None = None, upload: int | None = None) -> list[tuple[str, int, int]]:
    return [(p.rule, p.line, p.column) for p in lint_document(load_text(text, name="x.yaml"), version, upload)]


def messages(text: str, version: str | None = None, upload: int | None = None) -> list[str]:
    return [p.message for p in lint_document(load_text(text, name="x.yaml"), version, upload)]


# ----------------------------------------------------------------------------------------------------------
# The registry
# ----------------------------------------------------------------------------------------------------------


def test_rule_ids_are_stable_kebab_case_and_documented() -> None:
    assert list(RULES) == [
        "syntax",
        "duplicate-key",
        "unknown-platform",
        "schema",
        "unknown-key",
        "flags-disagree",
        "wrong-generation",
        "unsafe-release",
        "quantity",
        "requests-above-limits",
        "resources-too-small",
        "ingress-cap",
        "proxy-body-size",
        "image-downgrade",
        "yaml11-type",
        "passthrough-override",
        "passthrough-shadow",
    ]
    docs = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning|info) \|", docs, re.M))
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule_id)
        assert rule.id == rule_id
        assert rule.description.endswith(".") and rule.hint
        assert table.get(rule_id) == rule.severity.value, f"{rule_id} missing from the docs/lint.md rule table"
    assert set(table) == set(RULES)


def test_engine_rules_have_no_check_of_their_own() -> None:
    engine = {"syntax", "duplicate-key", "unknown-platform"}
    assert {r.id for r in rules.checked_rules()} == set(RULES) - engine


def test_get_rule() -> None:
    assert get_rule("schema") is RULES["schema"]
    with pytest.raises(KeyError, match="unknown lint rule 'nope'; known: syntax, "):
        get_rule("nope")


# ----------------------------------------------------------------------------------------------------------
# Helm's merge of a file over the chart's defaults
# ----------------------------------------------------------------------------------------------------------


def test_helm_merge() -> None:
    chart = {"requests": {"cpu": "200m", "memory": "384Mi"}, "limits": {"cpu": "200m", "memory": "384Mi"}}
    assert helm_merge(chart, {"requests": {"cpu": "1"}}) == {
        "requests": {"cpu": "1", "memory": "384Mi"},
        "limits": {"cpu": "200m", "memory": "384Mi"},
    }
    assert helm_merge(chart, {"limits": None}) == {"requests": {"cpu": "200m", "memory": "384Mi"}}
    assert helm_merge(chart, {"limits": {"cpu": None}})["limits"] == {"memory": "384Mi"}
    assert helm_merge(chart, {}) == chart
    assert helm_merge(chart, "x") == "x"
    assert helm_merge({"a": [1]}, {"a": [2, 3], "b": None}) == {"a": [2, 3], "b": None}
    assert chart["limits"] == {"cpu": "200m", "memory": "384Mi"}  # not modified


# ----------------------------------------------------------------------------------------------------------
# flags-disagree
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "houston", "expected"),
    [
        ("true", "true", []),
        ("false", "false", []),
        ("false", None, []),
        (None, "false", []),
        ("true", "false", [("flags-disagree", 3, 5)]),
        ("true", None, [("flags-disagree", 3, 5)]),
        ("false", "true", [("flags-disagree", 9, 9)]),
        ("'true'", "true", [("schema", 3, 5)]),  # not a boolean: the schema rule's
    ],
)
def test_flags(flag: str | None, houston: str | None, expected: list[tuple[str, int, int]]) -> None:
    text = "global:\n  dagOnlyDeployment:\n" + (f"    enabled: {flag}\n" if flag else "    tag: 0.9.2\n")
    text += "    repository: r\n"
    text += HOUSTON_0X.format(houston) if houston else ""
    assert lint(text) == expected


def test_flags_2x_message_names_the_other_key() -> None:
    text = "global:\n  deployMechanisms:\n    dagOnlyDeployment:\n      enabled: false\n" + HOUSTON_2.format("true")
    (message,) = messages(text)
    assert message.startswith(
        "true here, but global.deployMechanisms.dagOnlyDeployment.enabled is false: DAG-only deploys are half"
    )


# ----------------------------------------------------------------------------------------------------------
# unsafe-release
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "enabled", "fires"),
    [
        ("0.34.0", True, True),
        ("0.34.2", True, True),
        ("0.34.3", True, False),
        ("0.35.0", True, True),
        ("0.35.1", True, False),
        ("0.34.1", False, False),
        ("0.34", True, False),  # no patch level: cannot tell
        ("0.37.7", True, False),
    ],
)
def test_unsafe_release(version: str, enabled: bool, fires: bool) -> None:
    state = "true" if enabled else "false"
    text = f"global:\n  dagOnlyDeployment:\n    enabled: {state}\n" + HOUSTON_0X.format(state)
    found = [r for r, _, _ in lint(text, version) if r == "unsafe-release"]
    assert found == (["unsafe-release"] if fires else [])


# ----------------------------------------------------------------------------------------------------------
# quantity / requests-above-limits / resources-too-small / ingress-cap
# ----------------------------------------------------------------------------------------------------------


def _resources(block: str, version_block: str = "dagOnlyDeployment") -> str:
    body = "".join(f"      {line}\n" for line in block.splitlines())
    return f"global:\n  {version_block}:\n    tag: 0.9.2\n    resources:\n{body}"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("requests: {cpu: 2, memory: 3Gi}\nlimits: {cpu: 2, memory: 3Gi}", []),
        ("requests: {cpu: 0.5, memory: 1610612736}\nlimits: {cpu: 1500m, memory: 1.5Gi}", []),
        ("requests: {cpu: 2 cores}", [("quantity", 5, 18)]),
        ("limits: {memory: 1.5GB}", [("quantity", 5, 16)]),
        ("requests: {ephemeral-storage: 1x}\nlimits: {cpu: ~}", [("quantity", 5, 18)]),
        ("requests: {cpu: 2, memory: 3Gi}", [("requests-above-limits", 5, 18), ("requests-above-limits", 5, 26)]),
        ("limits: {cpu: 50m}", [("requests-above-limits", 5, 16)]),
        ("requests: {cpu: 2}\nlimits: {cpu: 1}", [("requests-above-limits", 5, 18)]),
        ("requests: {cpu: 2}\nlimits: {cpu: 1x}", [("quantity", 6, 16)]),  # unreadable: no comparison
        ("requests: {cpu: 50m}", []),  # below the default limit: fine
    ],
)
def test_resource_rules(block: str, expected: list[tuple[str, int, int]]) -> None:
    assert lint(_resources(block), "0.37.7") == expected


@pytest.mark.parametrize(
    ("upload", "resources", "ingress", "expected"),
    [
        (15_000_000, "1|1536Mi", "", []),
        (15_000_001, "1|1536Mi", "", ["resources-too-small"]),
        (30_000_000, "2|3Gi", "", []),
        (30_000_000, "2|1536Mi", "", ["resources-too-small"]),  # limited by memory
        (1, None, "", ["resources-too-small"]),  # the default 100m / 384Mi guarantees nothing
        (8_000_000, "1|1536Mi", "  nginxEnabled: false\n", []),
        (8_000_001, "1|1536Mi", "  nginxEnabled: false\n", ["ingress-cap"]),
        (8_000_001, None, "  nginxEnabled: false\n", ["ingress-cap"]),  # cap first: no size can fix it
        (20_000_000, "1|1536Mi", "  nginxEnabled: true\n", ["resources-too-small"]),
        (None, None, "  nginxEnabled: false\n", []),
    ],
)
def test_upload_rules(upload: int | None, resources: str | None, ingress: str, expected: list[str]) -> None:
    text = "global:\n" + ingress + "  dagOnlyDeployment:\n    tag: 0.9.2\n"
    if resources:
        cpu, memory = resources.split("|")
        text += f"    resources:\n      requests: {{cpu: '{cpu}', memory: {memory}}}\n"
        text += f"      limits: {{cpu: '{cpu}', memory: {memory}}}\n"
    assert [r for r, _, _ in lint(text, "0.37.7", upload)] == expected


def test_resources_too_small_names_the_block_to_write() -> None:
    text = _resources("requests: {cpu: 1, memory: 1536Mi}\nlimits: {cpu: 1, memory: 1536Mi}")
    (p,) = lint_document(load_text(text, name="x.yaml"), "0.37.7", 45_000_000)
    assert p.key == "global.dagOnlyDeployment.resources"
    assert p.message == (
        "an upload of 45 MB needs 3 CPU / 4608Mi under the documented rule, but 1 CPU / 1536Mi covers 1 block: "
        "up to 15 MB"
    )
    assert p.hint.startswith('set requests and limits to cpu: "3", memory: 4608Mi')


# ----------------------------------------------------------------------------------------------------------
# proxy-body-size
# ----------------------------------------------------------------------------------------------------------

_TP = "global:\n  nginxEnabled: {bundled}\n  dagOnlyDeployment:\n    tag: 0.9.2\n"


@pytest.mark.parametrize(
    ("annotations", "bundled", "upload", "fires"),
    [
        ({"kubernetes.io/ingress.class": "nginx"}, "false", None, True),
        ({"kubernetes.io/ingress.class": "NGINX-internal"}, "false", None, True),
        ({"nginx.ingress.kubernetes.io/ssl-redirect": "'true'"}, "false", None, True),
        ({"kubernetes.io/ingress.class": "nginx"}, "true", None, False),  # the bundled nginx allows 1024m
        ({"kubernetes.io/ingress.class": "traefik"}, "false", None, False),
        ({"kubernetes.io/ingress.class": "nginx", "nginx.ingress.kubernetes.io/proxy-body-size": "'0'"}, "false",
         7_000_000, False),
        ({"kubernetes.io/ingress.class": "nginx", "nginx.ingress.kubernetes.io/proxy-body-size": "8m"}, "false",
         7_000_000, False),
        ({"kubernetes.io/ingress.class": "nginx", "nginx.ingress.kubernetes.io/proxy-body-size": "1m"}, "false",
         7_000_000, True),
        ({"kubernetes.io/ingress.class": "nginx", "nginx.ingress.kubernetes.io/proxy-body-size": "1m"}, "false",
         None, False),
    ],
)  # fmt: skip
def test_proxy_body_size(annotations: dict[str, str], bundled: str, upload: int | None, fires: bool) -> None:
    text = _TP.format(bundled=bundled) + "  extraAnnotations:\n"
    text += "".join(f"    {k}: {v}\n" for k, v in annotations.items())
    found = [r for r, _, _ in lint(text, "0.37.7", upload) if r == "proxy-body-size"]
    assert found == (["proxy-body-size"] if fires else [])


def test_ingress_class_hints_elsewhere() -> None:
    text = _TP.format(bundled="false") + "nginx:\n  ingress_class_name: ingress-nginx\n"
    assert lint(text, "0.37.7") == [("proxy-body-size", 6, 3)]
    assert lint(_TP.format(bundled="false") + "x:\n  ingressClass: alb\n", "0.37.7") == []


@pytest.mark.parametrize(
    ("text", "size"), [("0", 0), ("100", 100), ("10k", 10240), ("1m", 1048576), ("2G", 2 * 1024**3), ("1.5m", None)]
)
def test_nginx_sizes(text: str, size: int | None) -> None:
    assert rules._nginx_size(text) == size


# ----------------------------------------------------------------------------------------------------------
# image-downgrade
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "version", "fires"),
    [
        ("quay.io/astronomer/ap-dag-deploy:0.3.2", "0.34.5", True),
        ("quay.io/astronomer/ap-dag-deploy:0.3.6", "0.34.5", False),
        ("quay.io/astronomer/ap-dag-deploy:0.4.0", "0.34.5", False),
        ("registry.local:5000/ap-dag-deploy:0.3.2", "0.34.5", True),
        ("registry.local:5000/ap-dag-deploy", "0.34.5", False),  # no tag: nothing to compare
        ("quay.io/astronomer/ap-dag-deploy:latest", "0.34.5", False),
        ("quay.io/astronomer/ap-dag-deploy:0.3.2", "0.34.0", False),  # older than any release we know
        ("quay.io/astronomer/ap-dag-deploy:0.3.1", None, True),  # inferred: the generation's oldest default
        ("quay.io/astronomer/ap-dag-deploy:0.3.2", None, False),  # ... which is 0.3.2 (0.34.0-0.34.3)
        ("quay.io/astronomer/ap-dag-deploy:0.3.2", "0.34", False),  # 0.34.x: 0.34.0 ships 0.3.2
        ("quay.io/astronomer/ap-dag-deploy:0.3.2", "0.35", True),  # 0.35.x: 0.4.0 or later
    ],
)
def test_image_downgrade_034(image: str, version: str | None, fires: bool) -> None:
    text = f"global:\n  dagOnlyDeployment:\n    image: {image}\n"
    found = [r for r, _, _ in lint(text, version) if r == "image-downgrade"]
    assert found == (["image-downgrade"] if fires else [])


@pytest.mark.parametrize(
    ("tag", "version", "fires"),
    [
        ("0.6.5", "0.36.1", False),
        ("0.6.5", "0.37.7", True),
        ("0.6.3", None, False),  # inferred 0.36-1.x: compared with the oldest default, 0.6.3 (0.36.0, 0.37.0)
        ("0.6.2", None, True),
        ("0.9.3", "1.2.0", True),  # 1.2.0 ships 0.9.10
        ("0.7.1", "1.0.0", False),  # 1.0.0's own default, older than 0.37.7's
        ("0.9.2", "1.0.0", False),
        ("v0.9.2", "1.0.0", False),
        ("0.9.2-1", "0.37.7", False),
    ],
)
def test_image_downgrade_036(tag: str, version: str | None, fires: bool) -> None:
    text = f"global:\n  dagOnlyDeployment:\n    tag: '{tag}'\n"
    found = [r for r, _, _ in lint(text, version) if r == "image-downgrade"]
    assert found == (["image-downgrade"] if fires else [])


def _lower(tag: str) -> str:
    """A tag just below ``tag`` (0.9.10 -> 0.9.9, 0.7.0 -> 0.6.99)."""
    major, minor, patch = (int(x) for x in tag.split("."))
    return f"{major}.{minor}.{patch - 1}" if patch else f"{major}.{minor - 1}.99"


def _pin(rel: releases.Release, tag: str) -> str:
    if rel.generation == "0.34":
        return f"global:\n  dagOnlyDeployment:\n    image: {rel.default_image.repository}:{tag}\n"
    block = (
        "  deployMechanisms:\n    dagOnlyDeployment:\n      tag: '{}'\n"
        if rel.generation == "2"
        else ("  dagOnlyDeployment:\n    tag: '{}'\n")
    )
    return "global:\n" + block.format(tag)


@pytest.mark.parametrize("rel", releases.releases(), ids=lambda r: r.version)
def test_image_downgrade_knows_every_release(rel: releases.Release) -> None:
    """Each release's own default is no finding; one patch lower is, with the default named."""
    tag = rel.default_image.tag
    assert [r for r, _, _ in lint(_pin(rel, tag), rel.version) if r == "image-downgrade"] == []
    found = [m for m in messages(_pin(rel, _lower(tag)), rel.version) if "ap-dag-deploy" in m]
    assert found == [
        f"pins ap-dag-deploy {_lower(tag)}, older than {tag}, the chart default for platform {rel.version}: "
        "the pin downgrades the DAG server"
    ]


def test_image_downgrade_compares_numerically() -> None:
    text = "global:\n  deployMechanisms:\n    dagOnlyDeployment:\n      tag: 0.9.10\n"
    assert lint(text, "2.1.0") == [("image-downgrade", 4, 7)]
    assert lint(text.replace("0.9.10", "0.10.0"), "2.1.0") == []


# ----------------------------------------------------------------------------------------------------------
# yaml11-type
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fires"),
    [("on", True), ("Off", True), ("yes", True), ("n", True), ("'on'", False), ('"yes"', False), ("true", False),
     ("false", False), ("!!bool yes", False)],
)  # fmt: skip
def test_yaml11_booleans(value: str, fires: bool) -> None:
    text = f"global:\n  dagOnlyDeployment:\n    enabled: {value}\n" + HOUSTON_0X.format(value)
    found = [(r, line) for r, line, _ in lint(text, "0.37.7") if r == "yaml11-type"]
    assert found == ([("yaml11-type", 3), ("yaml11-type", 8)] if fires else [])


def test_yaml11_octal_and_flow_style() -> None:
    text = "global:\n  dagOnlyDeployment: {tag: 0.9.2, securityContexts: {pod: {fsGroup: 0777}}}\n"
    (p,) = lint_document(load_text(text, name="x.yaml"), "0.37.7")
    assert (p.rule, p.line, p.column, p.severity) == ("yaml11-type", 2, 60, Severity.WARNING)
    assert p.message == "0777 is read by Helm as the octal number 511 (YAML 1.1); YAML 1.2 tools read 777"


def test_yaml11_only_inside_the_keys_we_own() -> None:
    text = "global:\n  rbacEnabled: yes\n  dagOnlyDeployment:\n    tag: 0.9.2\nnginx:\n  enabled: on\nmode: 0755\n"
    assert lint(text, "0.37.7") == []
    annotations = "global:\n  nginxEnabled: off\n  extraAnnotations:\n    a: 'x'\n"
    assert lint(annotations, "0.37.7") == [("yaml11-type", 2, 3)]


def test_yaml11_continuation_lines_and_list_items() -> None:
    text = "global:\n  dagOnlyDeployment:\n    enabled:\n      on\n    server:\n      tolerations:\n        - yes\n"
    # enabled is true (Houston's switch is not set); the list item is a boolean where a toleration (a mapping)
    # belongs: reported by the schema too
    assert lint(text, "0.37.7") == [
        ("flags-disagree", 3, 5),
        ("yaml11-type", 3, 5),
        ("schema", 7, 11),
        ("yaml11-type", 7, 11),
    ]


# ----------------------------------------------------------------------------------------------------------
# Robustness: any shape of value where the rules look never crashes them
# ----------------------------------------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "on", "0777", "1536Mi", "1.5 GB", "500m", "2", "nginx", "0.9.2", "auto", "x:y"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["enabled", "requests", "limits", "cpu", "memory", "tag", "image", "pod", "fsGroup"]),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=8,
)
_PLACES = [
    ("global", "dagOnlyDeployment"),
    ("global", "dagOnlyDeployment", "resources"),
    ("global", "deployMechanisms", "dagOnlyDeployment"),
    ("global", "deployMechanisms", "dagOnlyDeployment", "resources"),
    ("global", "extraAnnotations"),
    ("global", "nginxEnabled"),
    ("global", "nginx"),
    ("astronomer", "houston", "config", "deployments"),
    ("global",),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(_PLACES), _values), min_size=1, max_size=4),
    st.sampled_from([None, "0.34.1", "0.37.7", "2.1.0"]),
    st.sampled_from([None, 1, 9_000_000, 40_000_000]),
)
def test_rules_never_crash(
    placed: list[tuple[tuple[str, ...], object]], version: str | None, upload: int | None
) -> None:
    data: dict[str, object] = {}
    for path, value in placed:
        cur = data
        for part in path[:-1]:
            nxt = cur.get(part)
            if not isinstance(nxt, dict):
                nxt = cur[part] = {}
            cur = nxt
        cur[path[-1]] = value
    doc = load_text(json.dumps(data), name="x.yaml")
    for p in lint_document(doc, version, upload):
        assert p.rule in RULES
        assert p.line >= 0 and p.column >= 0
        assert p.message
