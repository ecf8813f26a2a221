"""Secret-looking keys and redaction in every kind of output."""

from __future__ import annotations

import pytest

from astro_config.secrets import redact
from astro_config.secrets.redact import REDACTED, REDACTED_CHANGED, REDACTED_UNCHANGED


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "adminPassword",
        "rootPassword",
        "pass",
        "secret",
        "clientSecret",
        "sharedSecret",
        "token",
        "apiToken",
        "key",
        "apiKey",
        "api_key",
        "privateKey",
        "secretAccessKey",
        "aws_secret_access_key",
        "fernetKey",
        "secretkey",
        "tlsKey",
        "cert",
        "tlsCert",
        "certificate",
        "credentials",
        "connection",
        "connectionString",
        "dsn",
        "sentryDsn",
        ".dockerconfigjson",
        "passwordValue",
        "tokenData",
        "tlsCert",
        "clientCert",
    ],
)
def test_secret_keys(key: str) -> None:
    assert redact.is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "secretName",
        "passwordSecretName",
        "tlsSecret",
        "existingSecret",
        "keyPath",
        "keyFile",
        "certFile",
        "tokenTTL",
        "bearerTokenFile",
        "imagePullSecrets",
        "certManager",
        "certgenerator",
        "topologyKey",
        "podAntiAffinityTopologyKey",
        "publicKey",
        "maxConnectionAge",
        "tokenSecretName",
        "enabled",
        "name",
        "privateCaCerts",  # the chart's list of Secret names holding CA certificates
        "caCert",
        "caBundle",
        "ca.crt",
    ],
)
def test_not_secret_keys(key: str) -> None:
    assert not redact.is_secret_key(key)


def test_bare_key_depends_on_context() -> None:
    assert redact.is_secret_path(("tls", "key"))
    assert not redact.is_secret_path(("tolerations", 0, "key"))
    assert not redact.is_secret_path(("env", 0, "valueFrom", "secretKeyRef", "key"))
    assert redact.is_secret_path(("db", "password", "value"))
    assert not redact.is_secret_path(("db", "host"))


def test_redact_copies_and_keeps_structure() -> None:
    data = {
        "db": {"password": "hunter2", "user": "airflow", "url": "postgresql://airflow:hunter2@db:5432/x"},
        "tls": {"key": "PEM", "cert": ""},
        "connection": {"host": "h", "port": 5432, "tls": True},
        "list": [{"token": "t"}, {"token": None}],
    }
    out = redact.redact(data)
    assert out == {
        "db": {"password": REDACTED, "user": "airflow", "url": f"postgresql://airflow:{REDACTED}@db:5432/x"},
        "tls": {"key": REDACTED, "cert": ""},
        "connection": {"host": REDACTED, "port": REDACTED, "tls": True},
        "list": [{"token": REDACTED}, {"token": None}],
    }
    assert data["db"]["password"] == "hunter2"


def test_custom_patterns() -> None:
    assert redact.redact({"pin": "1234", "password": "x"}, patterns=[r"(^|_)pin$"]) == {
        "pin": REDACTED,
        "password": "x",
    }


def test_redact_change_and_for_diff() -> None:
    assert redact.redact_change(("a", "password"), "x", "y") == (REDACTED, REDACTED_CHANGED)
    assert redact.redact_change(("a", "password"), "x", "x") == (REDACTED, REDACTED_UNCHANGED)
    assert redact.redact_change(("a", "name"), "x", "y") == ("x", "y")
    old, new = redact.redact_for_diff({"password": "a", "token": "t", "n": 1}, {"password": "b", "token": "t", "n": 2})
    # an unchanged secret has the same mark on both sides: no -/+ pair in a text diff
    assert old == {"password": REDACTED, "token": REDACTED_UNCHANGED, "n": 1}
    assert new == {"password": REDACTED_CHANGED, "token": REDACTED_UNCHANGED, "n": 2}


def test_redact_set_argument() -> None:
    assert redact.redact_set_argument(r"a.password=hunter2,b=1,c\.token=zz,e.apiKey=,u=https://u:p@h") == (
        rf"a.password={REDACTED},b=1,c\.token={REDACTED},e.apiKey=,u=https://u:{REDACTED}@h"
    )


def test_redact_unified_diff_of_yaml_text() -> None:
    diff = (
        "--- old.yaml\n+++ new.yaml\n@@ -1,6 +1,6 @@\n"
        " db:\n-  password: hunter2\n+  password: hunter3  # rotated\n   user: airflow\n"
        " tls:\n   key: |\n-    SECRETPEM1\n+    SECRETPEM2\n"
    )
    out = redact.redact_unified_diff(diff)
    assert "hunter" not in out and "SECRETPEM" not in out
    assert f"-  password: {REDACTED}\n" in out
    assert f"+  password: {REDACTED}  # rotated\n" in out
    assert "   user: airflow\n" in out
    assert out.startswith("--- old.yaml\n+++ new.yaml\n@@ -1,6 +1,6 @@\n")


def test_redact_yaml_text_nested_block_under_secret_key() -> None:
    text = "connection:\n  host: db\n  enabled: true\n  - item\nname: x\n"
    assert redact.redact_yaml_text(text) == (
        f"connection:\n  host: {REDACTED}\n  enabled: true\n  - {REDACTED}\nname: x\n"
    )


def test_single_line_and_value_at_path_helpers() -> None:
    assert redact.redact_yaml_line("  password: hunter2\n") == f"  password: {REDACTED}\n"
    assert redact.redact_yaml_line("  user: airflow") == "  user: airflow"
    assert redact.redact_at(("db", "password"), "x") == REDACTED
    assert redact.redact_at(("db",), {"password": "x", "user": "u"}) == {"password": REDACTED, "user": "u"}
    assert redact.redact_at(("connection",), {"host": "h", "tls": False}) == {"host": REDACTED, "tls": False}


def test_ca_certificates_can_be_made_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """ASTRO_CONFIG_SECRET_KEYS wins over the CA-certificate exemption."""
    assert not redact.is_secret_key("privateCaCerts")
    monkeypatch.setattr(redact, "EXTRA_PATTERNS", ("ca_certs$",))
    assert redact.is_secret_key("privateCaCerts", patterns=(*redact.DEFAULT_PATTERNS, "ca_certs$"))
