"""``dag-deploy enable``/``disable`` as data: the plan the CLI prints and writes.

:func:`plan_toggle` takes a :class:`ToggleRequest` (the command's options) and decides everything: which file
of a layered set is edited, the edits of both switches (and the passthrough keys Houston reads over them), the
guard-railed resource block for ``--upload``/``--dags-dir``, whether Houston would read what was asked after
the edit, the overrides file, the ``helm upgrade`` command and the next steps. It returns a
:class:`ToggleOutcome`: the messages to show before the write (in order), either a verdict (nothing to write,
with its exit code) or the :class:`~astro_config.document.editing.EditResult` to write, and the messages to
show after it. Nothing is printed or written here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from astro_config.document import editing
from astro_config.document import reader as document
from astro_config.document.render import Style, render_block
from astro_config.document.writing import WriteOptions
from astro_config.errors import AstroConfigError, ExitCode
from astro_config.keypath import format_path
from astro_config.platform import dagdeploy, houston
from astro_config.platform.profiles import Generation, Platform, format_version, unsafe_release

if TYPE_CHECKING:
    from astro_config.document.editing import EditResult, SetValue
    from astro_config.document.reader import ValuesDocument
    from astro_config.helm.layered import LayeredDocument
    from astro_config.platform.dagdeploy import PlatformCheck, ValuesView
    from astro_config.platform.houston import Fact
    from astro_config.platform.sizing import Sizing

Progress = Callable[[int, int], None]

OVERRIDES_HEADER = (
    "# Overrides written by astro-config: pass this file as an extra -f after the original values file.\n"
)


@dataclass(frozen=True)
class Message:
    """One line (or block) for the user: ``kind`` is ``note``, ``warning``, ``error`` or ``""`` (shown as is)."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}" if self.kind else self.text


@dataclass(frozen=True)
class ToggleRequest:
    """The options of ``enable`` (``on``) or ``disable``: a FILE, or a layered set (``layers``, ``sets``,
    ``set_strings``, ``target``: the file of the set to edit, default the last)."""

    on: bool
    file: Path | None = None
    layers: Sequence[Path] = ()
    target: Path | None = None
    sets: Sequence[str] = ()
    set_strings: Sequence[str] = ()
    platform_version: str | None = None
    force: bool = False
    upload: str | None = None
    dags_dir: Path | None = None
    ingress: str = "auto"
    exact: bool = False
    opts: WriteOptions = field(default_factory=WriteOptions)
    overrides: Path | None = None
    release: str = "astronomer"
    namespace: str = "astronomer"
    show_secrets: bool = False
    check_platform: PlatformCheck | None = None  # (see dagdeploy.platform_of)


@dataclass
class ToggleOutcome:
    """What ``enable``/``disable`` does. ``messages`` come first (stderr, in order). With ``exit_code`` set,
    nothing is written and that is the command's exit code; otherwise ``result`` is written (the write mode
    of the request; ``extra_files``: the overrides file), then ``next_steps`` are shown (none with --check)."""

    messages: list[Message] = field(default_factory=list)
    exit_code: int | None = None
    result: EditResult | None = None
    edits: list[SetValue] = field(default_factory=list)
    overrides: bytes | None = None
    extra_files: list[tuple[Path, bytes]] = field(default_factory=list)
    command: str | None = None
    next_steps: list[Message] = field(default_factory=list)

    def say(self, text: str, kind: str = "") -> None:
        self.messages.append(Message(kind, text))

    def of_kind(self, kind: str) -> list[str]:
        return [m.text for m in self.messages if m.kind == kind]

    @property
    def notes(self) -> list[str]:
        return self.of_kind("note")

    @property
    def warnings(self) -> list[str]:
        return self.of_kind("warning")

    @property
    def errors(self) -> list[str]:
        return self.of_kind("error")


