"""Lint rules: each one a stable kebab-case id, a severity, a description, a hint and a check.

``RULES`` maps the id to its :class:`Rule`. A rule's ``check(ctx)`` yields :class:`Problem` records for one
document; it never prints and never raises for bad values (bad values are what it reports). Three rules are
reported by the engine itself (:mod:`astro_config.lint.engine`): ``syntax``, ``duplicate-key`` and
``unknown-platform``; their checks yield nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, NamedTuple, Protocol

from astro_config.errors import QuantityError
from astro_config.keypath import KeyPath, format_path
from astro_config.lint import schemas
from astro_config.models import Problem, Severity
from astro_config.platform import houston as houston_model
from astro_config.platform import profiles, releases
from astro_config.platform.quantities import format_cpu, format_memory, parse_cpu, parse_memory


class LintDocument(Protocol):
    """What the rules need from a parsed values file (:class:`astro_config.document.reader.ValuesDocument`)."""

    text: str

    @property
    def name(self) -> str: ...

    @property
    def lines(self) -> list[str]: ...

    @property
    def data(self) -> dict[str, Any]: ...

    def locate(self, path: KeyPath) -> tuple[int, int] | None: ...

    def scalar_source(self, path: KeyPath) -> str | None: ...


_MISSING: Any = object()


def get(data: Any, path: KeyPath, default: Any = _MISSING) -> Any:
    """The plain value at ``path``, or ``default``."""
    cur = data
    for part in path:
        found = (isinstance(part, str) and isinstance(cur, dict) and part in cur) or (
            isinstance(part, int) and isinstance(cur, list) and 0 <= part < len(cur)
        )
        if not found:
            return default
        cur = cur[part]
    return cur


def helm_merge(chart: Any, user: Any) -> Any:
    """Helm's merge of a user value over a chart default: maps merge deeply, a null deletes a chart key,
    anything else replaces the default whole."""
    if isinstance(chart, Mapping) and isinstance(user, Mapping):
        merged: dict[str, Any] = dict(chart)
        for key, value in user.items():
            if value is None and key in merged:
                del merged[key]
            elif key in merged:
                merged[key] = helm_merge(merged[key], value)
            else:
                merged[key] = value
        return merged
    return user


@dataclass
class LintContext:
    """One document, the platform it is linted for, and the options of the run."""

    doc: LintDocument
    platform: profiles.Platform
    upload_bytes: int | None = None
    upload_label: str | None = None

    # -- facts ----------------------------------------------------------------------------------------------
    @property
    def generation(self) -> profiles.Generation:
        return self.platform.generation

    @cached_property
    def data(self) -> dict[str, Any]:
        return self.doc.data

    def get(self, path: KeyPath, default: Any = None) -> Any:
        return get(self.data, path, default)

    def has(self, path: KeyPath) -> bool:
        return get(self.data, path) is not _MISSING

    @cached_property
    def enabled(self) -> bool:
        """Either switch of the feature is on (for this generation's keys)."""
        gen = self.generation
        return self.get(gen.global_flag) is True or self.get(gen.houston_flag) is True

    @cached_property
    def third_party_ingress(self) -> bool:
        """The bundled nginx is switched off: a third-party ingress controller serves the platform."""
        return self.get(self.generation.ingress_key) is False

    @property
    def ingress(self) -> str:
        return "third-party" if self.third_party_ingress else "bundled"

    @cached_property
    def user_resources(self) -> Any:
        return self.get(self.generation.resources, _MISSING)

    @cached_property
    def merged_resources(self) -> Any:
        """The DAG server's resources once Helm merged the file over the chart's defaults."""
        defaults = self.generation.default_resources
        user = self.user_resources
        if user is _MISSING or user is None:
            return dict(defaults)
        return helm_merge(defaults, user)

    @cached_property
    def houston(self) -> houston_model.HoustonConfig:
        """What Houston reads: its defaults, what the chart generates, and the passthrough over it."""
        return houston_model.houston_config(self.doc, self.platform)

    @cached_property
    def houston_sized(self) -> houston_model.HoustonConfig:
        """What Houston reads once the feature is on (for judging the DAG server's resources)."""
        return houston_model.houston_config(self.doc, self.platform, assume_on=True)

    def upload_text(self) -> str:
        from astro_config.platform.sizing import format_bytes  # lazy: start-up of lint; only with --upload

        assert self.upload_bytes is not None
        shown = f"an upload of {format_bytes(self.upload_bytes)}"
        return f"{shown} ({self.upload_label})" if self.upload_label else shown

    # -- problems -------------------------------------------------------------------------------------------
    def position(self, path: KeyPath) -> tuple[int, int]:
        """1-based position of the key at ``path`` or of its nearest ancestor present; (0, 0) when none is."""
        p = tuple(path)
        while p:
            loc = self.doc.locate(p)
            if loc is not None:
                return loc
            p = p[:-1]
        return (0, 0)

    def problem(self, rule_id: str, path: KeyPath, message: str, hint: str | None = None) -> Problem:
        rule = RULES[rule_id]
        line, column = self.position(path)
        return Problem(
            file=self.doc.name,
            line=line,
            column=column,
            rule=rule_id,
            severity=rule.severity,
            message=message,
            key=format_path(path) if path else "",
            hint=rule.hint if hint is None else hint,
        )


Check = Callable[[LintContext], Iterator[Problem]]


def _engine(ctx: LintContext) -> Iterator[Problem]:
    """Reported by the lint engine, not by a check over a parsed document."""
    return iter(())


class Rule(NamedTuple):  # (a NamedTuple: cheaper to create than a dataclass at start-up)
    id: str
    severity: Severity
    description: str  # one line, for the docs and SARIF
    hint: str  # the default advice shown with a finding
    checker: Check = _engine

    def check(self, ctx: LintContext) -> Iterator[Problem]:
        return self.checker(ctx)


# ----------------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------------


def _under(path: KeyPath, roots: tuple[KeyPath, ...]) -> bool:
    return any(path[: len(r)] == r for r in roots)


def _wrong_roots(gen: profiles.Generation) -> tuple[KeyPath, ...]:
    return tuple(w.path for w in gen.wrong_keys)


def _leaves(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path, value


_QUANTITY_NAMES = ("cpu", "memory", "ephemeral-storage")


def _parse_amount(name: str, value: Any) -> Fraction | int:
    if name == "cpu":
        return parse_cpu(value)
    return parse_memory(value)


def _show_amount(name: str, amount: Fraction | int) -> str:
    if name == "cpu":
        return format_cpu(amount)
    assert isinstance(amount, int)
    return format_memory(amount)


def _is_quantity_name(name: str) -> bool:
    return name in _QUANTITY_NAMES or name.startswith("hugepages-")


def _version_tuple(tag: str) -> tuple[int, ...] | None:
    m = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+_.][0-9A-Za-z.\-+_]*)?$", tag)
    if not m:
        return None
    return tuple(int(g or 0) for g in m.groups())


