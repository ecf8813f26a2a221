"""Helm's ``--set`` / ``--set-string`` syntax and typing (a port of Helm 3.17 ``pkg/strvals/parser.go``).

* ``a.b=c`` nests maps, ``a[0]=x`` / ``a[1].b=y`` / ``a[0][1]=z`` index lists (a list grows with nulls to
  reach the index, at most 65536), ``a={x,y}`` is a whole list, ``k1=v1,k2=v2`` sets several keys.
* A backslash takes the next character literally, in keys and values: ``a\\.b=c`` is the key ``a.b``,
  ``a=x\\,y`` the value ``x,y``.
* ``--set`` types only ``true``/``false``/``null`` (any case) and decimal integers that fit an int64 and do
  not start with ``0`` (``0`` itself is 0). Everything else, ``1.5``, ``0777``, ``1e3``, ``yes``, is a string.
  ``--set-string`` keeps every value a string.
* A key with nothing after ``=`` is the empty string; ``a.b=c`` where ``a`` already holds a non-map (or a
  null), or ``a[0]=x`` where ``a`` is not a list, is an error, as in Helm.

Helm applies all ``-f`` files first, then every ``--set``, then every ``--set-string``, whatever their order on
the command line; :func:`apply` handles one argument and reports the key paths it assigned.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from astro_config.errors import InputError
from astro_config.helm import helmyaml
from astro_config.keypath import KeyPath, format_path

MAX_INDEX = 65536
MAX_NESTED_NAME_LEVEL = 30

SetKind = Literal["set", "set-string"]

_ATOI = re.compile(r"^[+-]?[0-9]+$")


@dataclass(frozen=True)
class SetArg:
    """One ``--set`` or ``--set-string`` argument as given on the command line."""

    text: str
    kind: SetKind = "set"

    @property
    def flag(self) -> str:
        return f"--{self.kind}"

    def __str__(self) -> str:
        return f"{self.flag} {self.text}"


class _EOF(Exception):
    """End of input (Go's io.EOF): ends the parse quietly."""


class SetSyntaxError(Exception):
    """A --set argument Helm rejects."""


def typed_value(text: str, as_string: bool = False) -> Any:
    """Helm's ``typedVal``: how ``--set`` types one value."""
    if as_string:
        return text
    folded = text.casefold()
    if folded == "true":
        return True
    if folded == "false":
        return False
    if folded == "null":
        return None
    if text == "0":
        return 0
    if text and text[0] != "0":
        sign = text[0] in "+-"
        digits = text[1:] if sign else text
        if digits and digits.isascii() and digits.isdigit():
            n = int(text)
            if -(2**63) <= n <= 2**63 - 1:
                return n
    return text


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    return "a map"


class _Parser:
    def __init__(self, text: str, data: dict[str, Any], as_string: bool) -> None:
        self.text = text
        self.pos = 0
        self.data = data
        self.as_string = as_string
        self.assigned: list[KeyPath] = []

    # -- scanning ------------------------------------------------------------------------------
    def read(self) -> str | None:
        if self.pos >= len(self.text):
            return None
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    def unread(self) -> None:
        self.pos -= 1

    def runes_until(self, stop: str) -> tuple[str, str | None]:
        """Characters up to a stop character (consumed, returned as the second item; None at the end)."""
        out: list[str] = []
        while True:
            ch = self.read()
            if ch is None:
                return "".join(out), None
            if ch in stop:
                return "".join(out), ch
            if ch == "\\":
                nxt = self.read()
                if nxt is None:
                    return "".join(out), None
                out.append(nxt)
                continue
            out.append(ch)

    def reader(self, text: str) -> Any:
        return typed_value(text, self.as_string)

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> None:
        while True:
            try:
                self.key(self.data, 0, ())
            except _EOF:
                return

    def key(self, data: dict[str, Any], level: int, path: KeyPath) -> None:
        k, last = self.runes_until("=[,.")
        if last is None:
            if not k:
                raise _EOF
            raise SetSyntaxError(f"key {k!r} has no value")
        here = (*path, k)
        if last == "[":
            i = self.key_index()
            lst: list[Any] = []
            if k in data:
                existing = data[k]
                if not isinstance(existing, list):
                    raise SetSyntaxError(f"{format_path(here)} is {_type_name(existing)}, not a list: cannot index it")
                lst = existing
            try:
                lst = self.list_item(lst, i, level, here)
            finally:
                if k:
                    data[k] = lst
            return
        if last == "=":
            try:
                vl = self.val_list()
            except _NotList:
                rs = self.val()
                self.set(data, k, self.reader(rs), here)
                return
            except _EOF:
                self.set(data, k, "", here)
                raise
            self.set(data, k, vl, here)
            return
        if last == ",":
            self.set(data, k, "", here)
            raise SetSyntaxError(f"key {k!r} has no value (cannot end with ,)")
        # last == "."
        level += 1
        if level > MAX_NESTED_NAME_LEVEL:
            raise SetSyntaxError(
                f"value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
            )
        inner: dict[str, Any] = {}
        if k in data:
            existing = data[k]
            if not isinstance(existing, dict):
                raise SetSyntaxError(
                    f"{format_path(here)} is {_type_name(existing)}, not a map: cannot set keys under it"
                )
            inner = existing
        eof = False
        try:
            self.key(inner, level, here)
        except _EOF:
            eof = True
        if not eof and not inner:
            raise SetSyntaxError(f"key map {k!r} has no value")
        if inner:
            self.set(data, k, inner, here, record=False)
        if eof:
            raise _EOF

    def set(self, data: dict[str, Any], key: str, value: Any, path: KeyPath, record: bool = True) -> None:
        if not key:
            return
        data[key] = value
        if record:
            self.assigned.append(path)

    def key_index(self) -> int:
        v, last = self.runes_until("]")
        if last is None:
            raise SetSyntaxError("error parsing index: EOF")
        if not _ATOI.match(v):
            raise SetSyntaxError(f'error parsing index: strconv.Atoi: parsing "{v}": invalid syntax')
        return int(v)

    def set_index(self, lst: list[Any], index: int, value: Any, path: KeyPath, record: bool = True) -> list[Any]:
        if index < 0:
            raise SetSyntaxError(f"negative {index} index not allowed")
        if index > MAX_INDEX:
            raise SetSyntaxError(f"index of {index} is greater than maximum supported index of {MAX_INDEX}")
        if len(lst) <= index:
            lst = lst + [None] * (index + 1 - len(lst))
        lst[index] = value
        if record:
            self.assigned.append((*path, index))
        return lst

    def list_item(self, lst: list[Any], i: int, level: int, path: KeyPath) -> list[Any]:
        if i < 0:
            raise SetSyntaxError(f"negative {i} index not allowed")
        k, last = self.runes_until("[.=")
        if k:
            raise SetSyntaxError(f"unexpected data at end of array index: {k!r}")
        if last is None:
            raise _EOF
        if last == "=":
            try:
                vl = self.val_list()
            except _NotList:
                rs = self.val()
                return self.set_index(lst, i, self.reader(rs), path)
            except _EOF:
                return self.set_index(lst, i, "", path)
            return self.set_index(lst, i, vl, path)
        if last == "[":
            next_i = self.key_index()
            crt: list[Any] = []
            if len(lst) > i and lst[i] is not None:
                if not isinstance(lst[i], list):
                    raise SetSyntaxError(
                        f"{format_path((*path, i))} is {_type_name(lst[i])}, not a list: cannot index it"
                    )
                crt = lst[i]
            list2 = self.list_item(crt, next_i, level, (*path, i))
            return self.set_index(lst, i, list2, path, record=False)
        # last == "."
        inner: dict[str, Any] = {}
        if len(lst) > i:
            if isinstance(lst[i], dict):
                inner = lst[i]
            else:
                lst[i] = inner
        self.key(inner, level, (*path, i))
        return self.set_index(lst, i, inner, path, record=False)

    def val(self) -> str:
        v, _ = self.runes_until(",")
        return v

    def val_list(self) -> list[Any]:
        ch = self.read()
        if ch is None:
            raise _EOF
        if ch != "{":
            self.unread()
            raise _NotList
        out: list[Any] = []
        while True:
            rs, last = self.runes_until(",}")
            if last is None:
                raise SetSyntaxError("list must terminate with '}'")
            if last == "}":
                nxt = self.read()
                if nxt is not None and nxt != ",":
                    self.unread()
                out.append(self.reader(rs))
                return out
            out.append(self.reader(rs))


class _NotList(Exception):
    pass


def apply(data: dict[str, Any], arg: SetArg | str, *, as_string: bool | None = None) -> list[KeyPath]:
    """Apply one ``--set``/``--set-string`` argument to ``data`` in place, as Helm's ``ParseInto`` does.

    Returns the key paths assigned (in order). Raises :class:`InputError` (file ``--set``) on bad syntax.
    """
    if isinstance(arg, str):
        arg = SetArg(arg, "set-string" if as_string else "set")
    parser = _Parser(arg.text, data, arg.kind == "set-string")
    try:
        parser.parse()
    except SetSyntaxError as exc:
        raise InputError(arg.flag, f"{arg.text!r}: {exc}") from None
    except RecursionError:  # pragma: no cover - bounded by MAX_NESTED_NAME_LEVEL
        raise InputError(arg.flag, f"{arg.text!r}: nested too deeply") from None
    return parser.assigned


def parse(text: str, *, as_string: bool = False) -> dict[str, Any]:
    """Helm's ``strvals.Parse`` / ``ParseString``: one argument on its own, as a new map."""
    data: dict[str, Any] = {}
    apply(data, SetArg(text, "set-string" if as_string else "set"))
    return data


def helm_order(args: list[SetArg]) -> list[SetArg]:
    """The order Helm applies them: every ``--set`` (in order), then every ``--set-string``."""
    return [a for a in args if a.kind == "set"] + [a for a in args if a.kind == "set-string"]


@dataclass(frozen=True)
class SetSurprise:
    path: KeyPath
    value: Any
    message: str

    @property
    def key(self) -> str:
        return format_path(self.path)


def surprises(arg: SetArg) -> list[SetSurprise]:
    """Values whose ``--set`` typing differs from what the same text means in a values file."""
    out: list[SetSurprise] = []
    data: dict[str, Any] = {}
    paths = apply(data, arg)
    for path in paths:
        value: Any = data
        for part in path:
            value = value[part]
        values = value if isinstance(value, list) else [value]
        for v in values:
            if not isinstance(v, str):
                continue
            tag, file_value = helmyaml.resolve(v)
            if tag in (helmyaml.STR, helmyaml.TIMESTAMP):
                continue
            if arg.kind == "set-string":
                continue
            out.append(
                SetSurprise(
                    path,
                    v,
                    f"--set keeps {v!r} a string (it types only true/false/null and plain integers); "
                    f"in a values file it would be {_describe(file_value)}",
                )
            )
    return out


def _describe(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    return f"the number {v}"


Applier = Callable[[dict[str, Any], SetArg], list[KeyPath]]
