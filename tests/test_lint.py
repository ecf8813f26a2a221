"""The lint engine: fixtures with exact expected findings, real chart files, path expansion, suppressions."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from astro_config import linting
from astro_config.document import load_text
from astro_config.errors import AstroConfigError, PlatformVersionError
from astro_config.models import Problem, Severity
from astro_config.rules import RULES
from astro_config.sizing import parse_size

ROOT = Path(__file__).resolve().parent.parent
ASTRONOMER = Path(os.environ.get("ASTRO_CONFIG_SHARED", ROOT.parent / "shared")) / "astronomer"
ASTRONOMER_RELEASES = {"v0.34.5": "0.34.5", "v0.36.1": "0.36.1", "v0.37.7": "0.37.7", "v2.1.0": "2.1.0"}
needs_shared = pytest.mark.skipif(not ASTRONOMER.is_dir(), reason="../shared/astronomer is not present")
FIXTURES = ROOT / "tests" / "data" / "lint"
_EXPECT = re.compile(r"^# expect: (?P<rule>[a-z0-9-]+) (?P<line>\d+):(?P<col>\d+)$", re.M)
_ARGS = re.compile(r"^# args: (.*)$", re.M)


@dataclass(frozen=True)
class Case:
    path: Path
    platform_version: str | None
    upload_bytes: int | None
    upload_label: str | None
    expected: list[tuple[str, int, int]]

    @property
    def generation(self) -> str:
        return self.path.name.split("-", 1)[0]


def read_case(path: Path) -> Case:
    """A fixture's header: ``# args: --platform-version V --upload SIZE`` and ``# expect: RULE LINE:COL`` lines."""
    text = path.read_text(encoding="utf-8")
    args: list[str] = []
    for m in _ARGS.finditer(text):
        args += shlex.split(m.group(1))
    version = upload = label = None
    while args:
        opt, value, *args = args
        if opt == "--platform-version":
            version = value
        elif opt == "--upload":
            upload, label = parse_size(value), f"--upload {value}"
        else:  # pragma: no cover - a broken fixture header
            raise AssertionError(f"{path.name}: unknown option {opt} in # args")
    expected = sorted((m["rule"], int(m["line"]), int(m["col"])) for m in _EXPECT.finditer(text))
    return Case(path, version, upload, label, expected)


CASES = [read_case(p) for p in sorted(FIXTURES.glob("*.yaml"))]


def lint_case(case: Case, name: str | None = None) -> list[Problem]:
    return linting.lint_file(
        name or str(case.path), case.platform_version, case.upload_bytes, upload_label=case.upload_label
    )


@pytest.mark.parametrize("case", CASES, ids=[c.path.stem for c in CASES])
def test_fixture_findings_exactly(case: Case) -> None:
    problems = lint_case(case)
    got = sorted((p.rule, p.line, p.column) for p in problems)
    assert got == case.expected, "\n".join(f"{p.line}:{p.column} {p.rule}: {p.message}" for p in problems)
    for p in problems:
        assert p.file == str(case.path)
        assert p.severity is RULES[p.rule].severity
        assert p.message and p.hint
        assert "\n" not in p.message


def test_fixture_tree_is_broad_enough() -> None:
    broken = [c for c in CASES if c.expected]
    assert len(broken) >= 30
    assert len(CASES) - len(broken) >= 2  # clean cases as well
    by_generation: dict[str, int] = {}
    for c in broken:
        by_generation[c.generation] = by_generation.get(c.generation, 0) + 1
    assert by_generation.get("034", 0) + by_generation.get("035", 0) >= 8
    assert by_generation.get("036", 0) >= 8
    assert by_generation.get("2", 0) >= 8
    covered = {rule for c in CASES for rule, _, _ in c.expected}
    assert covered == set(RULES), f"rules without a fixture: {sorted(set(RULES) - covered)}"


