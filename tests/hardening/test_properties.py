"""Property tests of the edit engine: generated values files in many styles, random edits.

Each example builds a model of a values file (mappings, lists, scalars in every quoting style, block scalars,
flow collections, comments, blank lines, anchors and aliases), renders it with a random layout (indent 2 or 4,
flush or indented lists, CRLF, BOM, ``---``), and checks that

* the engine reads exactly the model's data;
* an edit (set an existing leaf, insert a missing nested key, replace a value by a block, delete) gives text that
  parses, whose data differs from the old data exactly at the intended paths (compared with DeepDiff, against
  the model edited in plain Python), with every line outside the edited region byte-identical and new lines
  indented like the file;
* undoing the edit (setting the old value back, deleting what was inserted) gives back the original bytes.

Fast profile (the normal test run): a few hundred examples per test. Long profile, >= 10,000 per test:

    HYPOTHESIS_PROFILE=long pytest tests/hardening/test_properties.py tests/fuzz
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deepdiff import DeepDiff
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from astro_config.document import editing
from astro_config.document.editing import Delete, Edit, SetValue, apply_edits
from astro_config.document.reader import ValuesDocument, load_bytes
from astro_config.document.render import render_scalar
from astro_config.errors import KeyPathError

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("engine-fast", max_examples=120, deadline=None, suppress_health_check=_HEALTH)
settings.register_profile(
    "engine-long", max_examples=10_000, deadline=None, suppress_health_check=_HEALTH, print_blob=True
)
PROFILE = settings.get_profile("engine-long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "engine-fast")

# --------------------------------------------------------------------------------------------------------------
# The model of a values file
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Scalar:
    value: Any  # str, int, bool or None
    style: str  # plain, single, double, literal (|), strip (|-), keep (|+), folded (>-), empty (nothing)
    anchor: str | None = None
    comment: str | None = None  # trailing comment


@dataclass
class Alias:
    name: str
    comment: str | None = None


@dataclass
class Entry:
    key: str
    key_style: str  # plain, single, double
    node: Node
    comments: list[str] = field(default_factory=list)  # full-line comments before the entry
    blank: int = 0  # blank lines before the comments


@dataclass
class Mapping:
    entries: list[Entry]
    flow: bool = False
    anchor: str | None = None
    comment: str | None = None


@dataclass
class Sequence:
    items: list[Node]
    flow: bool = False
    anchor: str | None = None
    comment: str | None = None


Node = Scalar | Alias | Mapping | Sequence


@dataclass(frozen=True)
class Layout:
    indent: int  # spaces per mapping level
    seq_offset: int  # column of "- " relative to its key: 0 (flush) or indent
    crlf: bool
    bom: bool
    doc_start: bool
    final_newline: bool
    header: tuple[str, ...]


def model_data(node: Node, anchors: dict[str, Any] | None = None) -> Any:
    """Plain data of a model; aliases share the object of their anchored node, like a YAML reader."""
    anchors = {} if anchors is None else anchors
    if isinstance(node, Alias):
        return anchors[node.name]
    if isinstance(node, Scalar):
        out: Any = node.value
    elif isinstance(node, Mapping):
        out = {}
        for e in node.entries:
            out[e.key] = model_data(e.node, anchors)
    else:
        out = [model_data(item, anchors) for item in node.items]
    if getattr(node, "anchor", None):
        anchors[node.anchor] = out  # type: ignore[index]
    return out


# --------------------------------------------------------------------------------------------------------------
# Rendering a model as YAML text
# --------------------------------------------------------------------------------------------------------------

_SPECIAL_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
_PLAIN_STR = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*( [A-Za-z0-9_./-]+)*$")


def plain_safe(s: str) -> bool:
    return bool(_PLAIN_STR.match(s)) and s.lower() not in _SPECIAL_WORDS


def dq(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def sq(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def scalar_text(node: Scalar, in_flow: bool = False) -> str:
    v, style = node.value, node.style
    if v is None:
        return {"plain": "null", "tilde": "~", "empty": ""}.get(style, "null")
    if isinstance(v, bool):
        return {"plain": "true" if v else "false", "yes": "yes" if v else "no", "on": "On" if v else "Off"}[style]
    if isinstance(v, int):
        return str(v)
    if style == "plain":
        return v
    if style == "single":
        return sq(v)
    return dq(v)


def key_text(e: Entry) -> str:
    return {"plain": e.key, "single": sq(e.key), "double": dq(e.key)}[e.key_style]


def props(node: Node) -> str:
    anchor = getattr(node, "anchor", None)
    return f"&{anchor}" if anchor else ""


def flow_text(node: Node) -> str:
    p = props(node)
    pre = p + " " if p else ""
    if isinstance(node, Alias):
        return f"*{node.name}"
    if isinstance(node, Scalar):
        text = scalar_text(node, in_flow=True)
        return (pre + text) if text else p
    if isinstance(node, Mapping):
        inner = ", ".join(f"{key_text(e)}: {flow_text(e.node)}" for e in node.entries)
        return pre + "{" + inner + "}"
    return pre + "[" + ", ".join(flow_text(i) for i in node.items) + "]"


def is_block_scalar(node: Node) -> bool:
    return isinstance(node, Scalar) and node.style in ("literal", "strip", "keep", "folded")


def block_scalar_lines(node: Scalar, indent: int) -> tuple[str, list[str]]:
    header = {"literal": "|", "strip": "|-", "keep": "|+", "folded": ">-"}[node.style]
    assert isinstance(node.value, str)
    body = node.value.rstrip("\n")
    parts = body.split(" ") if node.style == "folded" else body.split("\n")
    return header, [" " * indent + line for line in parts]


def with_comment(line: str, comment: str | None) -> str:
    return f"{line}  # {comment}" if comment else line


def render_map(m: Mapping, indent: int, lay: Layout, out: list[str], first_prefix: str | None = None) -> None:
    """Block mapping entries at ``indent``; with ``first_prefix`` the first entry goes on a ``- `` line."""
    for i, e in enumerate(m.entries):
        pad = " " * indent
        if not (i == 0 and first_prefix is not None):
            out.extend([""] * e.blank)
            out.extend(f"{pad}# {c}" for c in e.comments)
        lead = first_prefix if (i == 0 and first_prefix is not None) else pad
        render_entry(e, indent, lead, lay, out)


def render_entry(e: Entry, indent: int, lead: str, lay: Layout, out: list[str]) -> None:
    node = e.node
    k = key_text(e)
    p = props(node)
    if isinstance(node, Alias):
        out.append(with_comment(f"{lead}{k}: *{node.name}", node.comment))
    elif isinstance(node, Scalar) and is_block_scalar(node):
        header, lines = block_scalar_lines(node, indent + lay.indent)
        out.append(f"{lead}{k}: {p + ' ' if p else ''}{header}")
        out.extend(lines)
    elif isinstance(node, Scalar):
        text = scalar_text(node)
        value = " ".join(x for x in (p, text) if x)
        out.append(with_comment(f"{lead}{k}:" + (f" {value}" if value else ""), node.comment))
    elif isinstance(node, Mapping) and (node.flow or not node.entries):
        out.append(with_comment(f"{lead}{k}: {flow_text(node)}", node.comment))
    elif isinstance(node, Mapping):
        out.append(with_comment(f"{lead}{k}:" + (f" {p}" if p else ""), node.comment))
        render_map(node, indent + lay.indent, lay, out)
    elif node.flow or not node.items:
        out.append(with_comment(f"{lead}{k}: {flow_text(node)}", node.comment))
    else:
        out.append(with_comment(f"{lead}{k}:" + (f" {p}" if p else ""), node.comment))
        render_seq(node, indent + lay.seq_offset, lay, out)


def render_seq(q: Sequence, indent: int, lay: Layout, out: list[str]) -> None:
    pad = " " * indent
    for item in q.items:
        p = props(item)
        if isinstance(item, Mapping) and item.entries and not item.flow:
            if p:
                out.append(f"{pad}- {p}")
                render_map(item, indent + 2, lay, out)
            else:
                render_map(item, indent + 2, lay, out, first_prefix=f"{pad}- ")
        elif isinstance(item, Scalar) and is_block_scalar(item):
            header, lines = block_scalar_lines(item, indent + 2)
            out.append(f"{pad}- {p + ' ' if p else ''}{header}")
            out.extend(lines)
        elif isinstance(item, Alias):
            out.append(with_comment(f"{pad}- *{item.name}", item.comment))
        else:
            text = flow_text(item)
            out.append(with_comment(f"{pad}-" + (f" {text}" if text else ""), getattr(item, "comment", None)))


def render(root: Mapping, lay: Layout) -> bytes:
    out: list[str] = [f"# {h}" for h in lay.header]
    if lay.doc_start:
        out.append("---")
    render_map(root, 0, lay, out)
    nl = "\r\n" if lay.crlf else "\n"
    text = nl.join(out) + (nl if lay.final_newline and out else "")
    return (b"\xef\xbb\xbf" if lay.bom else b"") + text.encode("utf-8")


# --------------------------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------------------------

_KEYS = [
    "a", "b", "c", "global", "enabled", "image", "tag", "repository", "resources", "limits", "cpu", "memory",
    "dagOnlyDeployment", "airflow", "houston", "config", "x1", "k_2", "some-key", "kubernetes.io/name",
    "app.kubernetes.io", "z", "nodeSelector", "tolerations", "replicas", "extra", "foo", "bar", "baz", "qux",
]  # fmt: skip
_key = st.sampled_from(_KEYS)
_WORDS = ["abc", "de", "f1", "hello", "x", "q9", "some", "value", "zz", "ok"]
_words = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=3).map(" ".join)
_text = st.text(st.sampled_from(list("abcxyz XYZ019_-./:#'\"é中@!,[]{}&*?|>%`\\")), min_size=0, max_size=10)
_COMMENTS = ["", "note", "TODO: check", "a # b", "it's 'quoted'", "key: value", "  spaced", "-- dash", "é中"]
_comment = st.sampled_from(_COMMENTS).map(str.rstrip)


@st.composite
def scalars(draw: st.DrawFn) -> Scalar:
    kind = draw(st.sampled_from(["str", "str", "word", "int", "bool", "null", "block"]))
    comment = draw(st.none() | st.none() | _comment)
    if kind == "int":
        return Scalar(draw(st.integers(-(10**6), 10**9)), "plain", comment=comment)
    if kind == "bool":
        return Scalar(draw(st.booleans()), draw(st.sampled_from(["plain", "yes", "on"])), comment=comment)
    if kind == "null":
        return Scalar(None, draw(st.sampled_from(["plain", "tilde", "empty"])), comment=comment)
    if kind == "block":
        style = draw(st.sampled_from(["literal", "strip", "keep", "folded"]))
        words = draw(st.lists(_words, min_size=1, max_size=3))
        value = " ".join(words) if style == "folded" else "\n".join(words)
        if style in ("literal", "keep"):
            value += "\n"
        return Scalar(value, style)
    s = draw(_words if kind == "word" else _text)
    styles = ["single", "double"] + (["plain", "plain"] if plain_safe(s) else [])
    return Scalar(s, draw(st.sampled_from(styles)), comment=comment)


def _unique_entries(draw: st.DrawFn, children: st.SearchStrategy[Node], n_max: int) -> list[Entry]:
    keys = draw(st.lists(_key, min_size=1, max_size=n_max, unique=True))
    entries = []
    for k in keys:
        node = draw(children)
        entries.append(
            Entry(
                k,
                draw(st.sampled_from(["plain", "plain", "plain", "single", "double"])),
                node,
                comments=draw(st.lists(_comment, max_size=2)),
                blank=draw(st.sampled_from([0, 0, 0, 1, 2])),
            )
        )
    return entries


def _flow_safe(node: Node) -> bool:
    if isinstance(node, Scalar):
        return not is_block_scalar(node) and node.comment is None and node.style != "empty"
    if isinstance(node, Alias):
        return node.comment is None
    children = [e.node for e in node.entries] if isinstance(node, Mapping) else node.items
    return node.comment is None and all(_flow_safe(c) for c in children)


def _strip_comments(node: Node) -> Node:
    node = copy.deepcopy(node)
    stack = [node]
    while stack:
        n = stack.pop()
        if hasattr(n, "comment"):
            n.comment = None  # type: ignore[union-attr]
        if isinstance(n, Scalar) and (is_block_scalar(n) or n.style == "empty"):
            n.style = "double" if isinstance(n.value, str) else "plain"
            if isinstance(n.value, str):
                n.value = n.value.rstrip("\n")
        if isinstance(n, Mapping):
            stack.extend(e.node for e in n.entries)
        elif isinstance(n, Sequence):
            stack.extend(n.items)
    return node


@st.composite
def mappings(draw: st.DrawFn, depth: int) -> Mapping:
    children: st.SearchStrategy[Node] = scalars()
    if depth > 0:
        children = st.one_of(scalars(), scalars(), scalars(), mappings(depth - 1), sequences(depth - 1))
    m = Mapping(_unique_entries(draw, children, 4))
    if draw(st.integers(0, 9)) == 0:
        m = Mapping([])  # {}
    elif draw(st.integers(0, 5)) == 0:
        m = _strip_comments(m)  # type: ignore[assignment]
        m.flow = True
    m.comment = draw(st.none() | st.none() | _comment)
    return m


@st.composite
def sequences(draw: st.DrawFn, depth: int) -> Sequence:
    children: st.SearchStrategy[Node] = scalars()
    if depth > 0:
        children = st.one_of(scalars(), scalars(), mappings(depth - 1))
    items = draw(st.lists(children, min_size=0, max_size=3))
    q = Sequence(items)
    if not items or draw(st.integers(0, 4)) == 0:
        q = _strip_comments(q)  # type: ignore[assignment]
        q.flow = True
    # nested lists stay flow (no `- - x`); a mapping that is a list item carries no comment of its own
    for i, item in enumerate(q.items):
        if isinstance(item, Mapping):
            item.comment = None
            if item.entries and not item.flow and isinstance(item.entries[0].node, (Mapping, Sequence)):
                first = item.entries[0].node
                if not first.flow and (first.entries if isinstance(first, Mapping) else first.items):
                    q.items[i] = _strip_comments(item)
                    q.items[i].flow = True  # type: ignore[union-attr]
    return q


def _walk(node: Node) -> list[Node]:
    """Nodes in document order (pre-order)."""
    out: list[Node] = [node]
    if isinstance(node, Mapping):
        for e in node.entries:
            out.extend(_walk(e.node))
    elif isinstance(node, Sequence):
        for item in node.items:
            out.extend(_walk(item))
    return out


def _subtree_ids(node: Node) -> set[int]:
    return {id(n) for n in _walk(node)}


@st.composite
def with_anchors(draw: st.DrawFn, root: Mapping) -> Mapping:
    """Anchor some nodes and turn some later scalar leaves into aliases of them."""
    nodes = _walk(root)[1:]
    done: list[tuple[str, Node]] = []  # anchored nodes whose text is complete before the current node
    open_anchors: list[tuple[str, Node, set[int]]] = []
    n = 0
    for node in nodes:
        # an anchor is usable once we are past its whole subtree
        for item in list(open_anchors):
            if id(node) not in item[2]:
                done.append((item[0], item[1]))
                open_anchors.remove(item)
        if isinstance(node, (Scalar, Mapping)) and draw(st.integers(0, 7)) == 0:
            n += 1
            node.anchor = f"a{n}"
            open_anchors.append((node.anchor, node, _subtree_ids(node)))
        elif done and isinstance(node, Scalar) and node.anchor is None and draw(st.integers(0, 4)) == 0:
            name, _target = draw(st.sampled_from(done))
            _replace_node(root, node, Alias(name))
    return root


def _replace_node(root: Node, old: Node, new: Node) -> None:
    for n in _walk(root):
        if isinstance(n, Mapping):
            for e in n.entries:
                if e.node is old:
                    e.node = new
                    return
        elif isinstance(n, Sequence):
            for i, item in enumerate(n.items):
                if item is old:
                    n.items[i] = new
                    return


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    indent = draw(st.sampled_from([2, 4]))
    return Layout(
        indent=indent,
        seq_offset=draw(st.sampled_from([0, indent])),
        crlf=draw(st.booleans()),
        bom=draw(st.integers(0, 4)) == 0,
        doc_start=draw(st.integers(0, 4)) == 0,
        final_newline=draw(st.integers(0, 5)) != 0,
        header=tuple(draw(st.lists(_comment, max_size=2))),
    )


@dataclass
class Generated:
    root: Mapping
    layout: Layout
    raw: bytes

    @property
    def data(self) -> Any:
        return model_data(self.root)


@st.composite
def documents(draw: st.DrawFn) -> Generated:
    root = draw(mappings(3))
    root.flow = False
    root.comment = None
    root.anchor = None
    if draw(st.booleans()):
        root = draw(with_anchors(root))
    lay = draw(layouts())
    if any(is_block_scalar(n) for n in _walk(root)) and not lay.final_newline:
        lay = Layout(lay.indent, lay.seq_offset, lay.crlf, lay.bom, lay.doc_start, True, lay.header)
    # a keep (|+) block scalar owns the blank lines after it: none are generated there
    _no_blank_after_keep(root)
    raw = render(root, lay)
    note(raw.decode("utf-8", "replace"))
    return Generated(root, lay, raw)


def _last_rendered(node: Node) -> Node:
    if isinstance(node, Mapping) and node.entries and not node.flow:
        return _last_rendered(node.entries[-1].node)
    if isinstance(node, Sequence) and node.items and not node.flow:
        return _last_rendered(node.items[-1])
    return node


def _no_blank_after_keep(root: Mapping) -> None:
    for n in _walk(root):
        if isinstance(n, Mapping):
            for e, after in zip(n.entries, n.entries[1:], strict=False):
                last = _last_rendered(e.node)
                if isinstance(last, Scalar) and last.style == "keep":
                    after.blank = 0


def has_indent_evidence(root: Mapping, lay: Layout) -> bool:
    """Whether the file shows its indentation step: a nested block mapping, or an indented block list."""

    def walk(node: Node) -> bool:  # block context only: flow collections show no indentation
        if isinstance(node, Mapping) and not node.flow:
            for e in node.entries:
                c = e.node
                if isinstance(c, Mapping) and c.entries and not c.flow:
                    return True
                if isinstance(c, Sequence) and c.items and not c.flow and lay.seq_offset:
                    return True
                if walk(c):
                    return True
        elif isinstance(node, Sequence) and not node.flow:
            return any(walk(item) for item in node.items)
        return False

    return walk(root)


# --------------------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------------------


def deep_paths(old: Any, new: Any) -> set[tuple[Any, ...]]:
    tree = DeepDiff(old, new, view="tree", ignore_order=False)
    return {tuple(item.path(output_format="list")) for items in tree.values() for item in items}


def model_get(root: Node, path: tuple[Any, ...]) -> Node:
    node = root
    for part in path:
        if isinstance(node, Mapping):
            node = next(e.node for e in node.entries if e.key == part)
        else:
            assert isinstance(node, Sequence)
            node = node.items[part]
    return node


def model_parent_slot(root: Mapping, path: tuple[Any, ...]) -> tuple[Node, Any]:
    return model_get(root, path[:-1]), path[-1]


def to_model(value: Any) -> Node:
    if isinstance(value, dict):
        return Mapping([Entry(k, "plain", to_model(v)) for k, v in value.items()])
    if isinstance(value, list):
        return Sequence([to_model(v) for v in value])
    return Scalar(value, "plain")


def model_set(root: Mapping, path: tuple[Any, ...], value: Any) -> None:
    """Set ``path`` on the model, keeping the anchor of the node replaced (as the engine does)."""
    parent, last = model_parent_slot(root, path)
    new = to_model(value)
    if isinstance(parent, Mapping):
        entry = next(e for e in parent.entries if e.key == last)
        old, entry.node = entry.node, new
    else:
        assert isinstance(parent, Sequence)
        old, parent.items[last] = parent.items[last], new
    anchor = getattr(old, "anchor", None)
    if anchor:
        new.anchor = anchor  # type: ignore[union-attr]


def model_delete(root: Mapping, path: tuple[Any, ...]) -> None:
    parent, last = model_parent_slot(root, path)
    if isinstance(parent, Mapping):
        parent.entries = [e for e in parent.entries if e.key != last]
    else:
        assert isinstance(parent, Sequence)
        del parent.items[last]


def anchors_used_outside(root: Mapping, node: Node, keep_self: bool) -> bool:
    """Whether removing ``node`` (or its inside only, with ``keep_self``) would leave an alias without anchor."""
    inside = _walk(node)
    names = {getattr(n, "anchor", None) for n in inside if not (keep_self and n is node)} - {None}
    ids = {id(n) for n in inside}
    return any(isinstance(n, Alias) and n.name in names and id(n) not in ids for n in _walk(root))


def changed_line_range(old: list[str], new: list[str]) -> tuple[int, int, int]:
    """(first changed old line, end of changed old lines, number of new lines in their place), 0-based."""
    old = [line.rstrip("\r") for line in old]  # line endings are checked on their own
    new = [line.rstrip("\r") for line in new]
    p = 0
    while p < len(old) and p < len(new) and old[p] == new[p]:
        p += 1
    s = 0
    while s < len(old) - p and s < len(new) - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
        s += 1
    return p, len(old) - s, len(new) - s - p


def follows_keep_scalar(doc: ValuesDocument, line: int) -> bool:
    """Whether a keep-chomping block scalar (``|+``) ends right where ``line`` (0-based) starts."""
    start = doc.line_starts[line] if line < len(doc.line_starts) else len(doc.text)
    return any(
        e.value.kind == "scalar"
        and e.value.style in ("|", ">")
        and e.value.end == start
        and "+" in doc.text[e.value.start : doc.text.find("\n", e.value.start)]
        for e in doc.index.values()
    )


def only_region_changed(old: list[str], new: list[str], lo: int, hi: int) -> bool:
    """Whether ``new`` is ``old`` with at most the lines ``lo..hi-1`` replaced (line endings aside)."""
    old = [line.rstrip("\r") for line in old]
    new = [line.rstrip("\r") for line in new]
    head, tail = old[:lo], old[hi:]
    return len(new) >= len(head) + len(tail) and new[:lo] == head and new[len(new) - len(tail) :] == tail


def split_lines(raw: bytes) -> list[str]:
    text = raw.decode("utf-8").removeprefix("\ufeff")
    return text.split("\n")


def value_line_span(doc: ValuesDocument, path: tuple[Any, ...]) -> tuple[int, int]:
    """0-based first and last line of the entry at ``path`` (key line through the end of its value)."""
    entry = doc.index[path]
    first = entry.key if entry.key is not None else entry.value
    start_line = doc.line_index(first.start)
    text = doc.text
    end = max(entry.value.end, first.end)
    while end > first.start + 1 and text[end - 1] in " \t\r\n":
        end -= 1
    return start_line, doc.line_index(max(end - 1, first.start))


COUNTS: dict[str, int] = {}


def count(what: str) -> None:
    COUNTS[what] = COUNTS.get(what, 0) + 1
    event(what)


_REFUSALS = (
    "starts a list item",
    "replacing a whole list item by a block",
    "shares a line",
    "holds the anchor",
)


def run_edit(doc: ValuesDocument, edit: Edit) -> Any:
    try:
        return apply_edits(doc, [edit])
    except KeyPathError as e:
        if any(r in str(e) for r in _REFUSALS):
            count(f"refused: {next(r for r in _REFUSALS if r in str(e))}")
            return None
        raise


def check_common(gen: Generated, doc: ValuesDocument, result: Any, expected: Any) -> tuple[list[str], list[str]]:
    new_raw = result.new_bytes
    new_doc = load_bytes(new_raw, "new.yaml")  # parses
    assert DeepDiff(new_doc.data, expected) == {}, DeepDiff(new_doc.data, expected)
    # the changes, as DeepDiff sees them, are exactly the intended ones
    assert deep_paths(gen.data, new_doc.data) == deep_paths(gen.data, expected)
    assert new_raw.startswith(b"\xef\xbb\xbf") == gen.layout.bom
    old_lines, new_lines = split_lines(gen.raw), split_lines(new_raw)
    if b"\n" in gen.raw:  # (a file without any line break does not tell which kind it uses)
        for line in new_lines[:-1]:
            assert line.endswith("\r") == gen.layout.crlf, "line endings kept"
    return old_lines, new_lines


# --------------------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------------------

scalar_values = st.one_of(
    st.text(st.sampled_from(list("abyz ONon0179.:#'\"-\t\né中")), max_size=8),
    st.sampled_from(["on", "off", "yes", "No", "true", "null", "~", "0777", "1e3", "0x1F", "1.5", "", " x", "a: b"]),
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=True, width=64),
)
block_values = st.recursive(
    scalar_values,
    lambda inner: st.one_of(
        st.dictionaries(_key, inner, min_size=1, max_size=3), st.lists(inner, min_size=1, max_size=3)
    ),
    max_leaves=6,
).filter(lambda v: isinstance(v, (dict, list)))


@settings(PROFILE)
@given(documents())
def test_generated_documents_read_as_modelled_and_round_trip(gen: Generated) -> None:
    doc = load_bytes(gen.raw, "gen.yaml")
    count("examples: generated_documents_read_as_modelled_and_round_trip")
    assert DeepDiff(doc.data, gen.data) == {}
    result = apply_edits(doc, [])
    assert result.new_bytes == gen.raw
    assert not result.changed


@settings(PROFILE)
@given(documents(), st.data())
def test_set_existing_leaf(gen: Generated, data: st.DataObject) -> None:
    doc = load_bytes(gen.raw, "gen.yaml")
    count("examples: set_existing_leaf")
    leaves = sorted((p for p, e in doc.index.items() if p and e.value.kind in ("scalar", "alias")), key=repr)
    if not leaves:
        return
    path = data.draw(st.sampled_from(leaves), label="path")
    value = data.draw(scalar_values, label="value")
    entry = doc.index[path]
    old_value = doc.get(path)
    result = run_edit(doc, SetValue(path, value))
    if result is None:
        return
    model_set(gen.root, path, value)
    expected = model_data(gen.root)
    old_lines, new_lines = check_common(gen, doc, result, expected)
    if type(old_value) is type(value) and old_value == value:
        assert result.new_bytes == gen.raw
        return
    lo, hi = value_line_span(doc, path)
    assert only_region_changed(old_lines, new_lines, lo, hi + 1), (lo, hi)
    if lo == hi:  # a one-line value replaced by a scalar (always one line): exactly that line changes
        assert len(new_lines) == len(old_lines)
    # setting the old value back restores the bytes when the old text was written the way the engine writes it
    node = entry.value
    source = doc.text[node.start : node.end]
    if node.kind == "scalar" and not node.anchor and not node.tag and node.style in ("", "'", '"'):
        after = result.new.index[path].value
        if render_scalar(old_value, (after.style if after.kind == "scalar" else "") or None) == source:
            back = apply_edits(result.new, [SetValue(path, old_value)])
            assert back.new_bytes == gen.raw
            count("undo: restored bytes")


@settings(PROFILE)
@given(documents(), st.data())
def test_insert_missing_nested_key(gen: Generated, data: st.DataObject) -> None:
    doc = load_bytes(gen.raw, "gen.yaml")
    count("examples: insert_missing_nested_key")

    def container(p: tuple[Any, ...], e: Any) -> bool:
        if e.value.kind == "map":
            return True
        return e.key is not None and e.value.kind == "scalar" and doc.get(p) is None and not e.value.tag

    containers = [(), *sorted((p for p, e in doc.index.items() if p and container(p, e)), key=repr)]
    where = data.draw(st.sampled_from(containers), label="container")
    existing = doc.get(where)
    existing_keys = set(existing) if isinstance(existing, dict) else set()
    new_keys = data.draw(
        st.lists(_key, min_size=1, max_size=3).filter(lambda ks: ks[0] not in existing_keys), label="keys"
    )
    value = data.draw(scalar_values, label="value")
    path = (*where, *new_keys)
    step = gen.layout.indent if has_indent_evidence(gen.root, gen.layout) else 2
    result = run_edit(doc, SetValue(path, value))
    if result is None:
        return
    # the model: add the nested key
    nested: Any = value
    for k in reversed(new_keys[1:]):
        nested = {k: nested}
    container = model_get(gen.root, where) if where else gen.root
    if isinstance(container, Mapping):
        container.entries.append(Entry(new_keys[0], "plain", to_model(nested)))
    else:
        model_set(gen.root, where, {new_keys[0]: nested})
    expected = model_data(gen.root)
    old_lines, new_lines = check_common(gen, doc, result, expected)
    first, end, added = changed_line_range(old_lines, new_lines)
    entry = doc.index.get(where)
    node = entry.value if entry is not None else None
    nl = "\r" if gen.layout.crlf and b"\n" in gen.raw else ""  # a file without line breaks: LF
    if node is not None and node.kind == "map" and node.style == "block" and node.value:
        # only added lines, indented like their siblings, nesting by the file's indent
        assert first == end, "no existing line changed"  # (p + s == len(old): a pure insertion)
        sibling_col = doc.position(node.value[0][0].start)[1] - 1
        new_block = new_lines[first : first + added]
        for depth, line in enumerate(new_block):
            last = first + depth == len(new_lines) - 1  # the last line of a file without a final line break
            assert line.rstrip("\r") and (line.endswith("\r") == bool(nl) or last)
            assert len(line) - len(line.lstrip(" ")) == sibling_col + depth * step, new_block
        # deleting the top-most created key restores the original bytes
        back = apply_edits(result.new, [Delete((*where, new_keys[0]), prune=True)])
        assert back.new_bytes == gen.raw
        count("insert: block mapping, undone")
    elif node is not None and node.kind == "map" and node.value:
        # a flow mapping: its own lines change, nothing else
        lo, hi = value_line_span(doc, where)
        assert only_region_changed(old_lines, new_lines, lo, hi + 1)
        back = apply_edits(result.new, [Delete((*where, new_keys[0]), prune=True)])
        assert back.new_bytes == gen.raw
        count("insert: flow mapping, undone")
    elif node is None or where == ():
        # an empty document: lines added at the end
        assert first == end or first == len(old_lines) - 1
        count("insert: empty document")
    else:
        # an empty `{}` or null value: exactly its line changes, the rest is added
        key_line = doc.line_index(entry.key.start if entry.key is not None else node.start)  # type: ignore[union-attr]
        assert only_region_changed(old_lines, new_lines, key_line, key_line + 1), key_line
        assert new_lines[key_line].startswith(old_lines[key_line][: doc.position(node.start)[1] - 1].rstrip())
        count("insert: into an empty value")


@settings(PROFILE)
@given(documents(), st.data())
def test_replace_value_by_block(gen: Generated, data: st.DataObject) -> None:
    doc = load_bytes(gen.raw, "gen.yaml")
    count("examples: replace_value_by_block")
    targets = sorted((p for p, e in doc.index.items() if p and e.key is not None), key=repr)
    if not targets:
        return
    path = data.draw(st.sampled_from(targets), label="path")
    value = data.draw(block_values, label="value")
    node = model_get(gen.root, path)
    if anchors_used_outside(gen.root, node, keep_self=True):
        try:
            apply_edits(doc, [SetValue(path, value)])
        except KeyPathError as e:
            assert "holds the anchor" in str(e)
            return
        raise AssertionError("removing a used anchor was not refused")
    result = run_edit(doc, SetValue(path, value))
    if result is None:
        return
    model_set(gen.root, path, value)
    old_lines, new_lines = check_common(gen, doc, result, model_data(gen.root))
    if result.new_bytes == gen.raw:
        return
    lo, hi = value_line_span(doc, path)
    assert only_region_changed(old_lines, new_lines, lo, hi + 1), (lo, hi)


@settings(PROFILE)
@given(documents(), st.data())
def test_delete(gen: Generated, data: st.DataObject) -> None:
    doc = load_bytes(gen.raw, "gen.yaml")
    count("examples: delete")
    targets = sorted((p for p in doc.index if p), key=repr)
    if not targets:
        return
    path = data.draw(st.sampled_from(targets), label="path")
    node = model_get(gen.root, path)
    if anchors_used_outside(gen.root, node, keep_self=False):
        try:
            apply_edits(doc, [Delete(path)])
        except KeyPathError as e:
            assert "holds the anchor" in str(e)
            return
        raise AssertionError("removing a used anchor was not refused")
    result = run_edit(doc, Delete(path))
    if result is None:
        return
    model_delete(gen.root, path)
    old_lines, new_lines = check_common(gen, doc, result, model_data(gen.root))
    lo, hi = value_line_span(doc, path)
    parent = doc.index[path[:-1]]
    if parent.value.style == "block" and len(parent.value.value) == 1 and len(path) > 1:
        lo = doc.line_index((parent.key or parent.value).start)  # the parent becomes `{}` or `[]`
    if follows_keep_scalar(doc, lo):  # blank lines after the entry go too, or the |+ scalar would take them
        while hi + 1 < len(old_lines) and not old_lines[hi + 1].strip(" \r"):
            hi += 1
    assert only_region_changed(old_lines, new_lines, lo, hi + 1), (lo, hi)


@settings(PROFILE)
@given(documents(), st.data())
def test_edit_sequences_compose(gen: Generated, data: st.DataObject) -> None:
    """Several edits in one call: each is verified, and the result equals applying them one by one."""
    doc = load_bytes(gen.raw, "gen.yaml")
    count("examples: edit_sequences_compose")
    paths = sorted((p for p, e in doc.index.items() if p and e.value.kind == "scalar"), key=repr)
    # and keys that are not there yet, in mappings that are (one level or two deep)
    maps = sorted((p for p, e in doc.index.items() if e.value.kind == "map"), key=repr)
    paths += [(*m, "zz-new") for m in maps] + [(*m, "zz-new", "deeper") for m in maps[:3]]
    if not paths:
        return
    chosen = data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=4), label="paths")
    values = [data.draw(scalar_values, label="value") for _ in chosen]
    edits: list[Edit] = [SetValue(p, v) for p, v in zip(chosen, values, strict=True)]
    try:
        together = apply_edits(doc, edits)
    except KeyPathError as e:
        # (a later edit may go under a key an earlier one set to a scalar: `a.zz-new = 1`, `a.zz-new.deeper = 2`)
        assert any(r in str(e) for r in _REFUSALS) or ", not a mapping" in str(e), str(e)
        return
    one_by_one = doc
    for edit in edits:
        one_by_one = apply_edits(one_by_one, [edit]).new
    assert together.new.text == one_by_one.text
    # the shortcut that splices several edits at once and verifies once gives the same text, when it applies
    batched = editing._apply_together(doc, edits, editing.detect_style(doc))
    if batched is not None:
        count("edit sequences verified at once")
        assert batched.new.text == one_by_one.text
    # the last edit's value reads back (earlier ones may be replaced by later ones, or by their descendants)
    assert DeepDiff(together.new.get(chosen[-1]), values[-1]) == {}


def test_record_counts() -> None:
    """(runs last in this file) how many documents and edits the tests above tried, for SECURITY.md."""
    where = os.environ.get("ASTRO_CONFIG_STATS_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        (Path(where) / "properties.json").write_text(json.dumps(dict(sorted(COUNTS.items())), indent=2) + "\n")
    print(f"\nproperties: {json.dumps(dict(sorted(COUNTS.items())))}")
