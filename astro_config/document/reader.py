"""The values document: parsing with exact positions, Helm-typed data, and byte-exact edits.

ruamel.yaml's round trip rewrites files (see docs): this module uses ruamel.yaml only as a parser (its
libyaml-backed event stream, with character offsets for every event) and builds a small node tree of its
own. Edits are spliced into the original text at those offsets, then verified (:mod:`astro_config.verify`).

This is the one YAML reader of astro-config: the only module that constructs a parser (:func:`_make_parser`;
tests/document/test_one_reader.py checks it). It reads in four modes:

* :func:`load_text` / :func:`load_file`: the node tree with exact spans (editing, positions), strict: one
  document, no duplicate keys, limits against hostile input, integers kept exact;
* :func:`load_helm`: the data as Helm's loader has it (first document only, duplicates kept and listed,
  numbers as float64, explicit tags as go-yaml reads them), with positions and typing notes
  (:mod:`astro_config.helm.helmyaml` words them);
* :func:`read_data`: plain data straight from the events, no nodes (lint's fast path); it leaves anything
  unusual to :func:`load_text` (:class:`Unusual`).
* :func:`load_yaml12` / :func:`load_yaml12_all`: the data as Houston reads its rendered configuration files
  (js-yaml 4, YAML 1.2 typing: :func:`astro_config.scalars.yaml12_resolve`), one document or a stream.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from astro_config.errors import InputError, KeyPathError
from astro_config.keypath import KeyPath, format_path
from astro_config.scalars import go_format_float, js_number_string, resolve, yaml12_resolve
from astro_config.scalars import helm_scalar as helm_scalar

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 200
MAX_NODES = 50_000  # literal nodes; the largest real values files have a few thousand
MAX_EXPANDED_NODES = 250_000  # nodes once aliases are expanded (alias bombs)
MAX_LINE_CHARS = 1_000_000
MAX_LINES = 500_000
_LINE_CHUNK = 1 << 20  # characters examined at a time when measuring lines

MISSING: Any = object()
_UNLIMITED = 1 << 62  # (Helm's reading has no size limits)
_HELM_TOO_DEEP = "values nested too deeply (recursive alias?)"
_HELM_MAX_DEPTH = 200


class LimitError(InputError):
    """An input over one of the limits that keep hostile files cheap (size, lines, nesting, nodes, aliases)."""


# --------------------------------------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------------------------------------


class Node:
    """A YAML node with its character span ``[start, end)`` in the document text.

    kind: ``map`` (value: list of (key, value) pairs), ``seq`` (value: list of nodes), ``scalar`` (value: str),
    ``alias`` (value: anchor name; ``target`` the anchored node); ``plain`` (value: plain data, only in the
    edit engine's expectations, never from a parse).
    style: scalars: ``""`` plain, ``'`` ``"`` ``|`` ``>``; collections: ``flow`` or ``block``.
    """

    # (a plain class with slots: a dataclass costs about 0.5 ms to create at import, on every command)
    __slots__ = ("anchor", "end", "kind", "size", "start", "style", "tag", "target", "value")

    def __init__(
        self,
        kind: str,
        start: int,
        end: int,
        value: Any,
        style: str = "",
        anchor: str | None = None,
        tag: str | None = None,
        target: Node | None = None,
        size: int = 1,  # number of nodes once aliases are expanded
    ) -> None:
        self.kind, self.start, self.end, self.value, self.style = kind, start, end, value, style
        self.anchor, self.tag, self.target, self.size = anchor, tag, target, size

    def __repr__(self) -> str:
        return f"Node({self.kind!r}, {self.start}, {self.end}, {self.value!r}, style={self.style!r})"


class Entry(NamedTuple):  # (a NamedTuple: cheaper to create than a dataclass at start-up)
    """Where a key path lives: its key node (None for list items and the root), value node and parent."""

    key: Node | None
    value: Node
    parent: Node | None


_TAG_PREFIX = "tag:yaml.org,2002:"


class TagError(ValueError):
    """A scalar whose explicit tag Helm cannot apply (``!!int abc``, ``!!binary`` that is not base64)."""


_OTHER_TYPES = ("map", "seq", "omap", "set", "pairs")
_EACH_BAD_BYTE = dict.fromkeys(range(0xDC80, 0xDD00), "\ufffd")  # (surrogate escapes of bad bytes)


def _scalar_value(node: Node) -> Any:
    """A scalar as Helm (go-yaml v2) reads it: plain text typed by YAML 1.1 rules, quoted text a string, and an
    explicit tag applied as go-yaml applies it (``!!binary`` decoded, ``!!int "42"`` the integer 42,
    ``!!timestamp`` the text when it is a date, ``!!str`` a string, a local tag ``!x`` the text). Raises
    :class:`TagError` where Helm refuses the file."""
    tag = node.tag
    if tag and tag != "!":
        short = tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else None
        if short is None or short in _OTHER_TYPES:
            return node.value  # a local or foreign tag: go-yaml hands over the text
        if short == "binary":
            import base64  # lazy: only for !!binary values (rare)
            import binascii  # lazy: (with base64)

            try:
                raw = base64.b64decode("".join(node.value.split()), validate=True)
            except (binascii.Error, ValueError):
                raise TagError("the !!binary value is not valid base64 (Helm refuses the file)") from None
            # bytes that are not UTF-8: one U+FFFD each, as Go's JSON encoding shows them to Helm's templates
            return raw.decode("utf-8", errors="surrogateescape").translate(_EACH_BAD_BYTE)
        if node.style != "" and short == "str":
            return node.value
        try:
            _rtag, value = resolve(node.value, "!!" + short)
        except ValueError:  # (go-yaml's message quotes the value: not repeated, it may be a secret)
            raise TagError(f"the value does not fit its !!{short} tag (Helm refuses the file)") from None
        return node.value if short == "merge" else value
    if node.style != "" or tag == "!":
        return node.value
    return helm_scalar(node.value)


def is_merge_key(key: Node) -> bool:
    """A ``<<`` key, plain and untagged or tagged ``!!merge``: its value's keys merge into the mapping (YAML
    1.1, as Helm reads it)."""
    return (
        key.kind == "scalar"
        and key.value == "<<"
        and ((key.style == "" and not key.tag) or key.tag == _TAG_PREFIX + "merge")
    )


def _key_string(value: Any) -> str:
    """Helm (sigs.k8s.io/yaml) turns every mapping key into a string."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):  # sigs.k8s.io/yaml: strconv.FormatFloat(key, 'g', -1, 32)
        return go_format_float(value, "g", 32)
    return str(value)


# --------------------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------------------


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


