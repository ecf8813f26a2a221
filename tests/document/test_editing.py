# ruff: noqa: E501  (tables of exact sources and results, one case per line)
"""The edit engine: byte-exact splices for every layout, refusals, notes and its own verification.

Each case is (source, edit, exact result). Every result is also checked to read back with the intended data
(``apply_edits`` verifies that itself; the tests check again from the outside).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from astro_config.document import editing
from astro_config.document.editing import Delete, Edit, SetValue, apply_edits, changed_paths, detect_style
from astro_config.document.reader import MISSING, load_text
from astro_config.document.render import Style, double_quoted, plain_ok, render_block, render_flow, render_scalar
from astro_config.errors import KeyPathError

# fmt: off
CASES: list[tuple[str, Edit, str]] = [
    ('a: 1\n', SetValue(path=('a',), value=2), 'a: 2\n'),
    ('a: 1 # c\n', SetValue(path=('a',), value='x y'), 'a: x y # c\n'),
    ("a: 'x'\n", SetValue(path=('a',), value="it's"), "a: 'it''s'\n"),
    ('a: "x"\n', SetValue(path=('a',), value='on'), 'a: "on"\n'),
    ('a: x\n', SetValue(path=('a',), value='on'), 'a: "on"\n'),
    ('a: x\n', SetValue(path=('a',), value='0777'), 'a: "0777"\n'),
    ('a: x\n', SetValue(path=('a',), value=''), 'a: ""\n'),
    ('a: x\n', SetValue(path=('a',), value=None), 'a: null\n'),
    ('a: x\n', SetValue(path=('a',), value='multi\nline'), 'a: "multi\\nline"\n'),
    ('a:   x   # c\n', SetValue(path=('a',), value='y'), 'a:   "y"   # c\n'),
    ('a: x\n', SetValue(path=('a',), value='\x7f'), 'a: "\\u007f"\n'),
    ('a: x\n', SetValue(path=('a',), value='\u2028'), 'a: "\\u2028"\n'),
    ('a: x\n', SetValue(path=('a',), value='\ufeff'), 'a: "\\ufeff"\n'),
    ('a: 1\n', SetValue(path=('a',), value=1.5), 'a: 1.5\n'),
    ('a: 1\n', SetValue(path=('a',), value=float("inf")), 'a: .inf\n'),
    ('"a": 1\n', SetValue(path=('a',), value=2), '"a": 2\n'),
    ('a: |\n  x\n  y\nb: 1\n', SetValue(path=('a',), value='z'), 'a: z\nb: 1\n'),
    ('a: |+\n  x\n\n\nb: 2\n', SetValue(path=('a',), value='y'), 'a: "y"\n\n\nb: 2\n'),
    ('a: |+\n  x\n\n\n', SetValue(path=('b',), value='y'), 'a: |+\n  x\n\n\nb: "y"\n'),
    ('a:\n  b: |\n    x\n\n# c\n', SetValue(path=('a', 'c'), value='y'), 'a:\n  b: |\n    x\n  c: "y"\n\n# c\n'),
    ('a: |  # c\n  x\nb: 2\n', SetValue(path=('a',), value={'k': 1}), 'a:\n  k: 1\nb: 2\n'),
    ('a: &x\n', SetValue(path=('a',), value=5), 'a: &x 5\n'),
    ('a: &x # c\n', SetValue(path=('a',), value=5), 'a: &x 5 # c\n'),
    ('a: !!str\n', SetValue(path=('a',), value=5), 'a: 5\n'),
    ('a: !!str 1\n', SetValue(path=('a',), value=2), 'a: 2\n'),
    ('a: !!str 1\n', SetValue(path=('a',), value='2'), 'a: !!str "2"\n'),
    ('a: &x !!int 1\n', SetValue(path=('a',), value='s'), 'a: &x s\n'),
    ('a: &x  # c\n  b: 1\n', SetValue(path=('a',), value=5), 'a: &x 5  # c\n'),
    ('a: &x  # c\n  b: 1\n', SetValue(path=('a',), value={'k': 1}), 'a: &x  # c\n  k: 1\n'),
    ('a:\n  &x\n  b: 1\nc: *x\n', SetValue(path=('a',), value=5), 'a: &x 5\nc: *x\n'),
    ('a: {b: &x, c: 1}\n', SetValue(path=('a', 'b'), value=5), 'a: {b: &x 5, c: 1}\n'),
    ('k: &x\nb: *x\n', SetValue(path=('k', 'm'), value=1), 'k: &x\n  m: 1\nb: *x\n'),
    ('a: &x 1\nb: *x\n', SetValue(path=('a',), value={'k': 1}), 'a: &x\n  k: 1\nb: *x\n'),
    ('a: &x 1\nb: *x\n', SetValue(path=('b',), value=2), 'a: &x 1\nb: 2\n'),
    ('a:\n  b: 1\n  c: 2\nd: 3\n', SetValue(path=('a',), value=5), 'a: 5\nd: 3\n'),
    ('a:\n  b: 1\n  c: 2\nd: 3\n', SetValue(path=('a',), value={'x': {'y': 1}}), 'a:\n  x:\n    "y": 1\nd: 3\n'),
    ('a:\n  b: 1\n  c: 2\nd: 3\n', SetValue(path=('a',), value=[1, 2]), 'a:\n  - 1\n  - 2\nd: 3\n'),
    ('a:\n- 1\n- 2\nd: 3\n', SetValue(path=('a',), value=[3]), 'a:\n- 3\nd: 3\n'),
    ('a: # c\n  - 1\n  - 2\nb: 1\n', SetValue(path=('a',), value=5), 'a: 5 # c\nb: 1\n'),
    ('a: 1  # c\n', SetValue(path=('a',), value={'k': 1}), 'a:  # c\n  k: 1\n'),
    ('a:\n  b: 1 # end', SetValue(path=('a', 'b'), value={'x': 1}), 'a:\n  b: # end\n    x: 1'),
    ('a:\n  b: 1\n', SetValue(path=('a',), value={}), 'a: {}\n'),
    ('a: [1, 2]\n', SetValue(path=('a', 1), value=5), 'a: [1, 5]\n'),
    ('a: [1, 2]\n', SetValue(path=('a',), value=[3, 4]), 'a:\n  - 3\n  - 4\n'),
    ("c: ['', {}, 0]\n", SetValue(path=('c', 2), value='0:N'), 'c: [\'\', {}, "0:N"]\n'),
    ('c: [1]\n', SetValue(path=('c', 0), value='x?y'), 'c: ["x?y"]\n'),
    ('a:\n- 1\n', SetValue(path=('a', 0), value={'k': [1, 2]}), 'a:\n- {k: [1, 2]}\n'),
    ('a: {b: 1}\n', SetValue(path=('a', 'c'), value=2), 'a: {b: 1, c: 2}\n'),
    ('a: {b: 1}\n', SetValue(path=('a', 'c', 'd'), value=2), 'a: {b: 1, c: {d: 2}}\n'),
    ('a: {x: 1, }\n', SetValue(path=('a', 'z'), value=3), 'a: {x: 1, z: 3 }\n'),
    ('a: {x: }\n', SetValue(path=('a', 'z'), value=3), 'a: {x: , z: 3 }\n'),
    ('a: {x}\n', SetValue(path=('a', 'z'), value=3), 'a: {x, z: 3}\n'),
    ('a: {x: 1 # c\n}\n', SetValue(path=('a', 'z'), value=3), 'a: {x: 1, z: 3 # c\n}\n'),
    ('a: {\n  x: 1\n}\n', SetValue(path=('a', 'z'), value=3), 'a: {\n  x: 1, z: 3\n}\n'),
    ('a: {}\n', SetValue(path=('a', 'c', 'd'), value=2), 'a:\n  c:\n    d: 2\n'),
    ('a: {}  # comment\n', SetValue(path=('a', 'c'), value=2), 'a:  # comment\n  c: 2\n'),
    ('a: { }\n', SetValue(path=('a', 'z'), value=3), 'a:\n  z: 3\n'),
    ('a:\n', SetValue(path=('a', 'b'), value=True), 'a:\n  b: true\n'),
    ('a: ~\n', SetValue(path=('a', 'b'), value=True), 'a:\n  b: true\n'),
    ('a: null # x\n', SetValue(path=('a', 'b'), value=True), 'a: # x\n  b: true\n'),
    ('a: 1', SetValue(path=('b',), value=True), 'a: 1\nb: true'),
    ('a:\n  b: 1\n  # about c\nc: 2\n', SetValue(path=('a', 'new'), value=True), 'a:\n  b: 1\n  new: true\n  # about c\nc: 2\n'),
    ('a:\n  b: 1\n    # deeper comment\nc: 2\n', SetValue(path=('a', 'new'), value=True), 'a:\n  b: 1\n    # deeper comment\n  new: true\nc: 2\n'),
    ('a:\n  - x: 1\n    y: 2\n', SetValue(path=('a', 0, 'z'), value=3), 'a:\n  - x: 1\n    y: 2\n    z: 3\n'),
    ('a:\n- {}\n- 1\n', SetValue(path=('a', 0, 'k', 'j'), value=1), 'a:\n- {k: {j: 1}}\n- 1\n'),
    ('a: [{}]\n', SetValue(path=('a', 0, 'k'), value=1), 'a: [{k: 1}]\n'),
    ('a: 1\r\nb:\r\n  c: 2\r\n', SetValue(path=('b', 'd', 'e'), value=3), 'a: 1\r\nb:\r\n  c: 2\r\n  d:\r\n    e: 3\r\n'),
    ('', SetValue(path=('b', 'c'), value=3), 'b:\n  c: 3\n'),
    ('# only\n', SetValue(path=('b', 'c'), value=3), '# only\nb:\n  c: 3\n'),
    ('---\na: 1\n...\n', SetValue(path=('b',), value=3), '---\na: 1\nb: 3\n...\n'),
    ('? a\n: 1\n', SetValue(path=('b',), value=2), '? a\n: 1\nb: 2\n'),
    ('a:\n    b: 1\nc:\n    - 1\n', SetValue(path=('d', 'e'), value=1), 'a:\n    b: 1\nc:\n    - 1\nd:\n    e: 1\n'),
    ('l:\n    - 1\n', SetValue(path=('d', 'e'), value=1), 'l:\n    - 1\nd:\n    e: 1\n'),
    ('a: x\n', SetValue(path=('key with: colon',), value=1), 'a: x\n"key with: colon": 1\n'),
    ('a: x\n', SetValue(path=('y',), value=1), 'a: x\n"y": 1\n'),
    ('a:\n  b:\n    x: 1\n', Delete(path=('a', 'b', 'x'), prune=True), ''),
    ('a:\n  b:\n    x: 1\n  c: 2\n', Delete(path=('a', 'b', 'x'), prune=True), 'a:\n  c: 2\n'),
    ('a:\n  b:\n    x: 1\n  c: 2\n', Delete(path=('a', 'b', 'x'), prune=False), 'a:\n  b: {}\n  c: 2\n'),
    ('a: {x: 1, w: 2}\n', Delete(path=('a', 'x'), prune=False), 'a: {w: 2}\n'),
    ('a: {x: 1, w: 2}\n', Delete(path=('a', 'w'), prune=False), 'a: {x: 1}\n'),
    ('a: {x: 1}\n', Delete(path=('a', 'x'), prune=False), 'a: {}\n'),
    ('a: [1, 2, 3]\n', Delete(path=('a', 1), prune=False), 'a: [1, 3]\n'),
    ('a:\n  - 1\n  - 2\n', Delete(path=('a', 0), prune=False), 'a:\n  - 2\n'),
    ('a:\n- 1\n', Delete(path=('a', 0), prune=False), 'a: []\n'),
    ('a: {b: &x, c: 1}\n', Delete(path=('a', 'b'), prune=False), 'a: {c: 1}\n'),
    ('a: |\n  x\n', Delete(path=('a',), prune=False), ''),
    ("a: 'multi\n  line'\nb: 1\n", Delete(path=('a',), prune=False), 'b: 1\n'),
    ('a:\n  x: [1,\n    2]\n  w: 2\n', Delete(path=('a', 'x'), prune=False), 'a:\n  w: 2\n'),
    ('a: 1\nb: 2', Delete(path=('b',), prune=False), 'a: 1'),
    ('a: 1\r\nb: 2', Delete(path=('b',), prune=False), 'a: 1'),
    ('a: 1\n', Delete(path=('a',), prune=True), ''),
    ('a: &x\n  b: 1\nc: *x\n', Delete(path=('a', 'b'), prune=False), 'a: &x {}\nc: *x\n'),
    ('a: &x [1, 2]\nc: *x\n', Delete(path=('a', 0), prune=False), 'a: &x [2]\nc: *x\n'),
    # the anchor on the key line, the value on the next (the Astronomer chart's tolerations: &platformTolerations)
    ("t: &pt\n  []\nu: *pt\n", SetValue(path=("t",), value=2379), "t: &pt\n  2379\nu: *pt\n"),
    ("t: &pt\n  []\nu: *pt\n", SetValue(path=("t",), value=""), 't: &pt\n  ""\nu: *pt\n'),
    ("t: &pt # c\n  [1]\n", SetValue(path=("t",), value=5), "t: &pt # c\n  5\n"),
    ("t: !!seq\n  [1]\n", SetValue(path=("t",), value=5), "t: 5\n"),
    # a comment may touch a flow collection or a quoted scalar (`{}#c`), never a plain scalar: a space goes in
    ("a: 1\naffinity: {}#\n", SetValue(("affinity", "0"), None), 'a: 1\naffinity: #\n  "0": null\n'),
    ("a: 1\naffinity: {}#", SetValue(("affinity",), {"x": 1}), "a: 1\naffinity: #\n  x: 1"),
    ("a: 1\naffinity: []#\n", SetValue(("affinity",), 5), "a: 1\naffinity: 5 #\n"),
    ("a: 'x'#c\n", SetValue(("a",), 5), "a: 5 #c\n"),
    ("a: [1, 'x'#c\n  ]\n", SetValue(("a", 1), 5), "a: [1, 5 #c\n  ]\n"),
    ("a: {b: 'x'#c\n  }\n", SetValue(("a", "c"), 5), "a: {b: 'x', c: 5 #c\n  }\n"),
    ("a:\n  - 'x'#c\n", SetValue(("a", 0), {"k": 1}), "a:\n  - {k: 1} #c\n"),
    ("a: &q 'x'#c\nb: *q\n", SetValue(("a",), {"k": 1}), "a: &q #c\n  k: 1\nb: *q\n"),
    # after a keep block scalar (|+), the blank lines that followed a removed entry would join its value
    ("b:\n  g: |+\n    abc\n  c: ''\n\n  d: ''\n", Delete(path=("b", "c"), prune=False), "b:\n  g: |+\n    abc\n  d: ''\n"),
    ("g: |+\n  abc\nc: 1\n\n\n# about d\nd: 2\n", Delete(path=("c",), prune=False), "g: |+\n  abc\n# about d\nd: 2\n"),
    ("g: |\n  abc\nc: 1\n\nd: 2\n", Delete(path=("c",), prune=False), "g: |\n  abc\n\nd: 2\n"),
    ('base: &b\n  x: 1\nsvc:\n  <<: *b\n  w: 2\n', SetValue(path=('base', 'x'), value=5), 'base: &b\n  x: 5\nsvc:\n  <<: *b\n  w: 2\n'),
    ('base: &b\n  x: 1\nsvc:\n  <<: *b\n  w: 2\n', SetValue(path=('svc', 'x'), value=5), 'base: &b\n  x: 1\nsvc:\n  <<: *b\n  w: 2\n  x: 5\n'),
    ('base: &b\n  x: 1\nsvc:\n  <<: *b\n  w: 2\n', Delete(path=('base', 'x'), prune=False), 'base: &b {}\nsvc:\n  <<: *b\n  w: 2\n'),
]
# fmt: on


@pytest.mark.parametrize(("source", "edit", "expected"), CASES, ids=[f"{i}" for i in range(len(CASES))])
def test_edit(source: str, edit: Edit, expected: str) -> None:
    doc = load_text(source, "v.yaml")
    before = (doc.text, repr(doc.data))
    result = apply_edits(doc, [edit])
    assert result.new.text == expected
    assert (doc.text, repr(doc.data)) == before  # the old document is left as it was
    again = load_text(expected)
    if isinstance(edit, SetValue):
        got = again.get(edit.path)
        if isinstance(edit.value, float) and math.isinf(edit.value):
            assert got == edit.value
        else:
            assert type(got) is type(edit.value) and got == edit.value
    elif not isinstance(edit.path[-1], int):
        assert again.get(edit.path) is MISSING or "<<" in source


REFUSALS: list[tuple[str, Edit, str]] = [
    ("a: []\n", SetValue(("a", 0), 2), "cannot create a[0]: a has 0 item(s); index 0 is out of range; lists are not extended"),
    ("a: 1\n", SetValue(("a", "b"), True), "cannot create 'b' under a: it is an integer, not a mapping"),
    ("a: !!str\n", SetValue(("a", "n"), 1), "cannot create 'n' under a: it is a string, not a mapping"),
    ("a: {x: 1, y: 2}\n", Delete(("a", "y")), "a.y is not set"),  # `y` is the boolean true in YAML 1.1
    ("a:\n  - x: 1\n    w: 2\n", Delete(("a", 0, "x")), "cannot remove a[0].x: it starts a list item"),
    ("a: 1\n", SetValue(("a",), 10**30), "Helm reads integers as 64-bit numbers"),
    ("a: x\n", SetValue(("a",), "\ud800"), "not valid Unicode text"),
    ("a: x\n", SetValue(("a",), object()), "cannot write a value of type object"),
    ("a: &x 1\nb: *x\n", Delete(("a",)), "cannot remove a: it holds the anchor &x that the alias at line(s) 2 uses"),
    ("a: &x\n  k: &y 1\nb: *y\n", SetValue(("a",), 5), "cannot replace a: it holds the anchor &y"),
    ("a: &x\n  k: 1\nb: *x\n", SetValue(("b", "z"), 1), "b is an alias (*x); adding keys would change"),
    ("b: &b {x: 1}\nm:\n  <<: *b\n", SetValue(("m", "x", "deep"), 1), "m.x comes from an alias or merge key"),
    ("b: &b {x: 1}\nm:\n  x: 2\n  <<: *b\n", SetValue(("m", "x"), 5), "would not take effect: a merge key (<<) later"),
    ("ns: &ns {}\nx:\n  <<: *ns\n", SetValue(("ns",), 5), "cannot set ns: then a merge key (<<) needs a mapping or a list of mappings (line 3)"),
    ("a: 1\n", SetValue((), 1), "cannot edit the whole document"),
    ("a: 1\n", Delete(("b",)), "b is not set"),
    ("a:\n  b: 1\n  c: 2\n", Delete(("a", "b", "c")), "a.b is an integer, not a mapping"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "edit", "message"), REFUSALS)
def test_refusals(source: str, edit: Edit, message: str) -> None:
    doc = load_text(source, "v.yaml")
    with pytest.raises(KeyPathError) as info:
        apply_edits(doc, [edit])
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_edit_over_a_limit_is_refused_not_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from astro_config.document import reader as document

    doc = load_text("".join(f"k{i}: v\n" for i in range(10)))
    monkeypatch.setattr(document, "MAX_NODES", 22)
    with pytest.raises(KeyPathError, match="would be refused: more than 22 YAML nodes"):
        apply_edits(doc, [SetValue(("new", "deeper"), 1)])


def test_notes_for_shared_values() -> None:
    doc = load_text("a: &x\n  k: 1\nb: *x\nc:\n  <<: *x\n")
    result = apply_edits(doc, [SetValue(("a", "k"), 2)])
    assert result.notes == [
        "a.k is shared through an anchor: the change also applies to b.k",
        "a.k is merged elsewhere with <<: the change also applies to c.k",
    ]
    assert set(result.changed_paths) == {("a", "k"), ("b", "k"), ("c", "k")}
    assert result.new.data == {"a": {"k": 2}, "b": {"k": 2}, "c": {"k": 2}}
    result = apply_edits(doc, [SetValue(("b",), 5)])
    assert result.notes == ["b was an alias (*x); it now holds its own value"]


def test_several_edits_in_one_call() -> None:
    doc = load_text("global:\n  a: 1\n")
    result = apply_edits(
        doc,
        [SetValue(("global", "a"), 2), SetValue(("global", "b", "c"), True), Delete(("global", "a"))],
    )
    assert result.new.text == "global:\n  b:\n    c: true\n"
    assert result.changed and result.old is doc
    assert result.old_bytes == b"global:\n  a: 1\n"


def test_setting_the_same_value_changes_nothing() -> None:
    doc = load_text("a: 1 # c\nb: 'x'\n")
    result = apply_edits(doc, [SetValue(("a",), 1), SetValue(("b",), "x")])
    assert not result.changed and result.new is doc
    result = apply_edits(doc, [SetValue(("a",), True)])  # 1 and True are different values
    assert result.new.text == "a: true # c\nb: 'x'\n"


def test_bom_is_kept() -> None:
    doc = load_text("\ufeffa: 1\n")
    result = apply_edits(doc, [SetValue(("b",), 2)])
    assert result.new_bytes == b"\xef\xbb\xbfa: 1\nb: 2\n"


# --------------------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("hello", True), ("hello world", True), ("a.b/c-d_e", True), ("quay.io/astronomer/ap:1.0", True),
        ("", False), (" x", False), ("x ", False), ("on", False), ("No", False), ("y", False), ("~", False),
        ("null", False), ("0777", False), ("1e3", False), ("0x1F", False), ("1.5", False), (".inf", False),
        ("2024-01-01", False), ("1:20", False), ("<<", False), ("=", False), ("-x", False), ("a: b", False),
        ("a #b", False), ("a:", False), ("[x", False), ("x,y", False), ("*x", False), ("&x", False), ("!x", False),
        ("%x", False), ("@x", False), ("`x", False), ("'x", False), ('"x', False), ("a\tb", False), ("é", True),
        ("a\u00a0", False), ("?x", False), ("|", False), (">", False), ("#", False),
    ],
)  # fmt: skip
def test_plain_ok(value: str, ok: bool) -> None:
    assert plain_ok(value) is ok
    if ok:
        assert load_text(f"k: {value}\n").data == {"k": value}


@pytest.mark.parametrize("value", ["a:b", "x?y", "http://x"])
def test_plain_in_flow_context(value: str) -> None:
    assert plain_ok(value) and not plain_ok(value, flow=True)
    assert load_text(f"k: [{render_scalar(value, flow=True)}]\n").data == {"k": [value]}


@pytest.mark.parametrize(
    "value",
    ["", "x", "it's", 'say "hi"', "back\\slash", "tab\t", "nl\n", "\x00", "\x07", "\x7f", "\x85", "\x9f", "\u2028",
     "\u2029", "\ufeff", "\ufffe", "é中😀", "\u200b", "a\u00a0b"],
)  # fmt: skip
def test_double_quoted_round_trips(value: str) -> None:
    text = f"k: {double_quoted(value)}\n"
    text.encode("utf-8")
    assert load_text(text).data == {"k": value}


@pytest.mark.parametrize(
    ("value", "style", "text"),
    [
        (None, None, "null"), (True, None, "true"), (False, None, "false"), (7, None, "7"), (-7, None, "-7"),
        (2**64 - 1, None, "18446744073709551615"), (1.0, None, "1.0"), (1e16, None, "1e+16"),
        (-math.inf, None, "-.inf"), (math.nan, None, ".nan"), ("x", "'", "'x'"), ("it's", "'", "'it''s'"),
        ("a\tb", "'", '"a\\tb"'), ("x", '"', '"x"'), ("x", None, "x"), ("on", None, '"on"'),
    ],
)  # fmt: skip
def test_render_scalar(value: Any, style: str | None, text: str) -> None:
    assert render_scalar(value, style) == text
    back = load_text(f"k: {text}\n").data["k"]
    if isinstance(value, float) and math.isnan(value):
        assert math.isnan(back)
    else:
        assert type(back) is type(value) and back == value


def test_render_block_and_flow() -> None:
    value = {"a": {"b": [1, {"c": "x", "d": []}], "e": {}}, "on": "y"}
    assert render_block(value, 2, Style(indent=4, seq_offset=0)) == [
        "  a:",
        "      b:",
        "      - 1",
        "      - c: x",
        "        d: []",
        "      e: {}",
        '  "on": "y"',
    ]
    assert render_flow(value) == '{a: {b: [1, {c: x, d: []}], e: {}}, "on": "y"}'
    assert load_text("k: " + render_flow(value) + "\n").data == {"k": value}


@pytest.mark.parametrize(
    ("source", "indent", "seq_offset"),
    [
        ("a:\n  b: 1\n", 2, 2),
        ("a:\n    b: 1\nc:\n- 1\n", 4, 0),
        ("a:\n   b:\n      c: 1\n", 3, 3),
        ("l:\n    - 1\n", 4, 4),
        ("a: 1\n", 2, 2),
    ],
)
def test_detect_style(source: str, indent: int, seq_offset: int) -> None:
    assert detect_style(load_text(source)) == Style(indent=indent, seq_offset=seq_offset)


def test_changed_paths() -> None:
    assert changed_paths({"a": 1, "b": [1, 2]}, {"a": True, "b": [1, 3], "c": None}) in (
        [("a",), ("b", 1), ("c",)],
        [("c",), ("a",), ("b", 1)],
        [("a",), ("c",), ("b", 1)],
        [("b", 1), ("a",), ("c",)],
        [("b", 1), ("c",), ("a",)],
        [("c",), ("b", 1), ("a",)],
    )
    assert changed_paths([1], [1, 2]) == [()]
    assert changed_paths(1, 1.0) == [()]
    assert changed_paths(math.nan, math.nan) == []
    shared: dict[str, Any] = {"x": 1}
    assert changed_paths(shared, shared) == []


def test_untouched_lines_are_checked_around_every_splice() -> None:
    """The verification's line check: text outside the lines the splices touch must be the old text."""
    from astro_config.document.editing import Splice, _check_untouched_lines
    from astro_config.errors import VerificationError

    old = "a: 1\nb: 2\nc: 3\nd: 4\n"
    one, two = Splice(3, 4, "10"), Splice(18, 19, "40")
    good = "a: 10\nb: 2\nc: 3\nd: 40\n"
    _check_untouched_lines(old, good, [one, two], "v.yaml")
    _check_untouched_lines(old, "a: 10\nb: 2\nc: 3\nd: 4\n", [one], "v.yaml")
    for bad in ("a: 10\nb: 9\nc: 3\nd: 40\n", "a: 10\nb: 2\nc: 3\nd: 40\ne: 5\n", "a: 10\nc: 3\nd: 40\n"):
        with pytest.raises(VerificationError, match="outside the edited lines"):
            _check_untouched_lines(old, bad, [one, two], "v.yaml")
    with pytest.raises(VerificationError, match="outside the edited lines 1-1"):
        _check_untouched_lines(old, "a: 10\nb: 2\nc: 3\nd: 4\nx\n", [one], "v.yaml")


