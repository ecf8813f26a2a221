"""Keep secrets out of every output of the tool.

A key is secret-looking when its last word says it holds a secret: ``password``, ``adminPassword``,
``secret``, ``clientSecret``, ``sharedSecret``, ``token``, ``apiToken``, ``apiKey``, ``privateKey``,
``secretAccessKey``, ``tls.key``, ``cert``, ``credentials``, ``connection``, ``connectionString``, ``dsn``,
``.dockerconfigjson`` (also with a ``Value``/``Data``/``String``/``B64`` suffix). Keys that only *name* or
*point at* a secret are not: ``secretName``, ``passwordSecretName``, ``tlsSecret``/``existingSecret`` (names
of Kubernetes Secrets), ``keyPath``, ``certFile``, ``tokenTTL``, ``imagePullSecrets``, ``certManager``,
``topologyKey``, and CA certificates (``caCert``, ``privateCaCerts``: public by nature). A bare ``key`` is
secret except where Kubernetes uses it for a label or a reference (under ``tolerations``,
``matchExpressions``, ``*KeyRef``, selectors and ``items``).

Everything below a secret key is secret. Booleans, nulls and empty strings are shown (they hold nothing);
every other value becomes ``<redacted>`` (in diffs ``<redacted, changed>`` / ``<redacted, unchanged>``).
Passwords inside URLs (``scheme://user:pass@host``) are redacted wherever they appear.

The patterns are regular expressions searched in the snake_case form of each key (``adminPassword`` ->
``admin_password``); pass your own list to any function to change them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from astro_config.keypath import KeyPath

REDACTED = "<redacted>"
REDACTED_CHANGED = "<redacted, changed>"
REDACTED_UNCHANGED = "<redacted, unchanged>"

_VALUE_SUFFIX = r"(_(value|data|string|str|b64|base64|pem|plain|plaintext|hash|content|json))?"

DEFAULT_PATTERNS: tuple[str, ...] = (
    r"(^|_)(password|passwd|pwd|pass|passphrase|htpasswd)s?" + _VALUE_SUFFIX + r"$",
    r"^secrets?" + _VALUE_SUFFIX + r"$",
    r"(^|_)(client|shared|webhook|app|api|oauth|jwt|signing|hmac|cookie|session|encryption|master|admin)_?secret"
    + _VALUE_SUFFIX
    + r"$",
    r"(^|_)tokens?" + _VALUE_SUFFIX + r"$",
    r"(^|_)(private|api|secret|access|signing|encryption|fernet|ssh|tls|ssl|client|master|jwt|license|auth"
    r"|session|webhook)_?keys?" + _VALUE_SUFFIX + r"$",
    r"^keys?$",
    r"(^|_)(cert|certs|certificate|certificates|crt)" + _VALUE_SUFFIX + r"$",
    r"(^|_)(credential|credentials|creds)" + _VALUE_SUFFIX + r"$",
    r"(^|_)connection(_(string|uri|url|value|data))?$",
    r"(^|_)dsn$",
    r"(^|_)(dockerconfigjson|dockercfg|kubeconfig)$",
)


def _extra_patterns() -> tuple[str, ...]:
    """More secret-key patterns from ``ASTRO_CONFIG_SECRET_KEYS``: comma-separated regular expressions matched
    against the snake_case key (``adminPassword`` -> ``admin_password``), e.g. ``^license$,_pin$``."""
    raw = os.environ.get("ASTRO_CONFIG_SECRET_KEYS", "")
    out = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            re.compile(item)
        except re.error:
            item = re.escape(item)  # a plain word: match it literally
        out.append(item)
    return tuple(out)


EXTRA_PATTERNS = _extra_patterns()
DEFAULT_PATTERNS = DEFAULT_PATTERNS + EXTRA_PATTERNS

# CA certificates are public by nature (``caCert``, ``caBundle``; the chart's ``global.privateCaCerts`` is a
# list of Secret names): never redacted, unless ASTRO_CONFIG_SECRET_KEYS says so.
_PUBLIC = re.compile(r"(^|_)ca_(cert|certs|certificate|certificates|crt|bundle)" + _VALUE_SUFFIX + r"$")

# Ancestors under which a bare ``key`` names a label or a key of a Secret/ConfigMap, not a secret.
_KEY_CONTEXTS = re.compile(
    r"(tolerations|match_expressions|key_ref|selector|selectors|items|affinity|terms|match_labels|labels)$"
)

_URL_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:)(?P<secret>[^/\s@]+)(?P<tail>@)")


def snake(key: str) -> str:
    """``adminPassword`` -> ``admin_password``, ``APIKey`` -> ``api_key``, ``tls.key`` -> ``tls_key``."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", key)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")
    return s.lower()


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


