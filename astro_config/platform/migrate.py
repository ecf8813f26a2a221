"""Upgrading a values file to a newer platform generation, as data.

``migrate_values(data, steps)`` is a pure function: plain values data in, the migrated data and the list of
actions (each move, deletion and addition, in order) out. The 0.37.x -> 2.x and 1.x -> 2.x steps implement the
chart's own migrators (``bin/migrate-helm-chart-values-{037x,1x}-to-2x.py`` at v2.1.0) rule for rule and in their
order, as written up in ``migration-rules-2.1.0.md`` (shared docs). The 0.34/0.35 -> 0.36+ step is the change of
the chart between 0.35.x and 0.36.0 (``image: repo:tag`` -> ``repository``/``tag``, ``securityContext`` ->
``securityContexts.pod``).

Deliberate differences from the chart's scripts (all where the scripts lose or corrupt data):

- Values are typed as Helm reads them (YAML 1.1), not as YAML 1.2: ``disableSSLVerify: yes`` is the boolean
  true that Houston sees, so it is inverted like ``true``.
- A ``global`` held in a list is migrated at its real path (the 0.37x script replaces the list by a mapping
  with a ``"[0]"`` key; the 1x script does it right).
- ``logHelmValues`` as a mapping without ``enabled`` is left as it is (the scripts make it contain itself,
  which no values file can hold).

The text side (moving each key with its comments, byte-exactly) is :mod:`astro_config.document.moves`; it
replays ``actions`` and checks its result against ``data``.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from astro_config.document import moves
from astro_config.errors import PlatformVersionError
from astro_config.keypath import KeyPath, format_path
from astro_config.platform import profiles

_ABSENT: Any = object()

# --------------------------------------------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One change, in the order the rules make it.

    kind:
      ``move``: the value at ``path`` goes to ``to`` (missing parents created; a parent that is not a mapping is
      replaced by one); ``value`` is the new value when the rule transforms it (else absent: moved unchanged).
      ``delete``: ``path`` is removed (a stale or obsolete key).
      ``prune``: ``path``, a mapping the rules emptied, is removed (its leading comments stay).
      ``add``: ``path`` is set to ``value`` (it was missing; parents created as for ``move``).
      ``set``: the value at ``path`` is replaced by ``value``.
    """

    kind: str
    path: KeyPath
    to: KeyPath | None = None
    value: Any = _ABSENT
    rule: str = ""
    note: str = ""
    after: KeyPath | None = None  # add: the sibling it goes after, when it can

    @property
    def transformed(self) -> bool:
        return self.value is not _ABSENT

    def describe(self) -> str:
        src = format_path(self.path)
        if self.kind == "move":
            assert self.to is not None
            text = f"moved {src} -> {format_path(self.to)}"
            if self.transformed:
                text += f" (as {_show(self.value)})"
        elif self.kind == "delete":
            text = f"deleted {src}"
        elif self.kind == "prune":
            text = f"deleted {src} (left empty)"
        elif self.kind == "add":
            text = f"added {src}: {_show(self.value)}"
        else:
            text = f"set {src}: {_show(self.value)}"
        if self.note:
            text += f": {self.note}"
        return text

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.kind, "path": format_path(self.path)}
        if self.to is not None:
            out["to"] = format_path(self.to)
        if self.transformed:
            out["value"] = self.value
        out["rule"] = self.rule
        if self.note:
            out["note"] = self.note
        return out


def _show(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=False)
    except (TypeError, ValueError):  # pragma: no cover - plain data always dumps
        return repr(value)


@dataclass
class Migration:
    data: dict[str, Any]
    actions: list[Action] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------------
# Plain-data primitives (the same ones replay the actions on the text side)
# --------------------------------------------------------------------------------------------------------------


def get_path(data: Any, path: KeyPath) -> Any:
    """The value at ``path``, through mappings and lists; ``_ABSENT`` when it does not resolve."""
    cur = data
    for part in path:
        in_map = isinstance(cur, dict) and isinstance(part, str) and part in cur
        if not in_map and not (isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)):
            return _ABSENT
        cur = cur[part]
    return cur


def exists(data: Any, path: KeyPath) -> bool:
    return get_path(data, path) is not _ABSENT


def is_absent(value: Any) -> bool:
    return value is _ABSENT


def apply_action(data: dict[str, Any], action: Action) -> None:
    """Make ``action`` on plain data (in place)."""
    if action.kind == "move":
        assert action.to is not None
        value = get_path(data, action.path)
        _remove(data, action.path)
        _put(data, action.to, action.value if action.transformed else value)
    elif action.kind in ("delete", "prune"):
        _remove(data, action.path)
    else:
        _put(data, action.path, action.value)


