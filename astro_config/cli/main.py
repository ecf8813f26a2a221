"""The ``astro-config`` command line: the root Typer app, its commands, and the console entry point.

Command bodies live in one module per command group (:mod:`values`, :mod:`lint`, :mod:`layers`,
:mod:`dagdeploy`); shared options and error handling in :mod:`options`. This module only registers them and
dispatches argv (building only the command that argv names: :func:`command_for`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer
from typer._click.core import Command, Context
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from astro_config.cli.options import err
from astro_config.errors import ExitCode

if TYPE_CHECKING:
    from typer.models import CommandInfo

# lazy imports: start-up. The core and rarely needed libraries are imported inside the command (or error
# path) that needs them: --help and dag-deploy size stay under 0.15 s (tests/cli/test_imports.py).


class OneLineErrors(TyperGroup):
    """The root group: every usage error (unknown option, missing argument, bad value) is one line on stderr,
    ``error: ...`` with a pointer to ``--help``, exit 2, instead of click's four (usage, hint, blank, error)."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None, **extra: Any
    ) -> Context:
        words = list(args)
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except NoArgsIsHelpError:
            raise
        except UsageError as e:
            raise _one_line(e, words, self._path(info_name, words)) from None
        ctx.meta["astro_config.argv"] = (info_name, words)
        return ctx

    def invoke(self, ctx: Context) -> Any:  # (Any: whatever the command returns, as click's own)
        try:
            return super().invoke(ctx)
        except (_OneLine, NoArgsIsHelpError):
            raise
        except UsageError as e:
            info_name, words = ctx.meta.get("astro_config.argv", (ctx.info_name, []))
            raise _one_line(e, words, self._path(info_name, words)) from None

    def _path(self, info_name: str | None, words: list[str]) -> str:
        """The command the words name (``astro-config dag-deploy enable``), for the --help pointer."""
        path = [info_name or "astro-config"]
        group: Command = self
        for word in words:
            if word.startswith("-"):
                continue
            sub = group.commands.get(word) if isinstance(group, TyperGroup) else None
            if sub is None:
                break
            path.append(word)
            group = sub
        return " ".join(path)


class _OneLine(UsageError):
    def show(self, file: IO[Any] | None = None) -> None:
        sys.stderr.write(f"error: {self.message}\n")


def _one_line(e: UsageError, args: list[str], command: str) -> UsageError:
    message = e.format_message().rstrip(".")
    option = getattr(e, "option_name", None)
    if option and any(a.startswith(option) and "=" in a for a in args):
        message += f" (a KEY=VALUE whose key starts with '-' goes after --: FILE -- {option}=...)"
    where = e.ctx.command_path if e.ctx is not None else command
    one = _OneLine(f"{message}; see '{where} --help'", e.ctx)
    one.exit_code = e.exit_code
    return one


def _new_app() -> typer.Typer:
    """The root app, with no command registered yet."""
    new = typer.Typer(
        name="astro-config",
        cls=OneLineErrors,
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
        # --install-completion / --show-completion: typer builds the two options from data it has imported anyway
        # (about 0.3 ms); completing a command line builds the whole app (see command_for)
        add_completion=True,
        help=(
            "Switch on, size and lint DAG-only deploys in Astronomer Software Helm values files.\n\n"
            "Edits are spliced into the original text: untouched lines stay byte-identical, every edit is verified "
            "before anything is written, and writes are atomic. By default an editing command prints a diff and "
            "writes nothing; add -w to write in place.\n\n"
            "Exit codes: 0 ok, 1 findings / would change / differs, 2 bad usage or unusable input, 3 internal error."
        ),
    )
    new.callback()(_root)
    return new


COMPLETE_VAR = "_ASTRO_CONFIG_COMPLETE"
"""Set by the shell's completion script when it asks for completions (click's protocol)."""


def _print_version(value: bool) -> None:
    if value:
        from astro_config import __version__

        sys.stdout.write(f"astro-config {__version__}\n")
        raise typer.Exit(0)


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version),
    ] = False,
) -> None:
    """(The root group: only the eager --version option.)"""


# Every command: its name, the module of cli/ that holds it, its function. The order is --help's.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("get", "values", "get_cmd"),
    ("set", "values", "set_cmd"),
    ("lint", "lint", "lint_cmd"),
    ("merge", "layers", "merge_cmd"),
    ("explain", "layers", "explain_cmd"),
    ("diff", "layers", "diff_cmd"),
    ("schema", "values", "schema_cmd"),
    ("migrate", "migrate", "migrate_cmd"),
)
GROUPS = ("dag-deploy",)