@lru_cache(maxsize=4096)
def _matches(key: str, patterns: tuple[str, ...]) -> bool:
    s = snake(key)
    return any(p.search(s) for p in _compiled(patterns))


def is_secret_key(key: str, ancestors: Sequence[str | int] = (), patterns: Sequence[str] = DEFAULT_PATTERNS) -> bool:
    """Whether one key (with the keys above it, for context) looks like it holds a secret."""
    if not _matches(key, tuple(patterns)):
        return False
    s = snake(key)
    if _PUBLIC.search(s) and not (EXTRA_PATTERNS and _matches(key, EXTRA_PATTERNS)):
        return False
    if s in ("key", "keys"):
        for a in ancestors:
            if isinstance(a, str) and _KEY_CONTEXTS.search(snake(a)):
                return False
    return True


def is_secret_path(path: KeyPath, patterns: Sequence[str] = DEFAULT_PATTERNS) -> bool:
    """Whether the value at ``path`` is (or is inside) a secret-looking key."""
    return any(isinstance(part, str) and is_secret_key(part, path[:i], patterns) for i, part in enumerate(path))


def shows_nothing(value: Any) -> bool:
    """Values that hold no secret and stay visible even under a secret key."""
    return value is None or isinstance(value, bool) or value == ""


def redact_string(text: str) -> str:
    """Redact passwords inside URLs in any string (``https://u:p@h`` -> ``https://u:<redacted>@h``)."""
    return _URL_CREDENTIALS.sub(lambda m: m["head"] + REDACTED + m["tail"], text)


def redact(data: Any, patterns: Sequence[str] = DEFAULT_PATTERNS, _path: KeyPath = (), _secret: bool = False) -> Any:
    """A copy of ``data`` with every value under a secret-looking key replaced by ``<redacted>``."""
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        for k, v in data.items():
            secret = _secret or (isinstance(k, str) and is_secret_key(k, _path, patterns))
            out[k] = redact(v, patterns, (*_path, k), secret)
        return out
    if isinstance(data, list):
        return [redact(v, patterns, (*_path, i), _secret) for i, v in enumerate(data)]
    if _secret and not shows_nothing(data):
        return REDACTED
    if isinstance(data, str):
        return redact_string(data)
    return data


def redact_change(
    path: KeyPath, old: Any, new: Any, patterns: Sequence[str] = DEFAULT_PATTERNS, missing: Any = None
) -> tuple[Any, Any]:
    """How a diff shows an (old, new) pair: ``<redacted>`` before, ``<redacted, changed>`` after."""
    if not is_secret_path(path, patterns):
        return redact(old, patterns, path), redact(new, patterns, path)
    shown_old = old if old is missing or shows_nothing(old) else REDACTED
    if new is missing or shows_nothing(new):
        shown_new = new
    elif old is missing or shows_nothing(old):
        shown_new = REDACTED
    else:
        shown_new = REDACTED_UNCHANGED if old == new else REDACTED_CHANGED
    return shown_old, shown_new


