"""A layered set of values (``-f a.yaml -f b.yaml --set ...``) seen as one document.

The effective values are Helm's merge (:mod:`astro_config.helm.layering`); every position points at the file and
line of the layer that set the value, so ``lint`` and ``dag-deploy status`` report where to fix things.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from astro_config.document.reader import DEFAULT_MAX_BYTES, MISSING, ValuesDocument, load_file, load_text
from astro_config.helm.layering import Effective, Layer, LayerKind, merge
from astro_config.helm.setvalues import SetArg
from astro_config.keypath import KeyPath, parse
from astro_config.models import Problem, apply_suppressions
from astro_config.secrets.redact import redact_set_argument


@dataclass
class LayeredDocument:
    """Effective values of several layers, with the duck-typed API of :class:`ValuesDocument` that the
    status and lint code use (``name``, ``data``, ``get``, ``locate``, ``lines``, ``scalar_source``)."""

    docs: list[ValuesDocument]
    set_args: list[SetArg]
    effective: Effective
    chart: ValuesDocument | None = None
    text: str = ""
    show_secrets: bool = False
    _lines: list[str] = field(default_factory=list)

    def shown(self, text: str) -> str:
        """A ``--set`` argument (or anything naming one) with secret values hidden, unless --show-secrets."""
        if self.show_secrets:
            return text
        head, sep, arg = text.partition(" ")
        if head in ("--set", "--set-string") and sep:
            return f"{head} {redact_set_argument(arg)}"
        return redact_set_argument(text)

    @property
    def name(self) -> str:
        parts = [f"-f {d.name}" for d in self.docs] + [self.shown(str(a)) for a in self.set_args]
        return " ".join(parts)

    @property
    def lines(self) -> list[str]:
        return self._lines  # suppressions are applied per file, see relocate()

    @property
    def data(self) -> dict[str, Any]:
        return self.effective.values

    def get(self, path: KeyPath, default: Any = MISSING) -> Any:
        return self.effective.get(tuple(path), default)

    def has(self, path: KeyPath) -> bool:
        return self.get(path) is not MISSING

    def _doc(self, source: str) -> ValuesDocument | None:
        for d in self.docs:
            if d.name == source:
                return d
        if self.chart is not None and self.chart.name == source:
            return self.chart
        return None

    def origin_doc(self, path: KeyPath) -> ValuesDocument | None:
        origin = self.effective.origins.get(tuple(path))
        if origin is None or origin.kind is LayerKind.SET:
            return None
        return self._doc(origin.source)

    def locate(self, path: KeyPath) -> tuple[int, int] | None:
        doc = self.origin_doc(path)
        return doc.locate(path) if doc is not None else None

    def where(self, path: KeyPath) -> str | None:
        """``FILE:LINE`` of the layer that set ``path``, or the ``--set`` argument."""
        origin = self.effective.origins.get(tuple(path))
        if origin is None:
            return None
        return self.shown(str(origin)) if origin.kind is LayerKind.SET else str(origin)

    def scalar_source(self, path: KeyPath) -> str | None:
        doc = self.origin_doc(path)
        return doc.scalar_source(path) if doc is not None else None

    def relocate(self, problems: Sequence[Problem]) -> list[Problem]:
        """Point every finding at the file that set its key, and apply that file's inline suppressions."""
        by_file: dict[str, list[Problem]] = {}
        for p in problems:
            file = self.name
            if p.key:
                try:
                    path = parse(p.key)
                except Exception:
                    path = None
                if path is not None:
                    origin = self.effective.origin(path)
                    if origin is not None and origin.kind is LayerKind.SET:
                        # a --set has no line: the finding points at the argument itself
                        arg = self.shown(str(origin))
                        by_file.setdefault(arg, []).append(p._replace(file=arg, line=0, column=0))
                        continue
                    if origin is not None:
                        file = origin.source
            by_file.setdefault(file, []).append(p._replace(file=file))
        out: list[Problem] = []
        for file, found in by_file.items():
            doc = self._doc(file)
            out.extend(apply_suppressions(found, doc.lines) if doc is not None else found)
        return sorted(out, key=lambda p: p.sort_key())


def load_layered(
    files: Sequence[str],
    set_args: Sequence[SetArg] = (),
    chart_values: str | None = None,
    max_bytes: int | None = None,
) -> LayeredDocument:
    """Read the files (one-line errors for bad input), and merge them as Helm does."""
    limit = max_bytes or DEFAULT_MAX_BYTES
    docs = [load_file(f, max_bytes=limit) for f in files]
    layers = [Layer(d.name, d.data, d.locate, LayerKind.FILE) for d in docs]
    chart_doc = load_file(chart_values, max_bytes=limit) if chart_values else None
    chart = Layer(chart_doc.name, chart_doc.data, chart_doc.locate, LayerKind.CHART) if chart_doc else None
    eff = merge(layers, list(set_args), chart)
    return LayeredDocument(docs, list(set_args), eff, chart_doc)


def set_args_from(sets: Sequence[str] | None, set_strings: Sequence[str] | None) -> list[SetArg]:
    args = [SetArg(s, "set") for s in sets or ()]
    args += [SetArg(s, "set-string") for s in set_strings or ()]
    return args


def reparse_with(layered: LayeredDocument, target: ValuesDocument, new_text: str) -> LayeredDocument:
    """The same layered set with ``target``'s text replaced (to see what the edited set resolves to)."""
    docs = [load_text(new_text, d.name) if d is target else d for d in layered.docs]
    layers = [Layer(d.name, d.data, d.locate, LayerKind.FILE) for d in docs]
    chart = (
        Layer(layered.chart.name, layered.chart.data, layered.chart.locate, LayerKind.CHART)
        if layered.chart is not None
        else None
    )
    eff = merge(layers, layered.set_args, chart)
    return LayeredDocument(docs, layered.set_args, eff, layered.chart)
