"""Helm's reading and printing of values, in Python.

Helm 3.17 reads a values file with ``sigs.k8s.io/yaml``: go-yaml v2 (YAML 1.1 typing) decodes the text,
the result goes through JSON, and ``encoding/json`` decodes it again. So:

* plain ``on``/``off``/``yes``/``no``/``y``/``n`` (three spellings each) are booleans, ``0777`` is octal,
  ``0x1F``/``0o17``/``0b101`` and ``1_000`` are integers, ``1:30`` and ``2001-12-14`` stay strings;
* keys become strings (``y:`` -> ``"true"``, ``1.5:`` -> ``"1.5"``, a ``null`` key is an error);
* every number becomes a float64: exact up to 2**53, rounded above (``12345678901234567890`` ->
  ``12345678901234567000``); ``.inf`` and ``.nan`` make Helm fail;
* anchors, aliases and ``<<`` merge keys resolve inside the file; a later ``<<`` overwrites keys already set
  in the same mapping (go-yaml v2), and in a ``<<: [*a, *b]`` list the first mapping wins;
* only the first YAML document counts; an empty file, or one holding only ``null``, is an empty map.

Printing: :func:`to_yaml` gives the text of Helm's ``toYaml`` (go-yaml v2 emitter: natural key order,
``1e+06``-style floats, double quotes where YAML 1.1 would re-type a string) and :func:`to_json` that of
``toJson`` (Go ``encoding/json``: keys in byte order, ``<``/``>``/``&`` escaped). :func:`canonical` is the data
as a template sees it after such a round trip (``1.0`` -> ``1``).

In the data returned by :func:`load`, integers that a float64 holds exactly stay ``int`` (handy for the rest
of the tool; Helm would hold ``1000000.0``, which prints the same everywhere but in a bare
``{{ .Values.x }}``, see :func:`surprises`); larger ones are ``float``, as Helm has them.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from astro_config.document import reader
from astro_config.keypath import KeyPath, format_path
from astro_config.scalars import BINARY as BINARY  # go-yaml v2's resolve lives in scalars.py (shared)
from astro_config.scalars import BOOL as BOOL
from astro_config.scalars import FLOAT as FLOAT
from astro_config.scalars import INT as INT
from astro_config.scalars import INT64_MAX as INT64_MAX
from astro_config.scalars import INT64_MIN as INT64_MIN
from astro_config.scalars import MERGE as MERGE
from astro_config.scalars import NULL as NULL
from astro_config.scalars import STR as STR
from astro_config.scalars import TIMESTAMP as TIMESTAMP
from astro_config.scalars import UINT64_MAX as UINT64_MAX
from astro_config.scalars import YAML_STYLE_FLOAT
from astro_config.scalars import go_format_float as go_format_float
from astro_config.scalars import go_parse_int as go_parse_int
from astro_config.scalars import is_timestamp as is_timestamp
from astro_config.scalars import resolve as resolve

Position = tuple[int, int]
Locator = Callable[[KeyPath], Position | None]

FLOAT64_EXACT = 2**53

# --------------------------------------------------------------------------------------------------
# go-yaml v2 resolve (YAML 1.1 typing of plain scalars)
# --------------------------------------------------------------------------------------------------

_BASE60_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")


def is_base60_float(text: str) -> bool:
    return bool(_BASE60_FLOAT.match(text))


# --------------------------------------------------------------------------------------------------
# Go number formatting
# --------------------------------------------------------------------------------------------------


def go_json_number(v: int | float) -> str:
    """How Go's ``encoding/json`` writes a number (a Helm value from a file is a float64)."""
    if isinstance(v, int):
        return str(v)
    if math.isnan(v) or math.isinf(v):
        raise ValueError(f"json: unsupported value: {go_format_float(v)}")
    a = abs(v)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        s = go_format_float(v, "e")
        if len(s) >= 4 and s[-4] == "e" and s[-3] == "-" and s[-2] == "0":
            s = s[:-2] + s[-1]
        return s
    return go_format_float(v, "f")


