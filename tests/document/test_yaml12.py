"""The reader's YAML 1.2 mode (reader.load_yaml12 / load_yaml12_all, scalars.yaml12_resolve): Houston's reading.

Houston's node-config reads its files with js-yaml 4 (default schema: the YAML 1.2 core schema plus timestamps
and merge keys), not Helm's YAML 1.1. Checked here: the core-schema table against Helm's reading of the same
text, ruamel.yaml's YAML 1.2 loader as an oracle on thousands of generated scalars (with the one place where
js-yaml departs from the 1.2 spec pinned), documents (merge keys, keys as JavaScript strings, duplicates,
streams, tags), every real values file, and the whole real render of the platform chart.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import re
import shutil
import subprocess
from typing import Any

import pytest
from conftest import SHARED, real_files

from astro_config.document import reader
from astro_config.errors import InputError
from astro_config.scalars import helm_scalar, js_number_string, yaml12_resolve, yaml12_scalar

UTC = dt.UTC
NAN: Any = object()  # (NaN != NaN: compared by name)

# text: (Houston's value, Helm's value)
TABLE: list[tuple[str, Any, Any]] = [
    # booleans: only true/false in three spellings
    ("true", True, True),
    ("True", True, True),
    ("TRUE", True, True),
    ("false", False, False),
    ("FALSE", False, False),
    ("yes", "yes", True),
    ("Yes", "Yes", True),
    ("on", "on", True),
    ("ON", "ON", True),
    ("y", "y", True),
    ("no", "no", False),
    ("off", "off", False),
    ("n", "n", False),
    ("tRue", "tRue", "tRue"),
    # null
    ("", None, None),
    ("~", None, None),
    ("null", None, None),
    ("Null", None, None),
    ("NULL", None, None),
    ("nULL", "nULL", "nULL"),
    # integers: decimal (leading zeros are decimal), 0o, 0x, 0b; underscores between digits
    ("0", 0, 0),
    ("-0", 0, 0),
    ("+12", 12, 12),
    ("0777", 777, 511),
    ("0o17", 15, 15),
    ("0x1F", 31, 31),
    ("-0x1F", -31, -31),
    ("0X1F", "0X1F", 31),  # (Go reads a capital X too)
    ("0b101", 5, 5),
    ("1_000", 1000, 1000),
    ("1_", "1_", 1),
    ("_1", "_1", "_1"),
    ("0x", "0x", "0x"),
    ("190:20:30", "190:20:30", "190:20:30"),
    ("9007199254740993", 9007199254740992.0, 9007199254740993),  # a JavaScript number: float64
    # floats
    ("0.10", 0.1, 0.1),
    ("1.", 1.0, 1.0),
    (".5", 0.5, 0.5),
    ("+.5", "+.5", 0.5),  # js-yaml's own rule: a sign needs a digit before the point
    ("1e3", 1000.0, 1000.0),
    ("1E-3", 0.001, 0.001),
    ("1e999", math.inf, "1e999"),
    ("1_0.5", 10.5, 10.5),
    (".inf", math.inf, math.inf),
    ("-.Inf", -math.inf, -math.inf),
    ("+.INF", math.inf, math.inf),
    (".nan", NAN, NAN),
    (".NaN", NAN, NAN),
    ("-.nan", "-.nan", "-.nan"),
    ("0.10.3", "0.10.3", "0.10.3"),
    # timestamps: JavaScript Dates (instants in UTC)
    ("2001-12-14", dt.datetime(2001, 12, 14, tzinfo=UTC), "2001-12-14"),
    (
        "2001-12-14t21:59:43.10-05:00",
        dt.datetime(2001, 12, 15, 2, 59, 43, 100000, tzinfo=UTC),
        "2001-12-14t21:59:43.10-05:00",
    ),
    (
        "2001-12-14 21:59:43.123456",
        dt.datetime(2001, 12, 14, 21, 59, 43, 123000, tzinfo=UTC),
        "2001-12-14 21:59:43.123456",
    ),
    ("2001-02-30", dt.datetime(2001, 3, 2, tzinfo=UTC), "2001-02-30"),  # Date.UTC rolls over
    ("2001-2-3", "2001-2-3", "2001-2-3"),
    # merge and words
    ("<<", "<<", "<<"),
    ("=", "=", "="),
    ("3.8.1-2", "3.8.1-2", "3.8.1-2"),
]


def _same(got: Any, want: Any) -> bool:
    if want is NAN:
        return isinstance(got, float) and math.isnan(got)
    return type(got) is type(want) and got == want


@pytest.mark.parametrize(("text", "houston", "helm"), TABLE)
def test_the_core_schema_table_against_helms_reading(text: str, houston: Any, helm: Any) -> None:
    assert _same(yaml12_scalar(text), houston), (text, yaml12_scalar(text))
    assert _same(helm_scalar(text), helm), (text, helm_scalar(text))
    # ... and the reader types plain scalars that way, leaves quoted ones strings
    assert _same(reader.load_yaml12(f"v: {text}\n", "t.yaml")["v"], houston)
    assert reader.load_yaml12(f"v: '{text}'\n", "t.yaml")["v"] == text


def test_the_table_shows_where_houston_and_helm_differ() -> None:
    differ = [text for text, houston, helm in TABLE if not (_same(houston, helm) or houston is helm is NAN)]
    assert {"yes", "on", "off", "0777", "1e999", "2001-12-14", "9007199254740993", "+.5"} <= set(differ)


@pytest.mark.parametrize(
    ("text", "tag", "value"),
    [
        ("0x1F", "!!int", 31),
        ("1", "!!float", 1.0),
        ("5", "!!str", "5"),
        ("True", "!!bool", True),
        ("~", "!!null", None),
        ("2001-12-14", "!!timestamp", dt.datetime(2001, 12, 14, tzinfo=UTC)),
    ],
)
def test_explicit_tags_apply_to_the_text(text: str, tag: str, value: Any) -> None:
    assert yaml12_resolve(text, tag) == (tag, value)
    assert type(yaml12_resolve(text, tag)[1]) is type(value)


@pytest.mark.parametrize(("text", "tag"), [("1.5", "!!int"), ("yes", "!!bool"), ("", "!!null"), ("x", "!!float")])
def test_an_explicit_tag_that_does_not_fit_is_refused(text: str, tag: str) -> None:
    with pytest.raises(ValueError, match="cannot resolve a node with"):
        yaml12_resolve(text, tag)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1, "1"), (100.0, "100"), (1.5, "1.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"), (1e-7, "1e-7"),
     (0.000001, "0.000001"), (-2.5e-10, "-2.5e-10"), (2**60, "1152921504606847000"), (math.inf, "Infinity")],
)  # fmt: skip
def test_numbers_print_as_javascript_prints_them(value: float, text: str) -> None:
    assert js_number_string(value) == text


# ----------------------------------------------------------------------------------------------------------
# ruamel.yaml's YAML 1.2 loader as the oracle
# ----------------------------------------------------------------------------------------------------------


def _oracle() -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True)  # YAML 1.2 by default


def _as_houston(value: Any) -> Any:
    """ruamel.yaml's data as JavaScript holds it: keys strings, integers float64 past 2**53, dates instants."""
    if isinstance(value, dict):
        return {_key(k): _as_houston(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_houston(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return float(value)
    if isinstance(value, dt.date):  # a JavaScript Date: milliseconds, and Date.UTC's years 0..99 are 19xx
        moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
        moment = moment.replace(year=moment.year + 1900) if moment.year < 100 else moment
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int | float):
        return js_number_string(key)
    return str(key)


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return ("map", sorted((k, _typed(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("seq", [_typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ("number", float(value))  # (JavaScript has one number type)
    return (type(value).__name__, repr(value))


# js-yaml departs from the 1.2 spec (and ruamel.yaml) in one place: a signed float needs a digit before the point
_JS_YAML_OWN = re.compile(r"[-+]\.[0-9].*")

_ATOMS = [
    *"0179.eE+-xobafFnNiItrul~",
    *("2001", "-12", "-14", "-1", "T", " ", "21:59:43", "Z", "<<", "0x", "0o", "0b", "inf", "Inf", "nan", "NaN"),
    *(".inf", ".nan", "true", "True", "null", "NULL", "yes", "on", "12", "5", ".5"),
]


def _generated(count: int) -> list[str]:
    rng = random.Random(20261130)
    out = set()
    while len(out) < count:
        out.add("".join(rng.choice(_ATOMS) for _ in range(rng.randint(1, 5))).strip())
    # date-like text: the parts of a timestamp, each well or badly formed
    parts = [
        ["2001", "1999", "201", "0099"],
        ["-12", "-1", "-02", "-123", "-"],
        ["-14", "-3", "-28", "-31", "-"],
        ["", "T", "t", " ", "  ", "\t", "x"],
        ["", "1:02:03", "21:59:43", "21:59", "21:5:43"],
        ["", ".1", ".123456", "."],
        ["", "Z", "-05:00", "+5", " +05:30", "+0530", "z"],
    ]
    while len(out) < count + 1500:
        out.add("".join(rng.choice(choices) for choices in parts).strip())
    # words in every capitalisation
    for word in ("true", "false", "null", "yes", "no", "on", "off", "y", "n", ".inf", ".nan", "-.inf", "+.inf"):
        for _ in range(8):
            out.add("".join(c.upper() if rng.random() < 0.5 else c for c in word))
        out.update((word, word.title(), word.upper()))
    return sorted(out)


def test_generated_scalars_against_ruamels_yaml_1_2_loader() -> None:
    """Every generated plain scalar ruamel.yaml reads: the same type and value (underscored numbers, where
    ruamel.yaml is looser than the spec, are in the table above instead)."""
    oracle = _oracle()
    compared: dict[str, int] = {}
    departures = 0
    for text in _generated(12000):
        try:
            want = oracle.load(io.StringIO(f"v: {text}\n"))
        except Exception:  # not a plain scalar on its own (": ", "- ", a "#" ...): nothing to compare
            continue
        if not isinstance(want, dict) or "v" not in want or len(want) != 1:
            continue
        got = yaml12_scalar(text)
        if _JS_YAML_OWN.fullmatch(text) and isinstance(want["v"], float):
            departures += 1
            assert got == text, text
            continue
        assert _typed(got) == _typed(_as_houston(want["v"])), text
        kind = _typed(got)[0]
        compared[kind] = compared.get(kind, 0) + 1
    assert sum(compared.values()) > 8000
    assert departures > 0
    least = {"NoneType": 3, "bool": 6, "number": 100, "float": 2, "datetime": 100, "str": 1000}  # float: NaN
    assert all(compared.get(kind, 0) >= n for kind, n in least.items()), sorted(compared.items())


# ----------------------------------------------------------------------------------------------------------
# Documents and streams
# ----------------------------------------------------------------------------------------------------------


def test_merge_keys_as_js_yaml_merges_them() -> None:
    """An earlier key wins over a merged one (explicit or from an earlier source); a later explicit key
    replaces a merged one; a quoted "<<" is a key."""
    text = "base: &b {x: 1, y: 2}\nm:\n  y: 3\n  <<: [*b, {z: 1, x: 9}]\n  x: 5\nq: {'<<': *b}\n"
    data = reader.load_yaml12(text, "m.yaml")
    assert data["m"] == {"y": 3, "x": 5, "z": 1}
    assert data["q"] == {"<<": {"x": 1, "y": 2}}
    assert data["q"]["<<"] is data["base"]  # an alias is the anchored object itself
    with pytest.raises(InputError, match="cannot merge mappings") as err:
        reader.load_yaml12("a: 1\nm:\n  <<: 5\n", "m.yaml")
    assert (err.value.line, err.value.column) == (3, 7)


def test_keys_are_javascript_strings() -> None:
    text = "1: a\n1.0e2: b\ntrue: c\n~: d\n0x10: e\n[1, ~, x]: f\n{a: 1}: g\n"
    assert reader.load_yaml12(text, "k.yaml") == {
        "1": "a", "100": "b", "true": "c", "null": "d", "16": "e", "1,,x": "f", "[object Object]": "g"
    }  # fmt: skip
    with pytest.raises(InputError, match="duplicated mapping key '1'") as err:
        reader.load_yaml12("'1': a\n1: b\n", "k.yaml")
    assert (err.value.file, err.value.line, err.value.column) == ("k.yaml", 2, 1)
    with pytest.raises(InputError, match="nested arrays"):
        reader.load_yaml12("[[1], 2]: b\n", "k.yaml")


def test_streams_documents_and_anchors() -> None:
    text = "a: &x 1\n---\nb: [yes, 0.10]\n---\n--- c\n"
    assert reader.load_yaml12_all(text, "s.yaml") == [{"a": 1}, {"b": ["yes", 0.1]}, None, "c"]
    assert reader.load_yaml12_all("", "s.yaml") == []
    assert reader.load_yaml12("", "s.yaml") is None
    with pytest.raises(InputError, match="expected a single document in the stream, but found more") as err:
        reader.load_yaml12(text, "s.yaml")
    assert err.value.line == 2
    with pytest.raises(InputError, match="refers to no anchor"):  # an anchor belongs to its document
        reader.load_yaml12_all("a: &x 1\n---\nb: *x\n", "s.yaml")
    assert reader.load_yaml12("a: &x 1\nb: &x 2\nc: *x\n", "s.yaml") == {"a": 1, "b": 2, "c": 2}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: !!binary aGVs\n  bG8=\n", {"a": b"hello"}),
        ("a: !!str 5\n", {"a": "5"}),
        ("a: ! 5\n", {"a": "5"}),
        ("a: !!float 1\n", {"a": 1.0}),
        ("a: !!null\n", {"a": None}),
        ("a: !!str\n", {"a": ""}),
        ("s: !!set {a, b}\n", {"s": {"a": None, "b": None}}),
        ("o: !!omap [a: 1, b: 2]\n", {"o": [{"a": 1}, {"b": 2}]}),
        ("p: !!pairs [a: 1, a: 2]\n", {"p": [["a", 1], ["a", 2]]}),
        ("!!map {a: 1}\n", {"a": 1}),
    ],
)
def test_the_default_schemas_tags(text: str, value: Any) -> None:
    assert reader.load_yaml12(text, "t.yaml") == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !foo 1\n", "unknown tag !<!foo>"),
        ("a: !!int x\n", "cannot resolve a node with !<tag:yaml.org,2002:int> explicit tag"),
        ("a: !!str [1]\n", 'unacceptable node kind for !<tag:yaml.org,2002:str> tag; it should be "scalar"'),
        ("o: !!omap [a: 1, a: 2]\n", "cannot resolve a node with !<tag:yaml.org,2002:omap> explicit tag"),
        ("a: [1\n", "YAML syntax error"),
    ],
)
def test_what_js_yaml_refuses_is_an_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)) as err:
        reader.load_yaml12(text, "t.yaml")
    assert err.value.file == "t.yaml" and err.value.line is not None


# ----------------------------------------------------------------------------------------------------------
# Real files and a real render: the same data as ruamel.yaml's YAML 1.2 loader
# ----------------------------------------------------------------------------------------------------------


def test_every_real_values_file_reads_as_ruamels_yaml_1_2_loader_reads_it() -> None:
    oracle = _oracle()
    compared = 0
    for path in real_files():
        text = path.read_text(encoding="utf-8")
        try:
            want = oracle.load(text)
        except Exception:  # (duplicate keys and the like: refused by both, see the tests above)
            with pytest.raises(InputError):
                reader.load_yaml12(text, str(path))
            continue
        assert _typed(reader.load_yaml12(text, str(path))) == _typed(_as_houston(want)), path
        compared += 1
    assert compared > 40


CHARTS = SHARED / "charts"
HELM = shutil.which("helm")


@pytest.mark.parametrize(("version", "extra"), [("0.34.5", ["--kube-version", "1.28.0"]), ("2.1.0", [])])
@pytest.mark.skipif(HELM is None, reason="helm is not on PATH")
@pytest.mark.skipif(not CHARTS.is_dir(), reason="../shared/charts is not present")
@pytest.mark.helm
def test_the_whole_real_render_reads_as_ruamels_yaml_1_2_loader_reads_it(version: str, extra: list[str]) -> None:
    """Every manifest of ``helm template`` of the platform chart, and every YAML file in its ConfigMaps (Houston's
    production.yaml and local-production.yaml among them)."""
    chart = CHARTS / f"astronomer-{version}.tgz"
    assert HELM is not None
    argv = [HELM, "template", "astro", str(chart), "-n", "astronomer", "--set", "global.baseDomain=example.com"]
    manifest = subprocess.run([*argv, *extra], capture_output=True, text=True, check=True, timeout=300).stdout
    oracle = _oracle()
    docs = reader.load_yaml12_all(manifest, "render")
    want = [_as_houston(d) for d in oracle.load_all(io.StringIO(manifest))]
    assert _typed(docs) == _typed(want)
    files = 0
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == "ConfigMap" and isinstance(doc.get("data"), dict):
            for name, text in doc["data"].items():
                if name.endswith((".yaml", ".yml")) and isinstance(text, str):
                    assert _typed(reader.load_yaml12(text, name)) == _typed(_as_houston(oracle.load(text))), name
                    files += 1
    assert "production.yaml" in str(manifest) and files >= 2
    assert len(docs) > 50
