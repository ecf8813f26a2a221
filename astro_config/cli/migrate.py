"""``astro-config migrate``: upgrade a values file to a newer platform generation, comments and formatting kept."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from astro_config.cli.options import (
    BackupOpt,
    CheckOpt,
    DiffFileOpt,
    FileArg,
    ForceOpt,
    OutputOpt,
    ShowSecretsOpt,
    WriteOpt,
    edit_lock,
    err,
    fail,
    finish_edit,
    handle_errors,
    write_options,
)

# lazy imports: start-up. The core is imported inside the command that needs it: --help stays quick
# (tests/cli/test_imports.py).

ToOpt = Annotated[
    str,
    typer.Option("--to", help="Target platform release, e.g. 2.1.0, 2.1 or 0.37.7.", metavar="VERSION"),
]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Release the file is for, e.g. 0.35.4, 0.37.7 or 1.2.0. Inferred from its keys if omitted.",
        metavar="VERSION",
    ),
]
FormatOpt = Annotated[
    str, typer.Option("--format", help="text (report on stderr) or json (report on stdout).", metavar="FORMAT")
]


def migrate_cmd(
    file: FileArg,
    to: ToOpt,
    source: FromOpt = None,
    write: WriteOpt = False,
    backup: BackupOpt = False,
    output: OutputOpt = None,
    diff_file: DiffFileOpt = None,
    check: CheckOpt = False,
    fmt: FormatOpt = "text",
    force: ForceOpt = False,
    show_secrets: ShowSecretsOpt = False,
) -> None:
    """Rewrite FILE for a newer platform release: keys moved, obsolete keys deleted, new ones added, as the
    chart's own migrators do (0.37.x -> 2.x, 1.x -> 2.x), and image/securityContext for 0.34/0.35 -> 0.36+;
    any chain of them (0.34 -> 2.1).

    Every comment travels with its key and untouched lines stay byte-identical. Each move, deletion and
    addition is reported (on stderr; with --format json, as JSON on stdout). By default prints the diff and
    writes nothing; -w writes in place.
    """
    from astro_config.document import reader as document
    from astro_config.platform import migrate, profiles

    with handle_errors():
        if fmt not in ("text", "json"):
            fail(f"--format must be text or json, not {fmt!r}")
        opts = write_options(write, backup, output, diff_file, check, force)
        if fmt == "json" and "-" in (str(output), str(diff_file)):
            fail("--format json writes its report to standard output: -o - or --diff-file - cannot go there too")
        target = migrate.line_of_version(profiles.parse_version(to)[0])
        with edit_lock(opts, file):
            doc = document.load_file(file)
            line, decided_by = migrate.source_line(source, doc.data, doc.name)
            steps = migrate.plan(line, target)
            migration, result = migrate.migrate_document(doc, steps)
            report = _report(Path(doc.name), line, target, decided_by, migration, show_secrets)  # (<stdin> for -)
            if fmt == "json":
                buf = io.StringIO()
                with contextlib.redirect_stdout(buf):
                    code = finish_edit(result, opts, show_secrets)
                report["changed"] = result.changed
                report["diff"] = buf.getvalue() or None
                sys.stdout.write(json.dumps(report, indent=2) + "\n")
            else:
                for text in _report_lines(report):
                    err(text)
                code = finish_edit(result, opts, show_secrets)
        raise typer.Exit(code)


def _report(file: Path, line: str, target: str, decided_by: str, migration: Any, show_secrets: bool) -> dict[str, Any]:
    from astro_config.platform import migrate
    from astro_config.secrets import redact

    actions = []
    for a in migration.actions:
        item = a.as_json()
        if "value" in item and not show_secrets:
            item["value"] = redact.redact_at(a.to or a.path, item["value"])
        actions.append(item)
    return {
        "file": str(file),
        "from": migrate.LINE_LABELS[line],
        "to": migrate.LINE_LABELS[target],
        "decided_by": decided_by,
        "steps": migration.steps,
        "actions": actions,
        "notes": migration.notes,
    }


def _report_lines(report: dict[str, Any]) -> list[str]:
    head = f"{report['file']}: {report['from']} -> {report['to']} ({report['decided_by']})"
    if not report["steps"]:
        return [f"{head}: nothing to migrate"]
    out = [f"{head}: {', '.join(report['steps'])}: {len(report['actions'])} change(s)"]
    for a in report["actions"]:
        kind, path = a["action"], a["path"]
        if kind == "move":
            text = f"  moved   {path} -> {a['to']}"
            if "value" in a:
                text += f" (now {json.dumps(a['value'])})"
        elif kind == "delete":
            text = f"  deleted {path}"
        elif kind == "prune":
            text = f"  deleted {path} (left empty)"
        elif kind == "add":
            text = f"  added   {path}: {json.dumps(a['value'])}"
        else:
            text = f"  set     {path}: {json.dumps(a['value'])}"
        if a.get("note"):
            text += f" ({a['note']})"
        out.append(f"{text} [{a['rule']}]")
    out.extend(f"note: {n}" for n in report["notes"])
    return out
