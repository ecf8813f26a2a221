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

from astro_config.document.reader import load_text
from astro_config.errors import AstroConfigError, InputError, PlatformVersionError
from astro_config.lint import engine as linting
from astro_config.lint.rules import RULES
from astro_config.models import Problem, Severity
from astro_config.platform.sizing import parse_size

ROOT = Path(__file__).resolve().parents[2]
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
def test_a_path_matching_nothing_alone_is_a_usage_error(tmp_path: Path, pattern: str) -> None:
    with pytest.raises(AstroConfigError, match="no file found") as info:
        linting.lint_paths([tmp_path / pattern])
    assert pattern in str(info.value)


@pytest.mark.parametrize("pattern", ["missing.yaml", "nothing/*.yaml"])
def test_a_path_matching_nothing_beside_files_is_a_finding_and_the_rest_go_on(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "a.yaml").write_text("global:\n  dagOnlyDeployment: {enabld: true}\n")
    (tmp_path / "b.yaml").write_text("global: {baseDomain: x.example.com}\n")
    result = linting.lint_paths([tmp_path / "a.yaml", tmp_path / pattern, tmp_path / "b.yaml"], "0.37.7")
    assert result.files == [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), str(tmp_path / pattern)]
    missing = [p for p in result.problems if p.file == str(tmp_path / pattern)]
    assert len(missing) == 1 and missing[0].severity.value == "error" and "no file found" in missing[0].message
    assert any(p.file == str(tmp_path / "a.yaml") for p in result.problems)  # a.yaml was still linted
    assert result.exit_code(False) == 1


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


