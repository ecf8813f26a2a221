"""The bundled JSON Schemas (one per layout generation) and validation of values against them.

The schemas live in the repository's top-level ``schemas/`` folder, which the wheel ships as
``astro_config/schemas``. They are read through :mod:`importlib.resources`; from a source checkout (where
``astro_config/schemas`` does not exist) the top-level folder beside the package is used instead.

jsonschema is imported lazily, inside the functions that validate, and compiled validators are cached.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from astro_config import profiles
from astro_config.errors import SchemaNotFoundError
from astro_config.keypath import KeyPath, format_path

if TYPE_CHECKING:  # pragma: no cover - typing only
    from jsonschema.protocols import Validator

SCHEMA_SUFFIX = ".schema.json"
_PACKAGE = "astro_config"
_FOLDER = "schemas"

# Unknown keys in open maps whose name is this close to a known key are reported as likely typos.
TYPO_CUTOFF = 0.85
# Suggestions for unknown keys in closed maps (where any unknown key is already an error) may be looser.
SUGGEST_CUTOFF = 0.6


def schema_names() -> list[str]:
    """Names of the bundled schemas, e.g. ``values-0.34``, in generation order."""
    return [g.schema_name for g in profiles.GENERATIONS]


def _candidates(name: str) -> list[Traversable]:
    filename = f"{name}{SCHEMA_SUFFIX}"
    pkg = resources.files(_PACKAGE)
    found: list[Traversable] = [pkg.joinpath(_FOLDER, filename)]
    if isinstance(pkg, Path):  # a source checkout: the top-level schemas/ folder beside the package
        found.append(pkg.parent / _FOLDER / filename)
    return found


def schema_location(name: str) -> Traversable:
    """Where the schema ``name`` is read from (the installed package first, then a source checkout)."""
    if name not in schema_names():
        raise SchemaNotFoundError(f"no bundled schema named {name!r}; known: {', '.join(schema_names())}")
    for candidate in _candidates(name):
        if candidate.is_file():
            return candidate
    raise SchemaNotFoundError(
        f"schema {name!r} is missing from the installation (looked for {_FOLDER}/{name}{SCHEMA_SUFFIX} in the "
        f"astro_config package and in a source checkout); reinstall astro-config"
    )


def schema_text(name: str) -> str:
    """The schema's JSON text, as shipped."""
    return schema_location(name).read_text(encoding="utf-8")


@functools.cache
def load_schema(name: str) -> Mapping[str, Any]:
    """The parsed schema ``name`` (cached; do not modify it)."""
    loaded = json.loads(schema_text(name))
    if not isinstance(loaded, dict):  # pragma: no cover - the shipped files are objects
        raise SchemaNotFoundError(f"schema {name!r} is not a JSON object")
    return loaded


def schema_for_platform(platform_version: str | None = None) -> tuple[profiles.Generation, str]:
    """The generation in force for ``platform_version`` and its schema's JSON text.

    Without a version, the newest layout generation. Raises :class:`PlatformVersionError` for a version
    that cannot be read or has no layout.
    """
    gen = profiles.generation_for_version(platform_version).generation if platform_version else profiles.GENERATIONS[-1]
    return gen, schema_text(gen.schema_name)


# ----------------------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaIssue:
    """One schema finding: where it is, what is wrong, and a suggestion when there is one."""

    path: KeyPath  # the offending key (for an unknown key: that key's own path)
    message: str
    hint: str = ""
    unknown_key: bool = False  # an unknown key in a closed map


@functools.cache
def _validator(name: str) -> Validator:
    from jsonschema import FormatChecker
    from jsonschema.validators import validator_for

    schema = dict(load_schema(name))
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=FormatChecker())


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__  # pragma: no cover - plain data only


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "null": "null",
}


def _expected(types: Any) -> str:
    names = [_TYPE_WORDS.get(t, t) for t in ([types] if isinstance(types, str) else list(types))]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = json.dumps(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def suggest(key: str, known: Iterable[Any], cutoff: float = SUGGEST_CUTOFF) -> str | None:
    """The known key closest to ``key`` (case-insensitive), or None."""
    return _suggest(key, tuple(k for k in known if isinstance(k, str)), cutoff)


@functools.lru_cache(maxsize=4096)
def _suggest(key: str, names: tuple[str, ...], cutoff: float) -> str | None:
    lowered: dict[str, str] = {}
    for k in names:
        lowered.setdefault(k.lower(), k)
    match = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=cutoff)
    if not match or lowered[match[0]] == key:
        return None
    return lowered[match[0]]


