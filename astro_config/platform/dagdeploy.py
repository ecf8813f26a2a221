"""DAG-only deploy state of a values file, and the edits that switch it on or off (both flags together)."""

from __future__ import annotations

import copy
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from astro_config.document.editing import SetValue, changed_paths
from astro_config.document.reader import MISSING, ValuesDocument
from astro_config.keypath import KeyPath, format_path
from astro_config.platform import houston as houston_mod
from astro_config.platform.houston import HoustonConfig, houston_config
from astro_config.platform.profiles import (
    CHART,
    UPGRADE_DEPLOYMENTS_SET,
    Generation,
    Platform,
    WrongKey,
    resolve_platform,
)


class ValuesView(Protocol):
    """What reading the DAG-deploy state needs of the values: a :class:`ValuesDocument` or a layered set
    (:class:`astro_config.helm.layered.LayeredDocument`, which also tells ``where`` a key was set)."""

    @property
    def name(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...

    def get(self, path: KeyPath, default: Any = ...) -> Any: ...

    def locate(self, path: KeyPath) -> tuple[int, int] | None: ...


PlatformCheck = Callable[[ValuesView, Platform, str | None], Platform]
"""A check of the platform release resolved for some values, given the version as declared (None: inferred),
e.g. a declared version against the file's keys: returns the platform to use, or raises the tool's error."""


def platform_of(view: ValuesView, version: str | None, check: PlatformCheck | None = None) -> Platform:
    """The platform release of ``view``: ``version`` as given, or inferred from its keys; then ``check``."""
    platform = resolve_platform(version, view.data, view.name)
    return platform if check is None else check(view, platform, version)


BUNDLED = "bundled"
THIRD_PARTY = "third-party"


@dataclass(frozen=True)
class Flag:
    path: KeyPath
    value: Any  # MISSING when unset
    line: int | None
    where: str | None = None  # FILE:LINE (or the --set argument) that set it

    @property
    def is_set(self) -> bool:
        return self.value is not MISSING

    @property
    def on(self) -> bool:
        return self.value is True

    def describe(self, file: str) -> str:
        if not self.is_set:
            return "unset, default false"
        shown = yaml_scalar(self.value)
        where = f" ({self.where})" if self.where else (f" ({file}:{self.line})" if self.line else "")
        note = "" if isinstance(self.value, bool) else " - not a boolean, the chart treats it as false"
        if isinstance(self.value, str) and self.value.lower() in ("true", "false", "yes", "no", "on", "off"):
            note = " - a quoted string, not a boolean"
        return f"{shown}{where}{note}"


@dataclass(frozen=True)
class WrongKeyFound:
    path: KeyPath
    line: int | None
    explanation: str
    where: str | None = None


@dataclass
class State:
    file: str
    platform: Platform
    global_flag: Flag
    houston_flag: Flag
    resources: dict[str, Any]
    resources_source: str
    ingress: str
    ingress_reason: str
    wrong_keys: list[WrongKeyFound] = field(default_factory=list)
    ingress_nginx_without_body_size: bool = False
    image: str | None = None
    houston: HoustonConfig | None = None  # what Houston reads (the truth behind the flags)

    @property
    def generation(self) -> Generation:
        return self.platform.generation

    @property
    def _switches(self) -> tuple[bool, bool]:
        """Houston's two switches as it reads them (chart-generated dagOnlyDeployment, configureDagDeployment)."""
        if self.houston is not None:
            return self.houston.dag_only_on, self.houston.configure_on
        return self.global_flag.on, self.houston_flag.on

    @property
    def enabled(self) -> bool:
        return all(self._switches)

    @property
    def disabled(self) -> bool:
        return not any(self._switches)

    @property
    def agree(self) -> bool:
        a, b = self._switches
        return a == b

    @property
    def summary(self) -> str:
        if self.enabled:
            return "enabled"
        if self.disabled:
            return "disabled"
        return "half-enabled"


def yaml_scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _line(doc: ValuesView, path: KeyPath) -> int | None:
    loc = doc.locate(path)
    return loc[0] if loc else None


def _where(doc: ValuesView, path: KeyPath) -> str | None:
    """``FILE:LINE`` of a key: for a layered set, of the layer that set it."""
    return houston_mod.where_of(doc, path)


def _flag(doc: ValuesView, path: KeyPath) -> Flag:
    return Flag(path, doc.get(path), _line(doc, path), _where(doc, path))


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's map merge for two plain mappings (over wins; maps merge; everything else is replaced)."""
    out: dict[str, Any] = copy.deepcopy(dict(base))
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def effective_resources(gen: Generation, value: Any, where: str) -> tuple[dict[str, Any], str]:
    if isinstance(value, Mapping) and value:
        if gen.resources_merge_default:
            merged = deep_merge(gen.default_resources, value)
            if merged != dict(value):
                return merged, f"{where}, deep-merged with the {gen.default_resources_source}"
            return merged, where
        return dict(value), where
    return copy.deepcopy(dict(gen.default_resources)), gen.default_resources_source


def ingress_mode(doc: ValuesView, gen: Generation) -> tuple[str, str]:
    value = doc.get(gen.ingress_key)
    key = format_path(gen.ingress_key)
    at = _where(doc, gen.ingress_key)
    where = f" at {at}" if at else ""
    if value is False:
        return THIRD_PARTY, f"{key}: false{where}"
    if value is MISSING:
        return BUNDLED, f"{key} is unset (on by default)"
    return BUNDLED, f"{key}: {yaml_scalar(value)}{where}"


def ingress_class(doc: ValuesView) -> str | None:
    annotations = doc.get(("global", "extraAnnotations"))
    if isinstance(annotations, Mapping):
        value = annotations.get("kubernetes.io/ingress.class")
        if isinstance(value, str):
            return value
    return None


def has_body_size_annotation(doc: ValuesView) -> bool:
    annotations = doc.get(("global", "extraAnnotations"))
    return isinstance(annotations, Mapping) and "nginx.ingress.kubernetes.io/proxy-body-size" in annotations


def find_wrong_keys(doc: ValuesView, gen: Generation) -> list[WrongKeyFound]:
    found: list[WrongKeyFound] = []
    wrong: WrongKey
    for wrong in gen.wrong_keys:
        if doc.get(wrong.path) is not MISSING:
            found.append(WrongKeyFound(wrong.path, _line(doc, wrong.path), wrong.explanation, _where(doc, wrong.path)))
    return found


def read_state(doc: ValuesView, platform: Platform) -> State:
    """The DAG-deploy state: the values' flags, and what Houston reads (switches, resources) through its layers.

    ``resources`` are the DAG server's resources Houston reads once the feature is on (with the chart's global
    flag on, whatever the file says: sizing is about the switched-on server)."""
    gen = platform.generation
    houston = houston_config(doc, platform)
    sized = houston_config(doc, platform, assume_on=True).fact("server_resources")
    resources = copy.deepcopy(dict(sized.value)) if isinstance(sized.value, Mapping) else {}
    source = resources_source_text(sized)
    ingress, reason = ingress_mode(doc, gen)
    cls = ingress_class(doc)
    image = None
    values = [doc.get(p) for p in gen.image_keys]
    if all(isinstance(v, str) for v in values):
        image = ":".join(values) if len(values) == 2 else values[0]
    return State(
        file=doc.name,
        platform=platform,
        global_flag=_flag(doc, gen.global_flag),
        houston_flag=_flag(doc, gen.houston_flag),
        resources=resources,
        resources_source=source,
        ingress=ingress,
        ingress_reason=reason,
        wrong_keys=find_wrong_keys(doc, gen),
        ingress_nginx_without_body_size=(
            ingress == THIRD_PARTY and cls is not None and "nginx" in cls and not has_body_size_annotation(doc)
        ),
        image=image,
        houston=houston,
    )


def resources_source_text(fact: houston_mod.Fact) -> str:
    """Where the DAG server's resources come from, layer by layer (``FILE:LINE`` of each contributing key)."""
    parts = []
    for s in reversed(houston_mod.contributing(fact)):
        if s.layer == houston_mod.DEFAULT:
            parts.append("Houston default (deployments.dagDeploy.server.resources)")
        elif s.layer == houston_mod.CHART:
            assert s.values_path is not None
            key = format_path(s.values_path)
            parts.append(f"{s.where}" if s.where and s.where != "assumed on" else f"chart default ({key})")
        else:
            parts.append(f"passthrough {s.describe()}")
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]}, deep-merged over " + " and ".join(parts[1:])