# ----------------------------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------------------------


def check_schema(ctx: LintContext) -> Iterator[Problem]:
    gen = ctx.generation
    wrong = _wrong_roots(gen)
    for issue in schemas.validate(ctx.data, gen.schema_name):
        if _under(issue.path, wrong):
            continue  # reported by wrong-generation
        yield ctx.problem("schema", issue.path, issue.message, issue.hint or None)


def check_unknown_key(ctx: LintContext) -> Iterator[Problem]:
    gen = ctx.generation
    wrong = _wrong_roots(gen)
    for issue in schemas.likely_typos(ctx.data, gen.schema_name):
        if _under(issue.path, wrong):
            continue
        yield ctx.problem("unknown-key", issue.path, issue.message, issue.hint)


def check_flags(ctx: LintContext) -> Iterator[Problem]:
    gen = ctx.generation
    g = ctx.get(gen.global_flag, _MISSING)
    h = ctx.get(gen.houston_flag, _MISSING)
    for value in (g, h):
        if value is not _MISSING and not isinstance(value, bool):
            return  # not a boolean: the schema rule reports it
    dag, conf = ctx.houston.fact("dag_only"), ctx.houston.fact("configure")
    if (dag.value is True) == (conf.value is True):
        return  # Houston reads both switches alike, whatever the flags say (a passthrough key may decide)
    if dag.from_passthrough:
        yield from _flags_by_passthrough(ctx, dag, conf)
        return
    g_on, h_on = g is True, h is True
    if g_on == h_on:
        return
    on_path, off_path, off_value = (
        (gen.global_flag, gen.houston_flag, h) if g_on else (gen.houston_flag, gen.global_flag, g)
    )
    off_state = "not set (false)" if off_value is _MISSING else "false"
    yield ctx.problem(
        "flags-disagree",
        on_path,
        f"true here, but {format_path(off_path)} is {off_state}: DAG-only deploys are half-configured "
        f"and the Astro CLI refuses to deploy",
        f"set {format_path(off_path)} to true as well (or both to false)",
    )