def test_fixtures_are_reported_where_the_key_is() -> None:
    """The position of a key finding is the key's own text in the file (or, for a key the file lacks, the
    nearest ancestor it has)."""
    exact = 0
    for case in CASES:
        lines = case.path.read_text(encoding="utf-8").splitlines()
        for p in lint_case(case):
            if not p.key:
                continue
            parts = [part.replace("\\.", ".") for part in re.split(r"(?<!\\)\.", p.key)]
            at = lines[p.line - 1][p.column - 1 :]
            assert any(at.startswith(f"{part}:") for part in parts), (case.path.name, p)
            exact += at.startswith(f"{parts[-1]}:")
    assert exact >= 50


# ----------------------------------------------------------------------------------------------------------
# Real chart files
# ----------------------------------------------------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize("release", sorted(ASTRONOMER_RELEASES))
def test_chart_values_have_no_error_at_their_own_version(release: str) -> None:
    path = ASTRONOMER / release / "values.yaml"
    version = ASTRONOMER_RELEASES[release]
    result = linting.lint_paths([path], version)
    assert result.problems == []
    # and the same when the layout is inferred from the keys
    assert linting.lint_paths([path]).problems == []


@needs_shared
def test_chart_values_against_another_generation_report_the_wrong_keys() -> None:
    path = ASTRONOMER / "v0.34.5" / "values.yaml"
    problems = linting.lint_paths([path], "2.1.0").problems
    errors = [p for p in problems if p.severity is Severity.ERROR]
    assert [(p.rule, p.key, p.line) for p in errors] == [("wrong-generation", "global.dagOnlyDeployment", 124)]
    # keys renamed in 2.x are warned about as close names of the 2.x keys
    renamed = {p.key: p.hint for p in problems if p.rule == "unknown-key"}
    assert renamed["global.podDisruptionBudgetsEnabled"] == "did you mean 'podDisruptionBudgets'?"


@needs_shared
def test_two_hundred_files_lint_quickly(tmp_path: Path) -> None:
    sources = sorted(ASTRONOMER.glob("v*/values.yaml"))
    for i in range(200):
        (tmp_path / f"values-{i:03d}.yaml").write_bytes(sources[i % len(sources)].read_bytes())
    start = time.perf_counter()
    result = linting.lint_paths([tmp_path])
    elapsed = time.perf_counter() - start
    assert len(result.files) == 200
    assert result.problems == []
    assert elapsed < 20, f"linting 200 chart files took {elapsed:.1f}s"


# ----------------------------------------------------------------------------------------------------------
# Paths
# ----------------------------------------------------------------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "a.yaml").write_text("global: {}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text("global: {}\n")
    (tmp_path / "sub" / "notes.txt").write_text("not yaml\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.yaml").write_text("global: {}\n")
    return tmp_path