@dataclass(frozen=True)
class HoustonEdit:
    """An edit of a passthrough key that Houston reads over the chart, and why."""

    edit: SetValue
    old: Any
    where: str | None
    reason: str


def houston_switch_edits(
    doc: ValuesDocument, platform: Platform, on: bool, view: ValuesView | None = None
) -> list[HoustonEdit]:
    """Passthrough switches (``astronomer.houston.config...``) that would leave Houston in the other state:
    set to ``on`` (never deleted) in ``doc``, each with the reason to show. ``view``: the layered set ``doc``
    belongs to (a switch set in another layer is set in ``doc`` too, so that a later ``doc`` wins)."""
    if view is None:
        view = doc
    keys = houston_mod.houston_keys(platform)
    gen = platform.generation
    out: list[HoustonEdit] = []
    for houston_path, label in (
        (keys.dag_only, "the switch the chart generates from " + format_path(gen.global_flag)),
        (keys.dag_deploy_enabled, "dagDeploy.enabled, generated from the same flag"),
    ):
        path = (*houston_mod.PASSTHROUGH, *houston_path)
        value = view.get(path)
        if value is MISSING or value is on:
            continue
        out.append(
            HoustonEdit(
                SetValue(path, on),
                value,
                _where(view, path),
                f"Houston reads it over {label}",
            )
        )
    return out