@pytest.mark.parametrize(
    ("text", "edits", "batched"),
    [
        # aliases elsewhere: the two values are set and verified at once
        ("a: &x {k: 1}\nb: *x\nc: 1\nd: 1\n", [(("c",), 2), (("d",), 3)], True),
        # an edit of an anchored scalar changes its alias site too: not the expected data, so one by one
        ("a: &x 1\nb: *x\nc: 1\n", [(("a",), 5), (("c",), 2)], False),
        # inside an anchored mapping the expected data shares the mapping with its alias site (as the file
        # does), so the change there is expected, as the one-by-one verification allows it: at once
        ("a: &x {k: 1}\nb: *x\nc: 1\n", [(("a", "k"), 5), (("c",), 2)], True),
    ],
)
def test_several_sets_in_a_file_with_aliases(
    monkeypatch: pytest.MonkeyPatch, text: str, edits: list[tuple[tuple[str, ...], int]], batched: bool
) -> None:
    doc = load_text(text, "v.yaml")
    sequential = doc
    for path, value in edits:
        sequential = editing.apply_edits(sequential, [editing.SetValue(path, value)]).new
    parses: list[str] = []
    real = editing.load_text

    def counting(new_text: str, *args: Any, **kwargs: Any) -> Any:
        parses.append(new_text)
        return real(new_text, *args, **kwargs)

    monkeypatch.setattr(editing, "load_text", counting)
    together = editing.apply_edits(doc, [editing.SetValue(p, v) for p, v in edits])
    assert together.new.text == sequential.text  # the same file either way
    assert together.new.data == sequential.data
    assert (len(parses) == 1) is batched, parses  # batched: one parse for both edits