class _Composer:
    """Builds :class:`Node` trees from ruamel.yaml's event stream (libyaml when available).

    ``helm=True`` composes as Helm's loader does (ruamel.yaml's composer over libyaml, go-yaml alike): the
    first document only, an anchor defined from where it starts (a collection may alias itself), a reused
    anchor an error, no size limits, errors worded ``invalid YAML: ...`` at libyaml's (line, column), which
    :attr:`marks` also keeps for the start of every node.
    """

    def __init__(self, text: str, name: str, *, helm: bool = False) -> None:
        self.text = text
        self.name = name
        self.anchors: dict[str, Node] = {}
        self._starts: list[int] | None = None
        self.aliases: list[tuple[Node, Node]] = []  # (alias node, target)
        self.count = 0  # nodes read so far (aliases count once)
        self.helm = helm
        self.marks: dict[int, tuple[int, int]] = {}  # helm: node start -> libyaml's 1-based (line, column)
        self.max_depth = _UNLIMITED if helm else MAX_DEPTH
        self.max_nodes = _UNLIMITED if helm else MAX_NODES
        self.max_expanded = _UNLIMITED if helm else MAX_EXPANDED_NODES
        self.deep_at: tuple[int, int] | None = None  # helm: the first node nested _HELM_MAX_DEPTH deep
        self.libyaml = helm and has_libyaml()  # (Helm's wording of composer errors follows libyaml's composer)

    def position(self, index: int) -> tuple[int, int]:
        if self._starts is None:
            self._starts = _line_starts(self.text)
        import bisect

        line = bisect.bisect_right(self._starts, index) - 1
        return line + 1, index - self._starts[line] + 1

    def fail(self, index: int, message: str, limit: bool = False) -> InputError:
        line, col = self.position(index)
        return (LimitError if limit else InputError)(self.name, message, line, col)

    def compose(self) -> Node | None:
        roots = self._compose(stream=False)
        return roots[0][1] if roots else None

    def compose_all(self) -> list[tuple[int, Node]]:
        """Every document of the stream: (where it starts, its root), anchors scoped to their document."""
        return self._compose(stream=True)

    def _compose(self, stream: bool) -> list[tuple[int, Node]]:
        import ruamel.yaml.events as ev
        from ruamel.yaml.error import MarkedYAMLError, YAMLError
        from ruamel.yaml.reader import ReaderError

        parser = _make_parser(self.text)
        roots: list[tuple[int, Node]] = []
        try:
            event = parser.get_event()  # StreamStart
            while True:
                event = parser.get_event()
                if isinstance(event, ev.StreamEndEvent):
                    break
                if isinstance(event, ev.DocumentStartEvent):
                    if roots and not stream:
                        if self.helm:  # Helm reads the first document only
                            break
                        raise self.fail(
                            event.start_mark.index,
                            "more than one YAML document in the file (a values file holds one)",
                        )
                    self.anchors = {}  # (an anchor belongs to its document)
                    roots.append((event.start_mark.index, self._node(parser, parser.get_event(), 0)))
                    end = parser.get_event()
                    if not isinstance(end, ev.DocumentEndEvent):  # pragma: no cover - parser guarantees it
                        raise self.fail(end.start_mark.index, "expected the end of the document")
        except InputError:
            raise
        except YAMLError as e:
            if self.helm:
                raise self._helm_error(e) from None
            if isinstance(e, MarkedYAMLError):
                raise self._translate(e) from None
            if isinstance(e, ReaderError):  # a character YAML does not allow (control characters, U+FFFE, ...)
                raise self._reader_error(e) from None
            raise InputError(self.name, "YAML error: " + " ".join(str(e).split())) from None  # pragma: no cover
        except RecursionError:
            if self.helm:  # (where Helm's loader stops: the first node that deep)
                raise InputError(self.name, _HELM_TOO_DEEP, *(self.deep_at or (None, None))) from None
            raise LimitError(self.name, f"nesting deeper than {MAX_DEPTH} levels") from None
        return roots

    def _helm_error(self, e: Any) -> InputError:
        """A parser error as Helm's loader words it (libyaml's mark)."""
        from ruamel.yaml.error import MarkedYAMLError

        if isinstance(e, MarkedYAMLError):
            mark = e.problem_mark or e.context_mark
            problem = e.problem or e.context or "invalid YAML"
            line = mark.line + 1 if mark is not None else None
            col = mark.column + 1 if mark is not None else None
            return InputError(self.name, f"invalid YAML: {problem}", line, col)
        return InputError(self.name, f"invalid YAML: {str(e).splitlines()[0] if str(e) else e}")

    def _helm_anchor(self, event: Any, node: Node) -> None:
        """Define ``node``'s anchor from where it starts, as ruamel.yaml's composer does (libyaml's refuses a
        reused anchor; the pure-Python one redefines it)."""
        anchor = event.anchor
        if anchor in self.anchors and self.libyaml:
            m = event.start_mark
            raise InputError(self.name, "invalid YAML: second occurrence", m.line + 1, m.column + 1)
        self.anchors[anchor] = node

    def _reader_error(self, e: Any) -> InputError:
        char = e.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        message = f"character {shown} is not allowed in YAML ({e.reason}); write it as an escape in double quotes"
        pos = e.position
        if isinstance(pos, int) and 0 <= pos < len(self.text):
            line, col = self.position(pos)
            return InputError(self.name, message, line, col)
        return InputError(self.name, message)

    def _translate(self, e: Any) -> InputError:
        mark = e.problem_mark or e.context_mark
        problem = (e.problem or e.context or "invalid YAML").strip()
        if mark is None:
            return InputError(self.name, problem)
        line, col = mark.line + 1, mark.column + 1
        index = getattr(mark, "index", None)
        if isinstance(index, int) and 0 <= index < len(self.text):
            line, col = self.position(index)
            if self.text[index] == "\t" or (
                "cannot start any token" in problem and "\t" in self.text[index - col + 1 : index + 1]
            ):
                return InputError(self.name, "tab character used for indentation (YAML allows spaces only)", line, col)
        both = e.context and e.problem and e.context_mark is not None and e.problem_mark is not None
        if both and (e.context_mark.line != e.problem_mark.line or "next token" not in e.context):
            problem = f"{e.problem} ({e.context} at line {e.context_mark.line + 1})"
        return InputError(self.name, f"YAML syntax error: {problem}", line, col)

    def _node(self, parser: Any, event: Any, depth: int) -> Node:
        ev = _events()
        if depth > self.max_depth:
            raise self.fail(event.start_mark.index, f"nesting deeper than {MAX_DEPTH} levels", limit=True)
        if self.helm and type(event) is not ev.AliasEvent:
            m = event.start_mark
            self.marks[m.index] = (m.line + 1, m.column + 1)
            if depth == _HELM_MAX_DEPTH and self.deep_at is None:
                self.deep_at = self.marks[m.index]
        self.count += 1
        if self.count > self.max_nodes:
            raise self.fail(
                event.start_mark.index,
                f"more than {MAX_NODES:,} YAML nodes (real values files have a few thousand); refusing to read it",
                limit=True,
            )
        kind = type(event)
        if kind is ev.ScalarEvent:
            node = Node("scalar", event.start_mark.index, event.end_mark.index, event.value, event.style or "")
            node.anchor, node.tag = event.anchor, event.tag
            if self.helm and node.anchor:
                self._helm_anchor(event, node)
        elif kind is ev.AliasEvent:
            target = self.anchors.get(event.anchor)
            if target is None:
                if self.helm:
                    m = event.start_mark
                    found = "found undefined alias" if self.libyaml else f"found undefined alias {event.anchor!r}"
                    raise InputError(self.name, f"invalid YAML: {found}", m.line + 1, m.column + 1)
                raise self.fail(event.start_mark.index, f"alias *{event.anchor} refers to no anchor defined before it")
            node = Node("alias", event.start_mark.index, event.end_mark.index, event.anchor, target=target)
            node.size = target.size
            self.aliases.append((node, target))
            return node
        elif kind is ev.SequenceStartEvent:
            items: list[Node] = []
            node = Node("seq", event.start_mark.index, event.end_mark.index, items)
            node.style = "flow" if event.flow_style else "block"
            node.anchor, node.tag = event.anchor, event.tag
            if self.helm and node.anchor:
                self._helm_anchor(event, node)
            size = 1
            end_kind = ev.SequenceEndEvent
            while True:
                child_event = parser.get_event()
                if type(child_event) is end_kind:
                    if node.style == "flow":
                        node.end = child_event.end_mark.index
                    break
                child = self._node(parser, child_event, depth + 1)
                items.append(child)
                size += child.size
                if size > self.max_expanded:
                    raise self._bomb(node)
            node.size = size
            if node.style == "block" and items:
                node.end = max(node.end, items[-1].end)
        elif kind is ev.MappingStartEvent:
            pairs: list[tuple[Node, Node]] = []
            node = Node("map", event.start_mark.index, event.end_mark.index, pairs)
            node.style = "flow" if event.flow_style else "block"
            node.anchor, node.tag = event.anchor, event.tag
            if self.helm and node.anchor:
                self._helm_anchor(event, node)
            size = 1
            end_kind = ev.MappingEndEvent
            while True:
                key_event = parser.get_event()
                if type(key_event) is end_kind:
                    if node.style == "flow":
                        node.end = key_event.end_mark.index
                    break
                key = self._node(parser, key_event, depth + 1)
                value = self._node(parser, parser.get_event(), depth + 1)
                pairs.append((key, value))
                size += key.size + value.size
                if size > self.max_expanded:
                    raise self._bomb(node)
            node.size = size
            if node.style == "block" and pairs:
                node.end = max(node.end, pairs[-1][1].end, pairs[-1][0].end)
        else:  # pragma: no cover - the parser yields nothing else here
            raise self.fail(event.start_mark.index, f"unexpected YAML event {type(event).__name__}")
        if node.anchor and not self.helm:
            self.anchors[node.anchor] = node
        return node

    def _bomb(self, node: Node) -> InputError:
        return self.fail(
            node.start,
            f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?); refusing to read it",
            limit=True,
        )