def _flags_by_passthrough(ctx: LintContext, dag: houston_model.Fact, conf: houston_model.Fact) -> Iterator[Problem]:
    """flags-disagree where a passthrough switch decides what Houston reads."""
    w = dag.winner
    assert w is not None and w.values_path is not None
    shown = houston_model.show_value
    yield ctx.problem(
        "flags-disagree",
        w.values_path,
        f"Houston reads {format_path(dag.key)} = {shown(dag.value)} from this key (it wins over the chart's "
        f"production.yaml), but {format_path(conf.key)} = {shown(conf.value)} {conf.source_text()}: DAG-only "
        f"deploys are half-configured and the Astro CLI refuses to deploy",
        f"run `astro-config dag-deploy enable` or `disable` (they set this key too), or remove it and set "
        f"{format_path(ctx.generation.global_flag)}",
    )


def check_passthrough_override(ctx: LintContext) -> Iterator[Problem]:
    """A key in astronomer.houston.config that overrides a value the chart generates from the values."""
    gen = ctx.generation
    for fact in ctx.houston.overrides():
        w, over = fact.winner, fact.overridden
        assert w is not None and w.values_path is not None and over is not None and over.values_path is not None
        shown = houston_model.show_value
        message = (
            f"overrides {format_path(over.values_path)}: {shown(over.value)} in Houston's config "
            f"(local-production.yaml is read after the chart's production.yaml): Houston reads "
            f"{format_path(fact.key)} = {shown(fact.value)}; this key wins"
        )
        error = fact.name in ("dag_only", "dag_deploy_enabled")
        hint = (
            f"set {format_path(gen.global_flag)} to the state you mean and remove this key or give it the same value "
            f"(`astro-config dag-deploy enable/disable` set both)"
            if error
            else "remove this key to let the chart's value through, or size both alike (`dag-deploy enable --upload` "
            "sizes both)"
        )
        if fact.name in ("server_resources", "client_resources") and ctx.upload_bytes is not None:
            from astro_config.platform.sizing import allowed_upload  # lazy: only with --upload

            allowance = allowed_upload(fact.value, ctx.ingress, prefix=format_path(w.values_path))
            if ctx.upload_bytes > allowance.max_upload_bytes:
                error = True
                message += f", and for {ctx.upload_text()} it is too small: {allowance.explanation}"
        yield ctx.problem("passthrough-override" if error else "passthrough-shadow", w.values_path, message, hint)


def _engine_shadow(ctx: LintContext) -> Iterator[Problem]:
    """Reported by :func:`check_passthrough_override` (one pass over the overrides, either id)."""
    return iter(())


def check_wrong_generation(ctx: LintContext) -> Iterator[Problem]:
    gen = ctx.generation
    reported: list[KeyPath] = []
    for wrong in gen.wrong_keys:
        if not ctx.has(wrong.path) or _under(wrong.path, tuple(reported)):
            continue
        reported.append(wrong.path)
        yield ctx.problem(
            "wrong-generation",
            wrong.path,
            f"ignored on a {gen.label} platform ({ctx.platform.decided_by}): {wrong.explanation}",
        )


