"""The bundled JSON Schemas (one per layout generation) and validation of values against them.

The schemas live in the repository's top-level ``schemas/`` folder, which the wheel ships as
``astro_config/schemas``. They are read from the package folder (through :mod:`importlib.resources` only when
the package is not a plain folder, e.g. a zip); from a source checkout (where ``astro_config/schemas`` does not
exist) the top-level folder beside the package is used instead.

Validation does not need jsonschema on the lint path: the bundled schemas use a small set of keywords, which
:class:`_Compiled` implements with jsonschema's semantics and error records (checked against jsonschema by the
tests). A schema that uses any other keyword is validated by jsonschema itself, imported only then. Importing
jsonschema costs about 0.1 s, more than linting a values file; compiled validators are cached.
"""

from __future__ import annotations

import functools
import json
import numbers
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from astro_config.document.reader import type_name
from astro_config.errors import SchemaNotFoundError
from astro_config.keypath import KeyPath, format_path
from astro_config.platform import profiles

if TYPE_CHECKING:  # pragma: no cover - typing only (Protocol classes cost import time)
    from importlib.resources.abc import Traversable
    from typing import Protocol

    class _ErrorLike(Protocol):
        """What :func:`_issues_from_error` reads from a validation error (jsonschema's ``ValidationError`` has it)."""

        @property
        def absolute_path(self) -> Iterable[str | int]: ...

        @property
        def schema(self) -> Any: ...

        @property
        def validator(self) -> Any: ...

        @property
        def validator_value(self) -> Any: ...

        @property
        def instance(self) -> Any: ...

        @property
        def message(self) -> str: ...

    class Validator(Protocol):
        def iter_errors(self, instance: Any) -> Iterator[Any]: ...


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
    package = Path(__file__).parent.parent  # astro_config/
    if os.path.isdir(package):  # a plain folder: no need for importlib.resources (a few ms to import)
        # installed: astro_config/schemas; a source checkout: the top-level schemas/ folder beside the package
        return [package / _FOLDER / filename, package.parent / _FOLDER / filename]
    from importlib import resources  # pragma: no cover  # lazy: only for a zipped package

    return [resources.files(_PACKAGE).joinpath(_FOLDER, filename)]  # pragma: no cover


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


class SchemaIssue(NamedTuple):  # (a NamedTuple: about 0.5 ms less to create than a dataclass, at start-up)
    """One schema finding: where it is, what is wrong, and a suggestion when there is one."""

    path: KeyPath  # the offending key (for an unknown key: that key's own path)
    message: str
    hint: str = ""
    unknown_key: bool = False  # an unknown key in a closed map


class SchemaError(NamedTuple):  # (a NamedTuple: about 0.5 ms less to create than a dataclass, at start-up)
    """One failed keyword, with the fields of jsonschema's ``ValidationError`` that the lint rules read."""

    absolute_path: KeyPath
    schema: Mapping[str, Any]
    validator: str
    validator_value: Any
    instance: Any
    message: str


class _Unsupported(Exception):
    """The schema uses a keyword that :class:`_Compiled` does not implement (jsonschema validates it then)."""


# Keywords that do not validate anything (annotations, definitions); ``x-*`` keywords are ours.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "definitions", "title", "description", "default", "examples",
     "deprecated", "readOnly", "writeOnly"}
)  # fmt: skip
_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})

_Check = Callable[[Any, KeyPath, list[SchemaError]], None]


def _is_type(value: Any, name: str) -> bool:
    """jsonschema's draft 2020-12 type checker."""
    if name == "object":
        return isinstance(value, dict)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if name == "array":
        return isinstance(value, list)
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return isinstance(value, numbers.Number)  # "number"


def _unbool(value: Any) -> Any:
    return ("\0bool", value) if isinstance(value, bool) else value


