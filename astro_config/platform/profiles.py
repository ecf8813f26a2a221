"""What each platform release generation means, as data.

Adding a layout generation is a data change: append a :class:`Generation` to ``GENERATIONS``.
Facts come from the Astronomer Software platform chart's ``values.yaml`` of each release
(see ``docs/domain.md`` in the shared folder) and Houston's default configuration.

Per-release facts that the charts hold (each release's default image, default resources, the Houston keys its
template generates) are generated from the real charts into :mod:`astro_config.platform.releases`; this module
keeps what the charts do not say (layouts, the docs' unsafe releases, Houston's defaults beyond 0.35).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from astro_config.errors import PlatformVersionError
from astro_config.keypath import KeyPath, format_path

Version = tuple[int, int, int]

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.\-+]*)?$")


def parse_version(text: str) -> tuple[Version, bool]:
    """Parse ``0.34``, ``0.37.7``, ``1.2.0``, ``2.1``, ``v2.1.0``.

    Returns the version (patch 0 when absent) and whether the patch level was given.
    """
    m = _VERSION_RE.match(text.strip())
    if not m:
        raise PlatformVersionError(
            f"cannot read platform version {text!r}: expected MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 0.37.7 or v2.1.0"
        )
    patch = m.group(3)
    return (int(m.group(1)), int(m.group(2)), int(patch or 0)), patch is not None


def format_version(v: Version, with_patch: bool = True) -> str:
    return f"{v[0]}.{v[1]}.{v[2]}" if with_patch else f"{v[0]}.{v[1]}"


class WrongKey(NamedTuple):  # (a NamedTuple: cheaper to create than a dataclass at start-up)
    """A key that belongs to another generation and that this generation's chart silently ignores."""

    path: KeyPath
    explanation: str


class Evidence(NamedTuple):  # (a NamedTuple: cheaper to create than a dataclass at start-up)
    """A key whose presence in a values file shows the layout generation."""

    path: KeyPath
    generations: frozenset[str]


class Generation(NamedTuple):  # (a NamedTuple: cheaper to create than a dataclass at start-up)
    id: str  # "0.34", "0.36", "2"
    label: str  # human range, e.g. "0.34-0.35"
    first: Version  # first release of the generation (inclusive)
    until: Version  # first release of the next generation (exclusive)
    block: KeyPath  # the chart's dag-only block
    global_flag: KeyPath
    houston_flag: KeyPath
    resources: KeyPath
    image_keys: tuple[KeyPath, ...]
    security_context: KeyPath
    persistence: KeyPath
    server: KeyPath | None
    client: KeyPath | None
    ingress_key: KeyPath  # bundled nginx switch; false means a third-party ingress
    block_keys: frozenset[str]  # keys the chart reads under ``block``
    default_resources: Mapping[str, Any]  # what the DAG server gets when ``resources`` is unset or {}
    default_resources_source: str
    # True when the default is a chart value that Helm deep-merges with the user's block (2.x); False when the
    # default applies only while the user's block is empty (0.x/1.x: Houston's own default).
    resources_merge_default: bool
    wrong_keys: tuple[WrongKey, ...]
    schema_name: str
    example_version: str  # a release of this generation to suggest
    notes: tuple[str, ...] = ()

    def contains(self, v: Version) -> bool:
        return self.first <= v < self.until


# Houston's built-in DAG server default. Known from Houston's default config for 0.34 and 0.35 (see
# releases.Release.houston_defaults: server 100m/384Mi, client 200m/384Mi); assumed unchanged for 0.36-1.x, whose
# Houston defaults are not in the shared material.
_HOUSTON_DEFAULT_RESOURCES: dict[str, Any] = {
    "requests": {"cpu": "100m", "memory": "384Mi"},
    "limits": {"cpu": "100m", "memory": "384Mi"},
}

