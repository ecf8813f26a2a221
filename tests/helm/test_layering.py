"""The layering table (tests/data/layering/cases.yaml) without Helm, plus provenance and explain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from astro_config.helm import helmyaml, layering
from astro_config.helm.layering import MISSING, Layer, LayerKind
from astro_config.helm.setvalues import SetArg
from astro_config.keypath import parse as parse_path

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "layering" / "cases.yaml"


def load_cases() -> list[dict[str, Any]]:
    from ruamel.yaml import YAML

    cases = YAML(typ="safe", pure=True).load(CASES_FILE.read_text(encoding="utf-8"))
    assert isinstance(cases, list)
    return cases


CASES = load_cases()


def merge_case(case: dict[str, Any]) -> layering.Effective:
    layers = [Layer.from_text(t, f"f{i}.yaml") for i, t in enumerate(case.get("files") or [], start=1)]
    chart = case.get("chart")
    chart_layer = Layer.from_text(chart, "chart.yaml", LayerKind.CHART) if chart else None
    args = [SetArg(s) for s in case.get("set") or []] + [SetArg(s, "set-string") for s in case.get("set_string") or []]
    return layering.merge(layers, args, chart_layer)


def test_table_is_big_enough_and_ids_unique() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 25
    assert len(set(ids)) == len(ids)
    for c in CASES:
        assert c.get("what") and isinstance(c["expect"], str)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_layering_case(case: dict[str, Any]) -> None:
    eff = merge_case(case)
    assert helmyaml.to_json(eff.values) == case["expect"]
    for key, where in (case.get("origins") or {}).items():
        assert str(eff.origin(parse_path(key))) == where, key
    for key in case.get("absent") or []:
        assert eff.get(parse_path(key)) is MISSING, key


def test_every_effective_path_has_an_origin() -> None:
    for case in CASES:
        eff = merge_case(case)
        for path, _ in layering.walk(eff.values):
            if path:
                assert eff.origin(path) is not None, (case["id"], path)


def test_layers_are_not_modified() -> None:
    a = Layer.from_text("x:\n  v: [1, 2]\n", "a.yaml")
    b = Layer.from_text("x:\n  z: 1\n", "b.yaml")
    chart = Layer.from_text("x:\n  w: {q: 1}\n", "chart.yaml", LayerKind.CHART)
    eff = layering.merge([a, b], ["x.v[0]=9"], chart)
    assert eff.values == {"x": {"v": [9, 2], "z": 1, "w": {"q": 1}}}
    assert a.data == {"x": {"v": [1, 2]}}
    assert chart.data == {"x": {"w": {"q": 1}}}


def test_explain_tells_the_story_of_a_key() -> None:
    chart = Layer.from_text("res:\n  cpu: 100m\n  mem: 1Gi\n", "chart.yaml", LayerKind.CHART)
    f1 = Layer.from_text("res:\n  cpu: 200m\n", "prod.yaml")
    f2 = Layer.from_text("# override\nres:\n  cpu: 500m\n", "big.yaml")
    eff = layering.merge([f1, f2], ["res.cpu=1"], chart)
    ex = layering.explain(eff, ("res", "cpu"))
    assert ex.present and ex.value == 1
    assert str(ex.origin) == "--set res.cpu=1"
    assert [str(s.origin) for s in ex.overridden] == ["chart.yaml:2", "prod.yaml:2", "big.yaml:3"]
    assert [s.value for s in ex.overridden] == ["100m", "200m", "500m"]
    mem = layering.explain(eff, ("res", "mem"))
    assert str(mem.origin) == "chart.yaml:3" and mem.overridden == []


def test_explain_deleted_and_missing_keys() -> None:
    chart = Layer.from_text("d:\n  k: 1\n", "chart.yaml", LayerKind.CHART)
    f1 = Layer.from_text("d:\n  k: null\n", "a.yaml")
    eff = layering.merge([f1], [], chart)
    ex = layering.explain(eff, ("d", "k"))
    assert not ex.present and ex.value is MISSING
    assert "a.yaml:2" in ex.note and "deletes the chart default" in ex.note
    assert [str(s.origin) for s in ex.settings] == ["chart.yaml:2", "a.yaml:2"]
    nothing = layering.explain(eff, ("nope",))
    assert not nothing.present and nothing.note == "not set by any layer"


def test_explain_key_hidden_by_a_scalar_above() -> None:
    f1 = Layer.from_text("a:\n  b: 1\n", "one.yaml")
    f2 = Layer.from_text("a: flat\n", "two.yaml")
    ex = layering.explain(layering.merge([f1, f2]), ("a", "b"))
    assert not ex.present
    assert [(str(s.origin), s.note) for s in ex.settings] == [("one.yaml:2", ""), ("two.yaml:1", "sets a to a str")]


def test_merge_report_has_helms_warnings() -> None:
    chart = Layer.from_text("a:\n  b: 1\nc: 5\n", "chart.yaml", LayerKind.CHART)
    user = Layer.from_text("a: x\nc:\n  d: 1\n", "u.yaml")
    report = layering.merge_report([user], [], chart)
    assert report.effective.values == {"a": "x", "c": {"d": 1}}
    assert report.warnings == ["skipped value for c: Not a table."]


def test_typing_warnings_cover_files_and_set() -> None:
    warnings = layering.typing_warnings([("v.yaml", "a: on\nb: 'on'\n")], ["c=1.5"])
    assert [(w.key, w.origin) for w in warnings] == [("a", "v.yaml:1"), ("c", "--set c=1.5")]


def test_canonical_values_are_sorted_like_helm() -> None:
    eff = layering.merge([Layer.from_text("b: 1.0\na10: 1\na9: 2\n", "x.yaml")])
    canon = eff.canonical()
    assert list(canon) == ["a9", "a10", "b"]
    assert isinstance(canon["b"], int)


def test_render_yaml_json_and_redaction() -> None:
    f = Layer.from_text("db:\n  password: hunter2\n  port: 5432.0\nb: on\n", "v.yaml")
    eff = layering.merge([f])
    assert layering.render(eff) == "b: true\ndb:\n  password: <redacted>\n  port: 5432\n"
    assert "hunter2" in layering.render(eff, show_secrets=True)
    assert layering.render(eff, "json") == (
        '{\n  "b": true,\n  "db": {\n    "password": "<redacted>",\n    "port": 5432\n  }\n}\n'
    )
    with pytest.raises(ValueError):
        layering.render(eff, "toml")


def test_render_explanation_redacts_values_and_set_arguments() -> None:
    chart = Layer.from_text("db:\n  password: default-pw\n", "chart.yaml", LayerKind.CHART)
    f = Layer.from_text("db:\n  password: file-pw\n", "prod.yaml")
    eff = layering.merge([f], ["db.password=cli-pw"], chart)
    text = layering.render_explanation(layering.explain(eff, ("db", "password")))
    assert text == (
        'db.password: "<redacted>"\n'
        "  set by    --set db.password=<redacted>\n"
        "  overrides\n"
        '    prod.yaml:2: "<redacted>"\n'
        '    chart.yaml:2: "<redacted>"\n'
    )
    shown = layering.render_explanation(layering.explain(eff, ("db", "password")), show_secrets=True)
    assert "cli-pw" in shown and "file-pw" in shown and "default-pw" in shown
