"""The values document: Helm (go-yaml v2, YAML 1.1) typing, positions, loading and its limits."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest

from astro_config.document import reader as document
from astro_config.document.reader import (
    MISSING,
    describe_missing,
    encode,
    helm_scalar,
    iter_scalars,
    load_bytes,
    load_file,
    load_text,
    read_bytes,
    type_name,
)
from astro_config.errors import InputError

# --------------------------------------------------------------------------------------------------------------
# Typing of plain scalars, as go-yaml v2 resolves them for Helm
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("nULL", "nULL"),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("yes", True),
        ("Yes", True),
        ("on", True),
        ("ON", True),
        ("y", True),
        ("Y", True),
        ("false", False),
        ("no", False),
        ("off", False),
        ("Off", False),
        ("n", False),
        ("N", False),
        ("oN", "oN"),
        ("0", 0),
        ("-0", 0),
        ("+12", 12),
        ("-12", -12),
        ("1_000", 1000),
        ("0777", 511),  # a leading 0 is octal in YAML 1.1
        ("0o17", 15),
        ("0x1F", 31),
        ("0b101", 5),
        ("08", 8.0),  # not octal: go-yaml falls back to a float
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", 2**63),  # fits an unsigned 64-bit integer
        ("18446744073709551616", 1.8446744073709552e19),  # too big for any integer: a float
        ("-9223372036854775809", -9.223372036854776e18),
        ("1.5", 1.5),
        ("1.", 1.0),
        (".5", 0.5),
        ("-.5", -0.5),
        ("1e3", 1000.0),
        ("1E-2", 0.01),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("+.INF", math.inf),
        ("1:20", "1:20"),  # no sexagesimal numbers
        ("2024-01-01", "2024-01-01"),  # timestamps stay strings in interface{}
        ("0.9.2", "0.9.2"),
        ("1Gi", "1Gi"),
        ("500m", "500m"),
        ("<<", "<<"),
        ("-", "-"),
        ("+", "+"),
        (".", "."),
        ("1_", 1),
        ("hello world", "hello world"),
        # out of float64 range: Go's ParseFloat fails, so go-yaml keeps the text (checked with helm 3.17)
        ("1e999", "1e999"),
        ("-1e999", "-1e999"),
        ("1e308", 1e308),
        ("0b", "0b"),
        ("2001-13-14", "2001-13-14"),
        ("1.5e+3", 1500.0),
        # non-ASCII letters are not digits (found by fuzzing: "İ".lower() is two characters)
        ("1\u0130", "1\u0130"),
        ("-\u0130", "-\u0130"),
        ("0x\u0130", "0x\u0130"),
        ("1\u0661", "1\u0661"),  # an Arabic-Indic digit
    ],
)
def test_helm_scalar(text: str, expected: Any) -> None:
    got = helm_scalar(text)
    assert type(got) is type(expected)
    assert got == expected


def test_helm_scalar_nan() -> None:
    for text in (".nan", ".NaN", ".NAN"):
        value = helm_scalar(text)
        assert isinstance(value, float) and math.isnan(value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a: '0777'", "0777"),
        ('a: "true"', "true"),
        ("a: 'yes'", "yes"),
        ("a: !!str 012", "012"),
        ("a: !!int '12'", 12),
        ("a: !!float 1", 1.0),
        ("a: !!bool yes", True),
        ("a: !!null ''", None),
        ("a: !!binary aGk=", "hi"),  # decoded, as Helm reads it (issue 14)
        ("a: !custom 7", "7"),
        ("a: |\n  x\n  y\n", "x\ny\n"),
        ("a: >-\n  x\n  y\n", "x y"),
        ("a: |-\n  0777\n", "0777"),
        ('a: "\\t\\u00e9"', "\té"),
        ("a:", None),
        ("a: []", []),
        ("a: {}", {}),
    ],
)
def test_value_typing(source: str, expected: Any) -> None:
    value = load_text(source + "\n").data["a"]
    assert type(value) is type(expected)
    assert value == expected


def test_keys_are_strings_as_helm_reads_them() -> None:
    doc = load_text("1: a\ntrue: b\n~: c\n1.5: d\n1e3: e\n0x10: f\n'x y': g\n")
    assert doc.data == {"1": "a", "true": "b", "null": "c", "1.5": "d", "1000": "e", "16": "f", "x y": "g"}


def test_yaml11_key_y_is_true() -> None:
    # go-yaml v2 reads a plain `y` key as the boolean true: Helm sees the key "true"
    assert load_text("y: 1\n").data == {"true": 1}
    assert load_text("'y': 1\n").data == {"y": 1}


# --------------------------------------------------------------------------------------------------------------
# Anchors, aliases and merge keys
# --------------------------------------------------------------------------------------------------------------


def test_aliases_share_their_target() -> None:
    doc = load_text("a: &x\n  k: 1\nb: *x\n")
    assert doc.data == {"a": {"k": 1}, "b": {"k": 1}}
    assert doc.data["a"] is doc.data["b"]
    assert doc.alias_sites(("a", "k")) == [("b", "k")]
    assert doc.alias_sites(("b",)) == []


def test_merge_keys_follow_go_yaml_v2_order() -> None:
    # an explicit key after << wins; one before it loses (go-yaml v2 sets the merged keys where << stands)
    assert load_text("b: &b {x: 1, w: 2}\nm:\n  <<: *b\n  x: 9\n").data["m"] == {"x": 9, "w": 2}
    assert load_text("b: &b {x: 1, w: 2}\nm:\n  x: 9\n  <<: *b\n").data["m"] == {"x": 1, "w": 2}
    # in a list of sources the earlier one wins
    text = "p: &p {x: 1}\nq: &q {x: 2, z: 3}\nm:\n  <<: [*p, *q]\n"
    assert load_text(text).data["m"] == {"x": 1, "z": 3}
    # merged values are not deep-merged
    assert load_text("b: &b {k: {u: 1}}\nm:\n  <<: *b\n  k: {v: 2}\n").data["m"] == {"k": {"v": 2}}


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    assert load_text("'<<': {a: 1}\n").data == {"<<": {"a": 1}}


@pytest.mark.parametrize(
    ("source", "where", "message"),
    [
        ("x: &a [1]\nb:\n  <<: *a\n", (3, 7), "a merge key (<<) needs a mapping"),
        ("b:\n  <<: 3\n", (2, 7), "a merge key (<<) needs a mapping"),
        ("a: *x\n", (1, 4), "alias *x refers to no anchor defined before it"),
        ("a: &x [*x]\n", (1, 8), "alias *x refers to no anchor defined before it"),
        ("[1]: 2\n", (1, 1), "complex (mapping or list) keys are not supported"),
        ("a: &x [1]\n*x : 2\n", (2, 1), "complex (mapping or list) keys are not supported"),
    ],
)
def test_anchor_errors(source: str, where: tuple[int, int], message: str) -> None:
    with pytest.raises(InputError) as info:
        load_text(source, "f.yaml")
    assert (info.value.line, info.value.column) == where
    assert message in info.value.message


# --------------------------------------------------------------------------------------------------------------
# Document shape
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["", "\n", "---\n", "---\n...\n", "# only a comment\n", "~\n", "null\n", "  \n\n"])
def test_empty_documents_are_empty_mappings(source: str) -> None:
    doc = load_text(source)
    assert doc.data == {}
    assert doc.root is None


@pytest.mark.parametrize(
    ("source", "where", "message"),
    [
        ("- 1\n", (1, 1), "the top level is a list"),
        ("hello\n", (1, 1), "the top level is a single value"),
        ("# c\n'x'\n", (2, 1), "the top level is a single value"),
        ("a: 1\n---\nb: 2\n", (2, 1), "more than one YAML document"),
        ("a: 1\nb: 2\na: 3\n", (3, 1), "duplicate key 'a' (first at line 1, again at line 3"),
        ("a: {b: 1, b: 2}\n", (1, 11), "duplicate key 'b'"),
        ("1: a\n'1': b\n", (2, 1), "duplicate key '1'"),
        ("a:\n\tb: 1\n", (2, 1), "tab character used for indentation"),
        ("a:\n  b: 1\n\tc: 2\n", (3, 1), "tab character used for indentation"),
        ("a: [1, 2\n", (2, 1), "YAML syntax error: did not find expected ',' or ']'"),
        ("a: b: c\n", (1, 5), "mapping values are not allowed"),
        ("a: @x\n", (1, 4), "cannot start any token"),
        ("a: 1\rb: 2\n", (1, 5), "a carriage return without a line feed is a line break in YAML"),
        ("a: 1 # \u2028b: 2\n", (1, 8), "U+2028 (LINE SEPARATOR) is a line break in YAML"),
        ("a: x\x85y\n", (1, 5), "U+0085 (NEXT LINE)"),
        ("a: '\u2029'\n", (1, 5), "U+2029 (PARAGRAPH SEPARATOR)"),
    ],
)
def test_input_errors_have_positions(source: str, where: tuple[int, int], message: str) -> None:
    with pytest.raises(InputError) as info:
        load_text(source, "f.yaml")
    err = info.value
    assert (err.line, err.column) == where, str(err)
    assert message in err.message
    assert str(err).startswith(f"f.yaml:{where[0]}:{where[1]}: ")
    assert "\n" not in str(err)


def test_crlf_and_bom_are_kept() -> None:
    raw = b"\xef\xbb\xbfa: 1\r\nb:\r\n  c: 2\r\n"
    doc = load_bytes(raw, "f.yaml")
    assert doc.bom and doc.newline == "\r\n"
    assert doc.text == raw[3:].decode()
    assert doc.lines == ["a: 1", "b:", "  c: 2"]
    assert encode(doc.text, doc.bom) == raw
    assert doc.locate(("b", "c")) == (3, 3)


def test_bom_in_text() -> None:
    doc = load_text("\ufeffa: 1\n")
    assert doc.bom and doc.text == "a: 1\n" and doc.data == {"a": 1}


def test_only_one_bom_is_taken() -> None:
    raw = b"\xef\xbb\xbf\xef\xbb\xbf"
    doc = load_bytes(raw, "f.yaml")
    assert doc.bom and doc.text == "\ufeff"
    assert encode(doc.text, doc.bom) == raw


def test_lines_without_final_newline() -> None:
    assert load_text("a: 1\nb: 2").lines == ["a: 1", "b: 2"]
    assert load_text("a: 1\n\n").lines == ["a: 1", ""]
    assert load_text("").lines == []


# --------------------------------------------------------------------------------------------------------------
# Positions and lookups
# --------------------------------------------------------------------------------------------------------------

SAMPLE = """\
# comment
global:
  baseDomain: example.com   # trailing
  list:
    - a
    - name: b
      value: 2
  flow: {x: 1, "y": [1, 2]}
  empty:
