"""The bundled JSON Schemas: valid, shipped in the wheel, loaded offline, strict where they should be."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from astro_config.document.reader import load_file, load_text
from astro_config.errors import PlatformVersionError, SchemaNotFoundError
from astro_config.lint import schemas
from astro_config.platform import profiles

ROOT = Path(__file__).resolve().parents[2]
ASTRONOMER = Path(os.environ.get("ASTRO_CONFIG_SHARED", ROOT.parent / "shared")) / "astronomer"
RELEASES = {"v0.34.5": "0.34", "v0.36.1": "0.36", "v0.37.7": "0.36", "v2.1.0": "2"}
needs_shared = pytest.mark.skipif(not ASTRONOMER.is_dir(), reason="../shared/astronomer is not present")
NAMES = ["values-0.34", "values-0.36", "values-2"]


def test_one_schema_per_generation_in_the_repository() -> None:
    assert schemas.schema_names() == NAMES == [g.schema_name for g in profiles.GENERATIONS]
    assert sorted(p.name for p in (ROOT / "schemas").glob("*.json")) == [f"{n}.schema.json" for n in NAMES]


@pytest.mark.parametrize("name", NAMES)
def test_schemas_are_valid_json_schemas(name: str) -> None:
    from jsonschema.validators import validator_for

    schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    validator_for(schema).check_schema(schema)
    assert schemas.load_schema(name) == schema


def test_source_checkout_falls_back_to_the_top_level_folder() -> None:
    installed = ROOT / "astro_config" / "schemas"
    location = schemas.schema_location("values-2")
    if installed.is_dir():  # pragma: no cover - only with an in-place copy of the schemas
        assert Path(str(location)) == installed / "values-2.schema.json"
    else:
        assert Path(str(location)) == ROOT / "schemas" / "values-2.schema.json"
    assert json.loads(schemas.schema_text("values-2"))["$id"] == "urn:astro-config:schema:values-2"


def test_unknown_schema_name() -> None:
    with pytest.raises(SchemaNotFoundError, match=r"known: values-0\.34, values-0\.36, values-2"):
        schemas.schema_location("values-9")


def test_missing_schema_files_are_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(schemas, "_candidates", lambda name: [tmp_path / f"{name}.schema.json"])
    with pytest.raises(SchemaNotFoundError, match="missing from the installation"):
        schemas.schema_location("values-2")


@pytest.mark.parametrize(
    ("version", "name"),
    [("0.34.5", "values-0.34"), ("0.35", "values-0.34"), ("0.37.7", "values-0.36"), ("1.2.0", "values-0.36"),
     ("v2.1.0", "values-2"), (None, "values-2")],
)  # fmt: skip
def test_schema_for_platform(version: str | None, name: str) -> None:
    gen, text = schemas.schema_for_platform(version)
    assert gen.schema_name == name
    assert json.loads(text)["$id"] == f"urn:astro-config:schema:{name}"


@pytest.mark.parametrize("version", ["banana", "0.20.0", "3.0.0"])
def test_schema_for_a_bad_platform_version(version: str) -> None:
    with pytest.raises(PlatformVersionError):
        schemas.schema_for_platform(version)


# ----------------------------------------------------------------------------------------------------------
# The wheel
# ----------------------------------------------------------------------------------------------------------


def _source_tree(dest: Path) -> Path:
    """The files the wheel is built from, copied (the README may not exist yet in a work tree)."""
    for name in ("astro_config", "schemas"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    readme = ROOT / "README.md"
    (dest / "README.md").write_text(readme.read_text(encoding="utf-8") if readme.exists() else "# astro-config\n")
    return dest


def test_the_wheel_ships_the_schemas_and_loads_them_offline(tmp_path: Path) -> None:
    pytest.importorskip("build")
    pytest.importorskip("hatchling")
    src = _source_tree(tmp_path / "src")
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(src)],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = out.glob("astro_config-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for name in NAMES:
            member = f"astro_config/schemas/{name}.schema.json"
            assert member in names
            assert zf.read(member) == (ROOT / "schemas" / f"{name}.schema.json").read_bytes()
        site = tmp_path / "site"
        zf.extractall(site)
    # Installed layout: the schemas are read from inside the package, with no source checkout around.
    code = (
        "from astro_config.lint import schemas\n"
        "print(schemas.schema_location('values-0.36'))\n"
        "print(len(schemas.validate({'global': {'dagOnlyDeployment': {'enabled': 'x'}}}, 'values-0.36')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path, env=env
    )
    location, count = done.stdout.splitlines()
    assert Path(location) == site / "astro_config" / "schemas" / "values-0.36.schema.json"
    assert count == "1"


# ----------------------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------------------


def _issues(yaml_text: str, name: str) -> list[tuple[str, str, str]]:
    data = load_text(yaml_text, name="x.yaml").data
    return [(".".join(map(str, i.path)), i.message, i.hint) for i in schemas.validate(data, name)]


def test_unknown_keys_in_the_dag_block_are_errors_with_suggestions() -> None:
    text = "global:\n  dagOnlyDeployment:\n    enabeld: true\n    tga: 0.9.2\n    zzz: 1\n"
    issues = _issues(text, "values-0.36")
    assert [(k, h) for k, _, h in issues] == [
        ("global.dagOnlyDeployment.enabeld", "did you mean 'enabled'?"),
        ("global.dagOnlyDeployment.tga", "did you mean 'tag'?"),
        (
            "global.dagOnlyDeployment.zzz",
            "known keys here: client, enabled, persistence, repository, resources, securityContexts, server, "
            "serviceAccount, tag",
        ),
    ]
    assert issues[0][1] == "unknown key under global.dagOnlyDeployment: nothing reads it"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("values-0.34", "global:\n  dagOnlyDeployment:\n    enabled: true\n    image: a/b:1\n    securityContext:\n"
                        "      fsGroup: auto\n    resources: {}\n    persistence: {size: 10Gi}\n"),
        ("values-0.36", "global:\n  dagOnlyDeployment:\n    server:\n      nodeSelector: {pool: dags}\n"
                        "      tolerations: [{key: a}]\n      affinity: {}\n    client:\n      readinessProbe: {}\n"),
        ("values-2", "global:\n  nginx: {enabled: false}\n  deployMechanisms:\n    dagOnlyDeployment:\n"
                     "      resources:\n        requests: {cpu: 1, memory: 1Gi, nvidia.com/gpu: 1,"
                     " hugepages-2Mi: 1Mi}\n        limits: ~\n"),
        ("values-2", "global: {anything: [1, 2], baseDomain: ~}\nnginx: {whatever: true}\nunknownTop: 1\n"),
    ],
)  # fmt: skip
def test_valid_values(name: str, text: str) -> None:
    assert _issues(text, name) == []


@pytest.mark.parametrize(
    ("name", "text", "key", "message", "hint"),
    [
        ("values-0.36", "global:\n  dagOnlyDeployment:\n    enabled: 'yes'\n", "global.dagOnlyDeployment.enabled",
         'expected a boolean (true or false), got a string "yes"', "write true or false, without quotes"),
        ("values-0.36", "global:\n  dagOnlyDeployment:\n    tag: 1.10\n", "global.dagOnlyDeployment.tag",
         "expected a string, got a number 1.1", "quote the value so that Helm keeps it as text"),
        ("values-0.36", "global:\n  dagOnlyDeployment:\n    tag: 'a b'\n", "global.dagOnlyDeployment.tag",
         'must be an image tag without spaces, got "a b"', ""),
        ("values-0.34", "global:\n  dagOnlyDeployment:\n    securityContext: {fsGroup: -1}\n",
         "global.dagOnlyDeployment.securityContext.fsGroup",
         'must be a non-negative integer group id or "auto", got -1', ""),
        ("values-2", "global:\n  extraAnnotations: {a: 1}\n", "global.extraAnnotations.a",
         "expected a string, got an integer 1", "quote the value so that Helm keeps it as text"),
        ("values-2", "global:\n  deployMechanisms:\n    dagOnlyDeployment:\n      resources:\n"
                     "        requests: {cpu: true}\n",
         "global.deployMechanisms.dagOnlyDeployment.resources.requests.cpu",
         "expected a string, a number or null, got a boolean true", ""),
        ("values-0.36", "astronomer:\n  houston:\n    config:\n      deployments:\n        configureDagDeployment: 1\n",
         "astronomer.houston.config.deployments.configureDagDeployment",
         "expected a boolean (true or false), got an integer 1", ""),
        ("values-2", "global: []\n", "global", "expected a mapping, got a list", ""),
    ],
)  # fmt: skip
def test_type_errors(name: str, text: str, key: str, message: str, hint: str) -> None:
    assert _issues(text, name) == [(key, message, hint)]


def test_validators_are_compiled_once() -> None:
    assert schemas._validator("values-2") is schemas._validator("values-2")


@needs_shared
@pytest.mark.parametrize("release", sorted(RELEASES))
def test_chart_values_validate_against_their_schema(release: str) -> None:
    data = load_file(ASTRONOMER / release / "values.yaml").data
    name = f"values-{RELEASES[release]}"
    assert schemas.validate(data, name) == []
    assert schemas.likely_typos(data, name) == []


# ----------------------------------------------------------------------------------------------------------
# Likely typos in open maps
# ----------------------------------------------------------------------------------------------------------


def _typos(text: str, name: str) -> list[tuple[str, str]]:
    data: dict[str, Any] = load_text(text, name="x.yaml").data
    return [(".".join(map(str, i.path)), i.hint) for i in schemas.likely_typos(data, name)]


def test_typos_in_open_maps() -> None:
    text = (
        "globl: {}\n"
        "global:\n"
        "  dagOnlyDeploymnet: {enabled: true}\n"
        "  NginxEnabled: false\n"
        "  somethingElse: 1\n"
        "astronomer:\n"
        "  houston:\n"
        "    config:\n"
        "      deployments:\n"
        "        configureDagDeploymnet: true\n"
        "        hardDeleteDeployment: true\n"
    )
    assert _typos(text, "values-0.36") == [
        ("globl", "did you mean 'global'?"),
        ("global.dagOnlyDeploymnet", "did you mean 'dagOnlyDeployment'?"),
        ("global.NginxEnabled", "did you mean 'nginxEnabled'?"),
        ("astronomer.houston.config.deployments.configureDagDeploymnet", "did you mean 'configureDagDeployment'?"),
    ]


def test_closed_maps_are_left_to_the_validator() -> None:
    assert _typos("global:\n  dagOnlyDeployment:\n    enabeld: true\n", "values-0.36") == []


def test_suggest_is_case_insensitive_and_ignores_exact_matches() -> None:
    assert schemas.suggest("ENABLED", ["enabled"]) == "enabled"
    assert schemas.suggest("enabled", ["enabled"]) is None
    assert schemas.suggest("xyz", ["enabled"]) is None


# ----------------------------------------------------------------------------------------------------------
# The compiled validator against jsonschema
# ----------------------------------------------------------------------------------------------------------

_SCALARS: list[Any] = [None, True, False, 0, 1, -1, 7, 1.5, 2.0, -0.5, "", "a", "a b", "auto", "1Gi", "true",
                       "500m", "x/y", "0.9.2", "nvidia.com/gpu", [], {}]  # fmt: skip
_KEYS = ["enabled", "tag", "zzz", "hugepages-2Mi", "nvidia.com/gpu", "bad key/", "cpu", "Enabled", "x"]


def _instance(schema: Any, root: Any, rng: Any, depth: int = 0) -> Any:
    """A value shaped by ``schema``: mostly right, sometimes wrong, with unknown keys now and then."""
    while isinstance(schema, dict) and "$ref" in schema:
        target: Any = root
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema = target
    if not isinstance(schema, dict) or depth > 8 or rng.random() < 0.15:
        return rng.choice(_SCALARS)
    for options in (schema.get("anyOf"),):
        if options and rng.random() < 0.7:
            return _instance(rng.choice(options), root, rng, depth + 1)
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    props = schema.get("properties", {})
    if props or "object" in types or "additionalProperties" in schema or "patternProperties" in schema:
        out: dict[str, Any] = {}
        for key, sub in props.items():
            if rng.random() < 0.5:
                out[key] = _instance(sub, root, rng, depth + 1)
        for key in rng.sample(_KEYS, rng.randint(0, 2)):
            extra = schema.get("additionalProperties")
            out[key] = _instance(extra if isinstance(extra, dict) else {}, root, rng, depth + 1)
        return out
    if "items" in schema:
        return [_instance(schema["items"], root, rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if "const" in schema and rng.random() < 0.5:
        return schema["const"]
    return rng.choice(_SCALARS)


def _raw(errors: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (
            tuple(str(p) for p in e.absolute_path),
            e.validator,
            repr(e.validator_value),
            e.message,
            repr(e.instance),
            json.dumps(e.schema, sort_keys=True),
        )
        for e in errors
    )


@pytest.mark.parametrize("name", NAMES)
def test_the_compiled_validator_agrees_with_jsonschema(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    compiled = schemas._validator(name)
    assert isinstance(compiled, schemas._Compiled)  # the bundled schemas need no jsonschema
    reference = schemas._jsonschema_validator(name)
    root = schemas.load_schema(name)
    rng = random.Random(f"{name}-2026")
    instances = [_instance(root, root, rng) for _ in range(1500)]
    instances += [load_file(p).data for p in sorted(ASTRONOMER.glob("v*/values.yaml"))]
    failing = 0
    for instance in instances:
        ours, theirs = _raw(compiled.iter_errors(instance)), _raw(reference.iter_errors(instance))
        assert ours == theirs, instance
        failing += bool(ours)
        monkeypatch.setattr(schemas, "_validator", lambda n: reference)
        expected = schemas.validate(instance, name)
        monkeypatch.undo()
        assert schemas.validate(instance, name) == expected, instance
    assert 300 < failing < len(instances) - 300  # both valid and invalid values were tried


def test_schemas_with_other_keywords_are_validated_by_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "format": "email"}, "b": {"not": {}}}}
    with pytest.raises(schemas._Unsupported):
        schemas._Compiled(schema)
    monkeypatch.setattr(schemas, "load_schema", lambda name: schema)
    schemas._validator.cache_clear()
    try:
        validator = schemas._validator("values-2")
        assert not isinstance(validator, schemas._Compiled)
        assert [i.message for i in schemas.validate({"a": 1, "b": 2}, "values-2")] == [
            "expected a string, got an integer 1",
            "2 should not be valid under {}",
        ]
    finally:
        schemas._validator.cache_clear()


def test_compiled_keywords_the_bundled_schemas_do_not_use_yet() -> None:
    from jsonschema.validators import Draft202012Validator

    schema = {
        "type": "object",
        "required": ["r"],
        "properties": {
            "e": {"enum": [1, "x", None, [1, True]]},
            "m": {"maximum": 3, "maxLength": 2},
            "all": {"allOf": [{"type": "integer"}, {"minimum": 2}]},
            "l": {"items": {"type": "integer"}},
            "p": {"additionalProperties": False, "properties": {"k": {}}},
            "q": {"additionalProperties": False, "patternProperties": {"^a": {}, "^b": {}}},
            "z": {"maxLength": 0, "minLength": 2},
        },
    }
    cases = [{}, {"r": 1, "e": True}, {"r": 1, "e": [1, 1]}, {"r": 1, "e": [1, True]}, {"e": 1.0, "m": 4},
             {"m": "abc"}, {"m": 3.5, "all": 1.0}, {"all": True}, {"all": 1.5}, {"l": [1, "a", 2.0, False]},
             {"p": {"k": 1, "x": 2, "y": 3}}, {"q": {"ab": 1, "c": 2}}, {"q": {"c": 1, "d": 2}},
             {"z": "a"}]  # fmt: skip
    compiled = schemas._Compiled(schema)
    reference = Draft202012Validator(schema)
    for case in cases:
        assert _raw(compiled.iter_errors(case)) == _raw(reference.iter_errors(case)), case
