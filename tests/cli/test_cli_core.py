"""The get and set commands, and how main() turns errors into exit codes (in process, through CliRunner)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from astro_config.cli import main as cli
from astro_config.cli.main import app, main
from astro_config.document import editing
from astro_config.errors import VerificationError
from astro_config.helm.setvalues import typed_value

SAMPLE = """\
# a sample
global:
  baseDomain: example.com   # the domain
  list: [1, 2]
  empty: {}
  flag: on
image:
  tag: '1.0'
"""


@pytest.fixture
def values(tmp_path: Path) -> Path:
    f = tmp_path / "values.yaml"
    f.write_text(SAMPLE)
    return f


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result


# --------------------------------------------------------------------------------------------------------------
# get
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "out"),
    [
        ("global.baseDomain", "example.com\n"),
        ("global.list", "- 1\n- 2\n"),
        ("global.list[1]", "2\n"),
        ("global.empty", "{}\n"),
        ("global.flag", "true\n"),
        ("image.tag", "1.0\n"),
        ("image", 'tag: "1.0"\n'),
    ],
)
def test_get(values: Path, key: str, out: str) -> None:
    result = run("get", str(values), key)
    assert result.exit_code == 0, result.output
    assert result.stdout == out
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("key", "code", "message"),
    [
        ("global.nope", 1, "global.nope is not set"),
        ("global.baseDomain.x", 1, "global.baseDomain is a string, not a mapping"),
        ("global.list[5]", 1, "global.list has 2 item(s); index 5 is out of range"),
        ("a..b", 2, "empty key in key path"),
        ("a[x]", 2, "bad list index"),
    ],
)
def test_get_errors(values: Path, key: str, code: int, message: str) -> None:
    result = run("get", str(values), key)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and message in result.stderr


def test_get_on_an_unusable_file(tmp_path: Path) -> None:
    result = run("get", str(tmp_path / "missing.yaml"), "a")
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'missing.yaml'}: no such file\n"


# --------------------------------------------------------------------------------------------------------------
# set
# --------------------------------------------------------------------------------------------------------------


def test_set_prints_a_diff_and_writes_nothing(values: Path) -> None:
    result = run("set", str(values), "global.baseDomain=example.org")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2:] == [
        "@@ -1,6 +1,6 @@",
        " # a sample",
        " global:",
        "-  baseDomain: example.com   # the domain",
        "+  baseDomain: example.org   # the domain",
        "   list: [1, 2]",
        "   empty: {}",
        "   flag: on",
    ]
    assert values.read_text() == SAMPLE


def test_set_write_check_and_output(values: Path, tmp_path: Path) -> None:
    assert run("set", str(values), "global.dagOnlyDeployment.enabled=true", "--check").exit_code == 1
    result = run("set", str(values), "global.dagOnlyDeployment.enabled=true", "-w")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"updated {values}\n"
    assert values.read_text() == SAMPLE.replace("  flag: on\n", "  flag: on\n  dagOnlyDeployment:\n    enabled: true\n")
    check = run("set", str(values), "global.dagOnlyDeployment.enabled=true", "--check")
    assert check.exit_code == 0 and check.stderr == f"{values}: already in the requested state\n"
    out = tmp_path / "out.yaml"
    result = run("set", str(values), "image.tag=2.0", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "tag: '2.0'" in out.read_text() and "tag: '1.0'" in values.read_text()


@pytest.mark.parametrize(
    ("assignment", "line"),
    [
        ("k=true", "k: true"),
        ("k=FALSE", "k: false"),
        ("k=null", "k: null"),
        ("k=0", "k: 0"),
        ("k=-5", "k: -5"),
        ("k=0777", 'k: "0777"'),  # a string for --set; quoted so that Helm does not read an octal number
        ("k=1.5", 'k: "1.5"'),
        ("k=on", 'k: "on"'),
        ("k=hello world", "k: hello world"),
        ("k=a: b", 'k: "a: b"'),
        ("k=", 'k: ""'),
        ("k=9223372036854775808", 'k: "9223372036854775808"'),
    ],
)
def test_set_types_values_like_helm(values: Path, assignment: str, line: str) -> None:
    result = run("set", str(values), assignment)
    assert result.exit_code == 0, result.output
    assert f"+{line}" in result.stdout.splitlines()


def test_set_string(values: Path) -> None:
    result = run("set", str(values), "--string", "k=true", "num=5")
    assert result.exit_code == 0, result.output
    assert '+k: "true"' in result.stdout and '+num: "5"' in result.stdout


@pytest.mark.parametrize(
    ("helm", "value"),
    [("true", True), ("True", True), ("false", False), ("null", None), ("0", 0), ("12", 12), ("-3", -3),
     ("+3", 3), ("007", "007"), ("1e3", "1e3"), ("0x10", "0x10"), ("", ""), ("-", "-"), ("٣", "٣"),
     ("fal\u017fe", False), ("TRUE", True), ("NuLL", None)],
)  # fmt: skip
def test_helm_set_type(helm: str, value: Any) -> None:
    got = typed_value(helm)
    assert type(got) is type(value) and got == value


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["global.baseDomain"], "expected KEY=VALUE, got 'global.baseDomain'"),
        (["global.baseDomain.x=1"], "cannot create 'x' under global.baseDomain: it is a string, not a mapping"),
        (["global.list[7]=1"], "lists are not extended"),
        (["=1"], "empty key path"),
        (["a=1", "--check", "-w"], "--check writes nothing"),
        (["a=1", "--backup"], "--backup goes with -w"),
    ],
)
def test_set_errors(values: Path, args: list[str], message: str) -> None:
    result = run("set", str(values), *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert values.read_text() == SAMPLE


def test_a_verification_failure_exits_3_and_writes_nothing(values: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(doc: Any, edits: Any) -> Any:
        raise VerificationError("internal error: the edited values.yaml would change x unexpectedly")

    monkeypatch.setattr(editing, "apply_edits", broken)
    result = run("set", str(values), "a=1", "-w")
    assert result.exit_code == 3
    assert values.read_text() == SAMPLE


@pytest.mark.parametrize("wrong", ["[unclosed", "other.org", "x.org\nextra: 1"])
def test_a_wrong_splice_is_caught_by_verification(values: Path, monkeypatch: pytest.MonkeyPatch, wrong: str) -> None:
    """If the splice computation had a bug, the verification step refuses (exit 3) and nothing is written."""
    real = editing._replace_value

    def off_by_one(doc: Any, entry: Any, value: Any, style: Any) -> Any:
        s = real(doc, entry, value, style)
        return editing.Splice(s.start, s.end, wrong)

    monkeypatch.setattr(editing, "_replace_value", off_by_one)
    result = run("set", str(values), "global.baseDomain=x.org", "-w")
    assert result.exit_code == 3, result.output
    assert "internal error" in result.stderr and result.stderr.count("\n") == 1
    assert values.read_text() == SAMPLE


# --------------------------------------------------------------------------------------------------------------
# main(): the console entry point
# --------------------------------------------------------------------------------------------------------------


def call_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["astro-config", *args])
    with pytest.raises(SystemExit) as info:
        main()
    code = info.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().err


def test_main_maps_an_unexpected_crash_to_exit_3(
    values: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crash(*a: Any, **k: Any) -> Any:
        raise ZeroDivisionError("secret-value-in-message")

    monkeypatch.delenv("ASTRO_CONFIG_DEBUG", raising=False)
    monkeypatch.setattr(editing, "apply_edits", crash)
    code, err = call_main(monkeypatch, capsys, "set", str(values), "a=1", "-w")
    assert code == 3
    assert err.startswith("internal error: ZeroDivisionError at test_cli_core.py:")
    assert err.count("\n") == 1 and "Traceback" not in err and "secret-value-in-message" not in err
    assert values.read_text() == SAMPLE


def test_main_user_errors_exit_2(
    values: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = call_main(monkeypatch, capsys, "set", str(values), "global.baseDomain.x=1")
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ")


def test_main_interrupt(values: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*a: Any, **k: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.document if hasattr(cli, "document") else editing, "apply_edits", interrupted)
    monkeypatch.setattr(editing, "apply_edits", interrupted)
    code, err = call_main(monkeypatch, capsys, "set", str(values), "a=1")
    assert code == 130 and err == "interrupted\n"