def _remove(data: Any, path: KeyPath) -> None:
    parent = get_path(data, path[:-1])
    if isinstance(parent, dict):
        del parent[path[-1]]
    else:  # pragma: no cover - the rules only remove mapping keys
        del parent[path[-1]]


_put = moves.put_ensuring_parents  # (one implementation: the text mover replays what the rules did)


# --------------------------------------------------------------------------------------------------------------
# Rule kinds (migration-rules-2.1.0.md section 2)
# --------------------------------------------------------------------------------------------------------------


class _Run:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.actions: list[Action] = []
        self.notes: list[str] = []

    # -- recording --------------------------------------------------------------------------------------------
    def do(self, action: Action) -> None:
        if isinstance(action.value, (dict, list)):
            # the record keeps the value as it was set (later rules may change the data's own copy)
            action = dataclasses.replace(action, value=copy.deepcopy(action.value))
            apply_action(self.data, dataclasses.replace(action, value=copy.deepcopy(action.value)))
        else:
            apply_action(self.data, action)
        self.actions.append(action)

    def move(self, src: KeyPath, dst: KeyPath, rule: str, value: Any = _ABSENT, note: str = "") -> None:
        if value is not _ABSENT:
            old = get_path(self.data, src)
            if _same(old, value):
                value = _ABSENT
        self.do(Action("move", src, dst, value, rule, note))

    def delete(self, path: KeyPath, rule: str, note: str = "") -> None:
        self.do(Action("delete", path, rule=rule, note=note))

    def get(self, path: KeyPath) -> Any:
        return get_path(self.data, path)

    def exists(self, path: KeyPath) -> bool:
        return get_path(self.data, path) is not _ABSENT

    def is_map(self, path: KeyPath) -> bool:
        return isinstance(get_path(self.data, path), dict)

    # -- kinds ------------------------------------------------------------------------------------------------
    def flag(self, base: KeyPath, key: str, dest: str, rule: str, invert: bool = False) -> None:
        src = (*base, key)
        value = self.get(src)
        if value is _ABSENT or isinstance(value, dict):
            return
        dst = (*base, *dest.split("."))
        if self.exists(dst):
            self.delete(src, rule, f"stale: {format_path(dst)} is already set")
            return
        if invert and isinstance(value, bool):
            self.move(src, dst, rule, not value, "inverted")
        else:
            self.move(src, dst, rule)

    def subtree(self, base: KeyPath, old: str, dest: str, rule: str) -> None:
        src = (*base, *old.split("."))
        parent = self.get(src[:-1])
        if not isinstance(parent, dict) or src[-1] not in parent:
            return
        dst = (*base, *dest.split("."))
        if self.exists(dst):
            self.delete(src, rule, f"stale: {format_path(dst)} is already set")
        else:
            self.move(src, dst, rule)
        anc = src[:-1]
        while len(anc) > len(base):
            v = self.get(anc)
            if isinstance(v, dict) and not v:
                self.do(Action("prune", anc, rule=rule))
                anc = anc[:-1]
            else:
                break

    def add_if_missing(self, path: KeyPath, default: Any, rule: str) -> None:
        if self.exists(path):
            return
        self.do(Action("add", path, value=copy.deepcopy(default), rule=rule))

    def delete_key(self, path: KeyPath, rule: str) -> None:
        parent = self.get(path[:-1])
        if isinstance(parent, dict) and path[-1] in parent:
            self.delete(path, rule, "obsolete")

    def rename(self, path: KeyPath, new: str, rule: str) -> None:
        parent = self.get(path[:-1])
        if not isinstance(parent, dict) or path[-1] not in parent:
            return
        dst = (*path[:-1], new)
        if new in parent:
            self.delete(path, rule, f"stale: {format_path(dst)} is already set")
        else:
            self.move(path, dst, rule)

    def set_value(self, path: KeyPath, old: Any, new: Any, rule: str) -> None:
        parent = self.get(path[:-1])
        if not isinstance(parent, dict) or path[-1] not in parent:
            return
        current = parent[path[-1]]
        try:
            equal = bool(current == old)  # Python equality, as the script: False == 0 == 0.0
        except Exception:  # pragma: no cover - plain data compares
            equal = False
        if equal and not _same(current, new):
            self.do(Action("set", path, value=new, rule=rule))