def check_unsafe_release(ctx: LintContext) -> Iterator[Problem]:
    platform = ctx.platform
    if not platform.exact_version or not ctx.enabled:
        return
    fix = profiles.unsafe_release(platform.version)
    if fix is None:
        return
    gen = ctx.generation
    path = gen.global_flag if ctx.get(gen.global_flag) is True else gen.houston_flag
    yield ctx.problem(
        "unsafe-release",
        path,
        f"DAG-only deploys are enabled on platform {platform.version_text}, a release on which the docs say not "
        f"to enable them (DAG servers are reachable from other namespaces)",
        f"upgrade the platform to {fix} or later before enabling DAG-only deploys",
    )


def _resource_entries(resources: Any, base: KeyPath) -> Iterator[tuple[KeyPath, str, Any]]:
    if not isinstance(resources, dict):
        return
    for side in ("requests", "limits"):
        block = resources.get(side)
        if not isinstance(block, dict):
            continue
        for name, value in block.items():
            if isinstance(name, str) and _is_quantity_name(name):
                yield (*base, side, name), name, value


def check_quantity(ctx: LintContext) -> Iterator[Problem]:
    gen = ctx.generation
    user = ctx.user_resources
    if user is _MISSING:
        return
    for path, name, value in _resource_entries(user, gen.resources):
        if value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
            continue  # null deletes a default; other types are the schema rule's
        try:
            _parse_amount(name, value)
        except QuantityError as e:
            yield ctx.problem("quantity", path, str(e))


def _merged_amounts(ctx: LintContext) -> dict[tuple[str, str], Fraction | int] | None:
    """Parsed merged resources, or None when one of them cannot be read."""
    merged = ctx.merged_resources
    amounts: dict[tuple[str, str], Fraction | int] = {}
    if not isinstance(merged, dict):
        return None
    for side in ("requests", "limits"):
        block = merged.get(side)
        if block is None:
            continue
        if not isinstance(block, dict):
            return None
        for name, value in block.items():
            if not isinstance(name, str) or not _is_quantity_name(name) or value is None:
                continue
            try:
                amounts[(side, name)] = _parse_amount(name, value)
            except QuantityError:
                return None
    return amounts


def check_requests_above_limits(ctx: LintContext) -> Iterator[Problem]:
    gen = ctx.generation
    amounts = _merged_amounts(ctx)
    if amounts is None:
        return
    user = ctx.user_resources if isinstance(ctx.user_resources, dict) else {}
    for name in sorted({n for (_, n) in amounts}):
        request, limit = amounts.get(("requests", name)), amounts.get(("limits", name))
        if request is None or limit is None or request <= limit:
            continue
        user_request = get(user, ("requests", name)) is not _MISSING
        user_limit = get(user, ("limits", name)) is not _MISSING
        if not user_request and not user_limit:
            continue  # both from the chart: not the file's doing
        req, lim = _show_amount(name, request), _show_amount(name, limit)
        source = gen.default_resources_source
        if user_request and user_limit:
            side, message = "requests", f"requests.{name} {req} is above limits.{name} {lim}"
        elif user_request:
            side = "requests"
            message = f"requests.{name} {req} is above limits.{name} {lim}, which the file leaves to the {source}"
        else:
            side = "limits"
            message = f"limits.{name} {lim} is below requests.{name} {req}, which the file leaves to the {source}"
        yield ctx.problem(
            "requests-above-limits", (*gen.resources, side, name), f"{message}: Kubernetes rejects the pod"
        )


