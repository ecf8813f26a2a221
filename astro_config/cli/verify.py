"""``astro-config dag-deploy verify``: render the real chart and check that Houston reads what ``status`` says."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from astro_config.cli.dagdeploy import declared_check
from astro_config.cli.options import (
    PlatformOpt,
    SetOpt,
    SetStringOpt,
    ValuesFilesOpt,
    fail,
    handle_errors,
    layered_from_options,
)
from astro_config.errors import ExitCode

# lazy imports: start-up. The core (the chart data, render_check) is imported inside the command that needs it:
# --help and dag-deploy size stay under 0.15 s (tests/cli/test_imports.py).

ChartOpt = Annotated[
    Path | None,
    typer.Option(
        "--chart", help="The platform chart: a directory or a .tgz (e.g. astronomer-2.1.0.tgz).", metavar="CHART"
    ),
]


def _expected(rec: dict[str, Any]) -> dict[str, Any]:
    """What status reports Houston reads: its Houston model, fact by fact (key and value)."""
    from astro_config.keypath import parse
    from astro_config.platform.render_check import Expected

    return {name: Expected(parse(fact["key"]), fact["value"]) for name, fact in rec["houston"]["reads"].items()}


def verify_record(
    layers: list[Path],
    sets: list[str] | None,
    set_strings: list[str] | None,
    chart: Path,
    platform_version: str | None,
) -> dict[str, Any]:
    from astro_config.document.reader import MISSING
    from astro_config.platform import releases, render_check
    from astro_config.platform.evidence import version_source
    from astro_config.platform.profiles import generation_for_version, parse_version

    chart_text = render_check.chart_version(chart)
    chart_v = parse_version(chart_text)[0]
    if platform_version is not None:
        declared, _ = parse_version(platform_version)
        if declared != chart_v:
            source = version_source(platform_version, sys.argv, os.environ)
            fail(f"--chart {chart} is release {chart_text}, but {source} says otherwise")
    version = render_check.describe_version(chart_v)
    gen = generation_for_version(version).generation
    ld = layered_from_options(layers, sets, set_strings)
    # the render is the proof here: a file of another layout is a disagreement to show, not a usage error
    from astro_config.platform.status import status_record

    rec = status_record(ld, version, declared_check(True))
    release = releases.find(chart_v)
    set_args = [("--set", s) for s in sets or []] + [("--set-string", s) for s in set_strings or []]
    argv = render_check.helm_template_argv(
        chart,
        layers,
        set_args,
        chart_release=chart_v,
        set_base_domain=ld.get(("global", "baseDomain")) is MISSING,
    )
    cm = render_check.parse_configmap(render_check.run_helm(argv))
    defaults, defaults_source = render_check.houston_defaults(release, gen)
    checks = render_check.compare_model(_expected(rec), cm, defaults)
    return {
        "chart": str(chart),
        "chart_version": chart_text,
        "layout": {"generation": gen.id, "label": gen.label},
        "values": [str(p) for p in layers] + [ld.shown(f"{flag} {arg}") for flag, arg in set_args],
        "helm": _shown_argv(ld, argv),
        "houston_defaults": defaults_source,
        "checks": [c.to_dict() for c in checks],
        "agree": all(c.agree for c in checks),
    }


def _shown_argv(ld: Any, argv: list[str]) -> list[str]:
    """The helm argv with the user's secret --set values hidden (as every command shows them)."""
    out = list(argv)
    for i in range(1, len(out)):
        if out[i - 1] in ("--set", "--set-string"):
            out[i] = ld.shown(f"{out[i - 1]} {out[i]}").split(" ", 1)[1]
    return out


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def _text(rec: dict[str, Any]) -> str:
    lines = [
        f"{rec['chart']} (release {rec['chart_version']}, {rec['layout']['label']} layout) with "
        f"{' '.join(rec['values'])}",
    ]
    for c in rec["checks"]:
        mark = "ok  " if c["agree"] else "DIFF"
        lines.append(f"  {mark} {c['check']:<16} status says {_show(c['status_says'])}")
        lines.append(f"       {'':<16} Houston reads {_show(c['houston_reads'])} at {c['houston_key']} ({c['from']})")
        if c["note"]:
            lines.append(f"       {'':<16} note: {c['note']}")
    if rec["agree"]:
        lines.append("Houston reads what status says.")
    else:
        n = sum(1 for c in rec["checks"] if not c["agree"])
        lines.append(f"Houston does NOT read what status says: {n} difference{'s' if n != 1 else ''}.")
    return "\n".join(lines) + "\n"


def verify_cmd(
    layers: ValuesFilesOpt = None,
    sets: SetOpt = None,
    set_strings: SetStringOpt = None,
    chart: ChartOpt = None,
    platform_version: PlatformOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.", metavar="text|json")] = "text",
) -> None:
    """Render the real chart with the values (helm template, Houston's ConfigMap only), take Houston's effective
    config (its defaults, then production.yaml, then local-production.yaml, deep-merged, read as YAML 1.2) and
    check that it holds what `status` reports Houston reads: both switches, the DAG server/client resources and
    the image, each at its Houston key. Exit 0 when all agree, 1 when not, 2 without helm or on a bad chart."""
    if fmt not in ("text", "json"):
        fail(f"--format must be text or json, not {fmt!r}")
    if not layers:
        fail("give the values with -f FILE [-f FILE...] (and --set ...)")
    if chart is None:
        fail("give the platform chart with --chart CHART (a directory or a .tgz)")
    with handle_errors():
        rec = verify_record(layers, sets, set_strings, chart, platform_version)
        if fmt == "json":
            sys.stdout.write(json.dumps(rec, indent=2, default=str) + "\n")
        else:
            sys.stdout.write(_text(rec))
        raise typer.Exit(ExitCode.OK if rec["agree"] else ExitCode.FINDINGS)