def build_app(only: str | None = None) -> typer.Typer:
    """The root app with every command, or with the one command or group named ``only``: a run imports the
    module of the command it runs and no other (start-up)."""
    import importlib

    new = _new_app()
    for name, module, function in COMMANDS:
        if only is None or only == name:
            new.command(name)(getattr(importlib.import_module(f"astro_config.cli.{module}"), function))
    if only is None or only == "dag-deploy":
        from astro_config.cli import dagdeploy, verify

        if not any(c.name == "verify" for c in dagdeploy.app.registered_commands):
            # registered here: verify uses dagdeploy's declared_check, so dagdeploy cannot import it
            dagdeploy.app.command("verify")(verify.verify_cmd)
        new.add_typer(dagdeploy.app, name="dag-deploy")
    return new


_whole: typer.Typer | None = None


def whole_app() -> typer.Typer:
    """The root app with every command (built once): help, completion, and what the tests drive."""
    global _whole
    if _whole is None:
        _whole = build_app()
    return _whole


def __getattr__(name: str) -> Any:
    if name == "app":  # ``from astro_config.cli.main import app``: the whole app, built on first use
        return whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_for(argv: list[str]) -> TyperGroup:
    """The click command that runs ``argv``, built for what it names only.

    Typer turns the signature of every registered command into click parameters on each run (about 15 ms for
    all of ours: as much as an edit's own work). When ``argv`` names a command (``lint``) or a group's command
    (``dag-deploy enable``), only that one is built, inside a group of the same name, so usage lines, help and
    errors read exactly as with the whole app. When it names no command (``--help``, nothing, an unknown name),
    nothing can run but the group's help or an error, which need each command's name and help text only: the
    commands are then stand-ins without parameters (that would refuse to run).
    """
    import copy

    from typer.main import get_group, get_install_completion_arguments

    def with_completion(group: TyperGroup) -> TyperGroup:
        # what typer.main.get_command adds to the root group when add_completion is on
        group.params.extend(get_install_completion_arguments())
        return group

    if os.environ.get(COMPLETE_VAR):  # the shell asks for completions: any command may be completed
        return with_completion(get_group(whole_app()))

    def stand_in(info: CommandInfo) -> CommandInfo:
        real = info.callback

        def not_run() -> None:  # pragma: no cover - click never runs a command argv does not name
            raise RuntimeError("a stand-in command ran")

        not_run.__doc__ = real.__doc__ if real is not None else None
        stand = copy.copy(info)
        stand.callback = not_run
        return stand

    def narrowed(typer_app: typer.Typer, words: list[str]) -> typer.Typer:
        small = copy.copy(typer_app)
        if words[:1] == ["--"]:  # `astro-config -- lint FILE`: the command name follows
            words = words[1:]
        first = words[0] if words and not words[0].startswith("-") else None
        commands = [c for c in typer_app.registered_commands if c.name == first]
        groups = [g for g in typer_app.registered_groups if g.name == first]
        if len(commands) + len(groups) != 1:
            names = {c.name for c in typer_app.registered_commands} | {g.name for g in typer_app.registered_groups}
            if names & set(words):  # a command name further on (after an option): build everything for real
                return typer_app
            # no command named anywhere: nothing can run, so stand-ins will do
            commands = [stand_in(c) for c in typer_app.registered_commands]
            groups = typer_app.registered_groups
            words = []
        small.registered_commands = commands
        small.registered_groups = []
        for g in groups:
            group = copy.copy(g)
            if g.typer_instance is not None:
                group.typer_instance = narrowed(g.typer_instance, words[1:])
            small.registered_groups.append(group)
        return small

    words = argv[1:] if argv[:1] == ["--"] else argv
    first = words[0] if words and not words[0].startswith("-") else None
    known = {name for name, _module, _function in COMMANDS} | set(GROUPS)
    app = build_app(first) if first in known else whole_app()
    return with_completion(get_group(narrowed(app, argv)))


def main() -> None:
    """Console entry point: anything unexpected is a bug, reported in one line (never with local values)."""
    try:
        command_for(sys.argv[1:])()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err("interrupted")
        sys.exit(130)
    except BaseException as e:
        import traceback

        tb = traceback.extract_tb(e.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        # Only the exception type and location: messages may quote values from the files, which can be secrets.
        err(
            f"internal error: {type(e).__name__}{where}. This is a bug in astro-config; nothing was written. "
            "Please report it with the command you ran (not your values)."
        )
        if os.environ.get("ASTRO_CONFIG_DEBUG"):
            traceback.print_exception(e)
        sys.exit(int(ExitCode.INTERNAL))


if __name__ == "__main__":  # pragma: no cover
    main()
