"""Effective values of a layered set, the way Helm 3.17 computes them, with the provenance of every value.

Helm's order (``helm install/upgrade/template``):

1. every ``-f FILE`` in order, merged with ``mergeMaps``: maps merge deeply, a later file wins, lists and
   scalars are replaced whole, and a ``null`` replaces what earlier files set (it stays ``null``);
2. every ``--set``, then every ``--set-string`` (see :mod:`astro_config.helm.setvalues`), written into that map;
3. the chart's own ``values.yaml`` (``--chart-values``, what ``helm show values`` prints) is the lowest layer,
   coalesced under the user's values: a user ``null`` over a chart default *deletes* the key (templates see
   it as unset), a ``null`` for a key the chart does not have stays ``null``, chart keys the user does not
   set are added, and on a map/non-map conflict the user's value wins.

Every path of the result has an :class:`Origin`: ``FILE:LINE`` of the key that set it, or the ``--set``
argument. :func:`explain` tells, for one key, the effective value, the layer that set it and what it
overrode below.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from astro_config.helm import helmyaml, setvalues
from astro_config.helm.setvalues import SetArg
from astro_config.keypath import KeyPath, format_path
from astro_config.secrets import redact

Position = tuple[int, int]
Locator = Callable[[KeyPath], Position | None]

MISSING: Any = object()


class LayerKind(StrEnum):
    CHART = "chart"  # --chart-values: the chart's defaults, lowest
    FILE = "file"  # -f FILE
    SET = "set"  # --set / --set-string


def _no_position(path: KeyPath) -> Position | None:
    return None


@dataclass(frozen=True)
class Layer:
    """One layer: a values file (or the chart's defaults) with a way to find where a key was written."""

    name: str
    data: dict[str, Any]
    locate: Locator = _no_position
    kind: LayerKind = LayerKind.FILE

    @classmethod
    def from_text(cls, text: str, name: str, kind: LayerKind = LayerKind.FILE) -> Layer:
        hv = helmyaml.load(text, name)
        return cls(name, hv.data, hv.locate, kind)


@dataclass(frozen=True)
class Origin:
    """Where a value came from: ``values.yaml:12`` or ``--set a.b=c``."""

    kind: LayerKind
    source: str  # file name, or "--set" / "--set-string"
    line: int | None = None
    column: int | None = None
    argument: str | None = None  # the --set argument text

    def __str__(self) -> str:
        if self.kind is LayerKind.SET:
            return f"{self.source} {self.argument}" if self.argument is not None else self.source
        if self.line is not None:
            return f"{self.source}:{self.line}"
        return self.source

    def describe(self, redact_argument: Callable[[str], str] | None = None) -> str:
        if self.kind is LayerKind.SET and self.argument is not None and redact_argument is not None:
            return f"{self.source} {redact_argument(self.argument)}"
        return str(self)


@dataclass(frozen=True)
class Setting:
    """What one layer says about one key path."""

    origin: Origin
    value: Any  # MISSING when the layer replaced an ancestor with a non-map or null
    note: str = ""


@dataclass
class Effective:
    """The effective values (``.Values``) and where each came from."""

    values: dict[str, Any]
    origins: dict[KeyPath, Origin]
    layers: list[Layer] = field(default_factory=list)
    set_args: list[SetArg] = field(default_factory=list)
    deleted: dict[KeyPath, Origin] = field(default_factory=dict)  # chart defaults removed by a user null

    def origin(self, path: KeyPath) -> Origin | None:
        path = tuple(path)
        while True:
            if path in self.origins:
                return self.origins[path]
            if not path:
                return None
            path = path[:-1]

    def get(self, path: KeyPath, default: Any = MISSING) -> Any:
        return get_path(self.values, path, default)

    def canonical(self) -> dict[str, Any]:
        """The values as templates see them after Helm's JSON round trip (``1.0`` -> ``1``), keys in order."""
        out = helmyaml.sort_like_helm(helmyaml.canonical(self.values))
        assert isinstance(out, dict)
        return out


def get_path(data: Any, path: KeyPath, default: Any = MISSING) -> Any:
    cur = data
    for part in path:
        if isinstance(cur, list) and isinstance(part, int):
            if not 0 <= part < len(cur):
                return default
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str):
            if part not in cur:
                return default
            cur = cur[part]
        else:
            return default
    return cur