def template_text(v: Any) -> str:
    """What a bare ``{{ .Values.x }}`` prints for a scalar that came from a values file (Go ``%v``)."""
    if v is None:
        return "<nil>"  # rendered as "<no value>" when the key is missing altogether
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        f = float(v)
        if math.isinf(f):
            return "+Inf" if f > 0 else "-Inf"
        return go_format_float(f, "g")
    return str(v)


def _number_after_json(v: int | float) -> int | float:
    """A number as ``toYaml`` re-reads it after Go's JSON encoding (go-yaml v2 typing of the JSON text)."""
    tag, out = resolve(go_json_number(v))
    if tag == INT:
        return int(out)
    if tag == FLOAT:
        return float(out)
    return float(v)  # pragma: no cover - JSON numbers always resolve as numbers


def _yaml_number_text(v: int | float) -> str:
    n = _number_after_json(v)
    if isinstance(n, int):
        return str(n)
    s = go_format_float(n, "g")
    return {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(s, s)


def canonical(data: Any) -> Any:
    """``data`` as templates see it after ``toYaml``/``fromYaml``: numbers re-typed the way Helm prints them."""
    if isinstance(data, dict):
        return {k: canonical(v) for k, v in data.items()}
    if isinstance(data, list):
        return [canonical(v) for v in data]
    if isinstance(data, bool) or data is None or isinstance(data, str):
        return data
    if isinstance(data, int | float):
        return _number_after_json(data)
    return data


# --------------------------------------------------------------------------------------------------
# Key order (go-yaml v2 sorter.go)
# --------------------------------------------------------------------------------------------------


def _wrap64(n: int) -> int:
    n &= 0xFFFFFFFFFFFFFFFF
    return n - (1 << 64) if n >= 1 << 63 else n


def go_yaml_key_less(a: str, b: str) -> bool:
    """go-yaml v2 ``keyList.Less`` for two string keys: letters by code point, digit runs by value."""
    ar, br = a, b
    for i in range(min(len(ar), len(br))):
        if ar[i] == br[i]:
            continue
        al = ar[i].isalpha()
        bl = br[i].isalpha()
        if al and bl:
            return ar[i] < br[i]
        if al or bl:
            return bl
        an = bn = 0
        if ar[i] == "0" or br[i] == "0":
            j = i - 1
            while j >= 0 and ar[j].isdecimal():
                if ar[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(ar) and ar[ai].isdecimal():
            an = _wrap64(an * 10 + (ord(ar[ai]) - 48))
            ai += 1
        bi = i
        while bi < len(br) and br[bi].isdecimal():
            bn = _wrap64(bn * 10 + (ord(br[bi]) - 48))
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ar[i] < br[i]
    return len(ar) < len(br)


def _key_cmp(a: str, b: str) -> int:
    if go_yaml_key_less(a, b):
        return -1
    if go_yaml_key_less(b, a):
        return 1
    return 0


def helm_key_order(keys: Iterator[str] | list[str]) -> list[str]:
    """Keys in the order Helm's ``toYaml`` (and ``helm get values``) prints them."""
    return sorted(keys, key=functools.cmp_to_key(_key_cmp))


def sort_like_helm(data: Any) -> Any:
    """A copy of ``data`` with every mapping's keys in Helm's ``toYaml`` order."""
    if isinstance(data, dict):
        return {k: sort_like_helm(data[k]) for k in helm_key_order(list(data))}
    if isinstance(data, list):
        return [sort_like_helm(v) for v in data]
    return data


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Surprise:
    """A scalar whose Helm meaning differs from what its text suggests (YAML 1.2 / a casual reader)."""

    path: KeyPath
    line: int
    column: int
    text: str  # as written
    value: Any  # what Helm's templates see
    message: str

    @property
    def key(self) -> str:
        return format_path(self.path)


@dataclass(frozen=True)
class Duplicate:
    path: KeyPath
    line: int  # of the later key, which wins
    column: int
    first_line: int


@dataclass
class HelmValues:
    """One values file as Helm reads it: plain data plus where each key was written."""

    name: str
    data: dict[str, Any]
    key_positions: dict[KeyPath, Position] = field(default_factory=dict)
    value_positions: dict[KeyPath, Position] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    surprises: list[Surprise] = field(default_factory=list)

    def locate(self, path: KeyPath) -> Position | None:
        """1-based (line, column) of the key (or list item) at ``path``; None when absent."""
        return self.key_positions.get(tuple(path))

    def value_location(self, path: KeyPath) -> Position | None:
        return self.value_positions.get(tuple(path))


def scalar_surprise(text: str, rtag: str, value: Any) -> str:
    """Why a plain scalar's Helm meaning may surprise, or "" when it reads as it looks."""
    if rtag == BOOL and text.lower() not in ("true", "false"):
        return (
            f'{text!r} is the boolean {str(value).lower()} for Helm (YAML 1.1); quote it ("{text}") to keep the string'
        )
    if rtag == NULL and text not in ("", "~", "null"):
        return f"{text!r} is null for Helm; quote it to keep the string"
    if rtag == INT:
        plain = text.replace("_", "").lstrip("+-")
        if "_" in text:
            return f"{text!r} is the integer {value} for Helm (underscores are dropped)"
        if len(plain) > 1 and plain[0] == "0" and plain[1].isdigit():
            return f"{text!r} is the octal number {value} for Helm (YAML 1.1); quote it to keep the text"
        if plain[:2].lower() in ("0x", "0o", "0b"):
            return f"{text!r} is the integer {value} for Helm"
        if isinstance(value, float):
            return (
                f"{text!r} is too large for a float64: Helm rounds it to {go_json_number(value)}; "
                "quote it to keep every digit"
            )
        if abs(value) >= 1_000_000:
            return (
                f"{text!r} is a float64 for Helm: toYaml prints {value}, but a bare "
                f"{{{{ .Values... }}}} prints {template_text(float(value))}; quote it or use | int"
            )
        return ""
    if rtag == FLOAT:
        canon = _number_after_json(value)
        shown = str(canon) if isinstance(canon, int) else _yaml_number_text(value)
        if shown != text:
            return f"{text!r} is the number {shown} for Helm"
        return ""
    if rtag in (STR, TIMESTAMP):
        if is_base60_float(text):
            return (
                f"{text!r} stays a string for Helm (YAML 1.1 would read a sexagesimal number); "
                "other YAML 1.1 tools may not agree: quote it"
            )
        if rtag == TIMESTAMP:
            return ""
        low = text.lower()
        if low in ("yes", "no", "on", "off", "y", "n", "true", "false", "null"):
            return f"{text!r} stays a string for Helm (only some spellings are special); quote it to be clear"
        if YAML_STYLE_FLOAT.match(text.replace("_", "")) and text[:1] not in ".":
            return f"{text!r} is out of float64 range and stays a string for Helm"
    return ""


def key_surprise(text: str, key: str) -> str:
    """Why a plain key that Helm reads as another string (``on:`` -> ``"true"``) may surprise."""
    return f"the key {text!r} is read by Helm as {key!r} (YAML 1.1); quote it to keep {text!r}"


def load(text: str, name: str) -> HelmValues:
    """Read a values file the way Helm 3.17 does. Raises :class:`InputError` for what Helm rejects.

    The reading is the document reader's Helm mode (:func:`astro_config.document.reader.load_helm`); this
    module adds its typing notes (:func:`scalar_surprise`, :func:`key_surprise`) as :class:`Surprise`.
    """
    read = reader.load_helm(text, name, explain=scalar_surprise, explain_key=key_surprise)
    return HelmValues(
        name=name,
        data=read.data,
        key_positions=read.key_positions,
        value_positions=read.value_positions,
        duplicates=[Duplicate(d.path, d.line, d.column, d.first_line) for d in read.duplicates],
        surprises=[Surprise(n.path, n.line, n.column, n.text, n.value, n.message) for n in read.notes],
    )


def surprises(text: str, name: str) -> list[Surprise]:
    """The scalars (and keys) of a values file whose Helm meaning differs from what the text suggests."""
    return load(text, name).surprises


# --------------------------------------------------------------------------------------------------
# Printing: toJson
# --------------------------------------------------------------------------------------------------

_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _json_string(s: str, escape_html: bool = True) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in _JSON_SHORT:
            out.append(_JSON_SHORT[ch])
        elif o < 0x20 or (escape_html and ch in "<>&") or o in (0x2028, 0x2029):
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def to_json(data: Any, indent: int | None = None, escape_html: bool = True) -> str:
    """Go ``encoding/json`` text of ``data``: Helm's ``toJson`` (compact) or ``MarshalIndent`` (indent).

    ``escape_html=False`` leaves ``<``, ``>`` and ``&`` as they are (Go's ``SetEscapeHTML(false)``)."""
    parts: list[str] = []
    _json_into(data, parts, indent, 0, escape_html)
    return "".join(parts)


def _json_into(v: Any, out: list[str], indent: int | None, level: int, escape_html: bool = True) -> None:
    nl = "" if indent is None else "\n"
    pad = "" if indent is None else " " * (indent * (level + 1))
    end_pad = "" if indent is None else " " * (indent * level)
    colon = ":" if indent is None else ": "
    if isinstance(v, dict):
        if not v:
            out.append("{}")
            return
        out.append("{" + nl)
        for i, k in enumerate(sorted(v, key=lambda s: s.encode("utf-8", "surrogatepass"))):
            if i:
                out.append("," + nl)
            out.append(pad + _json_string(str(k), escape_html) + colon)
            _json_into(v[k], out, indent, level + 1, escape_html)
        out.append(nl + end_pad + "}")
    elif isinstance(v, list):
        if not v:
            out.append("[]")
            return
        out.append("[" + nl)
        for i, item in enumerate(v):
            if i:
                out.append("," + nl)
            out.append(pad)
            _json_into(item, out, indent, level + 1, escape_html)
        out.append(nl + end_pad + "]")
    elif v is None:
        out.append("null")
    elif isinstance(v, bool):
        out.append("true" if v else "false")
    elif isinstance(v, int | float):
        out.append(go_json_number(v))
    else:
        out.append(_json_string(str(v), escape_html))


# --------------------------------------------------------------------------------------------------
# Printing: toYaml (go-yaml v2 emitter behaviour on top of ruamel's emitter)
# --------------------------------------------------------------------------------------------------


def _yaml_string_style(s: str) -> str:
    """The style go-yaml v2's encoder asks for: '' plain, '"' double-quoted, '|' literal."""
    if "\n" in s:
        return "|"
    rtag, _ = resolve(s)
    if rtag == STR and not is_base60_float(s):
        return ""
    return '"'


@functools.cache
def _emitter_yaml() -> Any:
    """A ruamel YAML instance whose emitter chooses scalar styles like libyaml/go-yaml v2."""
    from ruamel.yaml import YAML
    from ruamel.yaml.emitter import Emitter, ScalarAnalysis
    from ruamel.yaml.representer import SafeRepresenter
    from ruamel.yaml.resolver import BaseResolver

    class GoEmitter(Emitter):
        def analyze_scalar(self, scalar: Any) -> Any:
            return _go_analyze(scalar, ScalarAnalysis)

        def choose_scalar_style(self) -> Any:
            if self.analysis is None:
                self.analysis = self.analyze_scalar(self.event.value)
            a = self.analysis
            style = self.event.style or ""
            if style == "":
                plain_ok = a.allow_flow_plain if self.flow_level else a.allow_block_plain
                if a.empty and (self.flow_level or self.simple_key_context):
                    plain_ok = False
                if plain_ok:
                    return ""
                style = "'"
            if style == "'":
                return "'" if a.allow_single_quoted else '"'
            if style == "|":
                if not a.allow_block or self.flow_level or self.simple_key_context:
                    return '"'
                return "|"
            return '"'

        # The scalar writers of go-yaml v2 (libyaml): fold at a space once past the width, never before.
        def _put(self, data: str) -> None:
            self.column += len(data)
            self.stream.write(data)

        def write_plain(self, text: Any, split: Any = True) -> None:
            if not text:
                return
            if not self.whitespace:
                self._put(" ")
            spaces = breaks = False
            i = 0
            while i < len(text):
                ch = text[i]
                if ch == " ":
                    nxt = text[i + 1] if i + 1 < len(text) else ""
                    if split and not spaces and self.column > self.best_width and nxt != " ":
                        self.write_indent()
                    else:
                        self._put(ch)
                    spaces = True
                elif ch in "\n\x85\u2028\u2029":  # never reached: plain scalars have no breaks here
                    self.write_line_break(ch)
                    breaks = True
                else:
                    if breaks:
                        self.write_indent()
                    self._put(ch)
                    self.indention = False
                    spaces = breaks = False
                i += 1
            self.whitespace = False
            self.indention = False

        def write_single_quoted(self, text: Any, split: Any = True) -> None:
            self.write_indicator("'", True)
            spaces = breaks = False
            n = len(text)
            for i, ch in enumerate(text):
                if ch == " ":
                    nxt = text[i + 1] if i + 1 < n else ""
                    if split and not spaces and self.column > self.best_width and 0 < i < n - 1 and nxt != " ":
                        self.write_indent()
                    else:
                        self._put(ch)
                    spaces = True
                elif ch in "\n\x85\u2028\u2029":
                    if not breaks and ch == "\n":
                        self.write_line_break()
                    self.write_line_break(ch)
                    self.indention = True
                    breaks = True
                else:
                    if breaks:
                        self.write_indent()
                    self._put("''" if ch == "'" else ch)
                    self.indention = False
                    spaces = breaks = False
            self.write_indicator("'", False)
            self.whitespace = False
            self.indention = False

        def write_double_quoted(self, text: Any, split: Any = True) -> None:
            self.write_indicator('"', True)
            spaces = False
            n = len(text)
            for i, ch in enumerate(text):
                o = ord(ch)
                if not _go_printable(o) or o == 0xFEFF or ch in '"\\' or ch in "\n\r\x85\u2028\u2029":
                    if ch in _DQ_ESCAPES:
                        self._put("\\" + _DQ_ESCAPES[ch])
                    elif o <= 0xFF:
                        self._put(f"\\x{o:02X}")
                    elif o <= 0xFFFF:
                        self._put(f"\\u{o:04X}")
                    else:
                        self._put(f"\\U{o:08X}")
                    spaces = False
                elif ch == " ":
                    if split and not spaces and self.column > self.best_width and 0 < i < n - 1:
                        self.write_indent()
                        if i + 1 < n and text[i + 1] == " ":
                            self._put("\\")
                    else:
                        self._put(ch)
                    spaces = True
                else:
                    self._put(ch)
                    spaces = False
            self.write_indicator('"', False)
            self.whitespace = False
            self.indention = False

    class GoRepresenter(SafeRepresenter):
        pass

    def rep_str(self: Any, data: str) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=_yaml_string_style(data) or None)

    def rep_plain(text: str) -> Callable[[Any, Any], Any]:
        def rep(self: Any, data: Any) -> Any:
            return self.represent_scalar("tag:yaml.org,2002:str", text)

        return rep

    def rep_none(self: Any, data: Any) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:str", "null")

    def rep_bool(self: Any, data: bool) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:str", "true" if data else "false")

    def rep_num(self: Any, data: Any) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:str", _yaml_number_text(data))

    def rep_dict(self: Any, data: dict[str, Any]) -> Any:
        return self.represent_mapping("tag:yaml.org,2002:map", [(k, data[k]) for k in helm_key_order(list(data))])

    GoRepresenter.add_representer(str, rep_str)
    GoRepresenter.add_representer(type(None), rep_none)
    GoRepresenter.add_representer(bool, rep_bool)
    GoRepresenter.add_representer(int, rep_num)
    GoRepresenter.add_representer(float, rep_num)
    GoRepresenter.add_representer(dict, rep_dict)
    del rep_plain

    class PlainResolver(BaseResolver):
        """Every plain scalar resolves to a string: the representer has already chosen the text."""

        def __init__(self, version: Any = None, loader: Any = None) -> None:
            super().__init__(loader)

    y = YAML(typ="safe", pure=True)
    y.Emitter = GoEmitter
    y.Representer = GoRepresenter
    y.Resolver = PlainResolver
    y.default_flow_style = False
    y.allow_unicode = True
    y.width = 80
    y.indent(mapping=2, sequence=2, offset=0)
    return y


_DQ_ESCAPES = {
    "\0": "0",
    "\x07": "a",
    "\b": "b",
    "\t": "t",
    "\n": "n",
    "\x0b": "v",
    "\f": "f",
    "\r": "r",
    "\x1b": "e",
    '"': '"',
    "\\": "\\",
    "\x85": "N",
    "\xa0": "_",
    "\u2028": "L",
    "\u2029": "P",
}


def _go_printable(o: int) -> bool:
    """go-yaml's ``is_printable``: no tab, no C1 controls, nothing outside the Basic Multilingual Plane."""
    return o == 0x0A or 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)


