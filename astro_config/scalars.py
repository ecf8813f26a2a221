"""Helm's reading of plain scalars: go-yaml v2's ``resolve`` (YAML 1.1 typing), ported exactly.

``yes``/``on``/``y`` are true, ``0777`` is octal, ``0b101`` and ``1_000`` are integers, ``1e3`` is a float,
``1e999`` (out of float64 range) and ``2001-12-14`` stay strings. One resolver for the whole tool: the document
reader (``document.py``, through :func:`helm_scalar`) and Helm's loader (``helmyaml.py``) share it.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1

NULL, BOOL, STR, INT, FLOAT, TIMESTAMP, MERGE, BINARY = (
    "!!null",
    "!!bool",
    "!!str",
    "!!int",
    "!!float",
    "!!timestamp",
    "!!merge",
    "!!binary",
)

_RESOLVE_MAP: dict[str, tuple[str, Any]] = {}
for _words, _item in (
    (("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), (BOOL, True)),
    (("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), (BOOL, False)),
    (("", "~", "null", "Null", "NULL"), (NULL, None)),
    ((".nan", ".NaN", ".NAN"), (FLOAT, math.nan)),
    ((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), (FLOAT, math.inf)),
    (("-.inf", "-.Inf", "-.INF"), (FLOAT, -math.inf)),
    (("<<",), (MERGE, "<<")),
):
    for _w in _words:
        _RESOLVE_MAP[_w] = _item

YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_DOT_FLOAT = re.compile(r"^\.[0-9]+([eE][-+]?[0-9]+)?$")
_TIMESTAMP = re.compile(  # (compiled at import: used on every date-like scalar)
    r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?P<sep>[Tt ])(?P<H>[0-9]{1,2}):(?P<M>[0-9]{1,2}):(?P<S>[0-9]{1,2})(?:\.[0-9]{1,9})?"
    r"(?P<tz>Z|[-+][0-9]{2}:[0-9]{2})?)?$"
)


def _hint(text: str) -> str:
    if text == "":
        return "N"
    c = text[0]
    if c in "+-":
        return "S"
    if "0" <= c <= "9":
        return "D"
    if c in "yYnNtTfFoO~":
        return "M"
    if c == ".":
        return "."
    return ""


def go_parse_int(text: str, base: int = 0, signed: bool = True) -> int | None:
    """Go's ``strconv.ParseInt(text, base, 64)`` (``signed``) or ``ParseUint``; None on any error."""
    if text == "":
        return None
    s = text
    neg = False
    if signed and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
        if s == "":
            return None
    if base == 0:
        base = 10
        if s[0] == "0":
            low = s[1:2].lower()
            if len(s) >= 3 and low in ("b", "o", "x"):
                base = {"b": 2, "o": 8, "x": 16}[low]
                s = s[2:]
            else:
                base = 8
                s = s[1:]
    n = 0
    for ch in s:
        o = ord(ch)  # ASCII digits and letters only (str.lower() would turn "İ" into two characters)
        if 48 <= o <= 57:
            d = o - 48
        elif 97 <= o <= 122:
            d = o - 87
        elif 65 <= o <= 90:
            d = o - 55
        else:
            return None
        if d >= base:
            return None
        n = n * base + d
    if neg:
        n = -n
    if signed:
        return n if INT64_MIN <= n <= INT64_MAX else None
    return n if n <= UINT64_MAX else None


def is_timestamp(text: str) -> bool:
    """go-yaml v2's ``parseTimestamp``: the few layouts it tries with Go's ``time.Parse``."""
    m = _TIMESTAMP.match(text)
    if not m:
        return False
    year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    if not 1 <= month <= 12:
        return False
    import calendar  # lazy: start-up; only for date-like text

    if not 1 <= day <= calendar.monthrange(year if year > 0 else 2000, month)[1]:
        return False
    if m["sep"]:
        if int(m["H"]) > 23 or int(m["M"]) > 59 or int(m["S"]) > 59:
            return False
        # "2006-1-2 15:4:5.999999999" has no zone; the T forms require one.
        if m["sep"] == " " and m["tz"]:
            return False
        if m["sep"] in "Tt" and not m["tz"]:
            return False
    return True


