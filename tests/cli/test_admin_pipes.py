"""Standard input, pipes and process substitution through the installed command; --version; completion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from admin_helpers import SAMPLES, bash, program, run

P21 = (SAMPLES / "platform-2.1.yaml").read_bytes()
P37 = (SAMPLES / "platform-0.37.yaml").read_bytes()
FLAG_21 = "global.deployMechanisms.dagOnlyDeployment.enabled"


# ------------------------------------------------------------------------------------------------ pipes


def test_real_pipe_into_status() -> None:
    r = bash("cat platform-2.1.yaml | astro_config dag-deploy status -")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "<stdin>"
    assert lines[1].startswith("  layout        2.x (inferred from global.deployMechanisms")
    assert f"  global flag   {FLAG_21} = true (<stdin>:" in r.stdout


def test_real_process_substitution_into_status() -> None:
    r = bash("astro_config dag-deploy status <(cat platform-0.37.yaml) <(sleep 0.3; cat platform-2.1.yaml)")
    assert r.returncode == 0, r.stderr
    blocks = r.stdout.split("\n\n")
    assert len(blocks) == 2
    assert re.match(r"/dev/fd/\d+\n  layout        0\.36-1\.x ", blocks[0])
    assert re.match(r"/dev/fd/\d+\n  layout        2\.x ", blocks[1])


def test_process_substitution_into_lint_diff_and_merge() -> None:
    r = bash("astro_config lint <(cat half-enabled.yaml)")
    assert r.returncode == 1 and "[flags-disagree]" in r.stdout and "1 file checked" in r.stdout
    r = bash("astro_config diff <(cat platform-2.1.yaml) platform-2.1.yaml")
    assert r.returncode == 0, r.stdout + r.stderr
    r = bash("astro_config merge -f <(cat platform-0.37.yaml) -f third-party-ingress.yaml --format json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["global"]["nginxEnabled"] is False


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["get", "-", FLAG_21], 0, "true\n"),
        (["lint", "-"], 0, "1 file checked: no problems\n"),
        (["explain", FLAG_21, "-f", "-"], 0, f"{FLAG_21}: true\n  set by    <stdin>:"),
        (["merge", "-f", "-", "--format", "json"], 0, '"deployMechanisms"'),
        (["diff", "-", "platform-2.1.yaml"], 0, "same data"),
        (["dag-deploy", "size", "--upload", "40MB", "-f", "-"], 0, "current       requests 200m CPU"),
    ],
    ids=["get", "lint", "explain", "merge", "diff", "size"],
)
def test_dash_is_standard_input(args: list[str], code: int, expected: str) -> None:
    r = run(*args, stdin=P21)
    assert r.returncode == code, r.stdout + r.stderr
    assert expected in r.stdout


def test_get_missing_key_names_stdin() -> None:
    r = run("get", "-", "global.nope", stdin=P21)
    assert r.returncode == 1 and r.stderr.startswith("error: <stdin>: ")


def test_editing_commands_read_stdin_and_show_the_diff() -> None:
    r = run("set", "-", "global.baseDomain=other.example.com", stdin=P21)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("--- a/<stdin>\n+++ b/<stdin>\n")
    assert "+    baseDomain: other.example.com" in r.stdout
    r = run("dag-deploy", "enable", "-", "--upload", "40MB", stdin=P37)
    assert r.returncode == 0, r.stderr
    assert "+    enabled: true" in r.stdout and '+        cpu: "3"' in r.stdout


def test_migrate_reads_stdin() -> None:
    r = run("migrate", "-", "--to", "2.1.0", "--from", "0.37.7", stdin=P37)
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("<stdin>: 0.36-0.37 -> 2.x") and r.stdout.startswith("--- a/<stdin>\n")


def test_write_in_place_on_stdin_is_refused() -> None:
    r = run("set", "-", "global.baseDomain=x", "-w", stdin=P21)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == "error: <stdin>: cannot write in place: not a file on disk\n"


def test_stdin_and_fifo_size_limits() -> None:
    big = b"a: 1\n" + b"#" * 100 + b"\n"
    r = run("lint", "--max-bytes", "50", "-", stdin=big)
    assert r.returncode == 1 and "<stdin>: error: input is over the 50-byte limit (--max-bytes)" in r.stdout
    r = bash("astro_config lint --max-bytes 1000 <(yes 'a: 1' | head -c 200000)")
    assert r.returncode == 1 and "input is over the 1,000-byte limit (--max-bytes)" in r.stdout
    r = bash("head -c 11000000 /dev/zero | tr '\\0' '#' | astro_config get - a")
    assert r.returncode == 2
    assert r.stderr == "error: <stdin>: input is over the 10,485,760-byte limit (--max-bytes)\n"


def test_named_fifo_with_a_late_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "live.yaml"
    r = bash(f"mkfifo {fifo}; (sleep 0.2; cat platform-2.1.yaml > {fifo}) & astro_config get {fifo} {FLAG_21}")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "true\n"


# ----------------------------------------------------------------------------------------------- version


def test_version() -> None:
    from astro_config import __version__

    r = run("--version")
    assert r.returncode == 0 and r.stdout == f"astro-config {__version__}\n" and r.stderr == ""
    lint = json.loads(run("lint", "platform-2.1.yaml", "--format", "json").stdout)
    assert lint["tool"] == {"name": "astro-config", "version": __version__}
    sarif = json.loads(run("lint", "platform-2.1.yaml", "--format", "sarif").stdout)
    assert sarif["runs"][0]["tool"]["driver"]["version"] == __version__
    status = json.loads(run("dag-deploy", "status", "platform-2.1.yaml", "--format", "json").stdout)
    assert status["tool"]["version"] == __version__
    size = json.loads(run("dag-deploy", "size", "--upload", "1MB", "--format", "json").stdout)
    assert size["tool"]["version"] == __version__
    assert "--version" in run("--help").stdout


# -------------------------------------------------------------------------------------------- completion


def test_show_completion_scripts() -> None:
    for shell in ("bash", "zsh", "fish"):
        r = run("--show-completion", shell)
        assert r.returncode == 0, r.stderr
        assert "_ASTRO_CONFIG_COMPLETE" in r.stdout
    help_text = run("--help").stdout
    assert "--install-completion" in help_text and "--show-completion" in help_text


def test_completion_requests_are_answered() -> None:
    def complete(words: str, cword: int) -> list[str]:
        r = bash(f"_ASTRO_CONFIG_COMPLETE=complete_bash COMP_WORDS={words!r} COMP_CWORD={cword} {' '.join(program())}")
        assert r.returncode == 0, r.stderr
        return r.stdout.split()

    assert complete("astro-config dag-deploy st", 2) == ["status"]
    assert complete("astro-config dag-deploy status --pla", 3) == ["--platform-version"]
    assert "dag-deploy" in complete("astro-config ", 1)