def _equal(one: Any, two: Any) -> bool:
    """jsonschema's ``equal``: JSON equality, where true is not 1 and false is not 0."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list | tuple) and isinstance(two, list | tuple):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and _equal(v, two[k]) for k, v in one.items())
    return bool(_unbool(one) == _unbool(two))


class _Compiled:
    """A JSON Schema compiled to closures, for the keywords the bundled schemas use. ``iter_errors`` yields
    errors in jsonschema's order, with its paths, failing keywords, schemas and messages."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self._memo: dict[int, _Check] = {}
        self._check = self._compile(root)

    def iter_errors(self, instance: Any) -> Iterator[SchemaError]:
        out: list[SchemaError] = []
        self._check(instance, (), out)
        return iter(out)

    # -- compiling ------------------------------------------------------------------------------------------
    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise _Unsupported(f"$ref {ref}")
        target: Any = self.root
        for part in ref[1:].split("/")[1:] if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and part in target:
                target = target[part]
            else:
                raise _Unsupported(f"$ref {ref}")
        return target

    def _compile(self, schema: Any) -> _Check:
        if schema is True or (isinstance(schema, Mapping) and not schema):
            return _accept
        if not isinstance(schema, Mapping):
            raise _Unsupported(f"schema {schema!r}")  # false, or not a schema
        key = id(schema)
        if key in self._memo:
            return self._memo[key]
        parts: list[_Check] = []

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            for part in parts:
                part(instance, path, out)

        self._memo[key] = check  # before compiling the parts: $ref cycles end here
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                continue
            make = getattr(self, "_k_" + keyword.lstrip("$"), None)
            if make is None:
                raise _Unsupported(keyword)
            parts.append(make(value, schema))
        return check

    def _k_ref(self, ref: Any, schema: Mapping[str, Any]) -> _Check:
        if not isinstance(ref, str):
            raise _Unsupported("$ref")
        target = self._resolve(ref)
        return self._compile(target)

    def _k_type(self, types: Any, schema: Mapping[str, Any]) -> _Check:
        names = [types] if isinstance(types, str) else list(types)
        if not all(isinstance(t, str) and t in _TYPES for t in names):
            raise _Unsupported(f"type {types!r}")
        reprs = ", ".join(repr(t) for t in names)

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            for t in names:
                if _is_type(instance, t):
                    return
            out.append(SchemaError(path, schema, "type", types, instance, f"{instance!r} is not of type {reprs}"))

        return check

    def _k_properties(self, properties: Any, schema: Mapping[str, Any]) -> _Check:
        compiled = [(name, self._compile(sub)) for name, sub in properties.items()]
        compiled = [(name, c) for name, c in compiled if c is not _accept]

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if not isinstance(instance, dict):
                return
            for name, sub in compiled:
                if name in instance:
                    sub(instance[name], (*path, name), out)

        return check

    def _k_patternProperties(self, patterns: Any, schema: Mapping[str, Any]) -> _Check:
        compiled = [(re.compile(p), self._compile(sub)) for p, sub in patterns.items()]

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if not isinstance(instance, dict):
                return
            for pattern, sub in compiled:
                for k, v in instance.items():
                    if pattern.search(k):
                        sub(v, (*path, k), out)

        return check

    def _k_additionalProperties(self, extra: Any, schema: Mapping[str, Any]) -> _Check:
        props = schema.get("properties", {})
        pattern_names = schema.get("patternProperties", {})
        joined = re.compile("|".join(pattern_names)) if pattern_names else None

        def extras(instance: dict[str, Any]) -> list[str]:
            return [k for k in instance if k not in props and not (joined is not None and joined.search(k))]

        if isinstance(extra, dict):
            sub = self._compile(extra)

            def check_each(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
                if isinstance(instance, dict):
                    for k in extras(instance):
                        sub(instance[k], (*path, k), out)

            return check_each
        if extra is not False:
            return _accept

        def check_none(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if not isinstance(instance, dict):
                return
            found = extras(instance)
            if not found:
                return
            if pattern_names:
                verb = "does" if len(set(found)) == 1 else "do"
                shown = ", ".join(repr(k) for k in sorted(set(found)))
                regexes = ", ".join(repr(p) for p in sorted(pattern_names))
                message = f"{shown} {verb} not match any of the regexes: {regexes}"
            else:
                verb = "was" if len(set(found)) == 1 else "were"
                shown = ", ".join(repr(k) for k in sorted(set(found), key=str))
                message = f"Additional properties are not allowed ({shown} {verb} unexpected)"
            out.append(SchemaError(path, schema, "additionalProperties", extra, instance, message))

        return check_none

    def _k_items(self, items: Any, schema: Mapping[str, Any]) -> _Check:
        if "prefixItems" in schema or items is False:
            raise _Unsupported("prefixItems")
        sub = self._compile(items)

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if isinstance(instance, list):
                for i, item in enumerate(instance):
                    sub(item, (*path, i), out)

        return check

    def _k_required(self, required: Any, schema: Mapping[str, Any]) -> _Check:
        names = list(required)

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if isinstance(instance, dict):
                for name in names:
                    if name not in instance:
                        message = f"{name!r} is a required property"
                        out.append(SchemaError(path, schema, "required", required, instance, message))

        return check

    def _k_anyOf(self, options: Any, schema: Mapping[str, Any]) -> _Check:
        compiled = [self._compile(sub) for sub in options]

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            for sub in compiled:
                found: list[SchemaError] = []
                sub(instance, path, found)
                if not found:
                    return
            message = f"{instance!r} is not valid under any of the given schemas"
            out.append(SchemaError(path, schema, "anyOf", options, instance, message))

        return check

    def _k_allOf(self, parts: Any, schema: Mapping[str, Any]) -> _Check:
        compiled = [self._compile(sub) for sub in parts]

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            for sub in compiled:
                sub(instance, path, out)

        return check

    def _k_const(self, const: Any, schema: Mapping[str, Any]) -> _Check:
        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if not _equal(instance, const):
                out.append(SchemaError(path, schema, "const", const, instance, f"{const!r} was expected"))

        return check

    def _k_enum(self, enums: Any, schema: Mapping[str, Any]) -> _Check:
        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if all(not _equal(each, instance) for each in enums):
                message = f"{instance!r} is not one of {enums!r}"
                out.append(SchemaError(path, schema, "enum", enums, instance, message))

        return check

    def _k_minimum(self, minimum: Any, schema: Mapping[str, Any]) -> _Check:
        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if _is_type(instance, "number") and instance < minimum:
                message = f"{instance!r} is less than the minimum of {minimum!r}"
                out.append(SchemaError(path, schema, "minimum", minimum, instance, message))

        return check

    def _k_maximum(self, maximum: Any, schema: Mapping[str, Any]) -> _Check:
        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if _is_type(instance, "number") and instance > maximum:
                message = f"{instance!r} is greater than the maximum of {maximum!r}"
                out.append(SchemaError(path, schema, "maximum", maximum, instance, message))

        return check

    def _k_minLength(self, length: Any, schema: Mapping[str, Any]) -> _Check:
        word = "should be non-empty" if length == 1 else "is too short"

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if isinstance(instance, str) and len(instance) < length:
                out.append(SchemaError(path, schema, "minLength", length, instance, f"{instance!r} {word}"))

        return check

    def _k_maxLength(self, length: Any, schema: Mapping[str, Any]) -> _Check:
        word = "is expected to be empty" if length == 0 else "is too long"

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if isinstance(instance, str) and len(instance) > length:
                out.append(SchemaError(path, schema, "maxLength", length, instance, f"{instance!r} {word}"))

        return check

    def _k_pattern(self, pattern: Any, schema: Mapping[str, Any]) -> _Check:
        compiled = re.compile(pattern)

        def check(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
            if isinstance(instance, str) and not compiled.search(instance):
                message = f"{instance!r} does not match {pattern!r}"
                out.append(SchemaError(path, schema, "pattern", pattern, instance, message))

        return check


def _accept(instance: Any, path: KeyPath, out: list[SchemaError]) -> None:
    return None


def _jsonschema_validator(name: str) -> Validator:
    """jsonschema's own validator for the schema ``name`` (checked against its metaschema first)."""
    # lazy: start-up (jsonschema ~0.1 s); only for a schema the compiled validator cannot run
    from jsonschema import FormatChecker
    from jsonschema.validators import validator_for

    schema = dict(load_schema(name))
    cls = validator_for(schema)
    cls.check_schema(schema)
    validator: Validator = cls(schema, format_checker=FormatChecker())
    return validator


@functools.cache
def _validator(name: str) -> Validator:
    """The compiled validator for the schema ``name``: :class:`_Compiled`, or jsonschema's for a schema that
    uses a keyword :class:`_Compiled` does not implement."""
    try:
        return _Compiled(load_schema(name))
    except _Unsupported:
        return _jsonschema_validator(name)


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
    import difflib  # lazy: start-up; only when there is a key to suggest for

    lowered: dict[str, str] = {}
    for k in names:
        lowered.setdefault(k.lower(), k)
    match = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=cutoff)
    if not match or lowered[match[0]] == key:
        return None
    return lowered[match[0]]


def _extra_keys(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    props = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return [k for k in instance if k not in props and not any(p.search(k) for p in patterns)]


def _issues_from_error(error: _ErrorLike) -> Iterator[SchemaIssue]:
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
        got = type_name(instance)
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
    names: dict[int, tuple[str, ...]] = {}

    def walk(schema: Any, value: Any, path: KeyPath) -> None:
        schema = _resolve(schema, root)
        if not isinstance(schema, Mapping) or not isinstance(value, dict):
            return
        props = schema.get("properties")
        if not props:
            return  # no known key: nothing to walk into, nothing to suggest
        closed = schema.get("additionalProperties") is False
        for key, child in value.items():
            if key in props:
                walk(props[key], child, (*path, key))
            elif not closed and not schema.get("patternProperties"):
                known = names.get(id(props))
                if known is None:
                    known = names[id(props)] = tuple(k for k in props if isinstance(k, str))
                close = _suggest(key, known, cutoff) if isinstance(key, str) else None
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