def _go_parse_float(text: str) -> float | None:
    """Go's ``strconv.ParseFloat(text, 64)`` for the decimal forms YAML lets through; None on error."""
    if "_" in text:
        return None
    try:
        f = float(text)
    except ValueError:
        return None
    if math.isinf(f):
        return None  # out of range: Go returns an error
    return f


def resolve(text: str, tag: str = "") -> tuple[str, Any]:
    """go-yaml v2 ``resolve``: the tag and value of a scalar ``text`` (plain when ``tag`` is "").

    Integers come back as ``int`` (int64 or uint64 range), floats as ``float``, timestamps as ``str``
    (go-yaml v2 hands them to ``interface{}`` targets as the original string).
    Raises ``ValueError`` when an explicit tag does not fit the text.
    """
    if tag not in ("", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP):
        return tag, text
    rtag, out = _resolve_untagged(text, tag)
    if tag in ("", rtag, STR, BINARY):
        return rtag, out
    if tag == FLOAT and rtag == INT and INT64_MIN <= out <= INT64_MAX:
        return FLOAT, float(out)  # (go-yaml converts an int64 only: a uint64 under !!float is an error)
    if tag == TIMESTAMP and rtag == STR:
        # an explicit timestamp that does not parse: go-yaml fails
        raise ValueError(f"cannot decode !!str `{text}` as a !!timestamp")
    raise ValueError(f"cannot decode {rtag} `{text}` as a {tag}")


def _resolve_untagged(text: str, tag: str) -> tuple[str, Any]:
    hint = _hint(text)
    if hint and tag not in (STR, BINARY):
        item = _RESOLVE_MAP.get(text)
        if item is not None:
            return item
        if hint == ".":
            if _DOT_FLOAT.match(text):
                f = _go_parse_float(text)
                if f is not None:
                    return FLOAT, f
        elif hint in ("D", "S"):
            if tag in ("", TIMESTAMP) and is_timestamp(text):
                return TIMESTAMP, text
            plain = text.replace("_", "")
            iv = go_parse_int(plain)
            if iv is not None:
                return INT, iv
            uv = go_parse_int(plain, signed=False)
            if uv is not None:
                return INT, uv
            if YAML_STYLE_FLOAT.match(plain):
                f = _go_parse_float(plain)
                if f is not None:
                    return FLOAT, f
            if plain.startswith("0b"):
                bv = go_parse_int(plain[2:], 2)
                if bv is None:
                    bv = go_parse_int(plain[2:], 2, signed=False)
                if bv is not None:
                    return INT, bv
            elif plain.startswith("-0b"):
                bv = go_parse_int("-" + plain[3:], 2)
                if bv is not None:
                    return INT, bv
    return STR, text


# --------------------------------------------------------------------------------------------------
# Go's number formatting (strconv.FormatFloat), for keys and for toYaml/toJson
# --------------------------------------------------------------------------------------------------


