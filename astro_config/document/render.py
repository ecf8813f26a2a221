"""Rendering values as YAML text that every YAML reader (1.1 and 1.2, and Helm) reads back as the same value.

Kept apart from the edit engine so that commands which only print YAML (``dag-deploy size``) do not import it.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, NamedTuple

from astro_config.errors import KeyPathError
from astro_config.scalars import helm_scalar


class Style(NamedTuple):  # (a NamedTuple: cheaper to create at import than a frozen dataclass)
    indent: int = 2  # spaces per nesting level of mappings
    seq_offset: int = 2  # column of "- " relative to the parent key (0 = flush)


@functools.cache  # compiled on first use: importing this module stays cheap
def _yaml12_special() -> re.Pattern[str]:
    return re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?
        |[-+]?0[xXoObB][0-9a-fA-F_]+
        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
        |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*
        |=|<<
    )$""",
        re.VERBOSE,
    )


_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@`")


def plain_ok(s: str, flow: bool = False) -> bool:
    """True when ``s`` can be written unquoted and every YAML reader (1.1 and 1.2) reads it back as ``s``.

    ``flow``: inside ``[...]`` or ``{...}``, where libyaml ends a plain scalar at a ``?`` and refuses a ``:``
    followed by anything.
    """
    if not s or s != s.strip() or s[0] in _PLAIN_BAD_START:
        return False
    if flow and (":" in s or "?" in s):
        return False
    if any(c in s for c in "\n\r\t,[]{}") or ": " in s or " #" in s or s.endswith(":"):
        return False
    if not s.isprintable():
        return False
    if helm_scalar(s) != s or not isinstance(helm_scalar(s), str):
        return False
    lowered = s.lower()
    return not (
        lowered in ("true", "false", "null", "~", "yes", "no", "on", "off", "y", "n") or _yaml12_special().match(s)
    )


# Characters YAML does not allow raw in a file (non-printable), or reads as line breaks (NEL, LS, PS), or that
# editors hide (BOM): written as escapes inside double quotes.
_ESCAPE = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]"  # (re caches it)


def double_quoted(s: str) -> str:
    _check_text(s)
    body = json.dumps(s, ensure_ascii=False)
    return re.sub(_ESCAPE, lambda m: f"\\u{ord(m.group()):04x}", body)


def _check_text(s: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise KeyPathError(f"cannot write {s[:40]!r}: it is not valid Unicode text (a lone surrogate)") from None


def single_quoted_ok(s: str) -> bool:
    return s.isprintable() and "\n" not in s


def render_scalar(value: Any, previous_style: str | None = None, flow: bool = False) -> str:
    """YAML text for a scalar, keeping the previous quote style where the value allows it.

    ``flow``: the text goes inside a flow collection (``[...]``, ``{...}``).
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if not -(2**63) <= value <= 2**64 - 1:
            raise KeyPathError(f"cannot write {value}: Helm reads integers as 64-bit numbers")
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        _check_text(value)
        if previous_style == "'" and single_quoted_ok(value):
            return "'" + value.replace("'", "''") + "'"
        if previous_style == '"':
            return double_quoted(value)
        if plain_ok(value, flow):
            return value
        return double_quoted(value)
    raise KeyPathError(f"cannot write a value of type {type(value).__name__}")


MAX_KEY_CHARS = 1024  # YAML's limit for an implicit key (libyaml, and Helm's go-yaml, refuse longer ones)


def render_key(key: str, flow: bool = False) -> str:
    text = key if plain_ok(key, flow) else double_quoted(key)
    if len(text) > MAX_KEY_CHARS:
        raise KeyPathError(
            f"cannot write a key of {len(text):,} characters: a YAML key is at most {MAX_KEY_CHARS:,} "
            "(Helm could not read it); use a shorter key"
        )
    return text


def render_flow(value: Any, flow: bool = False) -> str:
    """Inline YAML text for a value; the items of a collection are in flow context (as is everything, with
    ``flow``)."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{render_key(k, True)}: {render_flow(v, True)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + ", ".join(render_flow(v, True) for v in value) + "]"
    return render_scalar(value, flow=flow)


def render_block(value: dict[str, Any] | list[Any], indent: int, style: Style) -> list[str]:
    """Block lines (without line endings) for a non-empty mapping or list at column ``indent``."""
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            key = render_key(str(k))
            if isinstance(v, dict) and v:
                out.append(f"{pad}{key}:")
                out.extend(render_block(v, indent + style.indent, style))
            elif isinstance(v, list) and v:
                out.append(f"{pad}{key}:")
                out.extend(render_block(v, indent + style.seq_offset, style))
            else:
                out.append(f"{pad}{key}: {render_flow(v)}")
        return out
    for item in value:
        if (isinstance(item, dict) and item) or (isinstance(item, list) and item):
            sub = render_block(item, indent + 2, style)
            out.append(f"{pad}- {sub[0].lstrip()}")
            out.extend(sub[1:])
        else:
            out.append(f"{pad}- {render_flow(item)}")
    return out