_EVENTS: Any = None


def _events() -> Any:
    global _EVENTS
    if _EVENTS is None:
        import ruamel.yaml.events

        _EVENTS = ruamel.yaml.events
    return _EVENTS


def _libyaml_parser() -> Any:
    """libyaml's parser class (ruamel.yaml.clib's ``CParser``), or None when it is not installed."""
    try:
        from _ruamel_yaml import CParser  # type: ignore[import-not-found]  # libyaml, via ruamel.yaml.clib
    except ImportError:  # pragma: no cover - pure-Python fallback
        return None
    return CParser


def _make_parser(text: str) -> Any:
    """The one place that constructs a YAML parser: libyaml's event parser (through ruamel.yaml.clib) when it
    is installed, else ruamel.yaml's pure-Python one; ``get_event()`` gives ruamel.yaml events with character
    marks either way. Every reading of YAML in astro-config starts here."""
    libyaml = _libyaml_parser()
    if libyaml is not None:
        return libyaml(text)
    from ruamel.yaml import YAML  # pragma: no cover - pure-Python fallback

    y = YAML(typ="safe", pure=True)  # pragma: no cover
    y.reader.stream = text  # pragma: no cover
    return y.parser  # pragma: no cover


def has_libyaml() -> bool:
    """Whether the reader parses with libyaml (else with the pure-Python parser)."""
    return _libyaml_parser() is not None


# --------------------------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------------------------


