"""Lint reports: text, json, github, sarif and junit. Reporters only format; they write to the stream given.

``REPORTERS`` maps the ``--format`` name to the class: ``REPORTERS[fmt](stream, style).report(result)``.
Colour is the caller's business: the text report names what it would colour (a file, a severity, a rule id,
a clean run) and a ``style(text, role)`` callable given by the CLI (click's ``style``, for a colour terminal)
dresses it up; without one the report is plain.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from astro_config import __version__
from astro_config.lint.rules import RULES
from astro_config.models import Problem, Result, Severity

if TYPE_CHECKING:  # pragma: no cover - typing only
    import xml.etree.ElementTree as ET

TOOL_NAME = "astro-config"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"


def tool_version() -> str:
    return __version__


Style = Callable[[str, str], str]
"""``style(text, role)``: ``text`` styled as ``role``, one of :data:`ROLES`."""
ROLES = ("file", "error", "warning", "info", "dim", "ok")


def summary(result: Result) -> dict[str, int]:
    """Counts for reports: files checked (each file of a layered set counts), layered sets, files skipped,
    files with findings, findings by severity."""
    counts = {s.value: 0 for s in Severity}
    for p in result.problems:
        counts[p.severity.value] += 1
    return {
        "files": sum(result.layered.get(f, 1) for f in result.files),
        "layered_sets": sum(1 for f in result.files if f in result.layered),
        "files_in_layered_sets": sum(result.layered.get(f, 0) for f in result.files),
        "skipped": len(result.skipped),
        "files_with_problems": len({p.file for p in result.problems}),
        "problems": len(result.problems),
        "errors": counts[Severity.ERROR.value],
        "warnings": counts[Severity.WARNING.value],
        "infos": counts[Severity.INFO.value],
    }


def checked_text(counts: Mapping[str, int]) -> str:
    """``3 files checked``, ``2 files in 1 layered set checked``, ``3 files (2 in 1 layered set) checked``,
    with ``, 1 skipped (no platform keys)`` when files were skipped."""
    files, sets, in_sets = counts["files"], counts["layered_sets"], counts["files_in_layered_sets"]
    text = _plural(files, "file")
    if sets and in_sets == files:
        text += f" in {_plural(sets, 'layered set')}"
    elif sets:
        text += f" ({in_sets} in {_plural(sets, 'layered set')})"
    text += " checked"
    if counts["skipped"]:
        text += f", {counts['skipped']} skipped (no platform keys)"
    return text


def tool_info() -> dict[str, str]:
    return {"name": TOOL_NAME, "version": tool_version()}


def by_file(result: Result) -> Iterator[tuple[str, list[Problem]]]:
    """(file, its findings) for every file checked, in order; files only seen in findings come last."""
    groups: dict[str, list[Problem]] = {f: [] for f in result.files}
    for p in result.problems:
        groups.setdefault(p.file, []).append(p)
    yield from groups.items()


def headline(p: Problem) -> str:
    """``key: message`` (just the message when the finding is not about a key)."""
    return f"{p.key}: {p.message}" if p.key else p.message


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Reporter(abc.ABC):
    """Formats a :class:`Result` onto ``stream``. ``strict``: warnings count as failures (junit)."""

    name: ClassVar[str]

    def __init__(self, stream: TextIO, style: Style | None = None, *, strict: bool = False) -> None:
        self.stream = stream
        self.style = style
        self.strict = strict

    @abc.abstractmethod
    def report(self, result: Result) -> None:
        """Write the report for ``result``."""

    def fails(self, p: Problem) -> bool:
        return p.severity is Severity.ERROR or (self.strict and p.severity is Severity.WARNING)


# ----------------------------------------------------------------------------------------------------------
# text
# ----------------------------------------------------------------------------------------------------------


class TextReporter(Reporter):
    """Human output grouped by file: ``FILE:LINE:COL: severity: key: message [rule]`` and a hint line."""

    name = "text"

    def _c(self, role: str, text: str) -> str:
        return self.style(text, role) if self.style is not None else text

    def _line(self, p: Problem) -> str:
        where = f"{p.file}:{p.line}:{p.column}" if p.line > 0 else p.file
        sev = p.severity.value
        return f"{self._c('file', where)}: {self._c(sev, sev)}: {headline(p)} {self._c('dim', f'[{p.rule}]')}"

    def report(self, result: Result) -> None:
        out: list[str] = []
        for _file, problems in by_file(result):
            if not problems:
                continue
            if out:
                out.append("")
            for p in problems:
                out.append(self._line(p))
                if p.hint:
                    out.append("    " + self._c("dim", f"hint: {p.hint}"))
        for name, reason in result.skipped:
            out.append(f"{self._c('file', name)}: {self._c('dim', f'skipped: {reason}')}")
        counts = summary(result)
        checked = checked_text(counts)
        if counts["problems"] == 0:
            tail = self._c("ok", "no problems")
        else:
            parts = [_plural(counts["errors"], "error"), _plural(counts["warnings"], "warning")]
            if counts["infos"]:
                parts.append(_plural(counts["infos"], "note"))
            tail = f"{', '.join(parts)} in {_plural(counts['files_with_problems'], 'file')}"
        if out:
            out.append("")
        out.append(f"{checked}: {tail}")
        self.stream.write("\n".join(out) + "\n")


# ----------------------------------------------------------------------------------------------------------
# json
# ----------------------------------------------------------------------------------------------------------


class JsonReporter(Reporter):
    """``{"problems": [{file, line, column, rule, severity, message, key}], "summary": {...}, "skipped": [{file,
    reason}], "tool": {name, version}}``."""

    name = "json"

    def report(self, result: Result) -> None:
        doc = {
            "problems": [
                {
                    "file": p.file,
                    "line": p.line,
                    "column": p.column,
                    "rule": p.rule,
                    "severity": p.severity.value,
                    "message": p.message,
                    "key": p.key,
                }
                for _f, problems in by_file(result)
                for p in problems
            ],
            "summary": summary(result),
            "skipped": [{"file": name, "reason": reason} for name, reason in result.skipped],
            "tool": tool_info(),
        }
        self.stream.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


# ----------------------------------------------------------------------------------------------------------
# github
# ----------------------------------------------------------------------------------------------------------


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


_GH_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


class GithubReporter(Reporter):
    """GitHub Actions workflow commands: ``::error file=F,line=L,col=C,title=RULE::message``."""

    name = "github"

    def report(self, result: Result) -> None:
        lines: list[str] = []
        for _f, problems in by_file(result):
            for p in problems:
                props = [f"file={_gh_property(p.file)}"]
                if p.line > 0:
                    props.append(f"line={p.line}")
                    if p.column > 0:
                        props.append(f"col={p.column}")
                props.append(f"title={_gh_property(p.rule)}")
                text = headline(p) + (f"\nhint: {p.hint}" if p.hint else "")
                lines.append(f"::{_GH_LEVEL[p.severity]} {','.join(props)}::{_gh_data(text)}")
        if lines:
            self.stream.write("\n".join(lines) + "\n")


# ----------------------------------------------------------------------------------------------------------
# sarif
# ----------------------------------------------------------------------------------------------------------

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_location(file: str) -> dict[str, str]:
    """A SARIF artifactLocation: relative paths as URI references against %SRCROOT%, absolute ones as file URIs."""
    from urllib.parse import quote  # lazy: start-up; only for SARIF

    path = PurePath(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix(), safe="/-._~"), "uriBaseId": "%SRCROOT%"}


def _rule_name(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


class SarifReporter(Reporter):
    """SARIF 2.1.0, one run, every rule described in the driver."""

    name = "sarif"

    def sarif(self, result: Result) -> dict[str, Any]:
        rule_ids = list(RULES)
        rules = [
            {
                "id": r.id,
                "name": _rule_name(r.id),
                "shortDescription": {"text": r.description},
                "help": {"text": r.hint},
                "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
            }
            for r in RULES.values()
        ]
        results: list[dict[str, Any]] = []
        for _f, problems in by_file(result):
            for p in problems:
                physical: dict[str, Any] = {"artifactLocation": artifact_location(p.file)}
                if p.line > 0:
                    region: dict[str, int] = {"startLine": p.line}
                    if p.column > 0:
                        region["startColumn"] = p.column
                    physical["region"] = region
                entry: dict[str, Any] = {
                    "ruleId": p.rule,
                    "level": _SARIF_LEVEL[p.severity],
                    "message": {"text": headline(p) + (f"\nhint: {p.hint}" if p.hint else "")},
                    "locations": [{"physicalLocation": physical}],
                }
                if p.rule in RULES:
                    entry["ruleIndex"] = rule_ids.index(p.rule)
                if p.key:
                    entry["properties"] = {"key": p.key}
                results.append(entry)
        return {
            "$schema": SARIF_SCHEMA,
            "version": SARIF_VERSION,
            "runs": [
                {
                    "tool": {"driver": {"name": TOOL_NAME, "version": tool_version(), "rules": rules}},
                    "invocations": [
                        {
                            "executionSuccessful": True,
                            "toolExecutionNotifications": [
                                {
                                    "level": "note",
                                    "message": {"text": f"skipped: {reason}"},
                                    "locations": [{"physicalLocation": {"artifactLocation": artifact_location(name)}}],
                                    "descriptor": {"id": "skipped"},
                                }
                                for name, reason in result.skipped
                            ],
                        }
                    ],
                    "columnKind": "unicodeCodePoints",
                    "results": results,
                }
            ],
        }

    def report(self, result: Result) -> None:
        self.stream.write(json.dumps(self.sarif(result), indent=2, ensure_ascii=False) + "\n")


# ----------------------------------------------------------------------------------------------------------
# junit
# ----------------------------------------------------------------------------------------------------------


class JunitReporter(Reporter):
    """JUnit XML: one test case per file; a file fails on errors (and warnings with ``strict``)."""

    name = "junit"

    def _line(self, p: Problem) -> str:
        where = f"{p.file}:{p.line}:{p.column}" if p.line > 0 else p.file
        text = f"{where}: {p.severity.value}: {headline(p)} [{p.rule}]"
        return text + (f"\n    hint: {p.hint}" if p.hint else "")

    def report(self, result: Result) -> None:
        import xml.etree.ElementTree as ET  # lazy: start-up; only for this format

        cases: list[ET.Element] = []
        failures = 0
        for file, problems in by_file(result):
            case = ET.Element("testcase", {"classname": "astro-config.lint", "name": file, "file": file})
            failing = [p for p in problems if self.fails(p)]
            if failing:
                failures += 1
                counts = summary(Result(problems=problems, files=[file]))
                message = ", ".join(
                    part
                    for part in (
                        _plural(counts["errors"], "error") if counts["errors"] else "",
                        _plural(counts["warnings"], "warning") if counts["warnings"] else "",
                        _plural(counts["infos"], "note") if counts["infos"] else "",
                    )
                    if part
                )
                failure = ET.SubElement(case, "failure", {"message": message, "type": failing[0].rule})
                failure.text = "\n".join(self._line(p) for p in problems)
            elif problems:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(self._line(p) for p in problems)
            cases.append(case)
        for name, reason in result.skipped:
            case = ET.Element("testcase", {"classname": "astro-config.lint", "name": name, "file": name})
            ET.SubElement(case, "skipped", {"message": reason})
            cases.append(case)
        attrs = {
            "name": "astro-config lint",
            "tests": str(len(cases)),
            "failures": str(failures),
            "errors": "0",
            "skipped": str(len(result.skipped)),
        }
        suites = ET.Element("testsuites", {k: v for k, v in attrs.items() if k != "skipped"})
        suite = ET.SubElement(suites, "testsuite", attrs)
        suite.extend(cases)
        ET.indent(suites)
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n")


REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls for cls in (TextReporter, JsonReporter, GithubReporter, SarifReporter, JunitReporter)
}