def redact_for_diff(
    old: Any, new: Any, patterns: Sequence[str] = DEFAULT_PATTERNS, _path: KeyPath = (), _secret: bool = False
) -> tuple[Any, Any]:
    """Copies of two value trees for a text diff, with the marks of the semantic change list: a changed secret
    leaf shows ``<redacted>`` on the old side and ``<redacted, changed>`` on the new side (a changed line without
    its text); an unchanged one shows ``<redacted, unchanged>`` on both sides, so it is no change in the text
    diff either."""
    if isinstance(old, dict) and isinstance(new, dict):
        o: dict[Any, Any] = {}
        n: dict[Any, Any] = {}
        for k in list(old) + [k for k in new if k not in old]:
            secret = _secret or (isinstance(k, str) and is_secret_key(k, _path, patterns))
            if k in old and k in new:
                o[k], n[k] = redact_for_diff(old[k], new[k], patterns, (*_path, k), secret)
            elif k in old:
                o[k] = redact(old[k], patterns, (*_path, k), secret)
            else:
                n[k] = redact(new[k], patterns, (*_path, k), secret)
        return o, n
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        pairs = [
            redact_for_diff(a, b, patterns, (*_path, i), _secret)
            for i, (a, b) in enumerate(zip(old, new, strict=False))
        ]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if _secret and not isinstance(old, dict | list) and not isinstance(new, dict | list):
        if type(old) is type(new) and old == new and not shows_nothing(old):
            return REDACTED_UNCHANGED, REDACTED_UNCHANGED
        shown_old = old if shows_nothing(old) else REDACTED
        if shows_nothing(new):
            shown_new = new
        elif shows_nothing(old):
            shown_new = REDACTED
        else:
            shown_new = REDACTED_CHANGED
        return shown_old, shown_new
    return redact(old, patterns, _path, _secret), redact(new, patterns, _path, _secret)


# --------------------------------------------------------------------------------------------------
# --set arguments
# --------------------------------------------------------------------------------------------------


def redact_set_argument(text: str, patterns: Sequence[str] = DEFAULT_PATTERNS) -> str:
    """``a.password=x,b=1`` -> ``a.password=<redacted>,b=1`` (escapes kept as written)."""
    out: list[str] = []
    for pair in _split_unescaped(text, ","):
        key, eq, value = _partition_unescaped(pair, "=")
        if not eq:
            out.append(pair)
            continue
        parts = [p for p in re.split(r"(?<!\\)[.\[\]]", key) if p]
        path: list[str | int] = []
        for p in parts:
            p = p.replace("\\", "")
            path.append(int(p) if p.isdigit() else p)
        if is_secret_path(tuple(path), patterns) and value not in ("", "null", "true", "false"):
            value = REDACTED
        else:
            value = redact_string(value)
        out.append(key + eq + value)
    return ",".join(out)


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    buf: list[str] = []
    i = 0
    depth = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        if ch == sep and depth == 0:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def _partition_unescaped(text: str, sep: str) -> tuple[str, str, str]:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == sep:
            return text[:i], sep, text[i + 1 :]
        i += 1
    return text, "", ""


# --------------------------------------------------------------------------------------------------
# YAML text (lines of a file or of a unified diff)
# --------------------------------------------------------------------------------------------------

_LINE = re.compile(
    r"^(?P<prefix>[ +\-]?)(?P<indent>[ \t]*)(?P<dash>(?:-[ \t]+)*)"
    r"(?P<key>\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|[^\s#'\"][^:#]*?)(?P<colon>:)(?P<sp>[ \t]+|$)(?P<value>.*)$"
)
_PEM = re.compile(r"-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----|^[A-Za-z0-9+/=]{40,}$")