def _shortest(f: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of ``abs(f)`` (finite, non-zero) and the decimal point position:
    ``abs(f) == 0.DIGITS * 10**dp``."""
    from decimal import Decimal  # lazy: start-up; only when a float is formatted

    _, digits, exponent = Decimal(repr(abs(f))).as_tuple()
    assert isinstance(exponent, int)
    ds = "".join(map(str, digits))
    dp = len(ds) + exponent
    stripped = ds.lstrip("0")
    dp -= len(ds) - len(stripped)
    return (stripped.rstrip("0") or "0"), dp


def _shortest32(f: float) -> tuple[str, int]:
    """Shortest digits that round-trip through a float32."""
    target = struct.pack(">f", f)
    for prec in range(1, 10):
        s = f"{abs(f):.{prec}e}"
        if struct.pack(">f", float(s)) == struct.pack(">f", abs(struct.unpack(">f", target)[0])):
            mant, exp = s.split("e")
            ds = mant.replace(".", "").rstrip("0") or "0"
            return ds, int(exp) + 1
    return _shortest(f)  # pragma: no cover - 9 digits always suffice


def _fmt_e(neg: bool, ds: str, dp: int) -> str:
    mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    exp = dp - 1
    sign = "-" if exp < 0 else "+"
    return ("-" if neg else "") + f"{mant}e{sign}{abs(exp):02d}"


def _fmt_f(neg: bool, ds: str, dp: int) -> str:
    if dp <= 0:
        body = "0." + "0" * (-dp) + ds
    elif dp >= len(ds):
        body = ds + "0" * (dp - len(ds))
    else:
        body = ds[:dp] + "." + ds[dp:]
    return ("-" if neg else "") + body


def go_format_float(f: float, fmt: str = "g", bits: int = 64) -> str:
    """Go's ``strconv.FormatFloat(f, fmt, -1, bits)`` for fmt in 'g', 'e', 'f'."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    neg = math.copysign(1.0, f) < 0
    if f == 0:
        ds, dp = "0", 1
    else:
        ds, dp = _shortest32(f) if bits == 32 else _shortest(f)
    if fmt == "e":
        return _fmt_e(neg, ds, dp)
    if fmt == "f":
        return _fmt_f(neg, ds, dp)
    exp = dp - 1
    if exp < -4 or exp >= 6:  # shortest: eprec is 6
        # %e with the shortest digits
        return _fmt_e(neg, ds, dp)
    return _fmt_f(neg, ds, dp)


def helm_scalar(text: str) -> Any:
    """What Helm (go-yaml v2, YAML 1.1) makes of a plain scalar: ``None``, ``bool``, ``int``, ``float`` or
    the text itself (timestamps and ``<<`` included)."""
    return _resolve_untagged(text, "")[1]


# --------------------------------------------------------------------------------------------------
# YAML 1.2 as Houston reads its configuration files: node-config loads them with js-yaml 4, whose default
# schema is the YAML 1.2 core schema (null, bool, int, float) plus timestamps and merge keys
# --------------------------------------------------------------------------------------------------

JS_SAFE_INTEGER = 2**53  # JavaScript numbers are float64: integers past this are rounded
_YAML12_WORDS: dict[str, tuple[str, Any]] = {}
for _words, _item in (
    (("", "~", "null", "Null", "NULL"), (NULL, None)),
    (("true", "True", "TRUE"), (BOOL, True)),
    (("false", "False", "FALSE"), (BOOL, False)),
):
    for _w in _words:
        _YAML12_WORDS[_w] = _item
# js-yaml 4's int: decimal (leading zeros allowed, read as decimal), 0b, 0o, 0x; a sign on any; "_" between
# digits (not first after the sign or a lone 0, not last)
_YAML12_INT = re.compile(
    r"[-+]?(?:0b[01_]*[01]|0o[0-7_]*[0-7]|0x[0-9a-fA-F_]*[0-9a-fA-F]|0|0[0-9](?:[0-9_]*[0-9])?"
    r"|[1-9](?:[0-9_]*[0-9])?)"
)
# js-yaml 4's float pattern (a value ending in "_" is not a float)
_YAML12_FLOAT = re.compile(
    r"[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_YAML12_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_YAML12_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?"
    r"(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?"
)


def _js_integer(n: int) -> int | float:
    """An integer as a JavaScript number: exact up to 2**53, rounded to float64 past it."""
    return n if -JS_SAFE_INTEGER <= n <= JS_SAFE_INTEGER else float(n)


def _yaml12_int(text: str) -> int | float:
    plain = text.replace("_", "")
    sign = -1 if plain[0] == "-" else 1
    if plain[0] in "+-":
        plain = plain[1:]
    base = {"0b": 2, "0o": 8, "0x": 16}.get(plain[:2], 10)
    return _js_integer(sign * int(plain[2:] if base != 10 else plain, base))


def _yaml12_float(text: str) -> float:
    plain = text.replace("_", "").lower()
    sign = -1.0 if plain[0] == "-" else 1.0
    if plain[0] in "+-":
        plain = plain[1:]
    if plain == ".inf":
        return sign * math.inf
    if plain == ".nan":
        return math.nan
    return sign * float(plain)  # (a decimal past float64's range is infinite, as JavaScript's parseFloat has it)


def _yaml12_timestamp(text: str) -> Any:
    """A JavaScript ``Date`` as js-yaml builds it: an instant in UTC (``Date.UTC``: a day or month out of range
    rolls over, years 0..99 are 1900..1999), milliseconds kept."""
    import datetime as dt  # lazy: start-up; only for date-like text

    m = _YAML12_DATE.fullmatch(text) or _YAML12_TIMESTAMP.fullmatch(text)
    assert m is not None
    groups = m.groups() + (None,) * (11 - len(m.groups()))
    year, month, day = int(groups[0]), int(groups[1]) - 1, int(groups[2])
    if 0 <= year <= 99:
        year += 1900
    hour = int(groups[3] or 0)
    minute = int(groups[4] or 0)
    second = int(groups[5] or 0)
    millis = int((groups[6] or "")[:3].ljust(3, "0")) if groups[6] else 0
    delta = 0
    if groups[8]:
        delta = (int(groups[9]) * 60 + int(groups[10] or 0)) * (-1 if groups[8] == "-" else 1)
    try:
        start = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
        return start + dt.timedelta(
            days=day - 1, hours=hour, minutes=minute - delta, seconds=second, milliseconds=millis
        )
    except (OverflowError, ValueError):  # pragma: no cover - past year 9999: beyond Python's datetime
        return text


def _yaml12_fits(text: str, tag: str) -> bool:
    if tag == NULL:  # (an explicit !!null on empty text fits only an empty plain node: the reader's business)
        return text in ("~", "null", "Null", "NULL")
    if tag == BOOL:
        return text in ("true", "True", "TRUE", "false", "False", "FALSE")
    if tag == INT:
        return _YAML12_INT.fullmatch(text) is not None
    if tag == FLOAT:
        return _YAML12_FLOAT.fullmatch(text) is not None and not text.endswith("_")
    if tag == TIMESTAMP:
        return _YAML12_DATE.fullmatch(text) is not None or _YAML12_TIMESTAMP.fullmatch(text) is not None
    if tag == MERGE:
        return text == "<<"
    return tag == STR


def yaml12_resolve(text: str, tag: str = "") -> tuple[str, Any]:
    """js-yaml 4 (default schema): the tag and value of a scalar ``text``; plain and untagged when ``tag`` is ""
    (tried as null, bool, int, float, timestamp, merge, in js-yaml's order; else a string), else the explicit
    short tag (``!!int``...) applied to the text. Integers are ``int`` up to 2**53 and float64 past it (JavaScript
    numbers), timestamps timezone-aware ``datetime`` in UTC (JavaScript ``Date``). Raises ``ValueError`` when an
    explicit tag does not fit the text, as js-yaml refuses the file."""
    if tag:
        if not _yaml12_fits(text, tag):
            raise ValueError(f"cannot resolve a node with !<tag:yaml.org,2002:{tag[2:]}> explicit tag")
        return tag, _yaml12_construct(text, tag)
    item = _YAML12_WORDS.get(text)
    if item is not None:
        return item
    for candidate in (INT, FLOAT, TIMESTAMP, MERGE):
        if _yaml12_fits(text, candidate):
            return candidate, _yaml12_construct(text, candidate)
    return STR, text


def _yaml12_construct(text: str, tag: str) -> Any:
    if tag == NULL:
        return None
    if tag == BOOL:
        return text in ("true", "True", "TRUE")
    if tag == INT:
        return _yaml12_int(text)
    if tag == FLOAT:
        return _yaml12_float(text)
    if tag == TIMESTAMP:
        return _yaml12_timestamp(text)
    return text  # !!str, and the merge key "<<"


def yaml12_scalar(text: str) -> Any:
    """What Houston (js-yaml 4, YAML 1.2) makes of a plain scalar: ``None``, ``bool``, ``int``, ``float``, a UTC
    ``datetime`` or the text (``yes``, ``on``, ``0.10.3`` and ``<<`` included). Contrast :func:`helm_scalar`."""
    return yaml12_resolve(text)[1]


def js_number_string(value: int | float) -> str:
    """JavaScript's ``String(number)``: how a numeric mapping key becomes an object key in js-yaml."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = float(value) if abs(value) > JS_SAFE_INTEGER else value
        if isinstance(value, int):
            return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    neg = "-" if value < 0 else ""
    ds, n = _shortest(value)
    k = len(ds)
    if k <= n <= 21:
        return neg + ds + "0" * (n - k)
    if 0 < n <= 21:
        return neg + ds[:n] + "." + ds[n:]
    if -6 < n <= 0:
        return neg + "0." + "0" * (-n) + ds
    exp = n - 1
    mant = ds[0] + ("." + ds[1:] if k > 1 else "")
    return f"{neg}{mant}e{'+' if exp >= 0 else '-'}{abs(exp)}"