def check_resources_too_small(ctx: LintContext) -> Iterator[Problem]:
    if ctx.upload_bytes is None:
        return
    # lazy: only with --upload
    from astro_config.platform.sizing import THIRD_PARTY_CAP, allowed_upload, size_for_upload

    if ctx.third_party_ingress and ctx.upload_bytes > THIRD_PARTY_CAP:
        return  # ingress-cap: no size can fix it
    if _merged_amounts(ctx) is None:
        return  # unreadable quantities: the quantity rule reports them
    gen = ctx.generation
    server = ctx.houston_sized.fact("server_resources")
    w = server.winner
    # what Houston reads for the DAG server: the global block, or a passthrough block over it
    path = w.values_path if w is not None and w.layer == houston_model.PASS and w.values_path else gen.resources
    resources = server.value if path != gen.resources else ctx.merged_resources
    allowance = allowed_upload(resources, ctx.ingress, prefix=format_path(path))
    if ctx.upload_bytes <= allowance.max_upload_bytes:
        return
    need = size_for_upload(ctx.upload_bytes, ctx.ingress).resources()
    cpu, memory = need["requests"]["cpu"], need["requests"]["memory"]
    yield ctx.problem(
        "resources-too-small",
        path,
        f"{ctx.upload_text()} needs {cpu} CPU / {memory} under the documented rule, but {allowance.explanation}",
        f'set requests and limits to cpu: "{cpu}", memory: {memory} (Houston applies them to the DAG server '
        f"and to every DAG client container too)",
    )


def check_ingress_cap(ctx: LintContext) -> Iterator[Problem]:
    if ctx.upload_bytes is None or not ctx.third_party_ingress:
        return
    from astro_config.platform.sizing import THIRD_PARTY_CAP, format_bytes  # lazy: only with --upload

    if ctx.upload_bytes <= THIRD_PARTY_CAP:
        return
    gen = ctx.generation
    yield ctx.problem(
        "ingress-cap",
        gen.ingress_key,
        f"{ctx.upload_text()} is above the {format_bytes(THIRD_PARTY_CAP)} that a third-party ingress lets "
        f"through; no DAG server size can fix that",
        f"shrink the compressed bundle to {format_bytes(THIRD_PARTY_CAP)} or less (leave out __pycache__, .git and "
        f"data files), or use the platform's bundled nginx ({format_path(gen.ingress_key)}: true)",
    )


_BODY_SIZE = "nginx.ingress.kubernetes.io/proxy-body-size"
_INGRESS_CLASS = "kubernetes.io/ingress.class"
_ANNOTATIONS: KeyPath = ("global", "extraAnnotations")


def _nginx_hint(ctx: LintContext) -> KeyPath | None:
    """Where the values show that the third-party controller is ingress-nginx, or None."""
    annotations = ctx.get(_ANNOTATIONS)
    if isinstance(annotations, dict):
        cls = annotations.get(_INGRESS_CLASS)
        if isinstance(cls, str) and "nginx" in cls.lower():
            return (*_ANNOTATIONS, _INGRESS_CLASS)
        for key in annotations:
            if isinstance(key, str) and key.startswith("nginx.ingress.kubernetes.io/"):
                return (*_ANNOTATIONS, key)
    for path, value in _leaves(ctx.data, ()):
        last = path[-1] if path else ""
        if (
            isinstance(last, str)
            and "ingressclass" in last.lower().replace(".", "").replace("_", "")
            and isinstance(value, str)
            and "nginx" in value.lower()
        ):
            return path
    return None


_NGINX_SIZE = re.compile(r"^\s*(\d+)\s*([kKmMgG]?)\s*$")


def _nginx_size(text: str) -> int | None:
    """nginx's size syntax (``client_max_body_size``): bytes, ``k``, ``m``, ``g`` (powers of 1024); 0 = no limit."""
    m = _NGINX_SIZE.match(text)
    if not m:
        return None
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[m.group(2).lower()]
    return int(m.group(1)) * factor


