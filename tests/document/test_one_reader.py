"""The one YAML reader (astro_config/document/reader.py) and its three modes.

* only the reader constructs a YAML parser (checked in the sources and at run time);
* on every real values file the modes agree: ``load_text`` (node tree), ``load_helm`` (Helm's data) and
  ``read_data`` (lint's data-only mode) give the same data, and the same positions where both have them;
* where they differ by design (a second document, duplicate keys, integers past 2**53, explicit tags), each
  keeps its own behaviour.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from astro_config.document import reader
from astro_config.errors import InputError
from astro_config.helm import helmyaml, layering
from astro_config.lint import engine
from astro_config.platform import render_check
from tests.conftest import ASTRONOMER

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "astro_config"

# Constructing or driving a YAML parser: libyaml's CParser, ruamel.yaml's Parser / composer / loader, or a
# YAML instance asked to parse (``.parser``, ``.compose``, ``.load``).
_PARSER = re.compile(
    r"\bCParser\b|ruamel\.yaml\.(parser|composer|loader|cyaml|scanner)\b|\bcompose(_all)?\(|\bget_single_node\b"
    r"|\bcompose_document\b|\.parser\b"
)
_YAML_INSTANCE = re.compile(r"\bYAML\(")
_LOADING = re.compile(r"\.(load|load_all|compose|compose_all|parse|scan)\(|\.parser\b")


def _parsing_modules() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if _PARSER.search(source) or (_YAML_INSTANCE.search(source) and _LOADING.search(source)):
            found.add(path.relative_to(PACKAGE).as_posix())
    return found


def test_only_the_reader_constructs_a_yaml_parser_in_the_sources() -> None:
    assert _parsing_modules() == {"document/reader.py"}
    # ... and in it, one function does (the rest drives the parser it returns)
    source = (PACKAGE / "document" / "reader.py").read_text(encoding="utf-8")
    constructions = [m.start() for m in re.finditer(r"\bCParser\b|\.parser\b", source)]
    start = source.index("def _libyaml_parser(")
    end = source.index("def has_libyaml(")
    assert constructions and all(start <= i < end for i in constructions)


def test_render_check_reads_through_the_reader() -> None:
    assert "platform/render_check.py" not in _parsing_modules()


def _real_files() -> list[Path]:
    shared = ASTRONOMER.parent
    files = sorted(shared.glob("astronomer/**/*.yaml")) + sorted(shared.glob("corpus/*.yaml"))
    return files + sorted((ROOT / "tests" / "data").rglob("*.yaml")) + sorted((ROOT / "sample-values").rglob("*.yaml"))


def test_only_the_reader_constructs_a_yaml_parser_at_run_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every parser made while loading, linting, layering and printing values is made by the reader."""
    import _ruamel_yaml  # type: ignore[import-not-found]
    import ruamel.yaml.main
    import ruamel.yaml.parser

    callers: list[str] = []

    def note() -> None:
        frame: Any = sys._getframe(2)
        while frame is not None and not frame.f_globals.get("__name__", "").startswith(("astro_config", "tests")):
            frame = frame.f_back
        callers.append(frame.f_globals["__name__"] if frame is not None else "?")

    class Recording(_ruamel_yaml.CParser):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            note()
            super().__init__(*args, **kwargs)

    pure_init = ruamel.yaml.parser.Parser.__init__

    def recording_init(self: Any, *args: Any, **kwargs: Any) -> None:
        note()
        pure_init(self, *args, **kwargs)

    monkeypatch.setattr(_ruamel_yaml, "CParser", Recording)
    monkeypatch.setattr(ruamel.yaml.main, "CParser", Recording)
    monkeypatch.setattr(ruamel.yaml.parser.Parser, "__init__", recording_init)

    text = "global:\n  dagOnlyDeployment:\n    enabled: on\nbase: &b {x: 1}\nmerged:\n  <<: *b\n"
    doc = reader.load_text(text)
    hv = helmyaml.load(text, "v.yaml")
    assert engine.fast_data(text) == doc.data
    layer = layering.Layer.from_text(text, "v.yaml")
    assert layering.typing_warnings([("v.yaml", text)])
    assert helmyaml.load(helmyaml.to_yaml(hv.data), "toYaml").data == hv.data
    helmyaml.to_json(layer.data)
    # Houston's rendered config files (YAML 1.2), as dag-deploy verify reads them
    manifest = (
        "---\nkind: ConfigMap\ndata:\n  production.yaml: |\n    deployments:\n      dagOnlyDeployment: yes\n"
        "  local-production.yaml: |\n    deployments: {configureDagDeployment: true}\n"
    )
    cm = render_check.parse_configmap(manifest)
    assert cm.production == {"deployments": {"dagOnlyDeployment": "yes"}}
    assert cm.local_production == {"deployments": {"configureDagDeployment": True}}
    real = next((p for p in _real_files() if p.name == "values.yaml"), None)
    if real is not None:
        engine.lint_file(str(real))
    assert len(callers) >= 9
    assert set(callers) == {"astro_config.document.reader"}