def houston_resource_paths(doc: ValuesView, platform: Platform) -> list[KeyPath]:
    """The resource blocks Houston reads for the DAG server and clients that the file sets in the passthrough
    (``astronomer.houston.config.deployments.dagDeploy.server.resources`` ...): they win over the global block."""
    keys = houston_mod.houston_keys(platform)
    return [p for p in houston_mod.passthrough_resource_blocks(keys) if doc.get(p) is not MISSING]


def toggle_edits(gen: Generation, on: bool) -> list[SetValue]:
    return [SetValue(gen.global_flag, on), SetValue(gen.houston_flag, on)]


def resources_edits(doc: ValuesDocument, gen: Generation, resources: Mapping[str, Mapping[str, Any]]) -> list[SetValue]:
    """Edits that give the DAG server ``resources`` (``{"requests": {...}, "limits": {...}}``) in the global
    block, as small as the file allows (see :func:`block_resources_edits`)."""
    return block_resources_edits(doc, gen.resources, resources)


def block_resources_edits(
    doc: ValuesDocument, block: KeyPath, resources: Mapping[str, Mapping[str, Any]]
) -> list[SetValue]:
    """Edits that set the resource block at ``block`` to ``resources``, as small as the file allows: where the
    file already has a ``requests``/``limits`` mapping, only its ``cpu`` and ``memory`` are set, so its key
    order, comments and any other keys (``ephemeral-storage``, ...) stay; a missing section is added whole; a
    file without a usable resource block (none, ``{}``, an alias) gets the block whole."""
    whole: list[SetValue] = [SetValue(block, dict(resources))]
    entry = doc.index.get(block)
    if entry is None or entry.value.kind != "map" or not entry.value.value:
        return whole
    edits: list[SetValue] = []
    for section, amounts in resources.items():
        sec = doc.index.get((*block, section))
        if sec is None:
            edits.append(SetValue((*block, section), dict(amounts)))
            continue
        if sec.value.kind != "map" or not sec.value.value:
            return whole
        for name, amount in amounts.items():
            leaf = doc.index.get((*block, section, name))
            if leaf is not None and leaf.value.kind != "scalar":
                return whole
            edits.append(SetValue((*block, section, name), amount))
    return edits