quoted: "q"
"""


@pytest.mark.parametrize(
    ("path", "key_at", "value_at"),
    [
        (("global",), (2, 1), (3, 3)),
        (("global", "baseDomain"), (3, 3), (3, 15)),
        (("global", "list"), (4, 3), (5, 5)),
        (("global", "list", 0), (5, 7), (5, 7)),
        (("global", "list", 1, "value"), (7, 7), (7, 14)),
        (("global", "flow", "x"), (8, 10), (8, 13)),
        (("global", "flow", "y", 1), (8, 25), (8, 25)),
        (("global", "empty"), (9, 3), (9, 9)),
        (("quoted",), (10, 1), (10, 9)),
    ],
)
def test_locate(path: tuple[Any, ...], key_at: tuple[int, int], value_at: tuple[int, int]) -> None:
    doc = load_text(SAMPLE)
    assert doc.locate(path) == key_at
    assert doc.value_location(path) == value_at


def test_lookups() -> None:
    doc = load_text(SAMPLE)
    assert doc.get(("global", "list", 1, "name")) == "b"
    assert doc.get(("global", "nope")) is MISSING
    assert doc.get(("global", "list", 9)) is MISSING
    assert doc.get(("global", "list", "x")) is MISSING
    assert doc.get(("quoted", 0), default=None) is None
    assert doc.has(("global", "empty")) and not doc.has(("nope",))
    assert doc.locate(("global", "nope")) is None
    assert doc.value_location(("nope",)) is None
    assert doc.locate_nearest(("global", "flow", "z", "w")) == (("global", "flow"), (8, 3))
    assert doc.locate_nearest(("nope", "x")) is None
    assert doc.scalar_source(("quoted",)) == '"q"'
    assert doc.scalar_source(("global",)) is None
    assert doc.node_style(("global", "flow")) == "flow"
    assert doc.node_style(("global",)) == "block"
    assert doc.node_style(("nope",)) is None
    entry = doc.entry(("global", "baseDomain"))
    assert entry is not None and entry.key is not None
    assert doc.text[entry.key.start : entry.key.end] == "baseDomain"
    assert doc.text[entry.value.start : entry.value.end] == "example.com"
    assert [p for p, _ in iter_scalars(doc, ("global", "list"))] == [
        ("global", "list", 0),
        ("global", "list", 1, "name"),
        ("global", "list", 1, "value"),
    ]


def test_spans_cover_the_source_exactly() -> None:
    doc = load_text(SAMPLE)
    for path, entry in doc.index.items():
        node = entry.value
        if node.kind == "scalar" and node.style in ("", "'", '"') and node.value:
            src = doc.text[node.start : node.end]
            assert src.strip() == src, path
            if node.style == "":
                assert src == node.value


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("nope",), "nope is not set"),
        (("global", "baseDomain", "x"), "global.baseDomain is a string, not a mapping"),
        (("global", "list", 7), "global.list has 2 item(s); index 7 is out of range"),
        (("global", 0), "global is not a list"),
        (("global", "flow", "z"), "global.flow.z is not set"),
    ],
)
def test_describe_missing(path: tuple[Any, ...], message: str) -> None:
    assert describe_missing(load_text(SAMPLE), path) == message


@pytest.mark.parametrize(
    ("value", "name"),
    [(None, "null"), (True, "a boolean"), (1, "an integer"), (1.5, "a number"), ("s", "a string"), ([], "a list"),
     ({}, "a mapping")],
)  # fmt: skip
def test_type_name(value: Any, name: str) -> None:
    assert type_name(value) == name


# --------------------------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------------------------


def test_nesting_limit() -> None:
    ok = "a: " + "[" * 150 + "]" * 150 + "\n"
    assert load_text(ok).data
    for deep in ("a: " + "[" * 5000 + "]" * 5000 + "\n", "a: " + "{b: " * 300 + "1" + "}" * 300 + "\n"):
        with pytest.raises(InputError, match=f"nesting deeper than {document.MAX_DEPTH} levels") as info:
            load_text(deep, "f.yaml")
        assert info.value.line == 1


def test_block_nesting_limit() -> None:
    lines = [" " * i + f"k{i}:" for i in range(400)]
    with pytest.raises(InputError, match="nesting deeper than"):
        load_text("\n".join(lines) + " 1\n")


def test_node_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_NODES", 100)
    load_text("".join(f"k{i}: v\n" for i in range(49)))  # 98 nodes + the root
    with pytest.raises(InputError, match="more than 100 YAML nodes") as info:
        load_text("".join(f"k{i}: v\n" for i in range(60)), "f.yaml")
    assert (info.value.line, info.value.column) == (50, 6)  # the 101st node


def test_alias_bomb_is_refused_while_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ['a0: &a0 ["lol"]'] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    calls: list[Any] = []
    monkeypatch.setattr(document, "to_plain", lambda *a, **k: calls.append(a))
    with pytest.raises(InputError, match="aliases expand to more than 250,000 nodes") as info:
        load_text("\n".join(lines) + "\n", "bomb.yaml")
    assert (info.value.line, info.value.column) == (7, 5)  # a6 would expand to ~2 million nodes
    assert calls == []  # refused before anything walked the tree


def test_alias_expansion_within_limits_is_fine() -> None:
    lines = ['a0: &a0 ["lol"]'] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 4)]
    doc = load_text("\n".join(lines) + "\n")
    assert len(doc.data["a3"]) == 10


def test_line_length_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_LINE_CHARS", 50)
    load_text("a: " + "x" * 47 + "\n")
    with pytest.raises(InputError, match="line longer than 50 characters") as info:
        load_text("a: 1\nb: " + "x" * 48 + "\n", "f.yaml")
    assert (info.value.line, info.value.column) == (2, 1)


# --------------------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------------------


def test_load_file(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"\xef\xbb\xbfa: 1\r\n")
    doc = load_file(f)
    assert doc.name == str(f) and doc.path == f and doc.raw == f.read_bytes()
    assert doc.stat_key is not None and doc.stat_key[0] == 9
    assert load_file(f, name="shown.yaml").name == "shown.yaml"


@pytest.mark.parametrize(
    ("raw", "where", "message"),
    [
        (b"a: 1\nb: \x00\n", (2, 4), "binary file: NUL byte"),
        (b"a: 1\nb: caf\xe9\n", (2, 7), "invalid UTF-8 (byte 0xe9)"),
        (b"a: \xc3\xa9\xff\n", (1, 5), "invalid UTF-8 (byte 0xff)"),
    ],
)
def test_bytes_errors(raw: bytes, where: tuple[int, int], message: str) -> None:
    with pytest.raises(InputError) as info:
        load_bytes(raw, "f.yaml")
    assert (info.value.line, info.value.column) == where
    assert message in info.value.message


def test_read_bytes_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_bytes(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match="is a directory"):
        read_bytes(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"is a FIFO that nothing wrote to \(no writer within 0.5 s\)"):
        read_bytes(fifo)  # nobody writes: refused after a short wait, never a hang
    with pytest.raises(InputError, match="is a device or special file"):
        read_bytes("/dev/null")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * 10)
    with pytest.raises(InputError, match="file is 50 bytes, over the 49-byte limit"):
        read_bytes(big, max_bytes=49)
    assert read_bytes(big, max_bytes=50) == b"a: 1\n" * 10
    with pytest.raises(InputError, match=r"not a regular file|cannot read|no such file"):
        read_bytes(tmp_path / "missing" / "x.yaml")


def test_read_bytes_is_bounded_when_the_file_grows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"a: 1\n")
    real_stat = Path.stat

    def small_stat(self: Path, *args: Any, **kwargs: Any) -> os.stat_result:
        st = real_stat(self, *args, **kwargs)
        if self == f:
            return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 1, 0, 0, 0))
        return st

    monkeypatch.setattr(Path, "stat", small_stat)
    with pytest.raises(InputError, match="grew past the 4-byte limit"):
        read_bytes(f, max_bytes=4)


def test_line_count_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_LINES", 10)
    load_text("a: 1\n" + "#\n" * 8)  # 10 lines (the last one empty)
    with pytest.raises(InputError, match="more than 10 lines") as info:
        load_text("a: 1\n" + "#\n" * 9, "f.yaml")
    assert info.value.line is None


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_long_lines_found_across_chunks(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """The line-length check reads the text a chunk at a time; a line may span chunks."""
    import random

    monkeypatch.setattr(document, "_LINE_CHUNK", chunk)
    monkeypatch.setattr(document, "MAX_LINE_CHARS", 6)
    rnd = random.Random(chunk)
    for _ in range(300):
        lines = ["#" + "x" * rnd.randint(0, 7) for _ in range(rnd.randint(1, 6))]
        text = "\n".join(lines) + rnd.choice(["", "\n"])
        longest = next((i for i, line in enumerate(text.split("\n")) if len(line) > 6), None)
        if longest is None:
            load_text(text)
        else:
            with pytest.raises(InputError, match="line longer than 6 characters") as info:
                load_text(text)
            assert info.value.line == longest + 1


@pytest.mark.parametrize(
    ("source", "where", "char"),
    [("a: 1\nb: \x01x\n", (2, 4), "U+0001"), ("a: \x7f\n", (1, 4), "U+007F"), ("a: \ufffe\n", (1, 4), "U+FFFE")],
)
def test_characters_yaml_does_not_allow(source: str, where: tuple[int, int], char: str) -> None:
    with pytest.raises(InputError) as info:
        load_text(source, "f.yaml")
    assert (info.value.line, info.value.column) == where
    assert info.value.message.startswith(f"character {char} is not allowed in YAML")
    assert "\n" not in str(info.value)


def test_limit_errors_are_limit_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from astro_config.document.reader import LimitError

    monkeypatch.setattr(document, "MAX_NODES", 5)
    with pytest.raises(LimitError):
        load_text("a: 1\nb: 2\nc: 3\n")
    with pytest.raises(LimitError):
        load_text("a: " + "[" * 300 + "]" * 300 + "\n")