GEN_034 = Generation(
    id="0.34",
    label="0.34-0.35",
    first=(0, 34, 0),
    until=(0, 36, 0),
    block=("global", "dagOnlyDeployment"),
    global_flag=("global", "dagOnlyDeployment", "enabled"),
    houston_flag=("astronomer", "houston", "config", "deployments", "configureDagDeployment"),
    resources=("global", "dagOnlyDeployment", "resources"),
    image_keys=(("global", "dagOnlyDeployment", "image"),),
    security_context=("global", "dagOnlyDeployment", "securityContext"),
    persistence=("global", "dagOnlyDeployment", "persistence"),
    server=None,
    client=None,
    ingress_key=("global", "nginxEnabled"),
    block_keys=frozenset({"enabled", "image", "securityContext", "resources", "persistence"}),
    default_resources=_HOUSTON_DEFAULT_RESOURCES,
    default_resources_source="Houston default (deployments.dagDeploy.server.resources)",
    resources_merge_default=False,
    wrong_keys=(
        WrongKey(("global", "deployMechanisms"), "2.x layout; 0.34-0.35 charts ignore global.deployMechanisms"),
        WrongKey(("global", "dagOnlyDeployment", "repository"), "0.36+ layout; 0.34-0.35 read image: repo:tag"),
        WrongKey(("global", "dagOnlyDeployment", "tag"), "0.36+ layout; 0.34-0.35 read image: repo:tag"),
        WrongKey(
            ("global", "dagOnlyDeployment", "securityContexts"),
            "0.36+ layout; 0.34-0.35 read securityContext.fsGroup",
        ),
        WrongKey(("global", "dagOnlyDeployment", "server"), "0.37+ setting; 0.34-0.35 charts ignore it"),
        WrongKey(("global", "dagOnlyDeployment", "client"), "0.37+ setting; 0.34-0.35 charts ignore it"),
        WrongKey(
            ("astronomer", "houston", "config", "deployments", "deployMechanisms"),
            "2.x layout; Houston 0.34-0.35 reads deployments.configureDagDeployment",
        ),
        WrongKey(("global", "nginx", "enabled"), "2.x layout; 0.34-0.35 read global.nginxEnabled"),
    ),
    schema_name="values-0.34",
    example_version="0.34.5",
    notes=("persistence is read from 0.35.2 on",),
)

GEN_036 = Generation(
    id="0.36",
    label="0.36-1.x",
    first=(0, 36, 0),
    until=(2, 0, 0),
    block=("global", "dagOnlyDeployment"),
    global_flag=("global", "dagOnlyDeployment", "enabled"),
    houston_flag=("astronomer", "houston", "config", "deployments", "configureDagDeployment"),
    resources=("global", "dagOnlyDeployment", "resources"),
    image_keys=(("global", "dagOnlyDeployment", "repository"), ("global", "dagOnlyDeployment", "tag")),
    security_context=("global", "dagOnlyDeployment", "securityContexts"),
    persistence=("global", "dagOnlyDeployment", "persistence"),
    server=("global", "dagOnlyDeployment", "server"),
    client=("global", "dagOnlyDeployment", "client"),
    ingress_key=("global", "nginxEnabled"),
    block_keys=frozenset(
        {
            "enabled",
            "repository",
            "tag",
            "securityContexts",
            "resources",
            "persistence",
            "server",
            "client",
            "serviceAccount",
        }
    ),
    default_resources=_HOUSTON_DEFAULT_RESOURCES,
    default_resources_source="Houston default (deployments.dagDeploy.server.resources)",
    resources_merge_default=False,
    wrong_keys=(
        WrongKey(("global", "deployMechanisms"), "2.x layout; 0.36-1.x charts ignore global.deployMechanisms"),
        WrongKey(("global", "dagOnlyDeployment", "image"), "0.34 layout; 0.36+ read repository and tag"),
        WrongKey(
            ("global", "dagOnlyDeployment", "securityContext"),
            "0.34 layout; 0.36+ read securityContexts.pod.fsGroup",
        ),
        WrongKey(
            ("astronomer", "houston", "config", "deployments", "deployMechanisms"),
            "2.x layout; Houston 0.36-1.x reads deployments.configureDagDeployment",
        ),
        WrongKey(("global", "nginx", "enabled"), "2.x layout; 0.36-1.x read global.nginxEnabled"),
    ),
    schema_name="values-0.36",
    example_version="0.37.7",
    notes=("server/client probes from 0.37, server scheduling from 0.37.5",),
)