def check_proxy_body_size(ctx: LintContext) -> Iterator[Problem]:
    if not ctx.third_party_ingress:
        return
    hint_path = _nginx_hint(ctx)
    if hint_path is None:
        return
    annotations = ctx.get(_ANNOTATIONS)
    value = annotations.get(_BODY_SIZE) if isinstance(annotations, dict) else None
    if value is None:
        where = _ANNOTATIONS if isinstance(annotations, dict) else hint_path
        shown = "" if where == hint_path else f" ({format_path(hint_path)})"
        yield ctx.problem(
            "proxy-body-size",
            where,
            f"the third-party ingress controller is ingress-nginx{shown} but global.extraAnnotations sets no "
            f"{_BODY_SIZE}: ingress-nginx's default is 1m, so DAG uploads above 1 MB fail with HTTP 413",
        )
        return
    if ctx.upload_bytes is None or not isinstance(value, str):
        return
    size = _nginx_size(value)
    if size is None or size == 0 or size >= ctx.upload_bytes:
        return
    yield ctx.problem(
        "proxy-body-size",
        (*_ANNOTATIONS, _BODY_SIZE),
        f"{_BODY_SIZE} is {value!r}, below {ctx.upload_text()}: ingress-nginx answers HTTP 413",
    )


def _image_tag(ctx: LintContext) -> tuple[KeyPath, str] | None:
    gen = ctx.generation
    for path in gen.image_keys:
        value = ctx.get(path)
        if not isinstance(value, str):
            continue
        if path[-1] == "image":
            slash = value.rfind("/")
            colon = value.rfind(":")
            if colon > slash:
                return path, value[colon + 1 :]
        elif path[-1] == "tag":
            return path, value
    return None


def _lowest_default(candidates: list[releases.Release]) -> releases.Release | None:
    ranked = [(v, r) for r in candidates if (v := _version_tuple(r.default_image.tag)) is not None]
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


def check_image_downgrade(ctx: LintContext) -> Iterator[Problem]:
    """A pinned ap-dag-deploy tag older than the chart's own default for the release (from the chart data of
    every release). Without an exact release, the lowest default the version may mean is the bar: no finding
    that one of those releases would not deserve."""
    found = _image_tag(ctx)
    if found is None:
        return
    path, tag = found
    gen, platform = ctx.generation, ctx.platform
    candidates = releases.candidates(platform.version, platform.exact_version, gen.id)
    lowest = _lowest_default(candidates)
    if lowest is None:
        return
    default = lowest.default_image.tag
    if platform.version is None:
        context = f"the oldest chart default of the {gen.label} layout ({lowest.version})"
    elif not platform.exact_version:
        line = profiles.format_version(platform.version, with_patch=False)
        context = f"the oldest chart default of the {line}.x releases ({lowest.version})"
    elif lowest.version_tuple == platform.version:
        context = f"the chart default for platform {lowest.version}"
    else:
        context = f"the chart default of {lowest.version}, the nearest release below {platform.version_text}"
    pinned, wanted = _version_tuple(tag), _version_tuple(default)
    if pinned is None or wanted is None or pinned >= wanted:
        return
    yield ctx.problem(
        "image-downgrade",
        path,
        f"pins ap-dag-deploy {tag}, older than {default}, {context}: the pin downgrades the DAG server",
        f"remove the pin (the chart sets the right image) or set it to {default} or later",
    )


