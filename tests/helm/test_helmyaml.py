"""Helm's YAML 1.1 reading and its toYaml/toJson printing."""

from __future__ import annotations

import math

import pytest

from astro_config.errors import InputError
from astro_config.helm import helmyaml


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", True),
        ("Yes", True),
        ("YES", True),
        ("y", True),
        ("Y", True),
        ("on", True),
        ("ON", True),
        ("no", False),
        ("N", False),
        ("off", False),
        ("Off", False),
        ("false", False),
        ("FALSE", False),
        ("yES", "yES"),
        ("tRue", "tRue"),
        ("", None),
        ("~", None),
        ("Null", None),
        ("nULL", "nULL"),
        ("0777", 511),
        ("0o17", 15),
        ("0x1F", 31),
        ("0X1f", 31),
        ("0b101", 5),
        ("-0b11", -3),
        ("1_000", 1000),
        ("0x_1F", 31),
        ("-012", -10),
        ("+12", 12),
        ("09", 9.0),
        ("0", 0),
        ("-0", 0),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("+.5e-3", 0.0005),
        ("5.", 5.0),
        ("1e", "1e"),
        ("1e400", "1e400"),
        ("1:30", "1:30"),
        ("2001-12-14", "2001-12-14"),
        ("0x", "0x"),
        ("18446744073709551615", 18446744073709551615),
        ("<<", "<<"),
        ("-.inf2", "-.inf2"),
    ],
)
def test_resolve_like_go_yaml_v2(text: str, value: object) -> None:
    _, got = helmyaml.resolve(text)
    assert got == value
    assert type(got) is type(value)


def test_resolve_specials() -> None:
    assert helmyaml.resolve(".inf") == (helmyaml.FLOAT, math.inf)
    assert helmyaml.resolve("2001-12-14")[0] == helmyaml.TIMESTAMP
    assert helmyaml.resolve("2001-13-14")[0] == helmyaml.STR
    assert helmyaml.resolve("12", helmyaml.FLOAT) == (helmyaml.FLOAT, 12.0)
    with pytest.raises(ValueError):
        helmyaml.resolve("abc", helmyaml.INT)


@pytest.mark.parametrize(
    ("value", "json_text", "yaml_text", "template"),
    [
        (1000000, "1000000", "1000000", "1e+06"),
        (1e20, "100000000000000000000", "1e+20", "1e+20"),
        (1e21, "1e+21", "1e+21", "1e+21"),
        (123456789.123, "123456789.123", "1.23456789123e+08", "1.23456789123e+08"),
        (0.0005, "0.0005", "0.0005", "0.0005"),
        (1e-7, "1e-7", "1e-07", "1e-07"),
        (1.0, "1", "1", "1"),
        (-0.0, "-0", "0", "-0"),
        (float(2**63 - 1), "9223372036854776000", "9223372036854776000", "9.223372036854776e+18"),
    ],
)
def test_number_printing(value: float, json_text: str, yaml_text: str, template: str) -> None:
    assert helmyaml.go_json_number(value) == json_text
    assert helmyaml.to_yaml({"x": value}) == f"x: {yaml_text}\n"
    assert helmyaml.template_text(value) == template


def test_load_types_keys_and_positions() -> None:
    text = "a:\n  on: yes\n  n: 0777\n  1.5: x\nlist:\n  - 1\n  - two\nbig: 12345678901234567890\n"
    hv = helmyaml.load(text, "v.yaml")
    assert hv.data == {"a": {"true": True, "false": 511, "1.5": "x"}, "list": [1, "two"], "big": 12345678901234567890.0}
    assert isinstance(hv.data["big"], float)
    assert hv.locate(("a", "false")) == (3, 3)
    assert hv.locate(("list", 1)) == (7, 5)
    assert hv.value_location(("a", "false")) == (3, 6)
    assert hv.locate(("missing",)) is None


def test_load_merge_keys_overwrite_like_go_yaml_v2() -> None:
    hv = helmyaml.load("m:\n  w: 1\n  <<: {w: 2, z: 3}\nl:\n  <<: [{p: 1}, {p: 2, q: 2}]\n", "x")
    assert hv.data == {"m": {"w": 2, "z": 3}, "l": {"p": 1, "q": 2}}