GEN_2 = Generation(
    id="2",
    label="2.x",
    first=(2, 0, 0),
    until=(3, 0, 0),
    block=("global", "deployMechanisms", "dagOnlyDeployment"),
    global_flag=("global", "deployMechanisms", "dagOnlyDeployment", "enabled"),
    houston_flag=(
        "astronomer",
        "houston",
        "config",
        "deployments",
        "deployMechanisms",
        "configureDagDeployment",
        "enabled",
    ),
    resources=("global", "deployMechanisms", "dagOnlyDeployment", "resources"),
    image_keys=(
        ("global", "deployMechanisms", "dagOnlyDeployment", "repository"),
        ("global", "deployMechanisms", "dagOnlyDeployment", "tag"),
    ),
    security_context=("global", "deployMechanisms", "dagOnlyDeployment", "securityContexts"),
    persistence=("global", "deployMechanisms", "dagOnlyDeployment", "persistence"),
    server=("global", "deployMechanisms", "dagOnlyDeployment", "server"),
    client=("global", "deployMechanisms", "dagOnlyDeployment", "client"),
    ingress_key=("global", "nginx", "enabled"),
    block_keys=frozenset(
        {
            "enabled",
            "repository",
            "tag",
            "securityContexts",
            "resources",
            "persistence",
            "server",
            "client",
            "serviceAccount",
        }
    ),
    default_resources={
        "requests": {"cpu": "200m", "memory": "384Mi"},
        "limits": {"cpu": "200m", "memory": "384Mi"},
    },
    default_resources_source="chart default (global.deployMechanisms.dagOnlyDeployment.resources)",
    resources_merge_default=True,
    wrong_keys=(
        WrongKey(("global", "dagOnlyDeployment"), "0.x/1.x layout; 2.x charts ignore the whole block"),
        WrongKey(
            ("astronomer", "houston", "config", "deployments", "configureDagDeployment"),
            "0.x/1.x layout; Houston 2.x reads deployments.deployMechanisms.configureDagDeployment.enabled",
        ),
        WrongKey(("global", "nginxEnabled"), "0.x/1.x layout; 2.x reads global.nginx.enabled"),
        WrongKey(
            ("global", "deployMechanisms", "dagOnlyDeployment", "image"),
            "0.34 layout; 2.x reads repository and tag",
        ),
        WrongKey(
            ("global", "deployMechanisms", "dagOnlyDeployment", "securityContext"),
            "0.34 layout; 2.x reads securityContexts.pod.fsGroup",
        ),
    ),
    schema_name="values-2",
    example_version="2.1.0",
)

GENERATIONS: tuple[Generation, ...] = (GEN_034, GEN_036, GEN_2)
GENERATION_BY_ID: dict[str, Generation] = {g.id: g for g in GENERATIONS}

# Releases on which the docs say not to enable DAG-only deploys (DAG servers reachable across namespaces).
UNSAFE_RELEASES: tuple[tuple[Version, Version, str], ...] = (
    ((0, 34, 0), (0, 34, 2), "0.34.3"),
    ((0, 35, 0), (0, 35, 0), "0.35.1"),
)

# Keys whose presence shows the layout generation, checked in this order.
EVIDENCE: tuple[Evidence, ...] = (
    Evidence(("global", "deployMechanisms"), frozenset({"2"})),
    Evidence(("astronomer", "houston", "config", "deployments", "deployMechanisms"), frozenset({"2"})),
    Evidence(("global", "nginx", "enabled"), frozenset({"2"})),
    Evidence(("global", "dagOnlyDeployment", "image"), frozenset({"0.34"})),
    Evidence(("global", "dagOnlyDeployment", "securityContext"), frozenset({"0.34"})),
    Evidence(("global", "dagOnlyDeployment", "repository"), frozenset({"0.36"})),
    Evidence(("global", "dagOnlyDeployment", "tag"), frozenset({"0.36"})),
    Evidence(("global", "dagOnlyDeployment", "securityContexts"), frozenset({"0.36"})),
    Evidence(("global", "dagOnlyDeployment", "server"), frozenset({"0.36"})),
    Evidence(("global", "dagOnlyDeployment", "client"), frozenset({"0.36"})),
    Evidence(("global", "dagOnlyDeployment"), frozenset({"0.34", "0.36"})),
    Evidence(("global", "nginxEnabled"), frozenset({"0.34", "0.36"})),
    Evidence(("astronomer", "houston", "config", "deployments", "configureDagDeployment"), frozenset({"0.34", "0.36"})),
)

