"""Upload size -> DAG server resource block, the third-party ingress cap, and the rule run backwards.

The documented rule (Astronomer Software docs): 1 CPU and 1536Mi of memory allow up to 15 MB of compressed
DAGs per deploy; add 1 CPU and 1536Mi for each further 15 MB. For an upload of ``S`` bytes::

    blocks = max(1, ceil(S / 15 MB))      CPU = blocks      memory = blocks x 1536Mi

MB means 10^6 bytes (the conservative reading). Behind a third-party ingress controller no upload can exceed
8 MB (8_000_000 bytes), whatever the DAG server's size: that is an error no resource block can fix.

Run backwards (``allowed_upload``): ``blocks = floor(min(cpu, memory / 1536Mi))`` of what the current resources
*guarantee*, and the allowed upload is ``blocks x 15 MB``, capped at 8 MB behind a third-party ingress.
"Guarantee" is the conservative reading of a resource block: per resource, the smaller of the request and the
limit, where a missing request defaults to the limit (as Kubernetes does) and a missing limit means "no
limit". Normally that is simply the request.

Guard rails (``ceiling_message``, ``keep_larger``, ``above_need``): the rule is linear, so a mistyped size
(``40G``, ``1.5GiB``) asks for thousands of CPUs. A block above :data:`CEILING_CPU` (16 CPU) or
:data:`CEILING_MEMORY` (64Gi) is refused unless forced: the same block applies to the DAG server and every DAG
client container, and 16 CPU / 64 GiB is a whole large general-purpose node (AWS m5.4xlarge, GCP
n2-standard-16, Azure D16s v5) for *one* container. Under the rule, 16 CPU is reached first: 16 blocks,
240 MB compressed per deploy (:data:`CEILING_BYTES`). Sizing never lowers resources the file already has
above the need unless asked to (``exact``).

Everything here is pure and exact: bytes are ``int``, CPU is :class:`fractions.Fraction`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, TypeVar

from astro_config.errors import QuantityError
from astro_config.platform.quantities import format_cpu, format_memory, parse_cpu, parse_memory

__all__ = [
    "BLOCK_BYTES",
    "BLOCK_CPU",
    "BLOCK_MEMORY",
    "CEILING_BYTES",
    "CEILING_CPU",
    "CEILING_MEMORY",
    "GB",
    "INGRESSES",
    "KB",
    "MB",
    "MIB",
    "PLATFORM_DEFAULT_NOTE",
    "SHARED_RESOURCES_NOTE",
    "THIRD_PARTY_CAP",
    "Allowance",
    "Ingress",
    "Kept",
    "ResourceValues",
    "Sizing",
    "above_need",
    "allowed_upload",
    "blocks_for",
    "ceiling_message",
    "check_resources",
    "format_bytes",
    "keep_larger",
    "over_cap_message",
    "parse_size",
    "read_resources",
    "size_for_upload",
]

KB = 1000
MB = 1_000_000
GB = 1_000_000_000
MIB = 1024**2

BLOCK_BYTES = 15 * MB
"""Compressed upload bytes one block of resources allows."""
BLOCK_CPU = Fraction(1)
"""CPU cores in one block."""
BLOCK_MEMORY = 1536 * MIB
"""Memory bytes in one block (1.5 GiB; the docs' "1.5MB" is a typo for GB)."""
THIRD_PARTY_CAP = 8 * MB
"""Largest upload a third-party ingress controller lets through, whatever the DAG server size."""

CEILING_CPU = Fraction(16)
"""Largest CPU a computed block may ask for without ``--force`` (a whole 16-vCPU node, for one container)."""
CEILING_MEMORY = 64 * 1024**3
"""Largest memory (64Gi) a computed block may ask for without ``--force``."""

Ingress = Literal["bundled", "third-party"]
_Amount = TypeVar("_Amount", Fraction, int)  # exact amounts: CPU cores or bytes
INGRESSES: tuple[Ingress, ...] = ("bundled", "third-party")

SHARED_RESOURCES_NOTE = (
    "the same resources apply to the DAG server and to every DAG client (downloader) container, "
    "so sizing up the server sizes up the clients too"
)
PLATFORM_DEFAULT_NOTE = (
    "the platform default applies (Houston's 100m CPU / 384Mi on 0.34-0.35, the chart's 200m / 384Mi on 2.x)"
)


def _ceiling_blocks() -> int:
    return int(min(CEILING_CPU // BLOCK_CPU, CEILING_MEMORY // BLOCK_MEMORY))


CEILING_BYTES = _ceiling_blocks() * BLOCK_BYTES
"""The largest upload whose block stays within the ceiling (16 blocks: 240 MB)."""


def _check_ingress(ingress: str) -> Ingress:
    if ingress == "bundled":
        return "bundled"
    if ingress == "third-party":
        return "third-party"
    raise ValueError(f"ingress must be one of {', '.join(INGRESSES)}, not {ingress!r}")


# --------------------------------------------------------------------------------------------- sizes


_SIZE = r"\s*(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>[A-Za-z]*)\s*"  # (re compiles and caches it)
_SIZE_UNITS: dict[str, int] = {
    "": 1,
    "b": 1,
    "k": KB,
    "kb": KB,
    "m": MB,
    "mb": MB,
    "g": GB,
    "gb": GB,
    "t": 1000 * GB,
    "tb": 1000 * GB,
    "ki": 1024,
    "kib": 1024,
    "mi": MIB,
    "mib": MIB,
    "gi": 1024**3,
    "gib": 1024**3,
    "ti": 1024**4,
    "tib": 1024**4,
}
_SIZE_HELP = "write e.g. 12MB, 12.5MB, 12MiB, 800KB or a byte count (MB = 10^6 bytes)"


def parse_size(text: str) -> int:
    """Parse an upload size into bytes: ``12MB``, ``12.5MB``, ``12MiB``, ``800kB``, ``1GiB``, ``123``.

    Units are case-insensitive and the ``B`` is optional (``12M`` = ``12MB``); ``k``/``M``/``G``/``T`` are
    powers of 1000 and ``Ki``/``Mi``/``Gi``/``Ti`` powers of 1024. Space between number and unit is allowed.
    A fraction of a byte rounds up (sizing reads sizes conservatively); a bare number is a byte count and
    must be whole. Raises :class:`QuantityError` naming the text otherwise.
    """
    shown = repr(text) if len(text) <= 48 else repr(text[:48]) + "..."
    stripped = text.strip()
    if stripped.startswith("-"):
        raise QuantityError(f"{shown} is negative: an upload size cannot be negative")
    m = re.fullmatch(_SIZE, text)
    if m is None:
        raise QuantityError(f"{shown} is not a size: {_SIZE_HELP}")
    number, unit = m.group("number"), m.group("unit")
    factor = _SIZE_UNITS.get(unit.lower())
    if factor is None:
        raise QuantityError(f"{shown} is not a size: unknown unit {unit!r}; {_SIZE_HELP}")
    if len(number) > 30:
        raise QuantityError(f"{shown} is too large for an upload size")
    if not unit and "." in number:
        raise QuantityError(
            f"{shown} is not a whole number of bytes: a size without a unit is a byte count (did you mean {number}MB?)"
        )
    return math.ceil(Fraction(number) * factor)


def format_bytes(n: int) -> str:
    """Human text for a byte count in decimal units: ``15 MB``, ``12.5 MB``, ``8.0 MB (8,000,001 bytes)``.

    Round values (at most two decimals) are exact as shown; anything else is rounded to one decimal and
    followed by the exact byte count.
    """
    if n < 0:
        return "-" + format_bytes(-n)
    if n < KB:
        return "1 byte" if n == 1 else f"{n} bytes"
    unit, name = next((u, s) for u, s in ((1000 * GB, "TB"), (GB, "GB"), (MB, "MB"), (KB, "kB")) if n >= u)
    value = Fraction(n, unit)
    if (value * 100).denominator == 1:
        hundredths = int(value * 100)
        whole, frac = divmod(hundredths, 100)
        digits = f"{frac:02d}".rstrip("0")
        return f"{whole}.{digits} {name}" if digits else f"{whole} {name}"
    tenths = round(value * 10)  # never exactly .5 here, so no ties
    return f"{tenths // 10}.{tenths % 10} {name} ({n:,} bytes)"


def format_resources(res: Any) -> str:
    """``requests 100m CPU / 384Mi, limits 1 CPU / 1536Mi`` (other keys named after); ``none`` when empty."""
    if not isinstance(res, dict) or not res:
        return "none"
    parts = []
    for kind in ("requests", "limits"):
        block = res.get(kind)
        if isinstance(block, dict) and block:
            cpu, memory = block.get("cpu"), block.get("memory")
            inner = " / ".join(x for x in (f"{cpu} CPU" if cpu is not None else "", str(memory or "")) if x)
            others = [k for k in block if k not in ("cpu", "memory")]
            if others:
                inner += " (+ " + ", ".join(others) + ")"
            parts.append(f"{kind} {inner}")
    other = [k for k in res if k not in ("requests", "limits")]
    if other:
        parts.append("also " + ", ".join(other))
    return ", ".join(parts) if parts else "none"


# ------------------------------------------------------------------------------- forward: upload -> size


def over_cap_message(upload_bytes: int) -> str:
    """The one-line error for an upload above the third-party ingress cap."""
    return (
        f"an upload of {format_bytes(upload_bytes)} is above the {format_bytes(THIRD_PARTY_CAP)} that a "
        f"third-party ingress lets through, and no DAG server size can fix that: shrink the compressed "
        f"bundle to {format_bytes(THIRD_PARTY_CAP)} or less (leave out __pycache__, .git and data files), "
        f"or use the platform's bundled nginx (global.nginxEnabled, or global.nginx.enabled on 2.x)"
    )


def ceiling_message(needed: Sizing) -> str:
    """The one-line refusal for a block above the ceiling, with advice."""
    return (
        f"an upload of {format_bytes(needed.upload_bytes)} needs {needed.blocks} blocks: "
        f"{format_cpu(needed.cpu)} CPU / {format_memory(needed.memory)} for the DAG server and for every DAG client "
        f"container, above the {format_cpu(CEILING_CPU)} CPU / {format_memory(CEILING_MEMORY)} ceiling "
        f"(uploads up to {format_bytes(CEILING_BYTES)}; one container that size fills a whole large node); "
        "check the size you typed, slim the bundle (leave out __pycache__, .git and data files; ship data "
        "another way) or split the DAGs over several Deployments; --force writes it anyway"
    )


@dataclass(frozen=True)
class Sizing:
    """The resource block the documented rule asks for, for one upload size and ingress."""

    upload_bytes: int
    ingress: Ingress
    blocks: int
    cpu: Fraction
    memory: int

    @property
    def over_cap(self) -> bool:
        """True when a third-party ingress cannot carry this upload at all (an error, exit 1)."""
        return self.ingress == "third-party" and self.upload_bytes > THIRD_PARTY_CAP

    @property
    def max_upload_bytes(self) -> int:
        """The largest upload this block allows, capped at 8 MB behind a third-party ingress."""
        allowed = self.blocks * BLOCK_BYTES
        return min(allowed, THIRD_PARTY_CAP) if self.ingress == "third-party" else allowed

    @property
    def over_ceiling(self) -> bool:
        """True when the block is above :data:`CEILING_CPU` or :data:`CEILING_MEMORY` (refused unless forced)."""
        return self.cpu > CEILING_CPU or self.memory > CEILING_MEMORY

    @property
    def error(self) -> str | None:
        """The over-cap error message, or None when the upload can be served."""
        return over_cap_message(self.upload_bytes) if self.over_cap else None

    def resources(self) -> dict[str, dict[str, str]]:
        """The block to write: requests and limits both set, canonical quantity strings."""
        cpu, memory = format_cpu(self.cpu), format_memory(self.memory)
        return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu, "memory": memory}}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (the documented contract, plus ``cpu``/``memory``/``over_cap``)."""
        return {
            "upload_bytes": self.upload_bytes,
            "ingress": self.ingress,
            "blocks": self.blocks,
            "cpu": format_cpu(self.cpu),
            "memory": format_memory(self.memory),
            "resources": self.resources(),
            "max_upload_bytes": self.max_upload_bytes,
            "over_cap": self.over_cap,
            "over_ceiling": self.over_ceiling,
        }


def blocks_for(upload_bytes: int) -> int:
    """``max(1, ceil(S / 15 MB))``, in integers."""
    if upload_bytes < 0:
        raise ValueError(f"upload size cannot be negative: {upload_bytes}")
    return max(1, -(-upload_bytes // BLOCK_BYTES))


def size_for_upload(upload_bytes: int, ingress: str) -> Sizing:
    """Apply the documented rule. Never raises for a large third-party upload: check ``.over_cap``."""
    ingress_ = _check_ingress(ingress)
    blocks = blocks_for(upload_bytes)
    return Sizing(upload_bytes, ingress_, blocks, BLOCK_CPU * blocks, BLOCK_MEMORY * blocks)


# --------------------------------------------------------------------------- reading a resources block


@dataclass(frozen=True)
class ResourceValues:
    """A ``resources`` block read exactly. ``None`` where a key is absent or unreadable."""

    requests_cpu: Fraction | None = None
    requests_memory: int | None = None
    limits_cpu: Fraction | None = None
    limits_memory: int | None = None
    empty: bool = True  # no requests and no limits at all
    problems: tuple[str, ...] = ()  # unreadable quantities, non-mapping blocks, requests above limits

    @property
    def cpu(self) -> Fraction | None:
        """The CPU guaranteed: min(request, limit), a missing request defaulting to the limit."""
        return _guaranteed(self.requests_cpu, self.limits_cpu)

    @property
    def memory(self) -> int | None:
        """The memory guaranteed: min(request, limit), a missing request defaulting to the limit."""
        return _guaranteed(self.requests_memory, self.limits_memory)


def _guaranteed(request: _Amount | None, limit: _Amount | None) -> _Amount | None:
    if request is None:
        return limit
    if limit is None:
        return request
    return min(request, limit)


def read_resources(resources: object, *, prefix: str = "resources") -> ResourceValues:
    """Read ``{"requests": {...}, "limits": {...}}`` as found in values; never raises on bad content.

    Problems (a quantity that does not parse, a block that is not a mapping, requests above limits) are
    returned as one-line messages naming the key path under ``prefix``.
    """
    if resources is None:
        return ResourceValues()
    if not isinstance(resources, Mapping):
        return ResourceValues(problems=(f"{prefix} is not a mapping ({_kind(resources)})",))
    problems: list[str] = []
    parsed: dict[str, Any] = {}
    empty = True
    for side in ("requests", "limits"):
        block = resources.get(side)
        if block is None:
            continue
        if not isinstance(block, Mapping):
            problems.append(f"{prefix}.{side} is not a mapping ({_kind(block)})")
            continue
        for name in ("cpu", "memory"):
            raw = block.get(name)
            if raw is None:
                continue
            empty = False
            try:
                parsed[f"{side}_{name}"] = parse_cpu(raw) if name == "cpu" else parse_memory(raw)
            except QuantityError as e:
                problems.append(f"{prefix}.{side}.{name}: {e}")
    values = ResourceValues(empty=empty, **parsed)
    if values.requests_cpu is not None and values.limits_cpu is not None:
        problems += _above("cpu", values.requests_cpu, values.limits_cpu, format_cpu, prefix)
    if values.requests_memory is not None and values.limits_memory is not None:
        problems += _above("memory", values.requests_memory, values.limits_memory, format_memory, prefix)
    return ResourceValues(
        values.requests_cpu,
        values.requests_memory,
        values.limits_cpu,
        values.limits_memory,
        empty,
        tuple(problems),
    )


def _above(name: str, request: _Amount, limit: _Amount, fmt: Callable[[_Amount], str], prefix: str) -> list[str]:
    if request <= limit:
        return []
    return [
        f"{prefix}.requests.{name} ({fmt(request)}) is above {prefix}.limits.{name} ({fmt(limit)}): "
        f"Kubernetes rejects such a pod; set both"
    ]


def _kind(value: object) -> str:
    return {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


# ------------------------------------------------------------------------ does the current block suffice


def check_resources(
    current: Mapping[str, Any] | None, needed: Sizing, *, prefix: str = "resources"
) -> tuple[bool, list[str]]:
    """Do the current resources give the DAG server at least the ``needed`` block?

    Requests and limits are each compared with what is needed. A missing request counts as its limit (as in
    Kubernetes); a missing limit is reported too, because the platform may fill it with its own small default
    (200m / 384Mi on 2.x), so both should be written. Requests above limits are reported. Returns
    ``(suffices, reasons)``; ``reasons`` is empty exactly when it suffices.
    """
    values = read_resources(current, prefix=prefix)
    reasons = list(values.problems)
    shown_need = f"{format_cpu(needed.cpu)} CPU / {format_memory(needed.memory)}"
    if values.empty and not values.problems:
        reasons.append(f"{prefix} sets no CPU or memory, so {PLATFORM_DEFAULT_NOTE}: below the {shown_need} needed")
        return False, reasons
    reasons += _compare(prefix, "cpu", values.requests_cpu, values.limits_cpu, needed.cpu, format_cpu)
    reasons += _compare(prefix, "memory", values.requests_memory, values.limits_memory, needed.memory, format_memory)
    return not reasons, reasons


def _compare(
    prefix: str,
    name: str,
    request: _Amount | None,
    limit: _Amount | None,
    need: _Amount,
    fmt: Callable[[_Amount], str],
) -> list[str]:
    reasons: list[str] = []
    if limit is None:
        reasons.append(
            f"{prefix}.limits.{name} is not set (the platform may fill in its own small default): "
            f"set it to at least {fmt(need)}"
        )
    elif limit < need:
        reasons.append(f"{prefix}.limits.{name} is {fmt(limit)}, below the {fmt(need)} needed")
    if request is None:
        if limit is None:
            reasons.append(f"{prefix}.requests.{name} is not set: set it to {fmt(need)}")
    elif request < need:
        reasons.append(f"{prefix}.requests.{name} is {fmt(request)}, below the {fmt(need)} needed")
    return reasons


# ------------------------------------------------------------------- backwards: resources -> max upload


@dataclass(frozen=True)
class Allowance:
    """What the current resources allow per deploy under the documented rule."""

    ingress: Ingress
    blocks: int  # whole blocks (1 CPU + 1536Mi) the resources guarantee; 0 below one block
    max_upload_bytes: int  # blocks x 15 MB, capped at 8 MB behind a third-party ingress; 0 below one block
    cpu: Fraction | None  # the CPU the rule was run on (the guaranteed amount), None when unknown
    memory: int | None  # the memory the rule was run on, None when unknown
    capped: bool  # the third-party ingress cap, not the resources, is what limits the upload
    explanation: str  # one line
    problems: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "ingress": self.ingress,
            "blocks": self.blocks,
            "max_upload_bytes": self.max_upload_bytes,
            "cpu": None if self.cpu is None else format_cpu(self.cpu),
            "memory": None if self.memory is None else format_memory(self.memory),
            "capped": self.capped,
            "explanation": self.explanation,
            "problems": list(self.problems),
        }


def allowed_upload(resources: Mapping[str, Any] | None, ingress: str, *, prefix: str = "resources") -> Allowance:
    """The rule run backwards: the largest compressed upload the current resources allow.

    ``blocks = floor(min(cpu, memory / 1536Mi))`` on the guaranteed amounts (see the module docstring);
    ``max_upload_bytes = blocks x 15 MB``, capped at 8 MB behind a third-party ingress, and 0 (with an
    explanation) when the resources are below one block, unknown or unreadable: the documented rule then
    guarantees nothing (small uploads may still work).
    """
    ingress_ = _check_ingress(ingress)
    values = read_resources(resources, prefix=prefix)
    cpu, memory = values.cpu, values.memory
    block = f"one block ({format_cpu(BLOCK_CPU)} CPU / {format_memory(BLOCK_MEMORY)})"

    def none(explanation: str) -> Allowance:
        return Allowance(ingress_, 0, 0, cpu, memory, False, explanation, values.problems)

    if values.empty:
        if values.problems:
            return none(f"{prefix} cannot be read: {values.problems[0]}")
        return none(f"{prefix} sets no CPU or memory, so {PLATFORM_DEFAULT_NOTE}: below {block}")
    missing = [n for n, v in (("cpu", cpu), ("memory", memory)) if v is None]
    if missing and values.problems:
        return none(f"{prefix} cannot be read: {values.problems[0]}")
    if missing:
        what = " and ".join(f"{prefix}.requests.{n} / limits.{n}" for n in missing)
        return none(f"{what} not set, so {PLATFORM_DEFAULT_NOTE}: the rule guarantees no upload size")
    assert cpu is not None and memory is not None
    cpu_blocks = math.floor(cpu / BLOCK_CPU)
    memory_blocks = memory // BLOCK_MEMORY
    blocks = min(cpu_blocks, memory_blocks)
    shown = f"{format_cpu(cpu)} CPU / {format_memory(memory)}"
    if blocks == 0:
        return none(f"{shown} is below {block}, the smallest size the rule covers: it guarantees no upload size")
    allowed = blocks * BLOCK_BYTES
    limiting = ""
    if cpu_blocks != memory_blocks:
        limiting = " (limited by memory)" if memory_blocks < cpu_blocks else " (limited by CPU)"
    explanation = f"{shown} covers {blocks} block{'s' if blocks > 1 else ''}{limiting}: up to {format_bytes(allowed)}"
    capped = False
    if ingress_ == "third-party":
        capped = True
        allowed = THIRD_PARTY_CAP
        explanation += (
            f", but a third-party ingress caps every upload at {format_bytes(THIRD_PARTY_CAP)} whatever the size"
        )
    return Allowance(ingress_, blocks, allowed, cpu, memory, capped, explanation, values.problems)


# ------------------------------------------------------------------------- guard rails: never lower silently


@dataclass(frozen=True)
class Kept:
    """The block to write when sizing must not lower what is already there (:func:`keep_larger`)."""

    resources: dict[str, dict[str, Any]]  # requests/limits -> cpu/memory: the needed value or the current one
    kept: tuple[str, ...]  # one line per value kept because it is above the need
    raised_limits: tuple[str, ...] = ()  # limits raised to a kept request (requests must not exceed limits)


def keep_larger(current: Mapping[str, Any] | None, needed: Sizing, *, prefix: str = "resources") -> Kept:
    """The ``needed`` block, except where the current resources are larger: those values are kept as written.

    Per side and resource: ``request = max(need, current request)``, ``limit = max(need, current limit,
    request)`` (so requests never end above limits). A current value that cannot be read is replaced by the
    need. ``kept`` says, per value, what was kept and what the rule asks for.
    """
    block = needed.resources()
    out: dict[str, dict[str, Any]] = {side: dict(amounts) for side, amounts in block.items()}
    kept: list[str] = []
    raised: list[str] = []
    cur = current if isinstance(current, Mapping) else {}
    _keep_one(cur, "cpu", needed.cpu, parse_cpu, format_cpu, out, kept, raised, prefix)
    _keep_one(cur, "memory", needed.memory, parse_memory, format_memory, out, kept, raised, prefix)
    return Kept(out, tuple(kept), tuple(raised))


def _keep_one(
    cur: Mapping[str, Any],
    name: str,
    need: _Amount,
    parse: Callable[[Any], _Amount],
    fmt: Callable[[_Amount], str],
    out: dict[str, dict[str, Any]],
    kept: list[str],
    raised: list[str],
    prefix: str,
) -> None:
    amounts: dict[str, tuple[_Amount, Any]] = {}
    for side in ("requests", "limits"):
        section = cur.get(side)
        raw = section.get(name) if isinstance(section, Mapping) else None
        if raw is None or isinstance(raw, bool):
            continue
        try:
            amounts[side] = (parse(raw), raw)
        except QuantityError:  # unreadable: replaced by the need
            continue
    request = amounts.get("requests")
    limit = amounts.get("limits")
    unset = ""
    if request is None and limit is not None:  # Kubernetes defaults a missing request to the limit
        request, unset = limit, " (unset, so its limit)"
    if request is not None and request[0] > need:
        out["requests"][name] = request[1]
        kept.append(
            f"{prefix}.requests.{name} is {fmt(request[0])}{unset}, above the {fmt(need)} needed: kept "
            f"(--exact writes {fmt(need)})"
        )
    if limit is not None and limit[0] > need and (request is None or limit[0] >= request[0]):
        out["limits"][name] = limit[1]
        kept.append(
            f"{prefix}.limits.{name} is {fmt(limit[0])}, above the {fmt(need)} needed: kept (--exact writes "
            f"{fmt(need)})"
        )
    elif request is not None and request[0] > need:  # the kept request is above the limit: raise the limit
        out["limits"][name] = request[1]
        raised.append(
            f"{prefix}.limits.{name} set to {fmt(request[0])}, the kept request (a request above its limit is "
            "rejected by Kubernetes)"
        )


def above_need(current: Mapping[str, Any] | None, needed: Sizing, *, prefix: str = "resources") -> list[str]:
    """One line per current CPU/memory value (request or limit) above what the rule needs for ``needed``.

    Such resources suffice; the lines say by how much they exceed the need, since the block is paid for by the
    DAG server and every DAG client container."""
    values = read_resources(current, prefix=prefix)
    lines: list[str] = []
    for side, cpu in (("requests", values.requests_cpu), ("limits", values.limits_cpu)):
        if cpu is not None and cpu > needed.cpu:
            lines.append(f"{prefix}.{side}.cpu is {format_cpu(cpu)}, above the {format_cpu(needed.cpu)} needed")
    for side, memory in (("requests", values.requests_memory), ("limits", values.limits_memory)):
        if memory is not None and memory > needed.memory:
            lines.append(
                f"{prefix}.{side}.memory is {format_memory(memory)}, above the {format_memory(needed.memory)} needed"
            )
    return lines