def walk(data: Any, prefix: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """Every (path, value) below ``data`` (``data`` itself first), depth first."""
    yield prefix, data
    if isinstance(data, dict):
        for k, v in data.items():
            yield from walk(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from walk(v, (*prefix, i))


class _Tracker:
    """Origins of every path, kept in step with the data as layers are applied."""

    def __init__(self) -> None:
        self.origins: dict[KeyPath, Origin] = {}

    def drop(self, prefix: KeyPath) -> None:
        n = len(prefix)
        for p in [p for p in self.origins if p[:n] == prefix]:
            del self.origins[p]

    def take(self, prefix: KeyPath, value: Any, origin_of: Callable[[KeyPath], Origin]) -> None:
        self.drop(prefix)
        for rel, _ in walk(value):
            full = prefix + rel
            self.origins[full] = origin_of(full)


def _file_origin(layer: Layer) -> Callable[[KeyPath], Origin]:
    def origin_of(path: KeyPath) -> Origin:
        pos = None
        p = path
        while pos is None and p:
            pos = layer.locate(p)
            if pos is None:
                p = p[:-1]
        if pos is None:
            return Origin(layer.kind, layer.name)
        return Origin(layer.kind, layer.name, pos[0], pos[1])

    return origin_of


def _merge_maps(base: dict[str, Any], top: dict[str, Any], prefix: KeyPath, tr: _Tracker, layer: Layer) -> None:
    """Helm's ``mergeMaps`` (pkg/cli/values/options.go), in place on ``base``."""
    origin_of = _file_origin(layer)
    for k, v in top.items():
        path = (*prefix, k)
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            tr.origins[path] = origin_of(path)
            _merge_maps(base[k], v, path, tr, layer)
            continue
        base[k] = copy.deepcopy(v)
        tr.take(path, v, origin_of)


def _coalesce_values(
    user: dict[str, Any],
    chart: dict[str, Any],
    tr: _Tracker,
    chart_layer: Layer,
    deleted: dict[KeyPath, Origin],
    warnings: list[str],
) -> None:
    """Helm's ``coalesceValues`` for the top level (pkg/chartutil/coalesce.go)."""
    origin_of = _file_origin(chart_layer)
    for key, val in chart.items():
        path = (key,)
        if key in user:
            value = user[key]
            if value is None:
                deleted[path] = tr.origins.get(path, origin_of(path))
                del user[key]
                tr.drop(path)
            elif isinstance(value, dict):
                if not isinstance(val, dict):
                    if val is not None:
                        warnings.append(f"skipped value for {key}: Not a table.")
                    continue
                _coalesce_tables(value, val, path, tr, origin_of, deleted, warnings)
        else:
            user[key] = copy.deepcopy(val)
            tr.take(path, val, origin_of)


def _coalesce_tables(
    dst: dict[str, Any],
    src: dict[str, Any],
    prefix: KeyPath,
    tr: _Tracker,
    origin_of: Callable[[KeyPath], Origin],
    deleted: dict[KeyPath, Origin],
    warnings: list[str],
) -> None:
    """Helm's ``coalesceTablesFullKey`` with merge=false: ``dst`` (user) wins, ``src`` (chart) fills in."""
    for key, val in src.items():
        path = (*prefix, key)
        full = format_path(path)
        if key in dst and dst[key] is None:
            deleted[path] = tr.origins.get(path, origin_of(path))
            del dst[key]
            tr.drop(path)
        elif key not in dst:
            dst[key] = copy.deepcopy(val)
            tr.take(path, val, origin_of)
        elif isinstance(val, dict):
            dv = dst[key]
            if isinstance(dv, dict):
                _coalesce_tables(dv, val, path, tr, origin_of, deleted, warnings)
            else:
                warnings.append(f"cannot overwrite table with non table for {full} ({val})")
        elif isinstance(dst[key], dict) and val is not None:
            warnings.append(f"destination for {full} is a table. Ignoring non-table value ({val})")


def _constant(origin: Origin) -> Callable[[KeyPath], Origin]:
    def origin_of(path: KeyPath) -> Origin:
        return origin

    return origin_of


@dataclass
class MergeReport:
    """Effective values plus Helm's own warnings about the merge."""

    effective: Effective
    warnings: list[str]


def merge(
    layers: Sequence[Layer],
    set_args: Iterable[SetArg | str] = (),
    chart: Layer | None = None,
) -> Effective:
    """Effective values of ``-f`` layers (in order), ``--set``/``--set-string`` arguments and chart defaults."""
    return merge_report(layers, set_args, chart).effective


def merge_report(
    layers: Sequence[Layer],
    set_args: Iterable[SetArg | str] = (),
    chart: Layer | None = None,
) -> MergeReport:
    args = [a if isinstance(a, SetArg) else SetArg(a) for a in set_args]
    tr = _Tracker()
    values: dict[str, Any] = {}
    for layer in layers:
        _merge_maps(values, layer.data, (), tr, layer)
    for arg in setvalues.helm_order(args):
        set_origin = Origin(LayerKind.SET, arg.flag, argument=arg.text)
        for path in setvalues.apply(values, arg):
            assigned = get_path(values, path)
            if assigned is MISSING:
                continue
            tr.take(path, assigned, _constant(set_origin))
            # maps created on the way belong to the --set too
            for i in range(1, len(path)):
                tr.origins.setdefault(path[:i], set_origin)
        # whatever else this argument created (list padding, a list left empty) is its doing as well
        for path, _ in walk(values):
            if path and path not in tr.origins:
                tr.origins[path] = set_origin
    deleted: dict[KeyPath, Origin] = {}
    warnings: list[str] = []
    all_layers = list(layers)
    if chart is not None:
        chart_layer = Layer(chart.name, chart.data, chart.locate, LayerKind.CHART)
        _coalesce_values(values, chart_layer.data, tr, chart_layer, deleted, warnings)
        all_layers = [chart_layer, *all_layers]
    tr.origins.pop((), None)
    eff = Effective(values, tr.origins, all_layers, args, deleted)
    return MergeReport(eff, warnings)


# --------------------------------------------------------------------------------------------------
# explain
# --------------------------------------------------------------------------------------------------


@dataclass
class Explanation:
    """The story of one key: its effective value, the layer that set it, and what lay below."""

    path: KeyPath
    present: bool
    value: Any  # MISSING when not present
    origin: Origin | None
    settings: list[Setting]  # every layer that said something about the key, lowest first
    note: str = ""

    @property
    def key(self) -> str:
        return format_path(self.path)

    @property
    def overridden(self) -> list[Setting]:
        """The settings below the one in force (lowest first)."""
        if self.origin is None:
            return list(self.settings)
        out: list[Setting] = []
        for s in self.settings:
            if s.origin == self.origin:
                break
            out.append(s)
        return out


def _layer_setting(data: dict[str, Any], path: KeyPath) -> tuple[Any, KeyPath | None]:
    """The layer's value at ``path``; or MISSING and the ancestor path whose non-map value hides it."""
    cur: Any = data
    for i, part in enumerate(path):
        if isinstance(cur, dict) and isinstance(part, str):
            if part not in cur:
                return MISSING, None
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int):
            if not 0 <= part < len(cur):
                return MISSING, None
            cur = cur[part]
        else:
            return MISSING, path[:i]
    return cur, None


def explain(effective: Effective, path: KeyPath) -> Explanation:
    path = tuple(path)
    value = effective.get(path)
    present = value is not MISSING
    origin = effective.origins.get(path) if present else None
    if present and origin is None:
        origin = effective.origin(path)
    settings: list[Setting] = []
    for layer in effective.layers:
        v, hidden_by = _layer_setting(layer.data, path)
        of = _file_origin(layer)
        if v is not MISSING:
            settings.append(Setting(of(path), copy.deepcopy(v)))
        elif hidden_by is not None and hidden_by:
            above = get_path(layer.data, hidden_by)
            what = "null" if above is None else f"a {type(above).__name__}"
            settings.append(Setting(of(hidden_by), MISSING, f"sets {format_path(hidden_by)} to {what}"))
    for arg in setvalues.helm_order(effective.set_args):
        alone = setvalues.parse(arg.text, as_string=arg.kind == "set-string")
        v, hidden_by = _layer_setting(alone, path)
        o = Origin(LayerKind.SET, arg.flag, argument=arg.text)
        if v is not MISSING:
            settings.append(Setting(o, v))
        elif hidden_by:
            settings.append(Setting(o, MISSING, f"sets {format_path(hidden_by)}"))
    note = ""
    if not present:
        for p in [path[:i] for i in range(len(path), 0, -1)]:
            if p in effective.deleted:
                note = f"{format_path(p)} is unset: the null at {effective.deleted[p]} deletes the chart default"
                break
        if not note:
            note = "not set by any layer" if not settings else "not present in the effective values"
    elif value is None:
        note = "null: templates see it as unset"
    return Explanation(path, present, value if present else MISSING, origin, settings, note)


# --------------------------------------------------------------------------------------------------
# warnings about typing
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypingWarning:
    key: str
    origin: str
    message: str


def typing_warnings(texts: Sequence[tuple[str, str]], set_args: Iterable[SetArg | str] = ()) -> list[TypingWarning]:
    """Scalars in the given (name, text) files and ``--set`` arguments whose Helm meaning may surprise."""
    out: list[TypingWarning] = []
    for name, text in texts:
        for s in helmyaml.surprises(text, name):
            out.append(TypingWarning(s.key, f"{name}:{s.line}", s.message))
    for a in set_args:
        arg = a if isinstance(a, SetArg) else SetArg(a)
        for ss in setvalues.surprises(arg):
            out.append(TypingWarning(ss.key, str(arg), ss.message))
    return out


# --------------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------------


def render(
    effective: Effective,
    fmt: str = "yaml",
    *,
    show_secrets: bool = False,
    patterns: Sequence[str] | None = None,
) -> str:
    """The effective values as ``merge`` prints them: ``yaml`` exactly as Helm's ``toYaml`` (keys in its
    order), ``json`` as Go's ``json.MarshalIndent`` (keys sorted, as ``toJson``), secrets redacted unless
    ``show_secrets``. Ends with a newline."""
    values: Any = helmyaml.canonical(effective.values)
    if not show_secrets:
        values = redact.redact(values, patterns if patterns is not None else redact.DEFAULT_PATTERNS)
    if fmt == "json":
        return helmyaml.to_json(values, indent=2, escape_html=False) + "\n"
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}: use yaml or json")
    return helmyaml.to_yaml(values)