def _extra_keys(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    import re

    props = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return [k for k in instance if k not in props and not any(p.search(k) for p in patterns)]


def _issues_from_error(error: Any) -> Iterator[SchemaIssue]:
    path: KeyPath = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    validator = error.validator
    instance = error.instance
    if validator == "additionalProperties" and isinstance(instance, dict):
        props = schema.get("properties", {})
        where = format_path(path) if path else "the top level"
        for key in _extra_keys(instance, schema):
            close = suggest(key, props)
            allowed = ", ".join(sorted(props))
            hint = f"did you mean {close!r}?" if close else f"known keys here: {allowed}"
            yield SchemaIssue((*path, key), f"unknown key under {where}: nothing reads it", hint, True)
        return
    custom = schema.get("x-message")
    if validator == "type":
        got = _type_name(instance)
        if not isinstance(instance, (dict, list)) and instance is not None:
            got = f"{got} {_show(instance)}"
        message = f"expected {_expected(error.validator_value)}, got {got}"
        if isinstance(instance, str) and "boolean" in str(error.validator_value):
            word = instance.strip().lower()
            if word in ("true", "false"):
                hint = f"write {word} without quotes"
            else:
                hint = "write true or false, without quotes"
        elif (
            isinstance(instance, (int, float))
            and not isinstance(instance, bool)
            and "string" in str(error.validator_value)
        ):
            hint = "quote the value so that Helm keeps it as text"
        else:
            hint = ""
        yield SchemaIssue(path, message, hint)
        return
    if isinstance(custom, str):
        yield SchemaIssue(path, f"{custom}, got {_show(instance)}")
        return
    yield SchemaIssue(path, error.message)


def validate(data: Mapping[str, Any], name: str) -> list[SchemaIssue]:
    """Validate plain values against the schema ``name``; issues sorted by key path."""
    validator = _validator(name)
    issues: list[SchemaIssue] = []
    for error in validator.iter_errors(data):
        issues.extend(_issues_from_error(error))
    seen: set[tuple[KeyPath, str]] = set()
    unique: list[SchemaIssue] = []
    for issue in issues:
        marker = (issue.path, issue.message)
        if marker not in seen:
            seen.add(marker)
            unique.append(issue)
    unique.sort(key=lambda i: tuple(str(p) for p in i.path))
    return unique


# ----------------------------------------------------------------------------------------------------------
# Likely typos in open maps
# ----------------------------------------------------------------------------------------------------------


def _resolve(schema: Any, root: Mapping[str, Any]) -> Any:
    seen = 0
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 20:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return schema  # pragma: no cover - the bundled schemas use local references only
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        schema = target
        seen += 1
    return schema


def likely_typos(data: Mapping[str, Any], name: str, cutoff: float = TYPO_CUTOFF) -> list[SchemaIssue]:
    """Unknown keys of the open maps described by the schema that are very close to a known key.

    Open maps accept any key (Helm and other charts put keys there), so these are not schema errors; a key
    one typo away from a key the chart reads (``dagOnlyDeploymnet``), or a key renamed between layouts
    (``podDisruptionBudgetsEnabled`` on 2.x), is still worth a warning.
    """
    root = load_schema(name)
    found: list[SchemaIssue] = []

    def walk(schema: Any, value: Any, path: KeyPath) -> None:
        schema = _resolve(schema, root)
        if not isinstance(schema, Mapping) or not isinstance(value, dict):
            return
        props = schema.get("properties", {})
        closed = schema.get("additionalProperties") is False
        for key, child in value.items():
            if key in props:
                walk(props[key], child, (*path, key))
            elif not closed and not schema.get("patternProperties"):
                close = suggest(key, props, cutoff)
                if close is not None:
                    where = format_path(path) if path else "the top level"
                    found.append(
                        SchemaIssue(
                            (*path, key),
                            f"unknown key under {where}; {close!r}, a close name, is a known key there",
                            f"did you mean {close!r}?",
                        )
                    )

    walk(root, data, ())
    return found