@dataclass
class ValuesDocument:
    name: str
    text: str
    root: Node | None
    bom: bool = False
    path: Path | None = None
    raw: bytes = b""
    newline: str = "\n"
    stat_key: tuple[int, int, int] | None = None  # (size, mtime_ns, inode) when read from disk
    _index: dict[KeyPath, Entry] | None = field(default=None, repr=False)
    _data: dict[str, Any] | None = field(default=None, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)
    _starts: list[int] | None = field(default=None, repr=False)
    aliases: list[tuple[Node, Node]] = field(default_factory=list, repr=False)

    # -- text helpers ---------------------------------------------------------------------------------------
    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = [ln[:-1] if ln.endswith("\r") else ln for ln in self.text.split("\n")]
            if self._lines and self._lines[-1] == "" and (self.text.endswith("\n") or not self.text):
                self._lines.pop()
        return self._lines

    @property
    def line_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = _line_starts(self.text)
        return self._starts

    def position(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of a character index."""
        import bisect

        starts = self.line_starts
        line = bisect.bisect_right(starts, index) - 1
        return line + 1, index - starts[line] + 1

    def line_index(self, index: int) -> int:
        """0-based line of a character index."""
        import bisect

        return bisect.bisect_right(self.line_starts, index) - 1

    # -- data -----------------------------------------------------------------------------------------------
    @property
    def data(self) -> dict[str, Any]:
        """Plain data as Helm reads it (YAML 1.1 typing, keys as strings, merge keys applied)."""
        if self._data is None:
            if self.root is None:
                self._data = {}
            else:
                value = to_plain(self.root, self.name, self.position)
                self._data = value if isinstance(value, dict) else {}
        return self._data

    @property
    def index(self) -> dict[KeyPath, Entry]:
        if self._index is None:
            self._index = _build_index(self)
        return self._index

    def has(self, path: KeyPath) -> bool:
        return self.get(path) is not MISSING

    def get(self, path: KeyPath, default: Any = MISSING) -> Any:
        cur: Any = self.data
        for part in path:
            if isinstance(part, int):
                if isinstance(cur, list) and 0 <= part < len(cur):
                    cur = cur[part]
                    continue
                return default
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
                continue
            return default
        return cur

    def entry(self, path: KeyPath) -> Entry | None:
        return self.index.get(tuple(path))

    def locate(self, path: KeyPath) -> tuple[int, int] | None:
        """1-based (line, column) of the key at ``path`` (of the item, for list items), or None."""
        e = self.index.get(tuple(path))
        if e is None:
            return None
        node = e.key if e.key is not None else e.value
        return self.position(node.start)

    def locate_nearest(self, path: KeyPath) -> tuple[KeyPath, tuple[int, int]] | None:
        """The deepest existing ancestor (or the path itself) and its position."""
        p = tuple(path)
        while p:
            loc = self.locate(p)
            if loc is not None:
                return p, loc
            p = p[:-1]
        return None

    def value_location(self, path: KeyPath) -> tuple[int, int] | None:
        e = self.index.get(tuple(path))
        if e is None:
            return None
        return self.position(e.value.start)

    def scalar_source(self, path: KeyPath) -> str | None:
        """The raw source text of a scalar value (with its quotes), or None when it is not a scalar."""
        e = self.index.get(tuple(path))
        if e is None or e.value.kind != "scalar":
            return None
        return self.text[e.value.start : e.value.end]

    def node_style(self, path: KeyPath) -> str | None:
        e = self.index.get(tuple(path))
        return None if e is None else e.value.style

    def alias_sites(self, path: KeyPath) -> list[KeyPath]:
        """Other key paths that share the node at ``path`` (or one of its ancestors) through anchors/aliases."""
        shared: list[KeyPath] = []
        p = tuple(path)
        for depth in range(len(p), 0, -1):
            e = self.index.get(p[:depth])
            if e is None or e.value.kind == "alias":
                continue
            node = e.value
            if node.anchor:
                rest = p[depth:]
                for site in self._alias_paths(node):
                    shared.append(site + rest)
        return shared

    def _alias_paths(self, target: Node) -> list[KeyPath]:
        out: list[KeyPath] = []
        for path, e in self.index.items():
            if e.value.kind == "alias" and e.value.target is target:
                out.append(path)
        return out


def _build_index(doc: ValuesDocument) -> dict[KeyPath, Entry]:
    index: dict[KeyPath, Entry] = {}
    if doc.root is None:
        return index
    index[()] = Entry(None, doc.root, None)
    stack: list[tuple[KeyPath, Node]] = [((), doc.root)]
    while stack:
        path, node = stack.pop()
        if node.kind == "map":
            for k, v in node.value:
                written = k.target if k.kind == "alias" and k.target is not None else k  # (`*name : value`)
                if written.kind != "scalar" or is_merge_key(k):
                    continue
                kv = _scalar_value(written)
                child = (*path, _key_string(kv))
                index[child] = Entry(k, v, node)
                if v.kind in ("map", "seq"):
                    stack.append((child, v))
        elif node.kind == "seq":
            for i, item in enumerate(node.value):
                child = (*path, i)
                index[child] = Entry(None, item, node)
                if item.kind in ("map", "seq"):
                    stack.append((child, item))
    return index


def to_plain(root: Node, name: str = "<string>", position: Any = None) -> Any:
    """Plain data (dict/list/str/int/float/bool/None) with Helm's typing; aliases share objects.

    Merge keys follow go-yaml v2 (Helm): the pairs of a mapping are read in order, a ``<<`` source sets its keys
    where it stands (a later explicit key wins over it, an earlier one loses), and in ``<<: [*a, *b]`` the
    earlier source wins.
    """
    memo: dict[int, Any] = {}
    plain_cache: dict[str, Any] = {}

    def fail(node: Node, message: str) -> InputError:
        if position is not None:
            line, col = position(node.start)
            return InputError(name, message, line, col)
        return InputError(name, message)

    def conv(node: Node) -> Any:
        kind = node.kind
        if kind == "scalar":
            if node.style == "" and not node.tag:
                text = node.value
                try:
                    return plain_cache[text]
                except KeyError:
                    value = plain_cache[text] = helm_scalar(text)
                    return value
            try:
                return _scalar_value(node)
            except TagError as e:
                raise fail(node, str(e)) from None
        if kind == "alias":
            assert node.target is not None
            return conv(node.target)
        if kind == "plain":  # a value already in plain form (the edit engine's expectations)
            return node.value
        nid = id(node)
        if nid in memo:
            return memo[nid]
        if kind == "seq":
            lst: list[Any] = []
            memo[nid] = lst
            lst.extend(conv(item) for item in node.value)
            return lst
        d: dict[str, Any] = {}
        memo[nid] = d
        seen: dict[str, Node] = {}
        for k, v in node.value:
            if is_merge_key(k):
                src = conv(v)
                if isinstance(src, dict):
                    d.update(src)
                elif isinstance(src, list) and all(isinstance(s, dict) for s in src):
                    for one in reversed(src):
                        d.update(one)
                else:
                    raise fail(v, "a merge key (<<) needs a mapping or a list of mappings")
                continue
            if k.kind in ("map", "seq") or (k.kind == "alias" and k.target is not None and k.target.kind != "scalar"):
                raise fail(k, "complex (mapping or list) keys are not supported in values files")
            key = _key_string(conv(k))
            if key in seen:
                if position is None:
                    raise fail(k, f"duplicate key {key!r} (Helm keeps the last)")
                first, again = position(seen[key].start)[0], position(k.start)[0]
                raise fail(
                    k, f"duplicate key {key!r} (first at line {first}, again at line {again}; Helm keeps the last)"
                )
            seen[key] = k
            d[key] = conv(v)
        return d

    return conv(root)


# --------------------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------------------


def _decode(raw: bytes, name: str) -> tuple[str, bool]:
    nul = raw.find(b"\x00")
    if nul != -1:
        line = raw.count(b"\n", 0, nul) + 1
        col = nul - (raw.rfind(b"\n", 0, nul) + 1) + 1
        raise InputError(name, "binary file: NUL byte (not a YAML values file)", line, col)
    bom = raw.startswith(b"\xef\xbb\xbf")
    body = raw[3:] if bom else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        bad = e.start
        line = body.count(b"\n", 0, bad) + 1
        col = len(body[body.rfind(b"\n", 0, bad) + 1 : bad].decode("utf-8", "replace")) + 1
        raise InputError(
            name, f"invalid UTF-8 (byte 0x{body[bad]:02x}); values files must be UTF-8", line, col
        ) from None
    return text, bom


def load_text(text: str, name: str = "<string>", *, bom: bool = False) -> ValuesDocument:
    """Parse values text. Raises :class:`InputError` (one line, with position) for anything unusable."""
    if not bom and text.startswith("\ufeff"):  # (once: a second one is part of the text)
        text, bom = text[1:], True
    composer = _Composer(text, name)
    _check_lines(text, name)
    _check_line_breaks(text, name)
    root = composer.compose()
    if root is not None and root.kind == "scalar" and root.value in ("", "~", "null", "Null", "NULL") and not root.tag:
        root = None  # an empty document is an empty mapping
    if root is not None and root.kind != "map":
        what = {"seq": "a list", "scalar": "a single value", "alias": "an alias"}[root.kind]
        line, col = composer.position(root.start)
        raise InputError(name, f"the top level is {what}; a values file must be a mapping of keys", line, col)
    newline = "\r\n" if "\r\n" in text[: text.find("\n") + 1 or len(text)] else "\n"
    doc = ValuesDocument(name=name, text=text, root=root, bom=bom, newline=newline)
    doc.aliases = composer.aliases
    # Duplicate keys and bad merge keys are errors of the input: surface them now, not on first use.
    _ = doc.data
    return doc


def _check_lines(text: str, name: str) -> None:
    """Bound the number of lines and their length, in bounded memory (the text is split a chunk at a time)."""
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise LimitError(name, f"more than {MAX_LINES:,} lines (real values files have a few thousand)")
    if len(text) <= MAX_LINE_CHARS:
        return
    chunk = _LINE_CHUNK
    carry = 0  # length so far of the line that runs on from the previous chunk
    line_no = 1  # the line that ``carry`` belongs to
    for start in range(0, len(text), chunk):
        parts = text[start : start + chunk].split("\n")
        lengths = [carry + len(parts[0]), *map(len, parts[1:])]
        if max(lengths[:-1], default=0) > MAX_LINE_CHARS or lengths[-1] > MAX_LINE_CHARS:
            long = next(i for i, n in enumerate(lengths) if n > MAX_LINE_CHARS)
            raise LimitError(name, f"line longer than {MAX_LINE_CHARS:,} characters", line_no + long, 1)
        carry = lengths[-1]
        line_no += len(parts) - 1


_ODD_BREAKS = re.compile(r"\r(?!\n)|[\x85\u2028\u2029]")
_BREAK_NAMES = {
    "\r": "a carriage return without a line feed",
    "\x85": "U+0085 (NEXT LINE)",
    "\u2028": "U+2028 (LINE SEPARATOR)",
    "\u2029": "U+2029 (PARAGRAPH SEPARATOR)",
}


def _check_line_breaks(text: str, name: str) -> None:
    """YAML also breaks lines at a lone CR, NEL, LS and PS; positions and edits count lines at LF only."""
    if text.count("\r") == text.count("\r\n") and "\x85" not in text and "\u2028" not in text and "\u2029" not in text:
        return  # (the quick, common case: no regular expression over a big text)
    m = _ODD_BREAKS.search(text)
    if m is not None:
        index = m.start()
        line = text.count("\n", 0, index) + 1
        col = index - (text.rfind("\n", 0, index) + 1) + 1
        raise InputError(
            name, f"{_BREAK_NAMES[m.group()]} is a line break in YAML; use LF or CRLF line endings", line, col
        )


STDIN = "-"
"""The path that names standard input (``status -``, ``lint -``, ``diff - new.yaml``)."""
STDIN_NAME = "<stdin>"
"""How standard input is shown in messages and reports."""
FIFO_WRITER_WAIT_S = 0.5
"""How long a FIFO that no process writes to is waited on before it is refused (a ``<(...)`` pipe or a
FIFO being written has its writer already; a forgotten FIFO must not hang the command)."""

_PIPE_IN = "pipe the values in (helm get values ... | astro-config ...)"
_stdin_seen: Any = None  # {stdin stream: its bytes}: ``-`` given twice reads the same input (weak keys)


def is_stdin(path: str | Path) -> bool:
    """True when ``path`` names standard input (``-``; ``./-`` is a file of that name)."""
    return str(path) == STDIN


def display_name(path: str | Path, name: str | None = None) -> str:
    """How a path is shown in messages: ``name`` when given, ``<stdin>`` for ``-``, else the path."""
    if is_stdin(path) and name in (None, STDIN):
        return STDIN_NAME
    return name or str(path)


def read_bytes(path: str | Path, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a values file, with one-line errors for everything unusable.

    ``-`` is standard input. A FIFO (``<(helm get values ...)``, ``mkfifo``) is read as a stream; the size
    limit holds for both. Directories, devices and sockets are refused."""
    return _read(path, display_name(path, name), max_bytes)[0]


def _read(path: str | Path, shown: str, max_bytes: int) -> tuple[bytes, bool]:
    """The bytes, and whether they came from a regular file (one that can be written back in place)."""
    if is_stdin(path):
        return _read_stdin(shown, max_bytes), False
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(shown, "no such file") from None
    except PermissionError:
        raise InputError(shown, "permission denied") from None
    except OSError as e:
        raise InputError(shown, f"cannot read: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(shown, "is a directory, not a values file")
    if stat.S_ISFIFO(st.st_mode):
        return _read_fifo(p, shown, max_bytes), False
    if not stat.S_ISREG(st.st_mode):
        raise InputError(shown, "is a device or special file, not a regular file")
    if st.st_size > max_bytes:
        raise LimitError(shown, f"file is {st.st_size:,} bytes, over the {max_bytes:,}-byte limit (--max-bytes)")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except PermissionError:
        raise InputError(shown, "permission denied") from None
    except OSError as e:
        raise InputError(shown, f"cannot read: {e.strerror or e}") from None
    if len(raw) > max_bytes:
        raise LimitError(shown, f"file grew past the {max_bytes:,}-byte limit while being read")
    return raw, True


def _over_stream_limit(shown: str, max_bytes: int) -> LimitError:
    return LimitError(shown, f"input is over the {max_bytes:,}-byte limit (--max-bytes)")


def _read_stdin(shown: str, max_bytes: int) -> bytes:
    import sys
    import weakref

    global _stdin_seen
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    if stream is None or getattr(stream, "closed", False):
        raise InputError(shown, f"standard input is closed; {_PIPE_IN}")
    if _stdin_seen is None:
        _stdin_seen = weakref.WeakKeyDictionary()
    try:
        seen = _stdin_seen.get(stream)
    except TypeError:  # pragma: no cover - a stream that takes no weak reference
        seen = None
    if seen is not None:
        return bytes(seen)
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        raise InputError(shown, f"standard input is a terminal; {_PIPE_IN}")
    try:
        raw = stream.read(max_bytes + 1)
    except OSError as e:
        raise InputError(shown, f"cannot read: {e.strerror or e}") from None
    if isinstance(raw, str):  # a text stream (tests): as the bytes it stands for
        raw = raw.encode("utf-8")
    if raw is None:  # pragma: no cover - a non-blocking stdin with nothing yet
        raw = b""
    if len(raw) > max_bytes:
        raise _over_stream_limit(shown, max_bytes)
    with contextlib.suppress(TypeError):  # (a stream that takes no weak reference is read once)
        _stdin_seen[stream] = raw
    return bytes(raw)


def _read_fifo(path: Path, shown: str, max_bytes: int) -> bytes:
    """A FIFO read to its end, at most ``max_bytes``. Opened without blocking: when no process has it open for
    writing (and none opens it within :data:`FIFO_WRITER_WAIT_S`), it is refused instead of waited on forever."""
    import select
    import time

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except PermissionError:
        raise InputError(shown, "permission denied") from None
    except OSError as e:
        raise InputError(shown, f"cannot read: {e.strerror or e}") from None
    chunks: list[bytes] = []
    size = 0
    writer = False  # a writer was seen (data, or "no data yet" rather than end of input)
    deadline = time.monotonic() + FIFO_WRITER_WAIT_S
    try:
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:  # a writer holds it open, nothing written yet
                writer = True
                select.select([fd], [], [], 0.1)  # (Linux reports no hang-up on FIFOs opened before the writer)
                continue
            except OSError as e:
                raise InputError(shown, f"cannot read: {e.strerror or e}") from None
            if chunk:
                writer = True
                size += len(chunk)
                if size > max_bytes:
                    raise _over_stream_limit(shown, max_bytes)
                chunks.append(chunk)
                continue
            if writer:  # end of input
                break
            if time.monotonic() >= deadline:
                raise InputError(
                    shown,
                    f"is a FIFO that nothing wrote to (no writer within {FIFO_WRITER_WAIT_S:g} s); "
                    "start the writer first or pipe the values in",
                )
            time.sleep(0.02)
    finally:
        os.close(fd)
    return b"".join(chunks)


def load_file(path: str | Path, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> ValuesDocument:
    """Load a values file (``-``: standard input; a FIFO: read as a stream). ``name`` is how the file is shown
    in messages (default: the path, ``<stdin>`` for ``-``). Only a regular file gets a ``path`` (so only it
    can be written back in place)."""
    shown = display_name(path, name)
    raw, regular = _read(path, shown, max_bytes)
    text, bom = _decode(raw, shown)
    doc = load_text(text, shown, bom=bom)
    doc.raw = raw
    if not regular:
        return doc
    p = Path(path)
    doc.path = p
    try:
        st = os.stat(p)
        doc.stat_key = (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError:  # pragma: no cover - the file vanished after reading
        doc.stat_key = None
    return doc


def load_bytes(raw: bytes, name: str) -> ValuesDocument:
    text, bom = _decode(raw, name)
    doc = load_text(text, name, bom=bom)
    doc.raw = raw
    return doc


def encode(doc_text: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + doc_text.encode("utf-8")


def iter_scalars(doc: ValuesDocument, under: KeyPath = ()) -> Iterator[tuple[KeyPath, Node]]:
    """Every (path, scalar node) at or below ``under`` (aliases not followed)."""
    for path, e in doc.index.items():
        if path[: len(under)] == tuple(under) and e.value.kind == "scalar":
            yield path, e.value


def describe_missing(doc: ValuesDocument, path: KeyPath) -> str:
    """A one-line explanation of why ``path`` is not in the document."""
    cur: Any = doc.data
    for i, part in enumerate(path):
        here = format_path(path[:i]) if i else "the top level"
        if isinstance(part, int):
            if not isinstance(cur, list):
                return f"{here} is not a list"
            if part >= len(cur):
                return f"{here} has {len(cur)} item(s); index {part} is out of range"
            cur = cur[part]
        else:
            if not isinstance(cur, dict):
                return f"{here} is {type_name(cur)}, not a mapping"
            if part not in cur:
                return f"{format_path(path[: i + 1])} is not set"
            cur = cur[part]
    return f"{format_path(path)} is not set"  # pragma: no cover


def type_name(value: Any) -> str:
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
    return type(value).__name__  # pragma: no cover


# --------------------------------------------------------------------------------------------------------------
# Data only (lint's fast mode): plain data straight from the events, no nodes, no positions
# --------------------------------------------------------------------------------------------------------------


def _event_types() -> tuple[Any, ...]:
    """(Scalar, MappingStart, MappingEnd, SequenceStart, SequenceEnd, Alias, DocumentStart, DocumentEnd,
    StreamEnd) event classes."""
    global _TYPES
    if _TYPES is None:
        import ruamel.yaml.events as ev

        _TYPES = (
            ev.ScalarEvent,
            ev.MappingStartEvent,
            ev.MappingEndEvent,
            ev.SequenceStartEvent,
            ev.SequenceEndEvent,
            ev.AliasEvent,
            ev.DocumentStartEvent,
            ev.DocumentEndEvent,
            ev.StreamEndEvent,
        )
    return _TYPES


_TYPES: tuple[Any, ...] | None = None


class Unusual(Exception):
    """:func:`read_data` does not handle this input; the node reader reads it (and reports any error)."""


_MERGE: Any = object()  # the pending key of a ``<<`` merge


def _never(text: str, value: Any) -> bool:
    return False


def read_data(text: str, flag: Callable[[str, Any], bool] | None = None) -> tuple[dict[str, Any], bool]:
    """The values of ``text`` as :func:`load_text` reads them (Helm's YAML 1.1
    typing, keys as strings, go-yaml merge keys, shared aliases, integers exact), built straight from libyaml's
    events without the position tree: about a third of the time.

    Also returns whether ``flag(text, value)`` held for any plain scalar that is not a string (lint asks
    whether one is a YAML 1.1 yes/no/on/off/octal); False without ``flag``.

    Raises :class:`Unusual` for anything outside the common shape (tags, complex or float keys, duplicate keys,
    parse errors, odd line breaks, very long lines, limits, no libyaml) so that the caller falls back to the
    node reader, which reads those or reports them with their exact message and position.
    """
    if len(text) > MAX_LINE_CHARS or "\r" in text or text.startswith("\ufeff"):
        raise Unusual
    if text.count("\n") >= MAX_LINES:  # the node reader refuses it, with its own message
        raise Unusual
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        raise Unusual
    if not has_libyaml():  # pragma: no cover - without libyaml the node reader is as fast
        raise Unusual
    from ruamel.yaml.error import YAMLError

    try:
        return _build_data(_make_parser(text), flag)
    except YAMLError:
        raise Unusual from None


def _build_data(parser: Any, flag: Callable[[str, Any], bool] | None) -> tuple[dict[str, Any], bool]:
    scalar_t, map_t, map_end_t, seq_t, seq_end_t, alias_t, doc_t, doc_end_t, stream_end_t = _event_types()
    max_depth, max_nodes, max_expanded = MAX_DEPTH, MAX_NODES, MAX_EXPANDED_NODES
    get = parser.get_event
    get()  # StreamStart
    event = get()
    if type(event) is stream_end_t:
        return {}, False
    if type(event) is not doc_t:  # pragma: no cover - the parser yields nothing else here
        raise Unusual
    plain: dict[str, Any] = {}  # plain scalar text -> its value
    check = flag if flag is not None else _never
    flagged = flag is None  # (True: nothing more to look for)
    anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded size)
    # one entry per open collection: (parent, parent's pending key, parent is a map, explicit keys of the
    # parent when it has merges (else None), anchor, expanded count at the start)
    stack: list[tuple[Any, Any, bool, set[str] | None, str | None, int]] = []
    cur: Any = None  # the open collection
    is_map = False
    key: Any = None  # pending key of the open map (None: a key comes next)
    explicit: set[str] | None = None
    root: Any = None
    nodes = expanded = 0
    while True:
        event = get()
        kind = type(event)
        nodes += 1
        if kind is scalar_t:
            if event.ctag is not None:  # ``tag`` is a property that converts ``ctag``
                raise Unusual
            expanded += 1
            text = event.value
            if event.style:
                value: Any = text
            else:
                try:
                    value = plain[text]
                except KeyError:
                    value = plain[text] = helm_scalar(text)
                    if not flagged and value.__class__ is not str:
                        flagged = check(text, value)
            if event.anchor is not None:
                anchors[event.anchor] = (value, 1)
            if cur is None:
                root = value
                break
            if is_map and key is None:  # a key
                if isinstance(value, str):
                    if value == "<<" and not event.style:
                        key = _MERGE
                        if explicit is None:
                            explicit = set(cur)
                        continue
                elif isinstance(value, bool):
                    value = "true" if value else "false"
                elif value is None:
                    value = "null"
                elif isinstance(value, int):
                    value = str(value)
                else:
                    raise Unusual  # a float: Helm turns it into a string its own way
                if explicit is None:
                    if value in cur:
                        raise Unusual  # a duplicate key: an error, with positions
                elif value in explicit:
                    raise Unusual
                else:
                    explicit.add(value)
                key = value
                continue
        elif kind is alias_t:
            target = anchors.get(event.anchor)
            if target is None or (is_map and key is None):
                raise Unusual  # an unknown anchor, or an alias as a key
            value, size = target
            expanded += size
        elif kind is map_t or kind is seq_t:
            if event.ctag is not None or (is_map and key is None) or len(stack) >= max_depth:
                raise Unusual  # a tag, a complex key, deep nesting
            expanded += 1
            stack.append((cur, key, is_map, explicit, event.anchor, expanded - 1))
            if kind is map_t:
                cur, is_map, explicit = {}, True, None
            else:
                cur, is_map, explicit = [], False, None
            key = None
            continue
        elif kind is map_end_t or kind is seq_end_t:
            nodes -= 1
            value = cur
            cur, key, is_map, explicit, anchor, start = stack.pop()
            if anchor is not None:
                anchors[anchor] = (value, expanded - start)
            if cur is None:
                root = value
                break
        else:  # pragma: no cover - the parser yields nothing else inside a document
            raise Unusual
        # ``value`` is complete: put it in the open collection
        if nodes > max_nodes or expanded > max_expanded:
            raise Unusual
        if cur is None:
            root = value
            break
        if not is_map:
            cur.append(value)
        elif key is _MERGE:
            if isinstance(value, dict):
                cur.update(value)
            elif isinstance(value, list) and all(isinstance(one, dict) for one in value):
                for one in reversed(value):
                    cur.update(one)
            else:
                raise Unusual  # an error, with its position
            key = None
        else:
            cur[key] = value
            key = None
    if nodes > max_nodes or expanded > max_expanded:
        raise Unusual
    if type(get()) is not doc_end_t or type(get()) is not stream_end_t:
        raise Unusual  # more than one document: an error
    found = flagged and flag is not None
    if root is None:
        return {}, False
    if not isinstance(root, dict):
        raise Unusual  # not a mapping: an error
    return root, found


# --------------------------------------------------------------------------------------------------------------
# YAML 1.2 as Houston reads its configuration files (platform/render_check.py): js-yaml 4's default schema
# --------------------------------------------------------------------------------------------------------------


def load_yaml12(text: str, name: str = "<string>") -> Any:
    """One YAML document as Houston's node-config reads it (js-yaml 4, ``load``), or None for an empty text.

    Typing is js-yaml's default schema (:func:`astro_config.scalars.yaml12_resolve`): YAML 1.2 core (only
    ``true``/``false`` are booleans, ``yes``/``on`` stay strings, ``0.10`` is the number 0.1), timestamps, merge
    keys; explicit tags ``!!str !!int !!float !!bool !!null !!timestamp !!binary !!omap !!pairs !!set``. As in
    JavaScript, mapping keys are strings (``1`` -> ``"1"``, ``true`` -> ``"true"``). Raises :class:`InputError`
    where js-yaml refuses the text (bad YAML, a duplicate key, a second document, a tag it does not know), and
    :class:`LimitError` past the node reader's limits.
    """
    docs = _yaml12_documents(text, name)
    if len(docs) > 1:
        raise docs[1][0]("expected a single document in the stream, but found more")
    return docs[0][1] if docs else None


def load_yaml12_all(text: str, name: str = "<string>") -> list[Any]:
    """Every document of a YAML stream as js-yaml 4's ``loadAll`` reads it (see :func:`load_yaml12`)."""
    return [data for _, data in _yaml12_documents(text, name)]


def _yaml12_documents(text: str, name: str) -> list[tuple[Callable[[str], InputError], Any]]:
    if text.startswith("\ufeff"):
        text = text[1:]
    composer = _Composer(text, name)

    def failing(index: int) -> Callable[[str], InputError]:
        return lambda message: composer.fail(index, message)

    return [(failing(start), _Yaml12Walker(composer).node(root)) for start, root in composer.compose_all()]


_YAML12_SCALAR_TAGS = frozenset(("str", "int", "float", "bool", "null", "timestamp", "merge", "binary"))
_YAML12_KINDS = {"map": "mapping", "seq": "sequence", "scalar": "scalar"}
_YAML12_TAG_KINDS = {"map": "map", "set": "map", "seq": "seq", "omap": "seq", "pairs": "seq"}


class _Yaml12Walker:
    """Plain data from a :class:`Node` tree, typed as js-yaml 4 types it; aliases share objects."""

    def __init__(self, composer: _Composer) -> None:
        self.composer = composer
        self.memo: dict[int, Any] = {}

    def fail(self, node: Node, message: str) -> InputError:
        return self.composer.fail(node.start, message)

    def tag(self, node: Node) -> str | None:
        """The short name of a ``tag:yaml.org,2002:`` tag, None when untagged; refuses any other tag."""
        tag = node.tag
        if tag is None or tag == "!":
            return None
        if not tag.startswith(_LONG):
            raise self.fail(node, f"unknown tag !<{tag}>")
        short = tag[len(_LONG) :]
        expected = "scalar" if short in _YAML12_SCALAR_TAGS else _YAML12_TAG_KINDS.get(short)
        if expected is None:
            raise self.fail(node, f"unknown tag !<{tag}>")
        if expected != node.kind:
            raise self.fail(
                node,
                f"unacceptable node kind for !<{tag}> tag; it should be "
                f'"{_YAML12_KINDS[expected]}", not "{_YAML12_KINDS[node.kind]}"',
            )
        return short

    def scalar(self, node: Node) -> Any:
        short = self.tag(node)
        if short is None:
            # a quoted scalar, or one with the non-specific tag "!": a string
            return yaml12_resolve(node.value)[1] if node.style == "" and node.tag is None else node.value
        if short == "binary":
            import base64  # lazy: only for !!binary values (rare)
            import binascii  # lazy: (with base64)

            try:
                return base64.b64decode("".join(node.value.split()), validate=True)
            except (binascii.Error, ValueError):
                raise self.fail(node, f"cannot resolve a node with !<{_LONG}binary> explicit tag") from None
        if short == "null" and node.style == "" and node.value == "":
            return None  # (js-yaml: a tagged node with no content at all is null)
        try:
            return yaml12_resolve(node.value, "!!" + short)[1]
        except ValueError as exc:
            raise self.fail(node, str(exc)) from None

    def key(self, node: Node) -> str:
        """A mapping key as a JavaScript object key: ``String(value)``."""
        value = self.node(node)
        if isinstance(value, dict):
            return "[object Object]"
        if isinstance(value, list):  # JavaScript's Array.prototype.join: null as "", mappings as [object Object]
            if any(isinstance(item, list) for item in value):
                raise self.fail(node, "nested arrays are not supported inside keys")
            return ",".join("" if item is None else self.js_string(item, node) for item in value)
        return self.js_string(value, node)

    @staticmethod
    def js_string(value: Any, node: Node) -> str:
        """JavaScript's ``String(value)`` of a plain value."""
        if isinstance(value, dict):
            return "[object Object]"
        if isinstance(value, str):
            return value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return js_number_string(value)
        # a timestamp or binary key: as written (JavaScript would print the object, in the local time zone)
        return str(node.value) if node.kind == "scalar" else str(value)

    def node(self, node: Node) -> Any:
        if node.kind == "alias":
            assert node.target is not None
            node = node.target
        if node.kind == "scalar":
            return self.scalar(node)
        nid = id(node)
        if nid in self.memo:
            return self.memo[nid]
        short = self.tag(node)
        if node.kind == "seq":
            items: list[Any] = []
            self.memo[nid] = items
            items.extend(self.node(item) for item in node.value)
            if short in ("omap", "pairs"):
                return self.ordered(node, short, items)
            return items
        out: dict[str, Any] = {}
        self.memo[nid] = out
        mergeable: set[str] = set()  # keys a merge set: an explicit key may replace them
        for knode, vnode in node.value:
            if self.is_merge(knode):
                value = self.node(vnode)
                for source in value if isinstance(value, list) else [value]:
                    if not isinstance(source, dict):
                        raise self.fail(vnode, "cannot merge mappings; the provided source object is unacceptable")
                    for key, item in source.items():
                        if key not in out:  # (js-yaml: an earlier key, explicit or merged, wins)
                            out[key] = item
                            mergeable.add(key)
                continue
            key = self.key(knode)
            if key in out and key not in mergeable:
                raise self.fail(knode, f"duplicated mapping key {key!r}")
            mergeable.discard(key)
            out[key] = self.node(vnode)
        if short == "set" and any(v is not None for v in out.values()):
            raise self.fail(node, f"cannot resolve a node with !<{_LONG}set> explicit tag")
        return out

    def is_merge(self, key: Node) -> bool:
        if key.kind == "alias":
            assert key.target is not None
            key = key.target
        return (
            key.kind == "scalar"
            and key.value == "<<"
            and ((key.style == "" and key.tag is None) or key.tag == _LONG + "merge")
        )

    def ordered(self, node: Node, short: str, items: list[Any]) -> Any:
        """``!!omap`` (a list of one-key mappings, keys unique) and ``!!pairs`` (the same as [key, value] lists)."""
        seen: set[str] = set()
        pairs: list[Any] = []
        for item in items:
            if not (isinstance(item, dict) and len(item) == 1):
                raise self.fail(node, f"cannot resolve a node with !<{_LONG}{short}> explicit tag")
            ((key, value),) = item.items()
            if short == "omap":
                if key in seen:
                    raise self.fail(node, f"cannot resolve a node with !<{_LONG}{short}> explicit tag")
                seen.add(key)
            pairs.append([key, value])
        return items if short == "omap" else pairs


# --------------------------------------------------------------------------------------------------------------
# Helm's reading (helm/helmyaml.py's loader): plain data, positions, duplicates, typing notes
# --------------------------------------------------------------------------------------------------------------

Position = tuple[int, int]
FLOAT64_EXACT = 2**53
_LONG = "tag:yaml.org,2002:"
_NOT_SCALAR_TAGS = ("!!map", "!!seq", "!!omap", "!!set", "!!pairs")


class ScalarNote(NamedTuple):  # (a NamedTuple: about 0.5 ms less to create than a dataclass, at start-up)
    """A scalar (or key) whose Helm meaning the caller's ``explain`` found worth a word."""

    path: KeyPath
    line: int
    column: int
    text: str  # as written
    value: Any  # what Helm's templates see
    message: str


class DuplicateKey(NamedTuple):  # (a NamedTuple: about 0.5 ms less to create than a dataclass, at start-up)
    path: KeyPath
    line: int  # of the later key, which wins
    column: int
    first_line: int


class HelmData:
    """One values file as Helm reads it (see :func:`load_helm`). (A plain class: cheaper to create at import
    than a dataclass.)"""

    __slots__ = ("data", "duplicates", "key_positions", "notes", "value_positions")

    def __init__(
        self,
        data: dict[str, Any],
        key_positions: dict[KeyPath, Position] | None = None,
        value_positions: dict[KeyPath, Position] | None = None,
        duplicates: list[DuplicateKey] | None = None,
        notes: list[ScalarNote] | None = None,
    ) -> None:
        self.data = data
        self.key_positions = key_positions if key_positions is not None else {}
        self.value_positions = value_positions if value_positions is not None else {}
        self.duplicates = duplicates if duplicates is not None else []
        self.notes = notes if notes is not None else []


Explain = Callable[[str, str, Any], str]  # (text, go-yaml tag, value) -> why it may surprise, or ""
ExplainKey = Callable[[str, str], str]  # (key as written, key as Helm has it) -> message, or ""


def load_helm(
    text: str, name: str, *, explain: Explain | None = None, explain_key: ExplainKey | None = None
) -> HelmData:
    """Read values text the way Helm 3.17 does (go-yaml v2 typing; see :mod:`astro_config.helm.helmyaml`).

    Unlike :func:`load_text` this reads like Helm's loader: the first document only, duplicate keys kept (the
    last wins, each listed in ``duplicates``), integers beyond 2**53 rounded to float64, explicit tags resolved
    as go-yaml does, no size limits, positions as libyaml counts lines. ``explain`` is asked about every plain
    untagged value scalar and ``explain_key`` about every plain key that Helm reads as another string; what
    they answer goes to ``notes``. Raises :class:`InputError` for what Helm rejects.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    composer = _Composer(text, name, helm=True)
    root = composer.compose()
    walker = _HelmWalker(name, composer.marks, explain, explain_key)
    if root is None:
        return HelmData({})
    if root.kind == "scalar":
        if walker.scalar(root, ()) is None:
            return HelmData({})
        raise walker.fail(root, "values must be a mapping, not a scalar")
    if root.kind != "map":
        raise walker.fail(root, "values must be a mapping, not a list")
    data = walker.node(root, ())
    walker.key_positions.setdefault((), (1, 1))
    return HelmData(data, walker.key_positions, walker.value_positions, walker.duplicates, walker.notes)


class _HelmWalker:
    """Plain data from a :class:`Node` tree (composed with ``helm=True``) as Helm's loader reads it."""

    def __init__(
        self, name: str, marks: dict[int, Position], explain: Explain | None, explain_key: ExplainKey | None
    ) -> None:
        self.name = name
        self.marks = marks
        self.explain = explain
        self.explain_key = explain_key
        self.key_positions: dict[KeyPath, Position] = {}
        self.value_positions: dict[KeyPath, Position] = {}
        self.duplicates: list[DuplicateKey] = []
        self.notes: list[ScalarNote] = []
        self.depth = 0

    def pos(self, node: Node) -> Position:
        return self.marks[node.start]

    def fail(self, node: Node, message: str) -> InputError:
        line, col = self.pos(node)
        return InputError(self.name, message, line, col)

    @staticmethod
    def is_plain_implicit(node: Node) -> bool:
        """A plain scalar with no tag written in the text (only these are typed by YAML 1.1's rules)."""
        return node.style == "" and node.tag is None

    def scalar(self, node: Node, path: KeyPath, notes: bool = True) -> Any:
        from astro_config.scalars import MERGE, resolve

        text: str = node.value
        if self.is_plain_implicit(node):
            rtag, value = resolve(text)
            explicit = ""
        else:
            # quoted, or explicitly tagged in the text: read exactly as the node reader (and go-yaml v2) does
            explicit = node.tag or "!"
            try:
                value = _scalar_value(node)
            except TagError as exc:
                raise self.fail(node, str(exc)) from None
            rtag = MERGE if value == "<<" and explicit.endswith(":merge") else ""
        if rtag == MERGE:
            return text
        if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
            raise self.fail(
                node,
                f"{text!r} is a YAML float that JSON cannot hold: Helm fails with "
                f'"json: unsupported value: {go_format_float(value)}"; quote it to keep a string',
            )
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > FLOAT64_EXACT:
            value = float(value)
        if notes and not explicit and self.explain is not None:
            message = self.explain(text, rtag, value)
            if message:
                line, col = self.pos(node)
                self.notes.append(ScalarNote(path, line, col, text, value, message))
        return value

    def key(self, node: Node, path: KeyPath) -> str:
        from astro_config.scalars import resolve

        if node.kind != "scalar":
            raise self.fail(node, 'a mapping key must be a scalar: Helm fails with "invalid map key"')
        value = self.scalar(node, path, notes=False)
        text = node.value
        if value is None:
            raise self.fail(
                node,
                'a null map key (empty, ~ or null): Helm fails with "unsupported map key of type: <nil>"; quote it',
            )
        if isinstance(value, bool):
            key = "true" if value else "false"
        elif isinstance(value, int):
            key = str(value)
        elif isinstance(value, float):
            if float(value).is_integer() and abs(value) > FLOAT64_EXACT and self.is_plain_implicit(node):
                # a big integer key: go-yaml gives int64/uint64, printed exactly
                _, raw = resolve(text)
                key = str(raw) if isinstance(raw, int) else go_format_float(value, "g", 32)
            else:
                key = go_format_float(value, "g", 32)
        else:
            key = str(value)
        if key != text and self.explain_key is not None and self.is_plain_implicit(node):
            message = self.explain_key(text, key)
            if message:
                line, col = self.pos(node)
                self.notes.append(ScalarNote((*path, key), line, col, text, key, message))
        return key

    def node(self, node: Node, path: KeyPath) -> Any:
        if node.kind == "alias":  # ruamel.yaml's composer hands over the anchored node itself
            assert node.target is not None
            node = node.target
        self.depth += 1
        if self.depth > _HELM_MAX_DEPTH:
            raise self.fail(node, _HELM_TOO_DEEP)
        try:
            kind = node.kind
            if kind == "scalar":
                self.value_positions.setdefault(path, self.pos(node))
                return self.scalar(node, path)
            if kind == "seq":
                self.value_positions.setdefault(path, self.pos(node))
                out_list: list[Any] = []
                for i, item in enumerate(node.value):
                    if item.kind == "alias":
                        assert item.target is not None
                        item = item.target
                    self.key_positions[(*path, i)] = self.pos(item)
                    out_list.append(self.node(item, (*path, i)))
                return out_list
            self.value_positions.setdefault(path, self.pos(node))
            out: dict[str, Any] = {}
            self.mapping_into(node, path, out, {})
            return out
        finally:
            self.depth -= 1

    def mapping_into(self, node: Node, path: KeyPath, out: dict[str, Any], seen: dict[str, Position]) -> None:
        for knode, vnode in node.value:
            if knode.kind == "alias":
                assert knode.target is not None
                knode = knode.target
            if vnode.kind == "alias":
                assert vnode.target is not None
                vnode = vnode.target
            if is_merge_key(knode):  # (a plain untagged <<, or one tagged !!merge, quoted or not: as go-yaml v2)
                sources = list(reversed(vnode.value)) if vnode.kind == "seq" else [vnode]
                for src in sources:
                    if src.kind == "alias":
                        assert src.target is not None
                        src = src.target
                    if src.kind != "map":
                        raise self.fail(src, "map merge requires map or sequence of maps as the value")
                    # go-yaml v2 decodes the merged mapping straight into this one: it overwrites
                    self.mapping_into(src, path, out, {})
                continue
            key = self.key(knode, path)
            kpos = self.pos(knode)
            if key in seen:
                self.duplicates.append(DuplicateKey((*path, key), kpos[0], kpos[1], seen[key][0]))
            seen[key] = kpos
            self.key_positions[(*path, key)] = kpos
            # drop positions of a previous value under the same key
            if key in out:
                self.forget((*path, key))
                self.key_positions[(*path, key)] = kpos
            out[key] = self.node(vnode, (*path, key))

    def forget(self, prefix: KeyPath) -> None:
        n = len(prefix)
        for store in (self.key_positions, self.value_positions):
            for p in [p for p in store if p[:n] == prefix]:
                del store[p]


__all__ = [
    "MISSING",
    "DuplicateKey",
    "Entry",
    "HelmData",
    "KeyPathError",
    "LimitError",
    "Node",
    "ScalarNote",
    "ValuesDocument",
    "helm_scalar",
    "load_bytes",
    "load_file",
    "load_helm",
    "load_text",
    "load_yaml12",
    "load_yaml12_all",
    "to_plain",
]