def _show(value: Any) -> str:
    if value is MISSING:
        return "(unset)"
    return helmyaml.to_json(helmyaml.sort_like_helm(helmyaml.canonical(value)), escape_html=False)


def render_explanation(
    ex: Explanation,
    *,
    show_secrets: bool = False,
    patterns: Sequence[str] | None = None,
) -> str:
    """``explain KEY`` as text: the effective value and where it came from, then what it overrode."""
    pats = patterns if patterns is not None else redact.DEFAULT_PATTERNS

    def shown(value: Any, path: KeyPath) -> str:
        if value is MISSING:
            return "(unset)"
        v = value if show_secrets else redact.redact_at(path, value, pats)
        return _show(v)

    def where(origin: Origin | None) -> str:
        if origin is None:
            return "(nowhere)"
        return origin.describe(None if show_secrets else (lambda t: redact.redact_set_argument(t, pats)))

    lines = [f"{ex.key}: {shown(ex.value, ex.path) if ex.present else '(unset)'}"]
    if ex.present:
        lines.append(f"  set by    {where(ex.origin)}")
    if ex.note:
        lines.append(f"  note      {ex.note}")
    below = ex.overridden if ex.present else ex.settings
    if below:
        lines.append("  overrides" if ex.present else "  layers")
        for s in reversed(below):
            text = s.note if s.value is MISSING and s.note else shown(s.value, ex.path)
            lines.append(f"    {where(s.origin)}: {text}")
    return "\n".join(lines) + "\n"