def test_duplicates_and_first_document_only() -> None:
    hv = helmyaml.load("a: 1\nb: 2\na: 3\n---\nc: 4\n", "d.yaml")
    assert hv.data == {"a": 3, "b": 2}
    assert [(d.path, d.line, d.first_line) for d in hv.duplicates] == [(("a",), 3, 1)]


@pytest.mark.parametrize("text", ["", "~\n", "# c\n", "null\n"])
def test_empty_files_are_empty_maps(text: str) -> None:
    assert helmyaml.load(text, "e.yaml").data == {}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("x: .inf\n", 1, "JSON cannot hold"),
        ("a:\n  ~: 1\n", 2, "null map key"),
        ("[1]: 1\n", 1, "must be a scalar"),
        ("- 1\n", 1, "mapping"),
        ("a: [1\n", 2, "invalid YAML"),
        ("a: !!int abc\n", 1, "does not fit its !!int tag"),  # (as the node reader: the value not repeated)
    ],
)
def test_input_errors(text: str, line: int, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        helmyaml.load(text, "bad.yaml")
    assert err.value.file == "bad.yaml"
    assert err.value.line == line
    assert fragment in err.value.message


def test_surprises_list_scalars_with_paths() -> None:
    text = "a:\n  flag: on\n  mode: 0777\n  ok: true\n  m: 1000000\n  t: 1:30\nyes: 1\nbig: 12345678901234567890\n"
    found = {s.key: s for s in helmyaml.surprises(text, "s.yaml")}
    assert set(found) == {"a.flag", "a.mode", "a.m", "a.t", "true", "big"}
    assert found["a.flag"].line == 2 and found["a.flag"].value is True
    assert "octal" in found["a.mode"].message and found["a.mode"].value == 511
    assert "1e+06" in found["a.m"].message
    assert "sexagesimal" in found["a.t"].message
    assert "'yes'" in found["true"].message
    assert "12345678901234567000" in found["big"].message


def test_helm_key_order_is_natural() -> None:
    keys = ["a10", "a9", "a1", "B", "b", "_x", "10", "2", "1.5", "1.2345679e+08", "x", "X1"]
    assert helmyaml.helm_key_order(keys) == [
        "_x",
        "1.5",
        "1.2345679e+08",
        "2",
        "10",
        "B",
        "X1",
        "a1",
        "a9",
        "a10",
        "b",
        "x",
    ]


def test_to_json_matches_go() -> None:
    data = {"b": [1, 2.5, None, True], "a": {"s": "<&>\t\u2028é😀\x01"}, "e": {}, "l": []}
    assert helmyaml.to_json(data) == (
        '{"a":{"s":"\\u003c\\u0026\\u003e\\t\\u2028é😀\\u0001"},"b":[1,2.5,null,true],"e":{},"l":[]}'
    )
    assert helmyaml.to_json({"a": [1]}, indent=2) == '{\n  "a": [\n    1\n  ]\n}'


def test_to_yaml_quotes_like_go_yaml() -> None:
    data = {
        "s": ["yes", "1:30", "it's: x", "", "0777", "2001-12-14", "plain", "tab\there", "😀", "a\nb"],
        "true": {},
        "nil": None,
    }
    assert helmyaml.to_yaml(data) == (
        "nil: null\n"
        "s:\n"
        '- "yes"\n'
        '- "1:30"\n'
        "- 'it''s: x'\n"
        '- ""\n'
        '- "0777"\n'
        '- "2001-12-14"\n'
        "- plain\n"
        '- "tab\\there"\n'
        '- "\\U0001F600"\n'
        "- |-\n"
        "  a\n"
        "  b\n"
        '"true": {}\n'
    )


def test_to_yaml_folds_long_plain_strings_past_80_columns() -> None:
    text = "word " * 30
    out = helmyaml.to_yaml({"k": text.strip()})
    first = out.splitlines()[0]
    assert len(first) > 80 and len(first) < 90  # go-yaml folds at the first space past column 80
    assert helmyaml.load(out, "o").data == {"k": text.strip()}


def test_canonical_is_what_templates_see() -> None:
    assert helmyaml.canonical({"a": 1.0, "b": [1e20, 2.5], "c": "1"}) == {"a": 1, "b": [1e20, 2.5], "c": "1"}
    assert isinstance(helmyaml.canonical(1.0), int)