# ----------------------------------------------------------------------------------------------------------
# The modes agree on real files
# ----------------------------------------------------------------------------------------------------------


def _as_float64(value: Any) -> Any:
    """``value`` with integers beyond 2**53 as Helm holds them (float64)."""
    if isinstance(value, dict):
        return {k: _as_float64(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_float64(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return float(value)
    return value


def _typed(value: Any) -> Any:
    """``value`` with every type spelled out (1 != 1.0 != True) and key order kept."""
    if isinstance(value, dict):
        return ("map", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", [_typed(v) for v in value])
    return (type(value).__name__, repr(value))


def _plain_paths(doc: reader.ValuesDocument) -> Iterator[tuple[Any, ...]]:
    """Key paths of ``doc`` that are written out (not reached through an alias or a merge)."""
    for path, entry in doc.index.items():
        if path and entry.value.kind != "alias":
            yield path


def _readable() -> list[Path]:
    out = []
    for path in _real_files():
        try:
            reader.load_file(path)
        except InputError:
            continue
        out.append(path)
    return out


def test_the_three_modes_agree_on_every_real_file() -> None:
    files = _readable()
    assert len(files) > 60
    fast_read = 0
    for path in files:
        doc = reader.load_file(path)
        text = doc.text
        helm = reader.load_helm(text, str(path))
        # Helm's data: the same, numbers as float64
        assert _typed(helm.data) == _typed(_as_float64(doc.data)), path
        assert helm.duplicates == [], path  # load_text would have refused the file
        # lint's data-only mode: the same data when it reads the file at all
        try:
            data, _ = reader.read_data(text)
        except reader.Unusual:
            pass
        else:
            fast_read += 1
            assert _typed(data) == _typed(doc.data), path
        # positions: where a key and its value start, as both modes count lines
        compared = 0
        for key_path in _plain_paths(doc):
            if key_path in helm.key_positions:
                compared += 1
                assert helm.key_positions[key_path] == doc.locate(key_path), (path, key_path)
                assert helm.value_positions[key_path] == doc.value_location(key_path), (path, key_path)
        assert compared >= len(doc.index) // 2, path
    assert fast_read > 50


def test_helm_positions_count_lines_as_libyaml_does() -> None:
    """Helm's mode keeps libyaml's (line, column), which counts a lone CR as a line break; the node reader
    refuses such a file (its positions count LF only)."""
    helm = reader.load_helm("a: 1\rb:\r  c: é\r", "cr.yaml")
    assert helm.data == {"a": 1, "b": {"c": "é"}}
    assert helm.key_positions[("b", "c")] == (3, 3)
    assert helm.value_positions[("b", "c")] == (3, 6)
    with pytest.raises(InputError, match="carriage return"):
        reader.load_text("a: 1\rb:\r  c: é\r")


# ----------------------------------------------------------------------------------------------------------
# Where the modes differ by design
# ----------------------------------------------------------------------------------------------------------


def test_a_second_document_is_refused_by_the_node_reader_and_ignored_by_helms_reading() -> None:
    text = "a: 1\n---\nb: 2\n"
    with pytest.raises(InputError, match="more than one YAML document") as err:
        reader.load_text(text)
    assert err.value.line == 2
    assert reader.load_helm(text, "two.yaml").data == {"a": 1}
    with pytest.raises(reader.Unusual):
        reader.read_data(text)


def test_duplicate_keys_are_refused_by_the_node_reader_and_listed_by_helms_reading() -> None:
    text = "a: 1\nb:\n  c: 2\n  c: 3\na: 4\n"
    with pytest.raises(InputError, match="duplicate key 'c'"):
        reader.load_text(text)
    helm = reader.load_helm(text, "dup.yaml")
    assert helm.data == {"a": 4, "b": {"c": 3}}
    assert [(d.path, d.line, d.column, d.first_line) for d in helm.duplicates] == [
        (("b", "c"), 4, 3, 3),
        (("a",), 5, 1, 1),
    ]
    assert helm.key_positions[("a",)] == (5, 1)
    with pytest.raises(reader.Unusual):
        reader.read_data(text)


def test_integers_past_2_53_stay_exact_in_the_node_reader_and_are_float64_for_helm() -> None:
    text = "big: 12345678901234567890\nsmall: 9007199254740992\n"
    exact = reader.load_text(text).data
    assert exact == {"big": 12345678901234567890, "small": 2**53}
    assert isinstance(exact["big"], int)
    assert reader.read_data(text)[0] == exact
    helm = reader.load_helm(text, "big.yaml").data
    assert helm == {"big": 12345678901234567890.0, "small": 2**53}
    assert isinstance(helm["big"], float) and isinstance(helm["small"], int)


def test_helms_reading_resolves_explicit_tags_as_go_yaml_does() -> None:
    text = "a: !!int '0x1F'\nb: !!float 1\nc: !!binary aGVsbG8=\nd: !local 5\ne: ! '5'\n"
    # (helm template with {{ toYaml .Values }} prints a: 31, b: 1, c: hello, d: "5", e: "5")
    assert reader.load_helm(text, "t.yaml").data == {"a": 31, "b": 1.0, "c": "hello", "d": "5", "e": "5"}
    with pytest.raises(InputError, match="does not fit its !!int tag") as err:
        reader.load_helm("x: 1\ny: !!int abc\n", "t.yaml")
    assert (err.value.line, err.value.column) == (2, 4)


def test_helms_reading_asks_the_caller_to_explain_plain_scalars_and_renamed_keys() -> None:
    asked: list[tuple[str, str, Any]] = []

    def explain(text: str, tag: str, value: Any) -> str:
        asked.append((text, tag, value))
        return "odd" if text == "on" else ""

    def explain_key(text: str, key: str) -> str:
        return f"{text}->{key}"

    helm = reader.load_helm("k: on\nq: 'on'\nyes: 1\nt: !!str 5\n", "n.yaml", explain=explain, explain_key=explain_key)
    assert asked == [("on", "!!bool", True), ("1", "!!int", 1)]  # plain, untagged values only
    assert [(n.path, n.line, n.column, n.text, n.value, n.message) for n in helm.notes] == [
        (("k",), 1, 4, "on", True, "odd"),
        (("true",), 3, 1, "yes", "true", "yes->true"),
    ]
    assert reader.load_helm("k: on\n", "n.yaml").notes == []


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("a: &x 1\nb: &x 2\n", "invalid YAML: second occurrence", (2, 4)),  # libyaml's composer refuses it
        ("a: 1\nb: *nope\n", "invalid YAML: found undefined alias", (2, 4)),
        ("a: &x [*x]\n", "values nested too deeply (recursive alias?)", (1, 4)),
        ("a: " + "[" * 250 + "]" * 250 + "\n", "values nested too deeply (recursive alias?)", (1, 203)),
        # deeper than Python's recursion: still Helm's message, at the same place
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", "values nested too deeply (recursive alias?)", (1, 203)),
        ("a: [1\n", "invalid YAML: did not find expected ',' or ']'", (2, 1)),
        ("- 1\n", "values must be a mapping, not a list", (1, 1)),
        ("!\n", "values must be a mapping, not a scalar", (1, 1)),  # '!' with no content: a string
    ],
)
def test_helms_reading_reports_errors_as_helms_loader(text: str, message: str, position: tuple[int, int]) -> None:
    with pytest.raises(InputError) as err:
        reader.load_helm(text, "e.yaml")
    assert err.value.message == message
    assert (err.value.line, err.value.column) == position


def test_helms_reading_is_not_bound_by_the_node_readers_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_NODES", 10)
    text = "".join(f"k{i}: {i}\n" for i in range(20))
    with pytest.raises(reader.LimitError):
        reader.load_text(text)
    with pytest.raises(reader.Unusual):
        reader.read_data(text)
    assert len(reader.load_helm(text, "many.yaml").data) == 20