def redact_yaml_lines(
    lines: Iterable[str], patterns: Sequence[str] = DEFAULT_PATTERNS, diff: bool = False
) -> list[str]:
    """Redact values on YAML text lines whose key looks secret (and the lines of a block scalar under it).

    With ``diff=True`` the lines are those of a unified diff: the first character (`` ``, ``+``, ``-``) is
    kept, ``---``/``+++``/``@@`` header lines pass through. A line holds no context above it, so a bare
    ``key:`` line is always redacted here.
    """
    out: list[str] = []
    block_indent: int | None = None
    for raw in lines:
        eol = ""
        line = raw
        for ending in ("\r\n", "\n", "\r"):
            if line.endswith(ending):
                line, eol = line[: -len(ending)], ending
                break
        if diff and (line.startswith(("---", "+++", "@@")) or line == ""):
            out.append(raw)
            continue
        prefix = line[0] if diff and line else ""
        body = line[1:] if diff and line else line
        indent = len(body) - len(body.lstrip(" \t"))
        if block_indent is not None:
            if body.strip() == "" or indent > block_indent:
                out.append(prefix + _redact_inside(body, indent) + eol)
                continue
            block_indent = None
        m = _LINE.match(body)
        if m:
            key = m["key"].strip()
            if key[:1] in "\"'":
                key = key[1:-1]
            value = m["value"]
            comment = ""
            if value and value[0] not in "\"'":
                hash_at = value.find(" #")
                if hash_at >= 0:
                    value, comment = value[:hash_at], value[hash_at:]
                    comment = value[len(value.rstrip()) :] + comment
            if is_secret_key(key, (), patterns):
                v = value.strip()
                if v[:1] in ("|", ">") or v == "":
                    block_indent = indent + len(m["dash"])
                    out.append(line + eol)
                    continue
                if (
                    v
                    and v not in ("null", "~", "true", "false", '""', "''", "{}", "[]")
                    and not v.startswith(("&", "*", "{", "["))
                ):
                    head = body[: m.start("value")]
                    out.append(prefix + head + REDACTED + comment + eol)
                    continue
        if _PEM.search(body.strip()):
            out.append(prefix + body[:indent] + REDACTED + eol)
            continue
        out.append(prefix + redact_string(body) + eol)
    return out


def _redact_inside(body: str, indent: int) -> str:
    """A line inside the block under a secret key: keep any key, hide any value."""
    if not body.strip():
        return body
    m = _LINE.match(body)
    if m:
        v = m["value"].strip()
        if v == "" or v in ("null", "~", "true", "false", '""', "''", "{}", "[]") or v[:1] in ("|", ">"):
            return body
        return body[: m.start("value")] + REDACTED
    dash = re.match(r"[ \t]*(?:-[ \t]+)*", body)
    head = dash.group(0) if dash else body[:indent]
    rest = body[len(head) :].strip()
    if rest in ("", "null", "~", "true", "false", '""', "''"):
        return body
    return head + REDACTED


def redact_yaml_text(text: str, patterns: Sequence[str] = DEFAULT_PATTERNS) -> str:
    return "".join(redact_yaml_lines(text.splitlines(keepends=True), patterns))


def redact_unified_diff(text: str, patterns: Sequence[str] = DEFAULT_PATTERNS) -> str:
    """Redact a unified diff of YAML texts line by line (``-password: hunter2`` -> ``-password: <redacted>``)."""
    return "".join(redact_yaml_lines(text.splitlines(keepends=True), patterns, diff=True))


def redact_yaml_line(line: str, patterns: Sequence[str] = DEFAULT_PATTERNS) -> str:
    """One YAML text line on its own (no diff prefix): ``  password: x`` -> ``  password: <redacted>``.

    Without the lines around it, a block scalar under a secret key cannot be followed: prefer
    :func:`redact_yaml_lines` (or :func:`redact_unified_diff`) when the lines are at hand.
    """
    return redact_yaml_lines([line], patterns)[0]


def redact_at(path: KeyPath, value: Any, patterns: Sequence[str] = DEFAULT_PATTERNS) -> Any:
    """``value`` found at ``path``, redacted: all of it when ``path`` is (inside) a secret key."""
    return redact(value, patterns, tuple(path), is_secret_path(tuple(path), patterns))