def houston_resources_edits(
    doc: ValuesDocument,
    platform: Platform,
    resources: Mapping[str, Mapping[str, Any]],
    view: ValuesView | None = None,
) -> tuple[list[SetValue], list[KeyPath]]:
    """Edits that make Houston read ``resources`` for the DAG server: the global block (what the chart
    generates server and client resources from) and every passthrough server/client block the file (or, with
    ``view``, its layered set) has: they win over it. Returns the edits and the passthrough blocks edited."""
    edits = resources_edits(doc, platform.generation, resources)
    extra = houston_resource_paths(doc if view is None else view, platform)
    for block in extra:
        edits += block_resources_edits(doc, block, resources)
    return edits, extra


def asked_state_problems(doc: ValuesView, platform: Platform, on: bool) -> list[houston_mod.Fact]:
    """Houston's switches that would not read DAG-only deploys as switched ``on`` (each fact names its value,
    the key and ``FILE:LINE`` that set it, and what it overrides)."""
    h = houston_config(doc, platform)
    return [h.fact(name) for name in ("dag_only", "configure") if (h.fact(name).value is True) != on]


def overrides_data(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """A minimal values mapping that, layered over ``old`` with Helm's rules, gives ``new``.

    Changed leaves are written with their new value; lists are written whole (Helm replaces lists); a key that
    the edit removed is written as null (Helm then treats it as unset).
    """
    out: dict[str, Any] = {}
    for path in changed_paths(dict(old), dict(new)):
        cut: list[str | int] = []
        for part in path:
            if isinstance(part, int):
                break
            cut.append(part)
        target = tuple(cut)
        value = _get(new, target)
        if value is MISSING:
            value = None
        _put(out, target, copy.deepcopy(value))
    return out


def _get(data: Any, path: KeyPath) -> Any:
    cur = data
    for part in path:
        if isinstance(part, int):
            if not (isinstance(cur, list) and 0 <= part < len(cur)):
                return MISSING
        elif not (isinstance(cur, Mapping) and part in cur):
            return MISSING
        cur = cur[part]
    return cur


def _put(out: dict[str, Any], path: KeyPath, value: Any) -> None:
    cur = out
    for part in path[:-1]:
        nxt = cur.setdefault(str(part), {})
        if not isinstance(nxt, dict):
            nxt = {}
            cur[str(part)] = nxt
        cur = nxt
    cur[str(path[-1])] = value


def helm_upgrade_command(
    files: list[str],
    release: str,
    namespace: str,
    version: str | None,
    set_args: list[tuple[str, str]] | None = None,
) -> str:
    """The exact ``helm upgrade`` that applies the values; ``set_args`` are (flag, argument) pairs to repeat."""
    parts = ["helm", "upgrade", release, CHART]
    for f in files:
        parts += ["-f", f]
    parts += ["-n", namespace]
    if version:
        parts += ["--version", version]
    for flag, arg in set_args or []:
        parts += [flag, arg]
    parts += ["--set", UPGRADE_DEPLOYMENTS_SET]
    return shlex.join(parts)


NEXT_STEPS = (
    "Next steps:\n"
    "  1. Apply it: {command}\n"
    "     (--set astronomer.houston.upgradeDeployments.enabled=false keeps every Airflow Deployment from "
    "restarting)\n"
    "  2. In the Software UI (or with the Astro CLI), switch each Deployment that should use it to "
    '"DAG Only Deployment".\n'
    "  3. Redeploy that Deployment's DAGs with `astro deploy --dags`: switching removes the DAGs baked into "
    "its image until they are deployed again."
)
RESIZE_NEXT_STEPS = (
    "Next steps:\n"
    "  1. Apply it: {command}\n"
    "     (--set astronomer.houston.upgradeDeployments.enabled=false keeps every Airflow Deployment from "
    "restarting)\n"
    "  DAG-only deploys were already on: only the DAG server's resources change; Deployments already on "
    '"DAG Only Deployment" keep their DAGs, nothing to switch or redeploy.'
)
BODY_SIZE_WARNING = (
    "the values show ingress-nginx as the third-party controller without a "
    "nginx.ingress.kubernetes.io/proxy-body-size annotation in global.extraAnnotations: uploads above 1 MB "
    'will get HTTP 413 (set it, e.g. to "0")'
)
