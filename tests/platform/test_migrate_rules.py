"""The data-level migration rules (platform/migrate.py), against expectations written by hand from
migration-rules-2.1.0.md (shared docs), and the 0.34/0.35 -> 0.36 step from the charts' own change."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from astro_config.errors import PlatformVersionError
from astro_config.platform import migrate as m

X = [m.STEP_037X]
ONE = [m.STEP_1X]


def run(data: dict[str, Any], steps: list[str]) -> dict[str, Any]:
    before = copy.deepcopy(data)
    out = m.migrate_values(data, steps)
    assert data == before, "the input must not be modified"
    return out.data


def houston(cfg: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"astronomer": {"houston": {"config": cfg, **extra}}}


STRICT = {"strictSchemaCheck": {"enabled": True}}


# --------------------------------------------------------------------------------------------------------------
# G: global feature flags
# --------------------------------------------------------------------------------------------------------------


def test_g_every_flag_moves_to_its_new_path() -> None:
    g = {
        "rbacEnabled": True,
        "sccEnabled": False,
        "openshiftEnabled": False,
        "networkNSLabels": True,
        "namespaceFreeFormEntry": False,
        "taskUsageMetricsEnabled": True,
        "deployRollbackEnabled": False,
        "features": {"namespacePools": {"enabled": True, "names": ["a"]}},
        "dagOnlyDeployment": {"enabled": True, "resources": {"limits": {"cpu": "2"}}},
        "loggingSidecar": {"enabled": False},
        "podDisruptionBudgetsEnabled": True,
        "postgresqlEnabled": False,
        "prometheusPostgresExporterEnabled": False,
        "nodeExporterEnabled": True,
        "manualNamespaceNamesEnabled": True,
        "enablePerHostIngress": False,
        "enableArgoCDAnnotation": True,
        "disableManageClusterScopedResources": True,
        "astronomerEnabled": True,
        "nginxEnabled": False,
        "alertmanagerEnabled": True,
        "grafanaEnabled": True,
        "kubeStateEnabled": False,
        "prometheusEnabled": True,
        "elasticsearchEnabled": False,
        "vectorEnabled": True,
        "fluentdEnabled": False,
        "baseDomain": "example.com",
    }
    want = {
        "rbac": {"enabled": True},
        "scc": {"enabled": False},
        "openshift": {"enabled": False},
        "networkNSLabels": {"enabled": True},
        "namespaceManagement": {
            "namespaceFreeFormEntry": {"enabled": False},
            "namespacePools": {"enabled": True, "names": ["a"]},
            "manualNamespaceNames": {"enabled": True},
        },
        "metricsReporting": {"taskUsageMetrics": {"enabled": True}},
        "deploymentLifecycle": {"deployRollback": {"enabled": False}},
        "deployMechanisms": {"dagOnlyDeployment": {"enabled": True, "resources": {"limits": {"cpu": "2"}}}},
        "logging": {"loggingSidecar": {"enabled": False}},
        "podDisruptionBudgets": {"enabled": True},
        "postgresql": {"enabled": False},
        "prometheusPostgresExporter": {"enabled": False},
        "nodeExporter": {"enabled": True},
        "perHostIngress": {"enabled": False},
        "argoCD": {"annotation": {"enabled": True}},
        "manageClusterScopedResources": {"enabled": False},
        "astronomer": {"enabled": True},
        "nginx": {"enabled": False},
        "alertmanager": {"enabled": True},
        "grafana": {"enabled": True},
        "kubeState": {"enabled": False},
        "prometheus": {"enabled": True},
        "elasticsearch": {"enabled": False},
        "daemonsetLogging": {"enabled": True},  # vectorEnabled wins; fluentdEnabled dropped
        "baseDomain": "example.com",
    }
    assert run({"global": g}, ONE) == {"global": want, "astronomer": {"houston": STRICT}}


@pytest.mark.parametrize("value", [None, "yes-string", 3, ["a", "b"], False])
def test_flag_moves_any_non_mapping_value_unchanged(value: Any) -> None:
    out = run({"global": {"rbacEnabled": value}}, ONE)
    assert out["global"] == {"rbac": {"enabled": value}}


def test_flag_with_a_mapping_value_stays_put() -> None:
    g = {"namespaceFreeFormEntry": {"enabled": True}, "rbacEnabled": {"x": 1}}
    assert run({"global": g}, ONE)["global"] == g


def test_flag_stale_when_destination_exists() -> None:
    out = m.migrate_values({"global": {"rbacEnabled": False, "rbac": {"enabled": True}}}, ONE)
    assert out.data["global"] == {"rbac": {"enabled": True}}
    assert (out.actions[0].kind, out.actions[0].path) == ("delete", ("global", "rbacEnabled"))
    assert "stale" in out.actions[0].note


def test_flag_replaces_a_scalar_intermediate() -> None:
    assert run({"global": {"nginx": 3, "nginxEnabled": True}}, ONE)["global"] == {"nginx": {"enabled": True}}


@pytest.mark.parametrize(
    ("value", "want"),
    [(True, False), (False, True), (None, None), ("true", "true"), (1, 1)],
)
def test_inverted_flag_negates_booleans_only(value: Any, want: Any) -> None:
    out = run({"global": {"disableManageClusterScopedResources": value}}, ONE)
    assert out["global"] == {"manageClusterScopedResources": {"enabled": want}}


def test_subtree_move_removes_emptied_features_and_keeps_a_non_empty_one() -> None:
    out = run({"global": {"features": {"namespacePools": {"enabled": True}}}}, ONE)
    assert out["global"] == {"namespaceManagement": {"namespacePools": {"enabled": True}}}
    out = run({"global": {"features": {"namespacePools": 1, "other": 2}}}, ONE)
    assert out["global"] == {"features": {"other": 2}, "namespaceManagement": {"namespacePools": 1}}


def test_subtree_move_stale_and_global_never_deleted() -> None:
    out = run({"global": {"dagOnlyDeployment": {"enabled": False}, "deployMechanisms": {"dagOnlyDeployment": 1}}}, ONE)
    assert out["global"] == {"deployMechanisms": {"dagOnlyDeployment": 1}}
    out = run({"global": {"dagOnlyDeployment": None}}, ONE)
    assert out["global"] == {"deployMechanisms": {"dagOnlyDeployment": None}}


@pytest.mark.parametrize("order", [("vectorEnabled", "fluentdEnabled"), ("fluentdEnabled", "vectorEnabled")])
def test_vector_beats_fluentd_in_either_order(order: tuple[str, str]) -> None:
    g = {order[0]: order[0] == "vectorEnabled", order[1]: order[1] == "vectorEnabled"}
    assert run({"global": g}, ONE)["global"] == {"daemonsetLogging": {"enabled": True}}
    g["daemonsetLogging"] = {"enabled": "kept"}
    assert run({"global": g}, ONE)["global"] == {"daemonsetLogging": {"enabled": "kept"}}


def test_g_runs_on_every_global_anywhere_lists_and_nested_globals_included() -> None:
    data = {
        "global": {"rbacEnabled": True, "global": {"sccEnabled": True}},
        "astronomer": {"global": {"nginxEnabled": False}},
        "items": [{"global": {"postgresqlEnabled": True}}],
        "notglobal": {"rbacEnabled": True},
    }
    out = run(data, ONE)
    assert out["global"] == {"rbac": {"enabled": True}, "global": {"scc": {"enabled": True}}}
    assert out["astronomer"]["global"] == {"nginx": {"enabled": False}}
    assert out["items"] == [{"global": {"postgresql": {"enabled": True}}}]
    assert out["notglobal"] == {"rbacEnabled": True}


# --------------------------------------------------------------------------------------------------------------
# HC: Houston passthrough flags
# --------------------------------------------------------------------------------------------------------------


def test_hc_every_rule() -> None:
    cfg = {
        "emailConfirmation": False,
        "publicSignups": True,
        "updateRuntimeCheckEnabled": True,
        "updateAirflowCheckEnabled": False,
        "subdomainHttpsEnabled": True,
        "useAutoCompleteForSensitiveFields": False,
        "shouldLogUsername": True,
        "disableSSLVerify": True,
        "auth": {"openidConnect": {"idpGroupsImportEnabled": True, "idpGroupsRefreshEnabled": False,
                                   "insecureIDPTokenLog": True}},
        "webserver": {"graphqlPlaygroundEnabled": False},
        "nats": {"tlsEnabled": True},
        "workers": {"dplink": {"debugEnabled": True}},
        "apollo": {"auditMiddlewareEnabled": False},
        "deployments": {"mockWebhook": {"krbEnabled": True, "krbRealm": "EXAMPLE.COM"}},
        "helm": {"rbacEnabled": False},
    }  # fmt: skip
    want = {
        "emailConfirmation": {"enabled": False},
        "publicSignups": {"enabled": True},
        "updateRuntimeCheck": {"enabled": True},
        "updateAirflowCheck": {"enabled": False},
        "subdomainHttps": {"enabled": True},
        "autoCompleteForSensitiveFields": {"enabled": False},
        "logUsername": {"enabled": True},
        "sslVerification": {"enabled": False},
        "auth": {"openidConnect": {"idpGroupsImport": {"enabled": True}, "idpGroupsRefresh": {"enabled": False},
                                   "insecureIDPTokenLog": {"enabled": True}}},
        "webserver": {"graphqlPlayground": {"enabled": False}},
        "nats": {"tls": {"enabled": True}},
        "workers": {"dplink": {"debug": {"enabled": True}}},
        "apollo": {"auditMiddleware": {"enabled": False}},
        "deployments": {"mockWebhook": {"krb": {"enabled": True, "realm": "EXAMPLE.COM"}}},
        "helm": {"rbac": {"enabled": False}},
    }  # fmt: skip
    assert run(houston(cfg), ONE) == houston(want, **STRICT)


def test_hc_skips_sections_that_are_not_mappings_and_stale_realm() -> None:
    cfg = {"webserver": "x", "deployments": {"mockWebhook": {"krbRealm": "A", "krb": {"realm": "B"}}}}
    out = run(houston(cfg), ONE)
    assert out["astronomer"]["houston"]["config"] == {
        "webserver": "x",
        "deployments": {"mockWebhook": {"krb": {"realm": "B"}}},
    }


# --------------------------------------------------------------------------------------------------------------
# HD: Houston deployments
# --------------------------------------------------------------------------------------------------------------

SHAPES: list[Any] = [True, False, None, "s", 0, 2, [1], {"enabled": False, "x": 1}, {"enabled": None}, {}, {"x": 1}]


@pytest.mark.parametrize("value", SHAPES)
def test_transform_table(value: Any) -> None:
    # written from the table "HD transforms", one column at a time
    if isinstance(value, bool):
        be, inv = value, not value
        af3 = {"enabled": value, "minimumAstroRuntimeVersion": "3.1-2"}
        obn = {"enabled": value}
        tur = {"enabled": value, "reportNumberOfDays": 90}
    elif value is None:
        be, inv = None, True
        af3 = {"enabled": False, "minimumAstroRuntimeVersion": "3.1-2"}
        obn = {"enabled": False}
        tur = {"enabled": False, "reportNumberOfDays": 90}
    elif isinstance(value, dict) and "enabled" in value:
        e = value["enabled"]
        be = e
        inv = True if e is None else not e
        af3 = {"enabled": True if e is None else e, "minimumAstroRuntimeVersion": "3.1-2"}
        obn = {**value, "enabled": True if e is None else e}
        tur = {"enabled": True if e is None else e, "reportNumberOfDays": 90}
    elif isinstance(value, dict):
        be = value
        inv = not value
        af3 = {"enabled": True, "minimumAstroRuntimeVersion": "3.1-2"}
        obn = {**value, "enabled": True}
        tur = {"enabled": True, "reportNumberOfDays": 90}
    else:
        be, inv = value, not value
        af3 = {"enabled": bool(value), "minimumAstroRuntimeVersion": "3.1-2"}
        obn = {"enabled": bool(value)}
        tur = {"enabled": bool(value), "reportNumberOfDays": 90}
    assert m.t_be(value) == be
    assert m.t_inv(value) == inv
    assert m.t_af3(value) == af3
    assert m.t_obn(value) == obn
    assert m.t_tur(value) == tur


def test_tur_and_af3_map_priorities() -> None:
    v = {"taskUsageMetricsEnabled": False, "enabled": True, "taskUsageReportNumberOfDays": 7, "reportNumberOfDays": 9}
    assert m.t_tur(v) == {"enabled": False, "reportNumberOfDays": 7}
    assert m.t_tur({"enabled": None, "reportNumberOfDays": None}) == {"enabled": True, "reportNumberOfDays": 90}
    assert m.t_af3({"minimumAstroRuntimeVersion": "3.0-1", "x": 1}) == {
        "enabled": True,
        "minimumAstroRuntimeVersion": "3.0-1",
    }


def test_hd_flat_list_every_rule() -> None:
    d = {
        "performanceOptimizationModeEnabled": True,
        "upsertExtraIniAllowed": False,
        "logHelmValues": True,
        "airflowV3": True,
        "customImageShaEnabled": True,
        "enableListAllRuntimeVersions": False,
        "runtimeEnvOverideSemverCheck": True,
        "astroRuntimeReleasesFile": "r.json",
        "airflowMinimumAstroRuntimeVersion": "5.0.0",
        "loggingSidecar": {"enabled": True},
        "elasticsearch": {"enabled": False},
        "configureDagDeployment": True,
        "dagOnlyDeployment": True,
        "nfsMountDagDeployment": False,
        "gitSyncDagDeployment": {"enabled": True, "dropped": 1},
        "gitSyncRelay": {"repo": "r"},
        "triggererEnabled": True,
        "dagProcessorEnabled": False,
        "disableManageResourceQuotasAndLimitRanges": True,
        "components": ["c"],
        "executors": ["e"],
        "astroUnit": {"cpu": 100},
        "maxExtraCapacity": 1,
        "maxPodCapacity": 2,
        "sidecars": {},
        "overProvisioningFactorMem": 1.5,
        "overProvisioningFactorCPU": 2,
        "overProvisioningComponents": ["x"],
        "manualReleaseNames": True,
        "manualNamespaceNames": False,
        "namespaceFreeFormEntry": True,
        "preDeploymentValidationHook": "hook",
        "preDeploymentValidationHookTimeout": 30,
        "namespaceLabels": {"a": "b"},
        "preCreatedNamespaces": ["ns"],
        "deployRollback": False,
        "hardDeleteDeployment": True,
        "cleanupAirflowDb": {"schedule": "x"},
        "database": {"connection": "c"},
        "manualConnectionStrings": True,
        "pgBouncerResourceCalculationStrategy": "s",
        "exposeDockerWebhookEndpoint": False,
        "enableUpdateDeploymentImageEndpoint": True,
        "enableUpdateDeploymentImageEndpointDockerValidation": False,
        "serviceAccountAnnotationKey": "k",
        "grafanaUIEnabled": True,
        "taskUsageReport": {"taskUsageMetricsEnabled": True, "taskUsageReportNumberOfDays": 30},
        "pagination": {"size": 10},
        "upsertDeploymentEnabled": True,
        "canUpsertDeploymentFromUI": False,
        "enableSystemAdminCanCreateDeprecatedAirflows": True,
        "defaultDistribution": "buster",
        "astroUnitsEnabled": True,
        "resourceProvisioningStrategy": {"x": 1},
        "maxPodAu": 35,
        "dagDeploy": {"server": {"resources": {"limits": {"cpu": "2"}}}},
    }
    want = {
        "performanceOptimization": {"enabled": True},
        "upsertDeployment": {"extraIniAllowed": False, "allowFromUi": {"enabled": False}},
        "logHelmValues": {"enabled": True},
        "runtimeManagement": {
            "airflowV3": {"enabled": True, "minimumAstroRuntimeVersion": "3.1-2"},
            "customImageSha": {"enabled": True},
            "listAllRuntimeVersions": {"enabled": False},
            "runtimeEnvOverrideSemverCheck": True,
            "astroRuntimeReleasesFile": "r.json",
            "airflowMinimumAstroRuntimeVersion": "5.0.0",
        },
        "logging": {"loggingSidecar": {"enabled": True}, "elasticsearch": {"enabled": False}},
        "deployMechanisms": {
            "configureDagDeployment": {"enabled": True},
            "dagOnlyDeployment": {"enabled": True},
            "nfsMountDagDeployment": {"enabled": False},
            "gitSyncDagDeployment": {"enabled": True},
            "gitSyncRelay": {"repo": "r"},
        },
        "airflowComponents": {"triggerer": {"enabled": True}, "dagProcessor": {"enabled": False}},
        "resourceManagement": {
            "resourceQuotas": {"enabled": False},
            "components": ["c"],
            "executors": ["e"],
            "astroUnit": {"cpu": 100},
            "maxExtraCapacity": 1,
            "maxPodCapacity": 2,
            "sidecars": {},
            "overProvisioningFactorMem": 1.5,
            "overProvisioningFactorCPU": 2,
            "overProvisioningComponents": ["x"],
        },
        "namespaceManagement": {
            "manualReleaseNames": {"enabled": True},
            "manualNamespaceNames": {"enabled": False},
            "namespaceFreeFormEntry": {
                "enabled": True,
                "preDeploymentValidationHook": "hook",
                "preDeploymentValidationHookTimeout": 30,
            },
            "namespaceLabels": {"a": "b"},
            "preCreatedNamespaces": ["ns"],
        },
        "deploymentLifecycle": {
            "deployRollback": {"enabled": False},
            "cleanupAirflowDb": {"schedule": "x", "enabled": True},
        },
        "databaseManagement": {
            "database": {"connection": "c"},
            "manualConnectionStrings": {"enabled": True},
            "pgBouncerResourceCalculationStrategy": "s",
        },
        "deploymentImagesRegistry": {
            "exposeDockerWebhookEndpoint": {"enabled": False},
            "updateDeploymentImageEndpoint": {"enabled": True},
            "updateDeploymentImageEndpointDockerValidation": {"enabled": False},
            "serviceAccountAnnotationKey": "k",
        },
        "metricsReporting": {
            "grafana": {"enabled": True},
            "taskUsageMetrics": {"enabled": True, "reportNumberOfDays": 30},
            "pagination": {"size": 10},
        },
        "dagDeploy": {"server": {"resources": {"limits": {"cpu": "2"}}}},
    }
    assert run(houston({"deployments": d}), ONE) == houston({"deployments": want}, **STRICT)


def test_hd_quirks() -> None:
    # a mapping namespaceFreeFormEntry that holds the hook wins; the flat hook is stale
    d: dict[str, Any] = {
        "namespaceFreeFormEntry": {"preDeploymentValidationHook": "mine"},
        "preDeploymentValidationHook": "flat",
    }
    out = run(houston({"deployments": d}), ONE)["astronomer"]["houston"]["config"]["deployments"]
    assert out == {
        "namespaceManagement": {"namespaceFreeFormEntry": {"preDeploymentValidationHook": "mine", "enabled": True}}
    }
    # a flat deployRollback moves first, then the nested rule rewrites it; emptied parents survive
    d = {"deployRollback": {"enableDagTarballVersionValidation": True}, "deploymentLifecycle": {}}
    out = run(houston({"deployments": d}), ONE)["astronomer"]["houston"]["config"]["deployments"]
    assert out == {
        "deploymentLifecycle": {"deployRollback": {"enabled": True, "dagTarballVersionValidation": {"enabled": True}}}
    }
    d = {"deploymentLifecycle": {"hardDeleteDeployment": True}}
    out = run(houston({"deployments": d}), ONE)["astronomer"]["houston"]["config"]["deployments"]
    assert out == {"deploymentLifecycle": {}}
    # logHelmValues: an existing `enabled` blocks the rule; a scalar self-nests
    d = {"logHelmValues": {"enabled": False, "x": 1}}
    out = run(houston({"deployments": d}), ONE)["astronomer"]["houston"]["config"]["deployments"]
    assert out == {"logHelmValues": {"enabled": False, "x": 1}}
    # stale: the destination exists
    d = {"triggererEnabled": False, "airflowComponents": {"triggerer": {"enabled": True}}}
    out = run(houston({"deployments": d}), ONE)["astronomer"]["houston"]["config"]["deployments"]
    assert out == {"airflowComponents": {"triggerer": {"enabled": True}}}


def test_log_helm_values_mapping_without_enabled_is_left_with_a_note() -> None:
    out = m.migrate_values(houston({"deployments": {"logHelmValues": {"x": 1}}}), ONE)
    assert out.data["astronomer"]["houston"]["config"]["deployments"] == {"logHelmValues": {"x": 1}}
    assert any("logHelmValues" in n for n in out.notes)


# --------------------------------------------------------------------------------------------------------------
# N, the 1x addition, X
# --------------------------------------------------------------------------------------------------------------


def test_nginx_cdn_flag_not_inverted_and_map_skipped() -> None:
    assert run({"nginx": {"cspPolicy": {"cdnEnabled": False}}}, ONE)["nginx"] == {"cspPolicy": {"enabled": False}}
    assert run({"nginx": {"cspPolicy": {"cdnEnabled": {"a": 1}}}}, ONE)["nginx"] == {
        "cspPolicy": {"cdnEnabled": {"a": 1}}
    }


@pytest.mark.parametrize("existing", [None, False, {"enabled": False}])
def test_strict_schema_check_added_only_when_missing(existing: Any) -> None:
    out = run({"astronomer": {"houston": {"strictSchemaCheck": existing}}}, ONE)
    assert out == {"astronomer": {"houston": {"strictSchemaCheck": existing}}}


def test_1x_on_an_empty_mapping_and_a_scalar_intermediate() -> None:
    assert run({}, ONE) == {"astronomer": {"houston": STRICT}}
    assert run({"astronomer": "x"}, ONE) == {"astronomer": {"houston": STRICT}}


def test_037x_on_empty_and_null_roots() -> None:
    want = {
        "global": {"authHeaderSecretName": None, "plane": {"mode": "unified", "domainPrefix": ""}, "podLabels": {}},
        "astronomer": {"houston": STRICT},
        "nats": {
            "init": {
                "resources": {
                    "requests": {"cpu": "75m", "memory": "30Mi"},
                    "limits": {"cpu": "250m", "memory": "100Mi"},
                }
            }
        },
    }
    assert run({}, X) == want
    assert run({"global": None, "nats": None, "astronomer": "x"}, X) == want


def test_x_rules() -> None:
    data = {
        "global": {
            "singleNamespace": True,
            "veleroEnabled": False,
            "enableHoustonInternalAuthorization": True,
            "nodeExporterSccEnabled": False,
            "stan": {"enabled": True},
            "pgbouncer": {"krb5ConfSecretName": "krb", "servicePort": "5432"},
            "nats": {"jetStream": {"enabled": 0}},
            "podLabels": {"a": "b"},
            "plane": None,
        },
        "tags": {"stan": True},
        "stan": {"x": 1},
        "kibana": {},
        "prometheus-blackbox-exporter": {},
        "fluentd": {"resources": {}},
        "astronomer": {"houston": {"strictSchemaCheck": {"enabled": False}}},
        "nats": {"init": {"custom": 1}},
    }
    want = {
        "global": {
            "pgbouncer": {"secretName": "krb", "servicePort": "6543"},
            "nats": {"jetStream": {"enabled": True}},
            "podLabels": {"a": "b"},
            "plane": None,
            "authHeaderSecretName": None,
        },
        "tags": {},
        "vector": {"resources": {}},
        "astronomer": {"houston": {"strictSchemaCheck": {"enabled": False}}},
        "nats": {"init": {"custom": 1}},
    }
    assert run(data, X) == want


def test_x_set_value_types_and_rename_stale() -> None:
    g = {"pgbouncer": {"servicePort": 5432, "krb5ConfSecretName": "a", "secretName": "b"}, "nats": {"jetStream": {}}}
    out = run({"global": g}, X)["global"]
    assert out["pgbouncer"] == {"servicePort": 5432, "secretName": "b"}
    assert out["nats"] == {"jetStream": {}}
    out = run({"global": {"nats": {"jetStream": {"enabled": None}}}}, X)["global"]
    assert out["nats"] == {"jetStream": {"enabled": None}}


def test_x_nested_globals_gain_the_global_rules_and_additions() -> None:
    data = {"astronomer": {"global": {"singleNamespace": True, "pgbouncer": {"servicePort": "5432"}}}}
    out = run(data, X)
    assert out["astronomer"]["global"] == {
        "pgbouncer": {"servicePort": "6543"},
        "authHeaderSecretName": None,
        "plane": {"mode": "unified", "domainPrefix": ""},
        "podLabels": {},
    }
    # (a deliberate difference: a global inside a list is migrated where it is, the list kept)
    out = run({"items": [{"global": {"veleroEnabled": True}}]}, X)
    assert out["items"] == [
        {"global": {"authHeaderSecretName": None, "plane": {"mode": "unified", "domainPrefix": ""}, "podLabels": {}}}
    ]


def test_order_of_actions_follows_the_stages() -> None:
    data = {
        "global": {"rbacEnabled": True, "singleNamespace": True},
        "astronomer": {"houston": {"config": {"publicSignups": True, "deployments": {"dagOnlyDeployment": True}}}},
        "nginx": {"cspPolicy": {"cdnEnabled": True}},
    }
    rules = [a.rule.split()[0] for a in m.migrate_values(data, X).actions]
    assert rules == ["G1", "X", "X", "X", "X", "X", "X", "HC", "HD13", "N"]
    rules = [a.rule.split()[0] for a in m.migrate_values(data, ONE).actions]
    assert rules == ["G1", "HC", "HD13", "N", "1x"]


def test_reruns_change_nothing() -> None:
    data = {
        "global": {"rbacEnabled": True, "dagOnlyDeployment": {"enabled": True}, "features": {"namespacePools": {}}},
        "astronomer": {"houston": {"config": {"deployments": {"configureDagDeployment": True, "airflowV3": {}}}}},
    }
    for steps in (X, ONE):
        once = m.migrate_values(data, steps)
        twice = m.migrate_values(once.data, steps)
        assert twice.actions == []
        assert twice.data == once.data


def test_yaml11_booleans_are_booleans_as_helm_reads_them() -> None:
    # the reader gives Helm's typing: `yes` is True, so an inverted flag is inverted (the script keeps "yes")
    from astro_config.document import reader

    doc = reader.load_text("astronomer:\n  houston:\n    config:\n      disableSSLVerify: yes\n")
    out = run(doc.data, ONE)
    assert out["astronomer"]["houston"]["config"] == {"sslVerification": {"enabled": False}}


# --------------------------------------------------------------------------------------------------------------
# 0.34/0.35 -> 0.36+
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "repo", "tag"),
    [
        ("quay.io/astronomer/ap-dag-deploy:0.3.2", "quay.io/astronomer/ap-dag-deploy", "0.3.2"),
        ("registry:5000/ap-dag-deploy:1.0", "registry:5000/ap-dag-deploy", "1.0"),
        ("registry:5000/ap-dag-deploy", "registry:5000/ap-dag-deploy", "latest"),
        ("ap-dag-deploy", "ap-dag-deploy", "latest"),
        ("repo@sha256:abc", "repo@sha256", "abc"),
    ],
)
def test_split_image_joins_back_as_the_036_chart_renders_it(image: str, repo: str, tag: str) -> None:
    assert m.split_image(image) == (repo, tag)
    if tag != "latest":
        assert f"{repo}:{tag}" == image


def test_034_to_036() -> None:
    g = {
        "dagOnlyDeployment": {
            "enabled": True,
            "image": "quay.io/astronomer/ap-dag-deploy:0.3.2",
            "securityContext": {"fsGroup": 50000},
            "resources": {"limits": {"cpu": "1"}},
        },
        "loggingSidecar": {"image": "quay.io/astronomer/ap-vector:0.40.2-1"},
        "rbacEnabled": True,
    }
    out = run({"global": g}, [m.STEP_036])
    assert out["global"] == {
        "dagOnlyDeployment": {
            "enabled": True,
            "repository": "quay.io/astronomer/ap-dag-deploy",
            "tag": "0.3.2",
            "securityContexts": {"pod": {"fsGroup": 50000}},
            "resources": {"limits": {"cpu": "1"}},
        },
        "loggingSidecar": {"repository": "quay.io/astronomer/ap-vector", "tag": "0.40.2-1"},
        "rbacEnabled": True,
    }


def test_034_stale_keys_and_non_string_image() -> None:
    g = {"dagOnlyDeployment": {"image": "a:1", "tag": "2", "securityContext": {}, "securityContexts": {"pod": {}}}}
    out = run({"global": g}, [m.STEP_036])
    assert out["global"] == {"dagOnlyDeployment": {"tag": "2", "securityContexts": {"pod": {}}}}
    result = m.migrate_values({"global": {"dagOnlyDeployment": {"image": None}}}, [m.STEP_036])
    assert result.data == {"global": {"dagOnlyDeployment": {"image": None}}}
    assert result.notes


def test_chain_034_to_2() -> None:
    g = {"dagOnlyDeployment": {"enabled": True, "image": "r:1", "securityContext": {"fsGroup": 1}}}
    out = run({"global": g}, m.plan("0.34", "2"))
    assert out["global"]["deployMechanisms"] == {
        "dagOnlyDeployment": {
            "enabled": True,
            "repository": "r",
            "tag": "1",
            "securityContexts": {"pod": {"fsGroup": 1}},
        }
    }
    assert "dagOnlyDeployment" not in out["global"]


# --------------------------------------------------------------------------------------------------------------
# Paths and the source line
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "steps"),
    [
        ("0.34", "0.37", [m.STEP_036]),
        ("0.34", "1", [m.STEP_036]),
        ("0.34", "2", [m.STEP_036, m.STEP_037X]),
        ("0.37", "2", [m.STEP_037X]),
        ("1", "2", [m.STEP_1X]),
        ("2", "2", []),
        ("0.37", "1", []),
    ],
)
def test_plan(source: str, target: str, steps: list[str]) -> None:
    assert m.plan(source, target) == steps


def test_plan_refuses_downgrades() -> None:
    with pytest.raises(PlatformVersionError, match="upgrades only"):
        m.plan("2", "1")


@pytest.mark.parametrize(
    ("version", "line"), [((0, 34, 5), "0.34"), ((0, 35, 4), "0.34"), ((0, 36, 1), "0.37"), ((1, 2, 0), "1")]
)
def test_line_of_version(version: tuple[int, int, int], line: str) -> None:
    assert m.line_of_version(version) == line


def test_line_of_version_out_of_range() -> None:
    with pytest.raises(PlatformVersionError):
        m.line_of_version((0, 33, 0))
    with pytest.raises(PlatformVersionError):
        m.line_of_version((3, 0, 0))


def test_source_line_inference() -> None:
    assert m.source_line(None, {"global": {"dagOnlyDeployment": {"image": "a:1"}}}, "f")[0] == "0.34"
    assert m.source_line(None, {"global": {"deployMechanisms": {}}}, "f")[0] == "2"
    d036 = {"global": {"dagOnlyDeployment": {"tag": "1"}}}
    assert m.source_line(None, {**d036, "stan": {}}, "f")[0] == "0.37"
    assert m.source_line(None, {**d036, "vector": {}}, "f")[0] == "1"
    assert m.source_line("1.1.0", d036, "f") == ("1", "--from 1.1.0")
    with pytest.raises(PlatformVersionError, match="give --from"):
        m.source_line(None, d036, "f")
    with pytest.raises(PlatformVersionError, match="disagree"):
        m.source_line(None, {**d036, "vector": {}, "kibana": {}}, "f")
    with pytest.raises(PlatformVersionError, match="--from"):
        m.source_line(None, {"global": {"baseDomain": "x"}}, "f")