class ToggleStopped(AstroConfigError):
    """A refusal of ``enable``/``disable`` (one line), with its exit code."""

    def __init__(self, message: str, code: int = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.exit_code = ExitCode(code)


def plan_toggle(req: ToggleRequest, progress: Progress | None = None) -> ToggleOutcome:
    """Decide everything ``enable``/``disable`` does (see the module's docstring). The tool's errors on the way
    (an unreadable file, a refusal) end the plan: an ``error`` message and its exit code, after the messages
    that came before it. ``progress(done, total)`` follows the measuring of ``--dags-dir``."""
    out = ToggleOutcome()
    try:
        _plan(req, out, progress)
    except AstroConfigError as e:
        out.say(str(e), "error")
        out.exit_code = int(e.exit_code)
    return out


def edited_path(req: ToggleRequest) -> Path | None:
    """The file an enable/disable edits: FILE, or --target, or the last -f (None: none given)."""
    if req.file is not None:
        return req.file
    return req.target if req.target is not None else (req.layers[-1] if req.layers else None)


def _select(req: ToggleRequest) -> tuple[ValuesDocument, ValuesView, LayeredDocument | None, Path]:
    """The file to edit, the values it is read in (itself, or its layered set) and the set, with the path."""
    if req.layers or req.sets or req.set_strings:
        if req.file is not None:
            raise ToggleStopped("give either FILE or a layered set with -f FILE..., not both")
        if not req.layers:
            raise ToggleStopped("--set needs the files it layers over: -f FILE [-f FILE...]")
        from astro_config.helm import layered as layered_mod  # lazy: only a layered set needs -f layering

        args = layered_mod.set_args_from(req.sets, req.set_strings)
        layered = layered_mod.load_layered([str(f) for f in req.layers], args, None)
        layered.show_secrets = req.show_secrets
        chosen = req.target if req.target is not None else req.layers[-1]
        matches = [d for d, p in zip(layered.docs, req.layers, strict=True) if Path(p) == Path(chosen)]
        if not matches:
            raise ToggleStopped(f"--target {chosen} is not one of the -f files")
        return matches[-1], layered, layered, Path(chosen)
    if req.file is None:
        raise ToggleStopped("give the values FILE to edit (or -f FILE... for a layered set)")
    if req.target is not None:
        raise ToggleStopped("--target goes with several -f files")
    doc = document.load_file(req.file)
    return doc, doc, None, req.file


def _plan(req: ToggleRequest, out: ToggleOutcome, progress: Progress | None) -> None:
    on = req.on
    doc, view, layered, file = _select(req)
    platform = dagdeploy.platform_of(view, req.platform_version, req.check_platform)
    gen = platform.generation
    out.say(f"{view.name}: platform layout {gen.label} ({platform.decided_by})")
    if layered is not None:
        out.say(f"editing {doc.name} (the {'--target' if req.target else 'last -f'} file)")
    if on:
        _release_guard(platform, req.force, out)
    state = dagdeploy.read_state(view, platform)
    for w in state.wrong_keys:
        where = f" ({w.where})" if w.where else ""
        out.say(f"{format_path(w.path)}{where} is ignored by this release: {w.explanation}; it does nothing", "note")
    if on and state.ingress_nginx_without_body_size:
        out.say(dagdeploy.BODY_SIZE_WARNING, "warning")
    was_enabled = on and state.summary == "enabled"
    if req.opts.check and layered is not None and not dagdeploy.asked_state_problems(layered, platform, on):
        # --check on a layered set judges the effective set
        out.say(f"{layered.name}: Houston already reads DAG-only deploys {'enabled' if on else 'disabled'}")
        out.exit_code = ExitCode.OK
        return
    edits = dagdeploy.toggle_edits(gen, on)
    if not on:
        # an unset flag already means false: disabling does not add keys (in a set: unset in every layer)
        edits = [e for e in edits if view.get(e.path) is not document.MISSING]
    edits += switch_edits(doc, platform, on, view, out)
    needed: Sizing | None = None
    sizing_asked = on and (req.upload is not None or req.dags_dir is not None)
    if sizing_asked:
        needed, block = _size(req, state, gen, out, progress)
        edits += sizing_edits(doc, platform, block, view, out)
    out.edits = edits
    result = editing.apply_edits(doc, edits)
    problems = houston_problems(layered, doc, result.new, platform, on, needed)
    if problems:
        for p in problems:
            out.say(p, "error")
        hint = "change it there too, or edit that file with --target" if layered is not None else "fix it by hand"
        out.say(f"nothing written: DAG-only deploys would not be {'enabled' if on else 'disabled'} as asked ({hint})")
        out.exit_code = ExitCode.FINDINGS
        return
    if not result.changed:
        sized = " and the DAG server's resources suffice" if sizing_asked and (req.upload or req.dags_dir) else ""
        out.say(f"{doc.name}: DAG-only deploys are already {'enabled' if on else 'disabled'}{sized}; nothing to change")
        out.exit_code = ExitCode.OK
        return
    out.result = result
    if req.overrides is not None:
        out.overrides = render_overrides(dagdeploy.overrides_data(doc.data, result.new.data))
        out.extra_files = [(req.overrides, out.overrides)]
    if req.opts.check:
        return
    version = platform.version_text if platform.exact_version else None
    out.command = upgrade_command(req, file, layered, version)
    out.next_steps = next_steps(req, out.command, version, was_enabled)


def _release_guard(platform: Platform, force: bool, out: ToggleOutcome) -> None:
    """Enabling on a release the docs call unsafe is refused (unless ``force``); an inexact 0.34/0.35 warned."""
    fixed = unsafe_release(platform.version) if platform.exact_version else None
    if fixed and not force:
        assert platform.version is not None
        raise ToggleStopped(
            f"refusing to enable DAG-only deploys on {format_version(platform.version)}: on 0.34.0-0.34.2 and "
            f"0.35.0 the DAG servers are reachable from other namespaces; upgrade to {fixed} or later "
            "(or pass --force if you accept the risk)"
        )
    if platform.generation.id == "0.34" and not platform.exact_version:
        out.say(
            "the exact 0.34/0.35 release is not known; do not enable on 0.34.0-0.34.2 or 0.35.0 "
            "(give --platform-version X.Y.Z to have it checked)",
            "warning",
        )


def _size(
    req: ToggleRequest, state: dagdeploy.State, gen: Generation, out: ToggleOutcome, progress: Progress | None
) -> tuple[Sizing, dict[str, dict[str, Any]]]:
    """The need for ``--upload``/``--dags-dir`` and the guard-railed block to write."""
    # lazy: enable without --upload/--dags-dir does not size (start-up, tests/cli/test_imports.py)
    from astro_config.platform import sizereport, sizing

    upload_bytes, report = sizereport.measure_upload(req.upload, req.dags_dir, progress)
    for note in report.notes if report is not None else ():
        out.say(note, "note")
    ingress = sizereport.resolve_ingress(req.ingress, state.ingress)
    needed = sizing.size_for_upload(upload_bytes, ingress)
    if needed.over_cap:
        raise ToggleStopped(sizing.over_cap_message(upload_bytes), ExitCode.FINDINGS)
    requests = needed.resources()["requests"]
    out.say(
        f"sizing: {sizing.format_bytes(upload_bytes)} -> {needed.blocks} block(s): "
        f"{requests['cpu']} CPU / {requests['memory']}; {sizing.SHARED_RESOURCES_NOTE}"
    )
    block, messages = guarded_block(needed, state.resources, gen, req.exact, req.force)
    out.messages += messages
    return needed, block


def guarded_block(
    needed: Sizing, current: Mapping[str, Any] | None, gen: Generation, exact: bool, force: bool
) -> tuple[dict[str, dict[str, Any]], list[Message]]:
    """The resource block ``enable`` writes for ``needed``, and what to say about it: refused above the
    ceiling unless ``force`` (:class:`ToggleStopped`, exit 2); the current values where they are larger unless
    ``exact`` (each kept or lowered value said in a note)."""
    # lazy: enable without --upload/--dags-dir does not size (start-up, tests/cli/test_imports.py)
    from astro_config.platform import sizing

    messages: list[Message] = []
    if needed.over_ceiling:
        if not force:
            raise ToggleStopped(sizing.ceiling_message(needed))
        messages.append(Message("warning", f"--force: {sizing.ceiling_message(needed).replace(FORCE_TAIL, '')}"))
    prefix = format_path(gen.resources)
    if exact:
        for line in sizing.above_need(current, needed, prefix=prefix):
            messages.append(Message("note", f"--exact: {line}: lowered to the computed size"))
        return {side: dict(amounts) for side, amounts in needed.resources().items()}, messages
    kept = sizing.keep_larger(current, needed, prefix=prefix)
    messages += [Message("note", line) for line in (*kept.kept, *kept.raised_limits)]
    return kept.resources, messages


FORCE_TAIL = "; --force writes it anyway"


# --------------------------------------------------------------------------------------------------------
# What Houston reads: the passthrough keys an edit must also set, and the verdict on the edited set
# --------------------------------------------------------------------------------------------------------


def switch_edits(
    doc: ValuesDocument, platform: Platform, on: bool, view: ValuesView, out: ToggleOutcome
) -> list[SetValue]:
    """Passthrough switches that contradict ``on``: set them too (never deleted), each said in a note."""
    edits = []
    for h in dagdeploy.houston_switch_edits(doc, platform, on, view):
        where = f" ({h.where})" if h.where else ""
        out.say(
            f"also setting {format_path(h.edit.path)}{where} from {dagdeploy.yaml_scalar(h.old)} to "
            f"{dagdeploy.yaml_scalar(on)}{'' if view is doc else f' in {doc.name}'}: {h.reason}, so without it "
            f"Houston would keep DAG-only deploys {'off' if on else 'on'}",
            "note",
        )
        edits.append(h.edit)
    return edits


def sizing_edits(
    doc: ValuesDocument,
    platform: Platform,
    resources: Mapping[str, Mapping[str, Any]],
    view: ValuesView,
    out: ToggleOutcome,
) -> list[SetValue]:
    """The global block, and the passthrough server/client blocks Houston reads over it, sized alike (a block
    set in another layer of the set is written into the edited file too, where it wins if that file is later);
    each passthrough block said in a note."""
    edits, blocks = dagdeploy.houston_resources_edits(doc, platform, resources, view)
    for block in blocks:
        where = houston.where_of(view, block)
        out.say(
            f"also sizing {format_path(block)}{f' ({where})' if where else ''}: Houston reads it over the global block",
            "note",
        )
    return edits


def overridden_text(fact: Fact, target: str) -> str:
    """Why Houston would not read a switch as asked: the key, its value, and what set it."""
    w = fact.winner
    by = (w.where or w.describe()) if w is not None else "nothing"
    value = None if fact.value is houston.MISSING else fact.value
    return (
        f"{target} is overridden by {by}: Houston would read {format_path(fact.key)} = "
        f"{dagdeploy.yaml_scalar(value)} {fact.source_text()}"
    )


def houston_problems(
    layered: LayeredDocument | None,
    doc: ValuesDocument,
    new: ValuesDocument,
    platform: Platform,
    on: bool,
    needed: Sizing | None,
) -> list[str]:
    """After the edit (``doc`` became ``new``, the edit's verified parse, in its set), what Houston would not
    read as asked: each switch that another layer or --set overrides, or resources too small for ``needed``.
    Empty: all good."""
    if layered is not None:
        from astro_config.helm import layered as layered_mod  # lazy: only a layered set needs -f layering

        after: ValuesView = layered_mod.reparse_with(layered, doc, new.text)
    else:
        after = new  # (already parsed by the edit's verification: no second parse)
    problems = [overridden_text(f, doc.name) for f in dagdeploy.asked_state_problems(after, platform, on)]
    if needed is not None and not problems:
        # lazy: enable without --upload/--dags-dir does not size (start-up, tests/cli/test_imports.py)
        from astro_config.platform import sizing

        state = dagdeploy.read_state(after, platform)
        ok, reasons = sizing.check_resources(state.resources, needed)
        if not ok:
            problems.append(
                f"Houston would give the DAG server {sizing.format_resources(state.resources)} from "
                f"{state.resources_source}: {'; '.join(reasons)}"
            )
    return problems


# --------------------------------------------------------------------------------------------------------
# After the edit: the overrides file, the helm upgrade command, the next steps
# --------------------------------------------------------------------------------------------------------


def render_overrides(data: Mapping[str, Any]) -> bytes:
    """The ``--overrides`` file: a header, then only the changed keys (``{}`` when there are none)."""
    body = "\n".join(render_block(dict(data), 0, Style(2, 2))) + "\n" if data else "{}\n"
    return (OVERRIDES_HEADER + body).encode("utf-8")


def upgrade_files(req: ToggleRequest, file: Path) -> list[str]:
    """The ``-f`` files of the ``helm upgrade`` command, in order: the edited file where it is written (in
    place or ``-o``), and the overrides file after it when the edit itself is not written."""
    opts = req.opts
    edited = str(opts.output) if opts.output is not None else str(file)
    if req.layers:
        files = [edited if Path(p) == Path(file) else str(p) for p in req.layers]
        if req.overrides is not None and not opts.write and opts.output is None:
            files = [*files, str(req.overrides)]
        return files
    if opts.output is not None:
        return [edited]
    if req.overrides is not None and not opts.write:
        return [str(file), str(req.overrides)]
    return [str(file)]


def upgrade_command(req: ToggleRequest, file: Path, layered: LayeredDocument | None, version: str | None) -> str:
    """The ``helm upgrade`` that applies the result (the set's --set arguments repeated, secrets hidden), and,
    when both the edit and the overrides file are written, the alternative with the overrides file over the
    unedited original."""
    extra_sets = [(a.flag, layered.shown(a.text)) for a in layered.set_args] if layered is not None else []
    command = dagdeploy.helm_upgrade_command(upgrade_files(req, file), req.release, req.namespace, version, extra_sets)
    if req.overrides is not None and (req.opts.write or req.opts.output is not None):
        alternative = dagdeploy.helm_upgrade_command(
            [str(file), str(req.overrides)], req.release, req.namespace, version
        )
        command += f"\n     or, with the overrides file over the unedited original: {alternative}"
    return command


def next_steps(req: ToggleRequest, command: str, version: str | None, was_enabled: bool) -> list[Message]:
    """What to say after the write: where nothing was written, the missing --version, and the steps to apply
    it (only the resources changed when the feature was already on)."""
    steps = []
    opts = req.opts
    if not opts.write and not opts.output and req.overrides is None:
        steps.append(
            Message("", "(nothing written: add -w to write in place, -o OUT for a new file, or --overrides OUT)")
        )
    if version is None:
        steps.append(
            Message(
                "note", "add --version <your platform release> to the command below (the exact release is not known)"
            )
        )
    if req.on and was_enabled:  # only the resources changed: nothing to switch in the Deployments
        steps.append(Message("", dagdeploy.RESIZE_NEXT_STEPS.format(command=command)))
    elif req.on:
        steps.append(Message("", dagdeploy.NEXT_STEPS.format(command=command)))
    else:
        steps.append(Message("", f"Apply it: {command}"))
    return steps
