"""``cli.main()`` builds only the command it runs (``cli.command_for``): it must behave exactly like the whole
app, for every command, for help, for typos and for errors."""

from __future__ import annotations

import sys
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astro_config.cli import main as cli
from astro_config.cli.main import app, command_for


def all_command_paths() -> list[list[str]]:
    paths: list[list[str]] = []
    for c in app.registered_commands:
        assert c.name
        paths.append([c.name])
    for g in app.registered_groups:
        assert g.name and g.typer_instance
        paths.append([g.name])
        paths += [[g.name, c.name] for c in g.typer_instance.registered_commands if c.name]
    return paths


def run(command: Any, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        command.main(args, prog_name="astro-config", standalone_mode=True)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
    out, err = capsys.readouterr()
    return code, out, err


PATHS = all_command_paths()
SAMPLE = "sample-values/platform-0.37.yaml"
CASES = (
    [[], ["--help"], ["lnt"], ["dag-deploy", "enabel"], ["--bogus"], ["dag-deploy", "--help"], ["dag-deploy"]]
    + [["--", "lint", SAMPLE], ["dag-deploy", "--", "status", SAMPLE], ["--bogus", "lint", SAMPLE], ["--help", "lint"]]
    + [[*p, "--help"] for p in PATHS]
    + [[*p, "--no-such-option"] for p in PATHS]
    + [["get", SAMPLE, "global.dagOnlyDeployment.enabled"], ["dag-deploy", "size", "--upload", "40MB"]]
    + [["dag-deploy", "status", SAMPLE], ["dag-deploy", "enable", SAMPLE], ["lint", SAMPLE, "--format", "json"]]
)


def test_every_command_is_covered() -> None:
    assert {"get", "set", "lint", "schema", "merge", "explain", "diff"} <= {p[0] for p in PATHS}
    assert ["dag-deploy", "enable"] in PATHS and ["dag-deploy", "size"] in PATHS


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a) or "(none)")
def test_narrowed_command_behaves_like_the_whole_app(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(cli.Path(__file__).resolve().parents[2])
    whole = run(typer.main.get_command(app), args, capsys)
    narrow = run(command_for(args), args, capsys)
    assert narrow == whole
    assert whole[1] or whole[2]  # it did something visible


@pytest.mark.parametrize(
    ("args", "built"),
    [
        (["lint", "x.yaml"], {"lint"}),
        (["dag-deploy", "enable", "-w", "x.yaml"], {"dag-deploy"}),
        (["dag-deploy", "--help"], {"dag-deploy"}),
        (["--help"], None),
        (["lnt"], None),
    ],
)
def test_only_the_named_command_is_built(args: list[str], built: set[str] | None) -> None:
    command = command_for(args)
    names = set(command.commands) if hasattr(command, "commands") else set()
    if built is None:
        assert names == {p[0] for p in PATHS}
    else:
        assert names == built
    if args[:2] == ["dag-deploy", "enable"]:
        assert set(command.commands["dag-deploy"].commands) == {"enable"}
    if args == ["dag-deploy", "--help"]:
        assert set(command.commands["dag-deploy"].commands) == {"status", "enable", "disable", "size", "verify"}
    if built is None or (args[-1] == "--help" and len(args) == 2):  # nothing named to run: parameterless stand-ins
        group = command if built is None else command.commands[args[0]]
        for sub in group.commands.values():
            if not hasattr(sub, "commands"):
                assert [p.name for p in sub.params] == [], sub.name
    else:  # the named command is the real one, with its parameters
        assert (
            command.commands[args[0]].commands[args[1]].params
            if args[0] == "dag-deploy"
            else command.commands[args[0]].params
        )


def test_main_uses_the_narrowed_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["astro-config", "dag-deploy", "size", "--upload", "40MB"])
    seen: list[list[str]] = []
    real = cli.command_for

    def spy(argv: list[str]) -> Any:
        seen.append(argv)
        return real(argv)

    monkeypatch.setattr(cli, "command_for", spy)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 0 and seen == [["dag-deploy", "size", "--upload", "40MB"]]
    assert "requests" in capsys.readouterr().out


TOKENS = [
    "lint",
    "get",
    "set",
    "schema",
    "merge",
    "explain",
    "diff",
    "dag-deploy",
    "status",
    "enable",
    "disable",
    "size",
    "--help",
    "-h",
    "--",
    "--format",
    "json",
    "text",
    "--upload",
    "40MB",
    "-f",
    SAMPLE,
    SAMPLE,
    "x",
    "global.dagOnlyDeployment.enabled",
    "a=1",
    "--bogus",
    "--platform-version",
    "0.37.7",
    "--set",
    "--check",
]  # fmt: skip  (nothing that writes: no -w, -o, --overrides, --diff-file)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    args=st.builds(
        lambda lead, names, rest: [*lead, *names, *rest],
        st.lists(st.sampled_from(["--", "--help", "-h", "--bogus", "x"]), max_size=2),
        st.lists(st.sampled_from(TOKENS[:12]), max_size=2),  # command and group names
        st.lists(st.sampled_from(TOKENS), max_size=5),
    )
)
def test_any_argv_behaves_like_the_whole_app(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(cli.Path(__file__).resolve().parents[2])
    capsys.readouterr()
    whole = run(typer.main.get_command(app), args, capsys)
    narrow = run(command_for(args), args, capsys)
    assert narrow == whole, args