def test_directories_are_walked_for_yaml_files(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    files = linting.expand_paths([root])
    assert files == [str(root / "a.yaml"), str(root / "sub" / "b.yml")]


def test_globs_are_expanded_and_files_appear_once(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    files = linting.expand_paths([f"{root}/**/*.y*ml", root / "a.yaml", root])
    assert files == [str(root / "a.yaml"), str(root / "sub" / "b.yml")]


def test_a_named_file_is_linted_whatever_its_suffix(tmp_path: Path) -> None:
    f = tmp_path / "values.txt"
    f.write_text("global: {}\n")
    assert linting.expand_paths([f]) == [str(f)]


@pytest.mark.parametrize("pattern", ["missing.yaml", "nothing/*.yaml"])
def test_a_path_matching_nothing_is_a_usage_error(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "a.yaml").write_text("global: {}\n")
    with pytest.raises(AstroConfigError, match="no file found") as info:
        linting.lint_paths([tmp_path / "a.yaml", tmp_path / pattern])
    assert pattern in str(info.value)


def test_an_empty_folder_is_no_file_found(tmp_path: Path) -> None:
    with pytest.raises(AstroConfigError, match="no file found"):
        linting.lint_paths([tmp_path])
    with pytest.raises(AstroConfigError, match="no file found"):
        linting.lint_paths([])


def test_a_bad_platform_version_stops_the_run_before_reading(tmp_path: Path) -> None:
    with pytest.raises(PlatformVersionError):
        linting.lint_paths([tmp_path / "does-not-matter.yaml"], "banana")
    with pytest.raises(PlatformVersionError, match="no DAG-only deploys"):
        linting.lint_paths([FIXTURES / "clean-2-sized.yaml"], "0.20.0")


def test_the_run_goes_on_after_bad_files(tmp_path: Path) -> None:
    (tmp_path / "1-broken.yaml").write_text("global: [\n")
    (tmp_path / "2-dup.yaml").write_text("a: 1\na: 2\n")
    (tmp_path / "3-binary.yaml").write_bytes(b"a: \x00\n")
    (tmp_path / "4-bad.yaml").write_text(
        "global:\n  dagOnlyDeployment:\n    enabled: true\n    image: quay.io/astronomer/ap-dag-deploy:0.3.6\n"
    )
    result = linting.lint_paths([tmp_path])
    assert [Path(f).name for f in result.files] == ["1-broken.yaml", "2-dup.yaml", "3-binary.yaml", "4-bad.yaml"]
    assert [(Path(p.file).name, p.rule) for p in result.problems] == [
        ("1-broken.yaml", "syntax"),
        ("2-dup.yaml", "duplicate-key"),
        ("3-binary.yaml", "syntax"),
        ("4-bad.yaml", "flags-disagree"),
    ]
    assert result.exit_code() == 1


def test_exit_codes_follow_severity(tmp_path: Path) -> None:
    clean = linting.lint_paths([FIXTURES / "clean-2-sized.yaml"])
    assert clean.problems == [] and clean.exit_code() == 0 and clean.exit_code(strict=True) == 0
    warned = linting.lint_paths([FIXTURES / "036-fsgroup-octal.yaml"])
    assert {p.severity for p in warned.problems} == {Severity.WARNING}
    assert warned.exit_code() == 0
    assert warned.exit_code(strict=True) == 1


def test_upload_bytes_apply_to_every_file() -> None:
    paths = [FIXTURES / "clean-2-sized.yaml", FIXTURES / "036-upload-too-small.yaml"]
    result = linting.lint_paths(paths, upload_bytes=46_000_000, upload_label="--dags-dir dags")
    too_small = [p for p in result.problems if p.rule == "resources-too-small"]
    assert [Path(p.file).name for p in too_small] == ["clean-2-sized.yaml", "036-upload-too-small.yaml"]
    assert "(--dags-dir dags)" in too_small[0].message
    assert "4 CPU / 6Gi" in too_small[0].message


def test_custom_loader_and_display_names(tmp_path: Path) -> None:
    seen: list[str] = []

    def loader(path: str) -> object:
        seen.append(path)
        return load_text("global:\n  dagOnlyDeployment:\n    enabled: true\n    tag: 0.9.2\n", name="shown.yaml")

    (tmp_path / "x.yaml").write_text("")
    result = linting.lint_paths([tmp_path / "x.yaml"], loader=loader)  # type: ignore[arg-type]
    assert seen == [str(tmp_path / "x.yaml")]
    assert [(p.file, p.rule, p.line, p.column) for p in result.problems] == [("shown.yaml", "flags-disagree", 3, 5)]


# ----------------------------------------------------------------------------------------------------------
# Engine details
# ----------------------------------------------------------------------------------------------------------


def test_unknown_platform_without_evidence_has_no_position() -> None:
    doc = load_text("global:\n  baseDomain: example.com\n", name="x.yaml")
    (p,) = linting.lint_document(doc)
    assert (p.rule, p.line, p.column, p.key) == ("unknown-platform", 0, 0, "")
    assert p.message.startswith("cannot tell the platform layout from the file")
    # with a version the same file is fine
    assert linting.lint_document(doc, "0.37.7") == []


def test_an_empty_file_needs_a_platform_version() -> None:
    doc = load_text("", name="empty.yaml")
    assert [p.rule for p in linting.lint_document(doc)] == ["unknown-platform"]
    assert linting.lint_document(doc, "2.1.0") == []


def test_findings_are_sorted_by_position() -> None:
    problems = lint_case(read_case(FIXTURES / "036-houston-typo.yaml"))
    assert [(p.line, p.column) for p in problems] == sorted((p.line, p.column) for p in problems)


@pytest.mark.parametrize(
    ("line", "ids"),
    [
        ("  enabled: true  # astro-config: disable=flags-disagree", {"flags-disagree"}),
        ("# astro-config: disable=schema,yaml11-type", {"schema", "yaml11-type"}),
        ("#astro-config:disable=schema, quantity", {"schema", "quantity"}),
        ("  enabled: true  # a comment", set()),
        ("  enabled: true", set()),
    ],
)
def test_suppression_comments(line: str, ids: set[str]) -> None:
    assert linting.suppressed_rules(line) == ids


def test_suppression_applies_to_its_line_and_the_next_only() -> None:
    text = (
        "# astro-config: disable=flags-disagree\n"
        "global:\n"
        "  dagOnlyDeployment:\n"
        "    # astro-config: disable=flags-disagree\n"
        "\n"
        "    enabled: true\n"
        "    tag: 0.9.2\n"
    )
    problems = linting.lint_document(load_text(text, name="x.yaml"))
    assert [(p.rule, p.line) for p in problems] == [("flags-disagree", 6)]  # the comment is two lines up
    suppressed = text.replace(
        "    enabled: true\n", "    enabled: true # astro-config: disable=schema,flags-disagree\n"
    )
    assert linting.lint_document(load_text(suppressed, name="x.yaml")) == []


def test_suppressing_another_rule_keeps_the_finding() -> None:
    text = "global:\n  dagOnlyDeployment:\n    enabled: true  # astro-config: disable=schema\n    tag: 0.9.2\n"
    assert [p.rule for p in linting.lint_document(load_text(text, name="x.yaml"))] == ["flags-disagree"]


def test_lint_modules_do_not_import_jsonschema_until_validating() -> None:
    code = (
        "import sys\n"
        "import astro_config.linting, astro_config.rules, astro_config.schemas, astro_config.reporters\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema imported at import time'\n"
        "from astro_config.document import load_text\n"
        "astro_config.linting.lint_document(load_text('global: {nginxEnabled: true}', name='x'), '0.37.7')\n"
        "assert 'jsonschema' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ----------------------------------------------------------------------------------------------------------
# run_lint: the command without the shell
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "strict", "code"),
    [("clean-2-sized.yaml", False, 0), ("036-fsgroup-octal.yaml", False, 0), ("036-fsgroup-octal.yaml", True, 1),
     ("034-flags-global-only.yaml", False, 1)],
)  # fmt: skip
def test_run_lint_exit_codes(name: str, strict: bool, code: int) -> None:
    out = io.StringIO()
    assert linting.run_lint([FIXTURES / name], stream=out, strict=strict) == code
    assert out.getvalue().endswith("1 file checked: no problems\n" if name.startswith("clean") else " in 1 file\n")


def test_run_lint_formats_and_options() -> None:
    out = io.StringIO()
    code = linting.run_lint(
        [FIXTURES / "036-upload-too-small.yaml"],
        stream=out,
        fmt="json",
        upload_bytes=20_000_000,
        upload_label="--upload 20MB",
        platform_version="0.37.7",
    )
    assert code == 1
    (problem,) = json.loads(out.getvalue())["problems"]
    assert problem["rule"] == "resources-too-small"
    assert "(--upload 20MB)" in problem["message"]


def test_run_lint_usage_errors_write_nothing(tmp_path: Path) -> None:
    out = io.StringIO()
    with pytest.raises(AstroConfigError, match="unknown format 'xml'; choose one of text, json, github, sarif"):
        linting.run_lint([FIXTURES], stream=out, fmt="xml")
    with pytest.raises(AstroConfigError, match="no file found"):
        linting.run_lint([tmp_path / "nope.yaml"], stream=out)
    assert out.getvalue() == ""