UPGRADE_DEPLOYMENTS_SET = "astronomer.houston.upgradeDeployments.enabled=false"
CHART = "astronomer/astronomer"


class Platform(NamedTuple):  # (a NamedTuple: cheaper to create than a dataclass at start-up)
    """The generation in force and how it was decided."""

    generation: Generation
    version: Version | None  # None when inferred from the file
    version_text: str | None  # as the user wrote it, normalised (no leading v)
    decided_by: str  # human explanation

    @property
    def exact_version(self) -> bool:
        return self.version_text is not None and self.version_text.count(".") == 2


def generation_for_version(text: str) -> Platform:
    v, has_patch = parse_version(text)
    for gen in GENERATIONS:
        if gen.contains(v):
            shown = format_version(v, has_patch)
            return Platform(gen, v, shown, f"--platform-version {shown}")
    choices = ", ".join(f"{g.label}" for g in GENERATIONS)
    if v < GENERATIONS[0].first:
        raise PlatformVersionError(
            f"platform version {text} has no DAG-only deploys (they start with 0.34); known layouts: {choices}"
        )
    raise PlatformVersionError(f"platform version {text} is newer than the layouts astro-config knows: {choices}")


def unsafe_release(v: Version | None) -> str | None:
    """The first safe release when ``v`` is one of the releases the docs warn against, else None."""
    if v is None:
        return None
    for lo, hi, fix in UNSAFE_RELEASES:
        if lo <= v <= hi:
            return fix
    return None


def _has(data: Any, path: KeyPath) -> bool:
    cur = data
    for part in path:
        if isinstance(cur, dict) and isinstance(part, str) and part in cur:
            cur = cur[part]
        else:
            return False
    return True


def infer_generation(data: Mapping[str, Any]) -> tuple[Generation | None, list[tuple[KeyPath, frozenset[str]]]]:
    """Infer the layout from the keys present.

    Returns the generation (or None when the file cannot tell, or tells two stories) and the evidence seen.
    """
    seen: list[tuple[KeyPath, frozenset[str]]] = []
    for ev in EVIDENCE:
        if _has(data, ev.path):
            seen.append((ev.path, ev.generations))
    # Keys that name one generation decide; keys shared by two only narrow the choice when nothing
    # more specific is present (a leftover global.dagOnlyDeployment in a 2.x file is a finding, not a vote).
    specific = {g for _, gens in seen if len(gens) == 1 for g in gens}
    if specific:
        if len(specific) == 1:
            return GENERATION_BY_ID[specific.pop()], seen
        return None, seen
    return None, seen


def choices_text() -> str:
    return "; ".join(f"{g.label} (e.g. --platform-version {g.example_version})" for g in GENERATIONS)


def resolve_platform(version: str | None, data: Mapping[str, Any], file: str) -> Platform:
    """The platform of a values file: from ``--platform-version`` when given, else inferred from the keys."""
    if version:
        return generation_for_version(version)
    gen, seen = infer_generation(data)
    if gen is not None:
        specific = [format_path(p) for p, g in seen if len(g) == 1]
        keys = ", ".join(specific[:2]) + (f" and {len(specific) - 2} more" if len(specific) > 2 else "")
        return Platform(gen, None, None, f"inferred from {keys}")
    if seen:
        detail = "; ".join(
            f"{format_path(p)} says {' or '.join(GENERATION_BY_ID[g].label for g in sorted(gs))}" for p, gs in seen
        )
        raise PlatformVersionError(
            f"{file}: cannot tell the platform layout ({detail}); give --platform-version: {choices_text()}"
        )
    raise PlatformVersionError(
        f"{file}: cannot tell the platform layout from the file; give --platform-version: {choices_text()}"
    )