_YAML11_BOOLS = frozenset(
    {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"}
)
_OCTAL = re.compile(r"^[-+]?0[0-7]+$")
_Y11 = r"(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?0[0-7]+)"
# A YAML 1.1 plain scalar somewhere in the text, as a block value, a bare line (list item or continuation) or
# a flow value (LF or CRLF line ends). When none of these match, no check_yaml11 finding is possible and the
# (costly) position index of the document is not needed.
_Y11_ANYWHERE = (
    rf"^[ \t]*(?:-[ \t]+)*(?:[^#\s][^#\n]*?:[ \t]+)?{_Y11}[ \t]*(?:#.*)?\r?$"  # block value, list item, bare line
    rf"|[\[{{,][ \t]*(?:[^{{}}\[\],#\n]+:[ \t]*)?{_Y11}[ \t]*[,}}\]]"  # flow value
)


@functools.cache
def _y11_anywhere() -> re.Pattern[str]:
    return re.compile(_Y11_ANYWHERE, re.M)  # compiled on first use: a few ms, often not needed


def is_yaml11_plain(text: str, value: Any) -> bool:
    """Whether a plain scalar ``text``, which Helm reads as ``value``, is one that check_yaml11 reports
    (yes/no/on/off/y/n, octal 0777). A loader that knows no scalar of the document is one (the attribute
    ``yaml11_plain_scalars`` False) spares the rule its scan of the text."""
    return text in _YAML11_BOOLS or (isinstance(value, int) and _OCTAL.match(text) is not None)


def _owned_roots(ctx: LintContext) -> list[KeyPath]:
    gen = ctx.generation
    houston = gen.houston_flag
    houston_root = houston[: houston.index("deployMechanisms") + 1] if "deployMechanisms" in houston else houston
    return [gen.block, houston_root, gen.ingress_key, _ANNOTATIONS]


def check_yaml11(ctx: LintContext) -> Iterator[Problem]:
    known = getattr(ctx.doc, "yaml11_plain_scalars", None)  # see is_yaml11_plain
    if known is False or (known is None and not _y11_anywhere().search(ctx.doc.text)):
        return
    seen: set[KeyPath] = set()
    for root in _owned_roots(ctx):
        value = ctx.get(root, _MISSING)
        if value is _MISSING:
            continue
        for path, leaf in _leaves(value, root):
            if path in seen or not isinstance(leaf, (bool, int)):
                continue  # a plain on/yes/0777 becomes a boolean or an integer; nothing else can be one
            seen.add(path)
            raw = ctx.doc.scalar_source(path)
            if raw is None or raw[:1] in ("'", '"', "|", ">", "!", "&", "*"):
                continue
            raw = raw.strip()
            if raw in _YAML11_BOOLS:
                word = "true" if leaf is True else "false"
                yield ctx.problem(
                    "yaml11-type",
                    path,
                    f"{raw} is read by Helm as the boolean {word} (YAML 1.1); YAML 1.2 tools read the text {raw!r}",
                    f"write {word} if you mean the boolean, or quote {raw!r} if you mean the text",
                )
            elif _OCTAL.match(raw) and isinstance(leaf, int):
                yield ctx.problem(
                    "yaml11-type",
                    path,
                    f"{raw} is read by Helm as the octal number {leaf} (YAML 1.1); YAML 1.2 tools read {int(raw, 10)}",
                    f"write the decimal number you mean ({leaf} or {int(raw, 10)}), or quote it if it is text",
                )


# ----------------------------------------------------------------------------------------------------------
# The registry
# ----------------------------------------------------------------------------------------------------------


def _rule(rule_id: str, severity: Severity, description: str, hint: str, check: Check = _engine) -> Rule:
    return Rule(rule_id, severity, description, hint, check)


_E, _W = Severity.ERROR, Severity.WARNING

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        _rule(
            "syntax",
            _E,
            "The file cannot be read as YAML (or is not a mapping of keys); nothing else is checked in it.",
            "fix the YAML at the position shown",
        ),
        _rule(
            "duplicate-key",
            _E,
            "A key appears twice in the same mapping; Helm silently keeps the last one.",
            "remove one of the two keys (Helm keeps the last)",
        ),
        _rule(
            "unknown-platform",
            _E,
            "The layout generation cannot be told from the file's keys; give --platform-version.",
            "give --platform-version with the platform release the values are for",
        ),
        _rule(
            "schema",
            _E,
            "A value of the DAG-deploy, Houston-switch or ingress keys has the wrong type, or a key the chart does "
            "not read sits in a DAG-deploy block (with a did-you-mean suggestion).",
            "see the bundled schema: astro-config schema --platform-version VERSION",
            check_schema,
        ),
        _rule(
            "unknown-key",
            _W,
            "A key in an open map (global, Houston's deployments, ...) is one typo away from a key the chart or "
            "Houston reads, and nothing reads it.",
            "check the spelling",
            check_unknown_key,
        ),
        _rule(
            "flags-disagree",
            _E,
            "Houston reads its two DAG-only switches differently (the one the chart generates from the global flag, "
            "or a passthrough key over it, and configureDagDeployment): one true, the other false or unset.",
            "set both flags to the same value",
            check_flags,
        ),
        _rule(
            "wrong-generation",
            _E,
            "A key of another platform generation's layout, which this generation's chart silently ignores.",
            "move the setting to this generation's key (see the message), or check --platform-version",
            check_wrong_generation,
        ),
        _rule(
            "unsafe-release",
            _E,
            "DAG-only deploys enabled on a release the docs warn against (0.34.0-0.34.2, 0.35.0).",
            "upgrade the platform first (0.34.3+ or 0.35.1+)",
            check_unsafe_release,
        ),
        _rule(
            "quantity",
            _E,
            "A CPU or memory value of the DAG server's resources is not a valid Kubernetes quantity (Mi on a CPU, "
            "m on memory, GB, spaces...).",
            "write CPU as cores ('2', '0.5') or millicores ('1500m'), memory as '1536Mi', '3Gi' or bytes",
            check_quantity,
        ),
        _rule(
            "requests-above-limits",
            _E,
            "After Helm merges the file over the chart's default resources, a request is above its limit and "
            "Kubernetes rejects the pod.",
            "set both requests and limits (Helm deep-merges maps: chart defaults fill in what you leave out)",
            check_requests_above_limits,
        ),
        _rule(
            "resources-too-small",
            _E,
            "The DAG server's resources are below what the documented sizing rule needs for --upload / "
            "--dags-dir (1 CPU and 1536Mi per 15 MB compressed).",
            "give the DAG server 1 CPU and 1536Mi per started 15 MB of compressed upload (requests and limits)",
            check_resources_too_small,
        ),
        _rule(
            "ingress-cap",
            _E,
            "The --upload / --dags-dir target is above the 8 MB that a third-party ingress lets through; no "
            "resource size can fix that.",
            "shrink the compressed bundle to 8 MB or less, or use the platform's bundled nginx",
            check_ingress_cap,
        ),
        _rule(
            "proxy-body-size",
            _E,
            "A third-party ingress-nginx without a nginx.ingress.kubernetes.io/proxy-body-size annotation in "
            "global.extraAnnotations (or one below the --upload target): uploads above 1 MB fail with HTTP 413.",
            f'add global.extraAnnotations["{_BODY_SIZE}"]: "0" (no limit) or a size above your uploads',
            check_proxy_body_size,
        ),
        _rule(
            "image-downgrade",
            _W,
            "The DAG deploy image is pinned to a tag older than the chart's default for the platform release.",
            "remove the pin, or pin the chart's default tag or later",
            check_image_downgrade,
        ),
        _rule(
            "yaml11-type",
            _W,
            "A plain value in the DAG-deploy, Houston-switch or ingress keys that Helm's YAML 1.1 reads as another "
            "type than YAML 1.2 tools do (on, yes, off, no, y, n; 0777 is octal).",
            "write true/false or the decimal number you mean, or quote the text",
            check_yaml11,
        ),
        _rule(
            "passthrough-override",
            _E,
            "A key in astronomer.houston.config (Houston's local-production.yaml, read after the chart's "
            "production.yaml) overrides what the chart generates from the values and wins: it contradicts the "
            "DAG-only switch, or leaves the DAG server below the --upload / --dags-dir target.",
            "remove the passthrough key, or give both the same value",
            check_passthrough_override,
        ),
        _rule(
            "passthrough-shadow",
            _W,
            "A key in astronomer.houston.config overrides a value the chart generates (resources, image, security "
            "context) and wins: the values key it shadows does nothing for Houston.",
            "remove the passthrough key to let the chart's value through, or set both alike",
            _engine_shadow,
        ),
    )
}


def get_rule(rule_id: str) -> Rule:
    """The rule with this id; unknown ids raise ``KeyError`` naming the known ones."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"unknown lint rule {rule_id!r}; known: {', '.join(RULES)}") from None


def checked_rules() -> list[Rule]:
    """Rules that run over a parsed document, in documentation order."""
    return [r for r in RULES.values() if r.checker is not _engine]
