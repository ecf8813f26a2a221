"""Helm's (go-yaml v2, YAML 1.1) reading of plain scalars: ``yes`` is true, ``0777`` is octal, ``1e3`` a float.

A module of its own so that rendering values (``render.py``) does not need the document reader.
"""

from __future__ import annotations

import math
import re
from typing import Any

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"})
_FALSE = frozenset({"n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"})
_SPECIAL_FLOATS = {
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
    "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
    "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
}  # fmt: skip
_GO_INT = re.compile(r"^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$")
_YAML_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


def _go_int(text: str) -> int | None:
    if not _GO_INT.match(text):
        return None
    sign = -1 if text[0] == "-" else 1
    body = text.lstrip("+-")
    value = int(body, 8) if len(body) > 1 and body[0] == "0" and body[1] not in "xXoObB" else int(body, 0)
    value *= sign
    if _INT64_MIN <= value <= _UINT64_MAX:
        return value
    return None


def helm_scalar(text: str) -> Any:
    """What Helm (go-yaml v2, YAML 1.1) makes of a plain scalar."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if "<" <= text[:1] <= "<" and text == "<<":
        return text
    first = text[0]
    if first.isdigit() or first in "+-.":
        plain = text.replace("_", "")
        if plain and first != ".":
            iv = _go_int(plain)
            if iv is not None:
                return iv
        if _YAML_FLOAT.match(plain):
            try:
                return float(plain)
            except ValueError:  # pragma: no cover - the regex admits only valid floats
                return text
    return text