def _same(a: Any, b: Any) -> bool:
    """Equal as data, types included (``1`` is not ``True``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# --------------------------------------------------------------------------------------------------------------
# Houston deployments transforms (section 2, "HD transforms")
# --------------------------------------------------------------------------------------------------------------

_MV_DEFAULT = "3.1-2"


def _or(value: Any, default: Any) -> Any:
    return default if value is _ABSENT or value is None else value


def t_be(v: Any) -> Any:
    if isinstance(v, dict):
        return v.get("enabled", v)
    return v


def t_inv(v: Any) -> Any:
    if isinstance(v, dict):
        if "enabled" in v:
            e = v["enabled"]
            return True if e is None else not e
        return not v
    if v is None:
        return True
    return not v


def t_af3(v: Any) -> Any:
    if isinstance(v, dict):
        return {
            "enabled": _or(v.get("enabled", _ABSENT), True),
            "minimumAstroRuntimeVersion": _or(v.get("minimumAstroRuntimeVersion", _ABSENT), _MV_DEFAULT),
        }
    return {"enabled": bool(v), "minimumAstroRuntimeVersion": _MV_DEFAULT}


def t_obn(v: Any) -> Any:
    if isinstance(v, dict):
        out = dict(v)
        out["enabled"] = _or(v.get("enabled", _ABSENT), True)
        return out
    return {"enabled": bool(v)}


def t_tur(v: Any) -> Any:
    if isinstance(v, dict):
        enabled = _or(v.get("taskUsageMetricsEnabled", _ABSENT), _or(v.get("enabled", _ABSENT), True))
        days = _or(v.get("taskUsageReportNumberOfDays", _ABSENT), _or(v.get("reportNumberOfDays", _ABSENT), 90))
        return {"enabled": enabled, "reportNumberOfDays": days}
    return {"enabled": bool(v), "reportNumberOfDays": 90}


def t_mv(v: Any) -> Any:
    return v


Transform = Callable[[Any], Any] | None  # None: deprecated-unset (DEL)

BE, INV, AF3, OBN, TUR, MV, DEL = t_be, t_inv, t_af3, t_obn, t_tur, t_mv, None

# --------------------------------------------------------------------------------------------------------------
# The rule tables (section 3)
# --------------------------------------------------------------------------------------------------------------

# 3.1 G: (old key, new path, kind) with kind "flag", "inverted" or "subtree"
G_RULES: tuple[tuple[str, str, str], ...] = (
    ("rbacEnabled", "rbac.enabled", "flag"),
    ("sccEnabled", "scc.enabled", "flag"),
    ("openshiftEnabled", "openshift.enabled", "flag"),
    ("networkNSLabels", "networkNSLabels.enabled", "flag"),
    ("namespaceFreeFormEntry", "namespaceManagement.namespaceFreeFormEntry.enabled", "flag"),
    ("taskUsageMetricsEnabled", "metricsReporting.taskUsageMetrics.enabled", "flag"),
    ("deployRollbackEnabled", "deploymentLifecycle.deployRollback.enabled", "flag"),
    ("features.namespacePools", "namespaceManagement.namespacePools", "subtree"),
    ("dagOnlyDeployment", "deployMechanisms.dagOnlyDeployment", "subtree"),
    ("loggingSidecar", "logging.loggingSidecar", "subtree"),
    *(
        (f"{x}Enabled", f"{x}.enabled", "flag")
        for x in ("podDisruptionBudgets", "postgresql", "prometheusPostgresExporter", "nodeExporter")
    ),
    ("manualNamespaceNamesEnabled", "namespaceManagement.manualNamespaceNames.enabled", "flag"),
    ("enablePerHostIngress", "perHostIngress.enabled", "flag"),
    ("enableArgoCDAnnotation", "argoCD.annotation.enabled", "flag"),
    ("disableManageClusterScopedResources", "manageClusterScopedResources.enabled", "inverted"),
    *(
        (f"{x}Enabled", f"{x}.enabled", "flag")
        for x in ("astronomer", "nginx", "alertmanager", "grafana", "kubeState", "prometheus", "elasticsearch")
    ),
    ("vectorEnabled", "daemonsetLogging.enabled", "flag"),
    ("fluentdEnabled", "daemonsetLogging.enabled", "flag"),
)

# 3.2 HC: (section under astronomer.houston.config, old key, new path, inverted)
HC_RULES: tuple[tuple[str, str, str, bool], ...] = (
    ("", "emailConfirmation", "emailConfirmation.enabled", False),
    ("", "publicSignups", "publicSignups.enabled", False),
    ("", "updateRuntimeCheckEnabled", "updateRuntimeCheck.enabled", False),
    ("", "updateAirflowCheckEnabled", "updateAirflowCheck.enabled", False),
    ("", "subdomainHttpsEnabled", "subdomainHttps.enabled", False),
    ("", "useAutoCompleteForSensitiveFields", "autoCompleteForSensitiveFields.enabled", False),
    ("", "shouldLogUsername", "logUsername.enabled", False),
    ("", "disableSSLVerify", "sslVerification.enabled", True),
    ("auth.openidConnect", "idpGroupsImportEnabled", "idpGroupsImport.enabled", False),
    ("auth.openidConnect", "idpGroupsRefreshEnabled", "idpGroupsRefresh.enabled", False),
    ("auth.openidConnect", "insecureIDPTokenLog", "insecureIDPTokenLog.enabled", False),
    ("webserver", "graphqlPlaygroundEnabled", "graphqlPlayground.enabled", False),
    ("nats", "tlsEnabled", "tls.enabled", False),
    ("workers.dplink", "debugEnabled", "debug.enabled", False),
    ("apollo", "auditMiddlewareEnabled", "auditMiddleware.enabled", False),
    ("deployments.mockWebhook", "krbEnabled", "krb.enabled", False),
    ("helm", "rbacEnabled", "rbac.enabled", False),
)

# 3.3 HD flat list, in numbered order: (number, old key, new path, transform)
HD_FLAT: tuple[tuple[int, str, str, Transform], ...] = (
    (1, "performanceOptimizationModeEnabled", "performanceOptimization.enabled", BE),
    (2, "upsertExtraIniAllowed", "upsertDeployment.extraIniAllowed", MV),
    (3, "logHelmValues", "logHelmValues.enabled", BE),
    (4, "airflowV3", "runtimeManagement.airflowV3", AF3),
    (5, "customImageShaEnabled", "runtimeManagement.customImageSha.enabled", BE),
    (6, "enableListAllRuntimeVersions", "runtimeManagement.listAllRuntimeVersions.enabled", BE),
    (7, "runtimeEnvOverideSemverCheck", "runtimeManagement.runtimeEnvOverrideSemverCheck", MV),
    (8, "astroRuntimeReleasesFile", "runtimeManagement.astroRuntimeReleasesFile", MV),
    (9, "airflowMinimumAstroRuntimeVersion", "runtimeManagement.airflowMinimumAstroRuntimeVersion", MV),
    (10, "loggingSidecar", "logging.loggingSidecar", MV),
    (11, "elasticsearch", "logging.elasticsearch", MV),
    (12, "configureDagDeployment", "deployMechanisms.configureDagDeployment.enabled", BE),
    (13, "dagOnlyDeployment", "deployMechanisms.dagOnlyDeployment.enabled", BE),
    (14, "nfsMountDagDeployment", "deployMechanisms.nfsMountDagDeployment.enabled", BE),
    (15, "gitSyncDagDeployment", "deployMechanisms.gitSyncDagDeployment.enabled", BE),
    (16, "gitSyncRelay", "deployMechanisms.gitSyncRelay", MV),
    (17, "triggererEnabled", "airflowComponents.triggerer.enabled", BE),
    (18, "dagProcessorEnabled", "airflowComponents.dagProcessor.enabled", BE),
    (19, "disableManageResourceQuotasAndLimitRanges", "resourceManagement.resourceQuotas.enabled", INV),
    *(
        (20 + i, key, f"resourceManagement.{key}", MV)
        for i, key in enumerate(
            (
                "components",
                "executors",
                "astroUnit",
                "maxExtraCapacity",
                "maxPodCapacity",
                "sidecars",
                "overProvisioningFactorMem",
                "overProvisioningFactorCPU",
                "overProvisioningComponents",
            )
        )
    ),
    (29, "manualReleaseNames", "namespaceManagement.manualReleaseNames.enabled", BE),
    (30, "manualNamespaceNames", "namespaceManagement.manualNamespaceNames.enabled", BE),
    (31, "namespaceFreeFormEntry", "namespaceManagement.namespaceFreeFormEntry", OBN),
    (
        32,
        "preDeploymentValidationHook",
        "namespaceManagement.namespaceFreeFormEntry.preDeploymentValidationHook",
        MV,
    ),
    (
        33,
        "preDeploymentValidationHookTimeout",
        "namespaceManagement.namespaceFreeFormEntry.preDeploymentValidationHookTimeout",
        MV,
    ),
    (34, "namespaceLabels", "namespaceManagement.namespaceLabels", MV),
    (35, "preCreatedNamespaces", "namespaceManagement.preCreatedNamespaces", MV),
    (36, "deployRollback", "deploymentLifecycle.deployRollback", OBN),
    (37, "hardDeleteDeployment", "", DEL),
    (38, "cleanupAirflowDb", "deploymentLifecycle.cleanupAirflowDb", OBN),
    (39, "database", "databaseManagement.database", MV),
    (40, "manualConnectionStrings", "databaseManagement.manualConnectionStrings.enabled", BE),
    (41, "pgBouncerResourceCalculationStrategy", "databaseManagement.pgBouncerResourceCalculationStrategy", MV),
    (42, "exposeDockerWebhookEndpoint", "deploymentImagesRegistry.exposeDockerWebhookEndpoint.enabled", BE),
    (
        43,
        "enableUpdateDeploymentImageEndpoint",
        "deploymentImagesRegistry.updateDeploymentImageEndpoint.enabled",
        BE,
    ),
    (
        44,
        "enableUpdateDeploymentImageEndpointDockerValidation",
        "deploymentImagesRegistry.updateDeploymentImageEndpointDockerValidation.enabled",
        BE,
    ),
    (45, "serviceAccountAnnotationKey", "deploymentImagesRegistry.serviceAccountAnnotationKey", MV),
    (46, "grafanaUIEnabled", "metricsReporting.grafana.enabled", BE),
    (47, "taskUsageReport", "metricsReporting.taskUsageMetrics", TUR),
    (48, "pagination", "metricsReporting.pagination", MV),
    (49, "upsertDeploymentEnabled", "", DEL),
    (50, "canUpsertDeploymentFromUI", "upsertDeployment.allowFromUi.enabled", BE),
    (51, "enableSystemAdminCanCreateDeprecatedAirflows", "", DEL),
    (52, "defaultDistribution", "", DEL),
)

HD_NESTED: tuple[tuple[str, str, Transform], ...] = (
    (
        "deploymentLifecycle.deployRollback.enableDagTarballVersionValidation",
        "deploymentLifecycle.deployRollback.dagTarballVersionValidation.enabled",
        BE,
    ),
    ("deploymentLifecycle.hardDeleteDeployment", "", DEL),
)

HD_CHART_ONLY_DELETIONS = ("astroUnitsEnabled", "resourceProvisioningStrategy", "maxPodAu")

X_DELETIONS = (
    "global.singleNamespace",
    "global.veleroEnabled",
    "global.enableHoustonInternalAuthorization",
    "global.nodeExporterSccEnabled",
    "global.stan",
    "tags.stan",
    "stan",
    "kibana",
    "prometheus-blackbox-exporter",
)
X_GLOBAL_ADDITIONS: tuple[tuple[str, Any], ...] = (
    ("authHeaderSecretName", None),
    ("plane", {"mode": "unified", "domainPrefix": ""}),
    ("podLabels", {}),
)
STRICT_SCHEMA_CHECK: tuple[KeyPath, Any] = (("astronomer", "houston", "strictSchemaCheck"), {"enabled": True})
NATS_INIT: tuple[KeyPath, Any] = (
    ("nats", "init"),
    {"resources": {"requests": {"cpu": "75m", "memory": "30Mi"}, "limits": {"cpu": "250m", "memory": "100Mi"}}},
)

HOUSTON_CONFIG: KeyPath = ("astronomer", "houston", "config")

# --------------------------------------------------------------------------------------------------------------
# Stages
# --------------------------------------------------------------------------------------------------------------


def _find_globals(data: Any) -> list[KeyPath]:
    """Paths of every mapping under a key named ``global``, depth-first in document order (lists included); a
    mapping shared through an alias counts once."""
    out: list[KeyPath] = []
    seen: set[int] = set()

    def walk(node: Any, path: KeyPath) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "global" and isinstance(v, dict) and id(v) not in seen:
                    seen.add(id(v))
                    out.append((*path, k))
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(data, ())
    return out


def _locate(data: Any, target: Any) -> KeyPath | None:
    """The current path of the object ``target`` (by identity)."""

    def walk(node: Any, path: KeyPath) -> KeyPath | None:
        if node is target:
            return path
        items: Any = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            if isinstance(v, (dict, list)):
                found = walk(v, (*path, k))
                if found is not None:
                    return found
        return None

    return walk(data, ())


def _stage_g(run: _Run) -> None:
    objects = [get_path(run.data, p) for p in _find_globals(run.data)]
    for obj in objects:
        base = _locate(run.data, obj)
        if base is None:  # pragma: no cover - a global inside a global that a rule removed
            continue
        for i, (old, new, kind) in enumerate(G_RULES, start=1):
            rule = f"G{i} {old}"
            if kind == "subtree":
                run.subtree(base, old, new, rule)
            else:
                run.flag(base, old, new, rule, invert=kind == "inverted")


def _stage_hc(run: _Run) -> None:
    if not run.is_map(HOUSTON_CONFIG):
        return
    for section, old, new, inverted in HC_RULES:
        base = HOUSTON_CONFIG + (tuple(section.split(".")) if section else ())
        if run.is_map(base):
            run.flag(base, old, new, f"HC {section + '.' if section else ''}{old}", invert=inverted)
    mock = (*HOUSTON_CONFIG, "deployments", "mockWebhook")
    if run.is_map(mock) and "krbRealm" in run.get(mock):
        src, dst = (*mock, "krbRealm"), (*mock, "krb", "realm")
        if run.exists(dst):
            run.delete(src, "HC move krbRealm", f"stale: {format_path(dst)} is already set")
        else:
            run.move(src, dst, "HC move krbRealm")


def _stage_hd(run: _Run) -> None:
    base = (*HOUSTON_CONFIG, "deployments")
    if not run.is_map(base):
        return
    for number, key, dest, transform in HD_FLAT:
        rule = f"HD{number} {key}"
        src = (*base, key)
        value = run.get(src)
        if value is _ABSENT:
            continue
        if transform is None:
            run.delete(src, rule, "deprecated")
            continue
        dst = (*base, *dest.split("."))
        self_nesting = dest.startswith(key + ".")
        if run.exists(dst):
            if not self_nesting:
                run.delete(src, rule, f"stale: {format_path(dst)} is already set")
            continue
        new = transform(value)
        if self_nesting and isinstance(value, dict):
            # (only logHelmValues: a mapping without `enabled`; the script makes it contain itself)
            run.notes.append(
                f"{format_path(src)} is a mapping without 'enabled': left as it is (the chart's migrator would "
                "make it contain itself)"
            )
            continue
        run.move(src, dst, rule, new)
    for old, new, transform in HD_NESTED:
        src = (*base, *old.split("."))
        value = run.get(src)
        if value is _ABSENT or not isinstance(run.get(src[:-1]), dict):
            continue
        if transform is None:
            run.delete(src, f"HD nested {old}", "deprecated")
            continue
        dst = (*base, *new.split("."))
        if run.exists(dst):
            run.delete(src, f"HD nested {old}", f"stale: {format_path(dst)} is already set")
        else:
            run.move(src, dst, f"HD nested {old}", transform(value))
    for key in HD_CHART_ONLY_DELETIONS:
        run.delete_key((*base, key), f"HD chart-only {key}")


def _stage_n(run: _Run) -> None:
    if run.is_map(("nginx",)) and run.is_map(("nginx", "cspPolicy")):
        run.flag(("nginx", "cspPolicy"), "cdnEnabled", "enabled", "N cdnEnabled")


def _stage_x_globals(run: _Run, g: KeyPath, rule: str) -> None:
    """The ``global.*`` rules of X (deletions, the pgbouncer rename, both set-values) on the global at ``g``."""
    for path in X_DELETIONS:
        if path.startswith("global."):
            run.delete_key((*g, *path.split(".")[1:]), f"{rule} delete {path}")
    run.rename((*g, "pgbouncer", "krb5ConfSecretName"), "secretName", f"{rule} rename")
    run.set_value((*g, "pgbouncer", "servicePort"), "5432", "6543", f"{rule} set")
    run.set_value((*g, "nats", "jetStream", "enabled"), False, True, f"{rule} set")


def _stage_x(run: _Run) -> None:
    for path in X_DELETIONS:
        run.delete_key(tuple(path.split(".")), f"X delete {path}")
    run.rename(("fluentd",), "vector", "X rename")
    run.rename(("global", "pgbouncer", "krb5ConfSecretName"), "secretName", "X rename")
    run.set_value(("global", "pgbouncer", "servicePort"), "5432", "6543", "X set")
    run.set_value(("global", "nats", "jetStream", "enabled"), False, True, "X set")
    for key, default in X_GLOBAL_ADDITIONS:
        run.add_if_missing(("global", key), default, "X add")
    run.add_if_missing(*STRICT_SCHEMA_CHECK, "X add")
    run.add_if_missing(*NATS_INIT, "X add")


def _stage_x_nested(run: _Run) -> None:
    for g in _find_globals(run.data):
        if g == ("global",):
            continue
        _stage_x_globals(run, g, "X-nested")
        for key, default in X_GLOBAL_ADDITIONS:
            run.add_if_missing((*g, key), default, "X-nested add")


# -- 0.34/0.35 -> 0.36 (the chart's own change between 0.35.x and 0.36.0) ------------------------------------


def split_image(image: str) -> tuple[str, str]:
    """``repo:tag`` -> (repo, tag), as the 0.36 chart joins them back (``{{repository}}:{{tag}}``); a reference
    without a tag gets ``latest`` (what the runtime pulled for it)."""
    repo, sep, tag = image.rpartition(":")
    if not sep or "/" in tag or not repo:
        return image, "latest"
    return repo, tag


def _stage_036(run: _Run) -> None:
    for block in (("global", "dagOnlyDeployment"), ("global", "loggingSidecar")):
        if not run.is_map(block):
            continue
        name = format_path(block)
        image = run.get((*block, "image"))
        if isinstance(image, str):
            repo, tag = split_image(image)
            rule = f"0.36 {name}.image"
            if run.exists((*block, "repository")) or run.exists((*block, "tag")):
                run.delete((*block, "image"), rule, "stale: repository/tag are already set")
            else:
                run.move((*block, "image"), (*block, "repository"), rule, repo)
                run.do(
                    Action(
                        "add",
                        (*block, "tag"),
                        value=tag,
                        rule=rule,
                        note=f"from image {image}",
                        after=(*block, "repository"),
                    )
                )
        elif image is not _ABSENT:
            run.notes.append(
                f"{name}.image is {type(image).__name__ if image is not None else 'null'}, not repo:tag; left as it "
                "is (0.36+ charts read repository and tag)"
            )
        if block[-1] == "dagOnlyDeployment" and run.exists((*block, "securityContext")):
            src, dst = (*block, "securityContext"), (*block, "securityContexts", "pod")
            rule = f"0.36 {name}.securityContext"
            if run.exists(dst):
                run.delete(src, rule, f"stale: {format_path(dst)} is already set")
            else:
                run.move(src, dst, rule)


# --------------------------------------------------------------------------------------------------------------
# Paths between generations
# --------------------------------------------------------------------------------------------------------------

STEP_036 = "0.34/0.35 -> 0.36+"
STEP_037X = "0.37.x -> 2.x"
STEP_1X = "1.x -> 2.x"


def _step_037x(run: _Run) -> None:
    _stage_g(run)
    _stage_x(run)
    _stage_x_nested(run)
    _stage_hc(run)
    _stage_hd(run)
    _stage_n(run)


def _step_1x(run: _Run) -> None:
    _stage_g(run)
    _stage_hc(run)
    _stage_hd(run)
    _stage_n(run)
    run.add_if_missing(*STRICT_SCHEMA_CHECK, "1x add")


STEPS: dict[str, Callable[[_Run], None]] = {STEP_036: _stage_036, STEP_037X: _step_037x, STEP_1X: _step_1x}

# Source lines: "0.34" (0.34.x-0.35.x), "0.37" (0.36.x-0.37.x: the 0.37x migrator), "1" (1.x), "2" (2.x)
LINE_LABELS = {"0.34": "0.34-0.35", "0.37": "0.36-0.37", "1": "1.x", "2": "2.x"}

# Keys only 0.37.x (and older) or only 1.x charts have, which tell the two apart inside the 0.36-1.x layout.
LINE_EVIDENCE: tuple[tuple[KeyPath, str], ...] = (
    *((tuple(p.split(".")), "0.37") for p in X_DELETIONS),
    (("fluentd",), "0.37"),
    (("vector",), "1"),
    (("global", "plane"), "1"),
    (("global", "authHeaderSecretName"), "1"),
    (("nats", "init"), "1"),
    (("global", "pgbouncer", "krb5ConfSecretName"), "1"),
)


def line_of_version(version: tuple[int, int, int]) -> str:
    if version < (0, 34, 0):
        raise PlatformVersionError(
            f"platform version {'.'.join(map(str, version))} is older than the layouts astro-config knows (0.34+)"
        )
    if version < (0, 36, 0):
        return "0.34"
    if version < (1, 0, 0):
        return "0.37"
    if version < (2, 0, 0):
        return "1"
    if version < (3, 0, 0):
        return "2"
    raise PlatformVersionError(
        f"platform version {'.'.join(map(str, version))} is newer than the layouts astro-config knows (up to 2.x)"
    )


def source_line(version: str | None, data: dict[str, Any], file: str) -> tuple[str, str]:
    """The source line of a values file (``"0.34"``, ``"0.37"``, ``"1"`` or ``"2"``) and how it was decided: from
    ``--from`` when given, else inferred from the keys with the same evidence rules as elsewhere
    (:func:`~astro_config.platform.profiles.infer_generation`); inside the 0.36-1.x layout, keys that only 0.37.x
    or only 1.x charts have tell the two migrators apart."""

    if version:
        v, _ = profiles.parse_version(version)
        return line_of_version(v), f"--from {version}"
    gen, seen = profiles.infer_generation(data)
    if gen is None:
        try:
            profiles.resolve_platform(None, data, file)
        except PlatformVersionError as e:
            raise PlatformVersionError(str(e).replace("--platform-version", "--from")) from None
        raise PlatformVersionError(f"{file}: cannot tell the platform layout; give --from")  # pragma: no cover
    specific = [format_path(p) for p, g in seen if len(g) == 1]
    by = f"inferred from {', '.join(specific[:2])}"
    if gen.id == "0.34":
        return "0.34", by
    if gen.id == "2":
        return "2", by
    votes: dict[str, list[KeyPath]] = {}
    for path, line in LINE_EVIDENCE:
        if exists(data, path):
            votes.setdefault(line, []).append(path)
    if len(votes) == 1:
        line = next(iter(votes))
        keys = ", ".join(format_path(p) for p in votes[line][:2])
        return line, f"{by}; {LINE_LABELS[line]} from {keys}"
    if votes:
        detail = "; ".join(
            f"{', '.join(format_path(p) for p in paths[:2])} say {LINE_LABELS[line]}" for line, paths in votes.items()
        )
        raise PlatformVersionError(
            f"{file}: the 0.36-1.x layout, but its keys disagree on the release ({detail}); give --from 0.37.7 "
            "or --from 1.2.0"
        )
    raise PlatformVersionError(
        f"{file}: the 0.36-1.x layout ({by}), but nothing in it tells 0.36/0.37.x from 1.x, whose migrations "
        "differ; give --from (e.g. --from 0.37.7 or --from 1.2.0)"
    )


def plan(source: str, target: str) -> list[str]:
    """The steps from a source line to a target line (``"0.34"``, ``"0.37"``, ``"1"``, ``"2"``)."""
    order = ["0.34", "0.37", "1", "2"]
    if order.index(target) < order.index(source) or (source == "1" and target == "0.37"):
        raise PlatformVersionError(
            f"cannot migrate a {LINE_LABELS[source]} file back to {LINE_LABELS[target]}: migrate upgrades only"
        )
    steps: list[str] = []
    if source == "0.34" and target != "0.34":
        steps.append(STEP_036)
    if target == "2":
        if source in ("0.34", "0.37"):
            steps.append(STEP_037X)
        elif source == "1":
            steps.append(STEP_1X)
    return steps


def migrate_values(data: dict[str, Any], steps: list[str]) -> Migration:
    """Apply ``steps`` to a copy of ``data``: the migrated data and every action, in order."""
    run = _Run(copy.deepcopy(data))
    for step in steps:
        STEPS[step](run)
    return Migration(data=run.data, actions=run.actions, steps=list(steps), notes=run.notes)


def to_ops(actions: list[Action]) -> list[Any]:
    """The text operations (:mod:`astro_config.document.moves`) that make ``actions``."""

    ops: list[moves.Op] = []
    for a in actions:
        if a.kind == "move":
            assert a.to is not None
            ops.append(moves.Move(a.path, a.to, a.value) if a.transformed else moves.Move(a.path, a.to))
        elif a.kind == "delete":
            ops.append(moves.Remove(a.path))
        elif a.kind == "prune":
            ops.append(moves.Remove(a.path, keep_comments=True))
        elif a.kind == "add":
            ops.append(moves.Add(a.path, a.value, a.after))
        else:
            ops.append(moves.Replace(a.path, a.value))
    return ops


def migrate_document(doc: Any, steps: list[str]) -> tuple[Migration, Any]:
    """Migrate a :class:`~astro_config.document.reader.ValuesDocument`: the data-level migration and the
    :class:`~astro_config.document.editing.EditResult` of its text, verified against that data."""

    if doc.root is None:  # an empty or comment-only file: nothing to migrate (the scripts change nothing)
        migration = Migration(data=doc.data, steps=list(steps))
        return migration, moves.apply_ops(doc, [], doc.data)
    migration = migrate_values(doc.data, steps)
    result = moves.apply_ops(doc, to_ops(migration.actions), migration.data)
    return migration, result


__all__ = [
    "Action",
    "Migration",
    "apply_action",
    "get_path",
    "line_of_version",
    "migrate_values",
    "plan",
    "split_image",
]