def _go_analyze(scalar: str, analysis_cls: Any) -> Any:
    """libyaml's ``yaml_emitter_analyze_scalar`` as go-yaml v2 has it."""
    if not scalar:
        return analysis_cls(
            scalar=scalar,
            empty=True,
            multiline=False,
            allow_flow_plain=False,
            allow_block_plain=True,
            allow_single_quoted=True,
            allow_double_quoted=True,
            allow_block=False,
        )
    block_ind = flow_ind = line_breaks = special = False
    leading_space = leading_break = trailing_space = trailing_break = False
    break_space = space_break = False
    previous_space = previous_break = False
    if scalar.startswith(("---", "...")):
        block_ind = flow_ind = True
    preceded_by_ws = True
    breaks = "\r\n\x85\u2028\u2029"
    blankz = " \t" + breaks

    def followed(i: int) -> bool:
        return i + 1 >= len(scalar) or scalar[i + 1] in blankz

    n = len(scalar)
    for i, ch in enumerate(scalar):
        fw = followed(i)
        if i == 0:
            if ch in "#,[]{}&*!|>'\"%@`":
                flow_ind = block_ind = True
            if ch in "?:":
                flow_ind = True
                if fw:
                    block_ind = True
            if ch == "-" and fw:
                flow_ind = block_ind = True
        else:
            if ch in ",?[]{}":
                flow_ind = True
            if ch == ":":
                flow_ind = True
                if fw:
                    block_ind = True
            if ch == "#" and preceded_by_ws:
                flow_ind = block_ind = True
        if not _go_printable(ord(ch)):
            special = True
        if ch in breaks:
            line_breaks = True
        if ch == " ":
            if i == 0:
                leading_space = True
            if i == n - 1:
                trailing_space = True
            if previous_break:
                break_space = True
            previous_space, previous_break = True, False
        elif ch in breaks:
            if i == 0:
                leading_break = True
            if i == n - 1:
                trailing_break = True
            if previous_space:
                space_break = True
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
        preceded_by_ws = ch in blankz
    flow_plain = block_plain = single = block = True
    if leading_space or leading_break or trailing_space or trailing_break:
        flow_plain = block_plain = False
    if trailing_space:
        block = False
    if break_space:
        flow_plain = block_plain = single = False
    if space_break or special:
        flow_plain = block_plain = single = block = False
    if line_breaks:
        flow_plain = block_plain = False
    if flow_ind:
        flow_plain = False
    if block_ind:
        block_plain = False
    return analysis_cls(
        scalar=scalar,
        empty=False,
        multiline=line_breaks,
        allow_flow_plain=flow_plain,
        allow_block_plain=block_plain,
        allow_single_quoted=single,
        allow_double_quoted=True,
        allow_block=block,
    )


def to_yaml(data: Any) -> str:
    """The text Helm's ``toYaml`` gives for ``data``, with a final newline (``toYaml`` trims it)."""
    buf = io.StringIO()
    _emitter_yaml().dump(data, buf)
    text = buf.getvalue()
    if text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return text