def test_lint_modules_do_not_import_jsonschema() -> None:
    # The bundled schemas are validated by astro_config.lint.schemas' own compiled validator (jsonschema costs
    # about 0.1 s to import); jsonschema is needed only for a schema with keywords that validator lacks.
    code = (
        "import sys\n"
        "import astro_config.lint.engine, astro_config.lint.rules\n"
        "import astro_config.lint.schemas, astro_config.lint.reporters\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema imported at import time'\n"
        "from astro_config.document.reader import load_text\n"
        "doc = load_text('global: {nginxEnabled: 1}', name='x')\n"
        "problems = astro_config.lint.engine.lint_document(doc, '0.37.7')\n"
        "assert [p.rule for p in problems] == ['schema'], problems\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema imported by lint'\n"
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


# ----------------------------------------------------------------------------------------------------------
# Loading for lint: plain data straight from the parser's events, the full parse only when needed
# ----------------------------------------------------------------------------------------------------------


def _typed(value: object) -> object:
    """``value`` with every scalar's type spelled out (True == 1 and 1 == 1.0 in Python, not here)."""
    if isinstance(value, dict):
        return ("map", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", [_typed(v) for v in value])
    return (type(value).__name__, repr(value))


def _same_as_full_parse(text: str) -> bool:
    """True when fast_data read ``text`` (the same data as the full parser, types and key order included);
    False when it left ``text`` to the full parser."""
    from astro_config.document.reader import load_text as full_load

    try:
        fast = linting.fast_data(text)
    except linting._Unusual:
        return False
    assert _typed(fast) == _typed(full_load(text).data), text
    return True


_SNIPPETS = {
    "plain": "a: 1\nb: [x, 'y', \"z\", 0777, 0x1F, 1_000, 1e3, .inf, ~, null, on, No, y, true, 1.10, '1.10', -0]\n",
    "nested": "a:\n  b:\n    c: {d: [1, {e: f}], g: ''}\n  h: |\n    text\n  i: >-\n    folded\n    text\n",
    "keys": "1: a\ntrue: b\n'on': c\n\"null\": d\n-1: e\n0x10: f\n010: g\nfoo bar: h\n'<<': i\n",
    "yaml11 keys": "on: a\nno: b\n~: c\n12: d\n",
    "yaml11 duplicate keys": "on: a\nyes: b\n",
    "merge": "base: &b {x: 1, y: 2}\nover:\n  y: 0\n  <<: *b\n  x: 3\n",
    "merge list": "a: &a {k: 1, m: 1}\nb: &b {k: 2, n: 2}\nc:\n  <<: [*a, *b]\n  z: 0\n",
    "merge inline": "c:\n  <<: {k: 1}\n  j: 2\n",
    "aliases": "a: &x [1, 2]\nb: *x\nc: &s scalar\nd: *s\ne: &m {p: q}\nf: [*m, *m]\n",
    "empty": "",
    "comment only": "# nothing\n",
    "null document": "~\n",
    "document markers": "---\na: 1\n...\n",
    "empty flow": "a: {}\nb: []\nc:\n",
    "unicode": 'name: "caf\\u00e9 \\U0001F600"\nplain: ünïcode\n',
    # left to the full parser: errors, and what fast_data does not read itself
    "duplicate": "a: 1\na: 2\n",
    "duplicate after merge": "b: &b {x: 1}\nc:\n  x: 0\n  <<: *b\n  x: 2\n",
    "tag": "a: !!str 1\n",
    "float key": "1.5: a\n",
    "complex key": "? [a]\n: 1\n",
    "alias key": "a: &k key\n*k : 1\n",
    "unknown alias": "a: *nope\n",
    "bad merge": "a:\n  <<: 1\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "list root": "- a\n",
    "scalar root": "just text\n",
    "syntax error": "a: [1, 2\n",
    "crlf": "a: 1\r\nb: on\r\n",
    "tab": "a:\n\tb: 1\n",
}
_FAST = {"plain", "nested", "keys", "yaml11 keys", "merge", "merge list", "merge inline", "aliases", "empty",
         "comment only", "null document", "document markers", "empty flow", "unicode"}  # fmt: skip


@pytest.mark.parametrize("name", sorted(_SNIPPETS))
def test_fast_data_reads_what_the_full_parser_reads(name: str) -> None:
    assert _same_as_full_parse(_SNIPPETS[name]) == (name in _FAST)


def test_fast_data_shares_aliased_values_as_the_full_parser_does() -> None:
    data = linting.fast_data(_SNIPPETS["aliases"])
    assert data["a"] is data["b"]
    assert data["f"][0] is data["f"][1] is data["e"]


def test_fast_data_leaves_alias_bombs_and_deep_nesting_to_the_full_parser() -> None:
    from astro_config.document import reader as document

    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 7):
        bomb += f"{'abcdefg'[i]}: &{'abcdefg'[i]} [{', '.join(['*' + 'abcdefg'[i - 1]] * 10)}]\n"
    with pytest.raises(linting._Unusual):
        linting.fast_data(bomb)
    with pytest.raises(InputError, match="alias bomb"):
        document.load_text(bomb)
    deep = "a: " + "[" * (document.MAX_DEPTH + 5) + "]" * (document.MAX_DEPTH + 5) + "\n"
    with pytest.raises(linting._Unusual):
        linting.fast_data(deep)


def _real_and_fixture_files() -> list[Path]:
    shared = ASTRONOMER.parent
    files = sorted(shared.glob("astronomer/v*/values.yaml")) + sorted(shared.glob("corpus/*.yaml"))
    return files + sorted((ROOT / "tests" / "data").rglob("*.yaml")) + sorted((ROOT / "sample-values").rglob("*.yaml"))


def test_fast_data_matches_the_full_parser_on_every_real_and_fixture_file() -> None:
    read = 0
    for path in _real_and_fixture_files():
        read += _same_as_full_parse(path.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff"))
    assert read > 30


def test_fast_data_matches_the_full_parser_on_generated_documents() -> None:
    import random

    rng = random.Random(20261125)
    words = ["a", "b", "on", "Off", "yes", "n", "~", "null", "0777", "0o17", "08", "1_0", "1e2", "-1", ".5",
             "true", "x y", "1.0", "'q'", "\"d\"", "''", "<<", "k:v", "#c", "[1]", "{}", "0x2A", "+1", "-.inf",
             ".NaN"]  # fmt: skip

    def scalar() -> str:
        word = rng.choice(words)
        style = rng.random()
        if style < 0.6 and not word.startswith(("'", '"', "#", "[", "{")) and word != "k:v":
            return word
        if style < 0.8:
            return "'" + word.replace("'", "''") + "'"
        return json.dumps(word)

    def block(depth: int, indent: int) -> list[str]:
        lines: list[str] = []
        keys = [f"k{i}" for i in range(rng.randint(1, 4))] + rng.sample(["on", "1", "'x'", "true"], rng.randint(0, 2))
        for key in dict.fromkeys(keys):
            pad = " " * indent
            kind = rng.random()
            if depth < 3 and kind < 0.3:
                lines.append(f"{pad}{key}:")
                lines += block(depth + 1, indent + 2)
            elif depth < 3 and kind < 0.45:
                lines.append(f"{pad}{key}:")
                lines += [f"{pad}  - {scalar()}" for _ in range(rng.randint(1, 3))]
            elif kind < 0.6:
                lines.append(f"{pad}{key}: [{', '.join(scalar() for _ in range(rng.randint(0, 3)))}]")
            elif kind < 0.7:
                lines.append(f"{pad}{key}: {{m: {scalar()}, n: {scalar()}}}")
            else:
                lines.append(f"{pad}{key}: {scalar()}  # note")
        return lines

    read = 0
    for _ in range(400):
        text = "\n".join(block(0, 0)) + "\n"
        if rng.random() < 0.3:
            text = "anchor: &A {x: 1, y: [2, 3]}\n" + text + "merged:\n  <<: *A\n  x: 9\nalias: *A\n"
        read += _same_as_full_parse(text)
    assert read > 300


def test_lint_findings_do_not_depend_on_the_loader() -> None:
    from astro_config.document import reader as document

    files = [str(p) for p in _real_and_fixture_files() if "layering" not in p.parts]
    fast = linting.lint_paths(files)
    full = linting.lint_paths(files, loader=document.load_file)
    assert fast.problems == full.problems
    assert len(fast.problems) > 40


def test_loading_for_lint_parses_in_full_only_when_positions_are_needed(tmp_path: Path) -> None:
    clean = tmp_path / "clean.yaml"
    clean.write_text("global:\n  dagOnlyDeployment:\n    enabled: false\n", encoding="utf-8")
    doc = linting.load_for_lint(str(clean))
    assert isinstance(doc, linting.FastDocument)
    assert linting.lint_document(doc, "0.37.7") == []
    assert doc._full is None  # no finding, no position needed
    assert doc.yaml11_plain_scalars is False
    flagged = tmp_path / "flagged.yaml"
    flagged.write_bytes(b"\xef\xbb\xbfglobal:\n  dagOnlyDeployment:\n    enabled: on\n")
    doc = linting.load_for_lint(str(flagged))
    assert isinstance(doc, linting.FastDocument) and doc.yaml11_plain_scalars is True
    problems = linting.lint_document(doc, "0.37.7")
    assert [(p.rule, p.line) for p in problems] == [("flags-disagree", 3), ("yaml11-type", 3)]
    assert doc._full is not None
    dup = tmp_path / "dup.yaml"
    dup.write_text("a: 1\na: 2\n", encoding="utf-8")
    ((problem),) = linting.lint_file(str(dup))
    assert (problem.rule, problem.line) == ("duplicate-key", 2)


def test_yaml11_values_are_found_in_crlf_files_too() -> None:
    text = "global:\r\n  dagOnlyDeployment:\r\n    enabled: on\r\n    tag: 0.9.2\r\n"
    problems = linting.lint_document(load_text(text, name="x.yaml"), "0.37.7")
    assert [(p.rule, p.line) for p in problems] == [("flags-disagree", 3), ("yaml11-type", 3)]


def test_jobs_give_the_same_result_as_one_process() -> None:
    one = linting.lint_paths([FIXTURES], jobs=1)
    assert linting.effective_jobs(2, len(one.files)) == 2
    two = linting.lint_paths([FIXTURES], jobs=2)
    assert two == one
    assert linting.effective_jobs(0, 3) == 1 and linting.effective_jobs(None, 100) >= 1
