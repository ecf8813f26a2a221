"""The YAML event stream: the one place that constructs a YAML parser, and the data-only reading of it.

Every reading of YAML text in astro-config goes through :func:`make_parser`: libyaml's event parser (through
ruamel.yaml.clib) when it is installed, else ruamel.yaml's pure-Python parser, both giving the same events with
character offsets. On top of it:

* :mod:`astro_config.document.reader` builds the node tree with exact spans (:func:`~.reader.load_text`, for
  editing and positions) and reads values as Helm does (:func:`~.reader.load_helm`, for layering);
* :func:`read_data` (here) builds plain data straight from the events, without nodes or positions, for lint's
  speed; anything unusual it leaves to the node reader (:class:`Unusual`).

A test (tests/document/test_events.py) checks that no other module constructs a parser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_TYPES: tuple[Any, ...] | None = None


def _libyaml_parser() -> Any:
    """libyaml's parser class (ruamel.yaml.clib's ``CParser``), or None when it is not installed."""
    try:
        from _ruamel_yaml import CParser  # type: ignore[import-not-found]  # libyaml, via ruamel.yaml.clib
    except ImportError:  # pragma: no cover - pure-Python fallback
        return None
    return CParser


def make_parser(text: str) -> Any:
    """A YAML event parser over ``text`` (``get_event()`` gives ruamel.yaml events with character marks)."""
    libyaml = _libyaml_parser()
    if libyaml is not None:
        return libyaml(text)
    from ruamel.yaml import YAML  # pragma: no cover - pure-Python fallback

    y = YAML(typ="safe", pure=True)  # pragma: no cover
    y.reader.stream = text  # pragma: no cover
    return y.parser  # pragma: no cover


def has_libyaml() -> bool:
    """Whether :func:`make_parser` gives libyaml's parser (else the pure-Python one)."""
    return _libyaml_parser() is not None


def event_types() -> tuple[Any, ...]:
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


# --------------------------------------------------------------------------------------------------------------
# Data only (lint's fast mode)
# --------------------------------------------------------------------------------------------------------------


class Unusual(Exception):
    """:func:`read_data` does not handle this input; the node reader reads it (and reports any error)."""


_MERGE: Any = object()  # the pending key of a ``<<`` merge


def _never(text: str, value: Any) -> bool:
    return False


def read_data(text: str, flag: Callable[[str, Any], bool] | None = None) -> tuple[dict[str, Any], bool]:
    """The values of ``text`` as :func:`astro_config.document.reader.load_text` reads them (Helm's YAML 1.1
    typing, keys as strings, go-yaml merge keys, shared aliases, integers exact), built straight from libyaml's
    events without the position tree: about a third of the time.

    Also returns whether ``flag(text, value)`` held for any plain scalar that is not a string (lint asks
    whether one is a YAML 1.1 yes/no/on/off/octal); False without ``flag``.

    Raises :class:`Unusual` for anything outside the common shape (tags, complex or float keys, duplicate keys,
    parse errors, odd line breaks, very long lines, limits, no libyaml) so that the caller falls back to the
    node reader, which reads those or reports them with their exact message and position.
    """
    from astro_config.document import reader  # (reader imports this module: read its limits at call time)

    if len(text) > reader.MAX_LINE_CHARS or "\r" in text or text.startswith("\ufeff"):
        raise Unusual
    if text.count("\n") >= reader.MAX_LINES:  # the node reader refuses it, with its own message
        raise Unusual
    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        raise Unusual
    if not has_libyaml():  # pragma: no cover - without the C parser the node reader is as fast
        raise Unusual
    from ruamel.yaml.error import YAMLError

    try:
        return _build(make_parser(text), reader, flag)
    except YAMLError:
        raise Unusual from None


def _build(parser: Any, reader: Any, flag: Callable[[str, Any], bool] | None) -> tuple[dict[str, Any], bool]:
    scalar_t, map_t, map_end_t, seq_t, seq_end_t, alias_t, doc_t, doc_end_t, stream_end_t = event_types()
    helm_scalar = reader.helm_scalar
    max_depth, max_nodes, max_expanded = reader.MAX_DEPTH, reader.MAX_NODES, reader.MAX_EXPANDED_NODES
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
